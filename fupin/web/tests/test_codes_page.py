"""The code list page (/system/codes/): who sees it, who edits, the Chinese messages."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from fupin.core import codelists
from fupin.core.models import CodeItem
from fupin.registry import codes
from fupin.testing import client_for, make_user

pytestmark = pytest.mark.django_db

URL = "/system/codes/"


@pytest.fixture
def root_user(db: Any) -> Any:
    return make_user("root", ("sysadmin", "51"))


@pytest.fixture
def clerk(village: Any) -> Any:
    """A village data clerk: no parameter permission at all."""
    return make_user("clerk", ("village", village.code))


def illness() -> CodeItem:
    return CodeItem.objects.get(list_key="Cause", value="illness")


def edit(item: CodeItem, **data: Any) -> dict[str, Any]:
    return {
        "label": item.label,
        "position": item.position,
        "active": "1" if item.active else "",
        "version": item.version,
        **data,
    }


def test_url_and_nav(root_user):
    assert reverse("web:codes") == URL
    html = client_for(root_user).get("/").content.decode()
    assert "代码表管理" in html and URL in html


def test_system_admin_sees_every_list_with_edit_and_add_forms(root_user):
    response = client_for(root_user).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    for code_list in codelists.code_lists().values():
        assert f'data-testid="list-{code_list.key}"' in html and code_list.title in html
    assert "因病" in html and "交通条件落后" in html and "内置" in html
    assert reverse("web:code_update", args=[illness().pk]) in html
    assert html.count('action="/system/codes/add/"') == 4  # the four extensible lists
    # On a phone the edit form stands in for the label and order columns it repeats.
    assert '<td data-testid="label" class="d-none d-md-table-cell">因病</td>' in html


def test_viewer_and_county_admin_may_look_but_not_edit(admin_personas):
    for user in (admin_personas.read_only, admin_personas.in_region):
        response = client_for(user).get(URL)
        assert response.status_code == 200
        html = response.content.decode()
        assert "因病" in html and 'data-testid="read-only-note"' in html
        assert "/system/codes/add/" not in html and "保存" not in html
        assert '<td data-testid="label" class="">因病</td>' in html  # the label always shows


def test_user_without_the_permission_is_refused(clerk):
    client = client_for(clerk)
    assert client.get(URL).status_code == 403
    item = illness()
    assert client.post(reverse("web:code_update", args=[item.pk]), edit(item)).status_code == 403
    add = {"list_key": "Cause", "value": "abc", "label": "甲"}
    assert client.post(reverse("web:code_add"), add).status_code == 403


def test_edit_form_permissions(admin_personas, root_user):
    item = illness()
    url = reverse("web:code_update", args=[item.pk])
    data = edit(item, label="因病致贫")
    assert client_for(admin_personas.read_only).post(url, data).status_code == 403
    response = client_for(admin_personas.in_region).post(url, data)
    assert response.status_code == 403 and "系统管理员" in response.content.decode()
    assert illness().label == "因病"
    client = client_for(root_user)
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == f"{URL}#list-Cause"
    assert illness().label == "因病致贫" and illness().version == 2
    assert codelists.label(codes.Cause, "illness") == "因病致贫"
    page = client.get(URL).content.decode()
    assert "代码项“因病致贫”已保存" in page


def test_add_form_permissions_and_custom_items_can_be_stopped(admin_personas, root_user):
    url = reverse("web:code_add")
    data = {"list_key": "Cause", "value": "no_housing", "label": "缺住房"}
    assert client_for(admin_personas.read_only).post(url, data).status_code == 403
    assert client_for(admin_personas.in_region).post(url, data).status_code == 403
    assert not CodeItem.objects.filter(value="no_housing").exists()
    client = client_for(root_user)
    assert client.post(url, data).status_code == 302
    custom = CodeItem.objects.get(list_key="Cause", value="no_housing")
    assert not custom.builtin and custom.active
    html = client.get(URL).content.decode()
    assert "缺住房" in html and "自定义" in html
    assert 'name="active" value="1" checked' in html  # the custom item has the switch
    stop = edit(custom, active="")
    assert client.post(reverse("web:code_update", args=[custom.pk]), stop).status_code == 302
    custom.refresh_from_db()
    assert not custom.active
    assert ("no_housing", "缺住房") not in codelists.active_choices(codes.Cause)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"label": ""}, "请填写名称"),
        ({"label": "因残"}, "「致贫原因」中已有名称为“因残”的代码项"),
        ({"active": ""}, "是系统内置的代码项，平台的业务规则依赖它，不能停用"),
        ({"position": "前"}, "排序应为整数"),
        ({"version": ""}, "缺少版本号"),
    ],
)
def test_edit_errors_are_chinese_and_keep_the_input(root_user, data, message):
    item = illness()
    response = client_for(root_user).post(
        reverse("web:code_update", args=[item.pk]), edit(item, **data)
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    assert illness().version == 1


def test_stale_version_is_a_conflict(root_user):
    item = illness()
    client = client_for(root_user)
    url = reverse("web:code_update", args=[item.pk])
    assert client.post(url, edit(item, label="因病致贫")).status_code == 302
    response = client.post(url, edit(item, label="疾病"))  # the version this page saw
    assert response.status_code == 409
    assert f"该代码项已被 {root_user} 于 " in response.content.decode()
    assert illness().label == "因病致贫"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"list_key": "Relation", "value": "cousin", "label": "表亲"},
            "「与户主关系」的代码由系统定义",
        ),
        ({"list_key": "Fuel", "value": "Pellet", "label": "颗粒"}, "小写英文字母、数字和下划线"),
        ({"list_key": "Fuel", "value": "gas", "label": "燃气"}, "「主要燃料类型」中已有代码“gas”"),
    ],
)
def test_add_errors_are_chinese_and_keep_the_input(root_user, data, message):
    response = client_for(root_user).post(reverse("web:code_add"), data)
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html
    if data["list_key"] == "Fuel":
        assert f'value="{data["value"]}"' in html  # the add form keeps what was typed


def test_unknown_item_is_404(root_user):
    response = client_for(root_user).post(
        reverse("web:code_update", args=[0]), {"label": "x", "position": 1, "version": 1}
    )
    assert response.status_code == 404
