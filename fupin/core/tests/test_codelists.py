"""Code lists as data: seeding, the cache, labels on pages, exports and imports, custom items,
the edit services (validation, optimistic lock, permission, audit)."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from python_calamine import CalamineWorkbook

from fupin.accounts.selectors import load_actor
from fupin.audit.models import AuditEvent
from fupin.core import codelists
from fupin.core.codelists import store
from fupin.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fupin.core.models import CodeItem
from fupin.registry import codes, services
from fupin.registry.io import export
from fupin.registry.io.services import import_file
from fupin.registry.models import Household, HouseholdSnapshot, Member
from fupin.registry.selectors import HouseholdFilters
from fupin.registry.tests.factories import family, household_data
from fupin.registry.tests.test_import import family_rows, household_row, write_csv
from fupin.testing import client_for, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.pgcompat]


@pytest.fixture
def root(db: Any) -> Any:
    """A system administrator (national scope)."""
    return load_actor(make_user("root", ("sysadmin", "51")))


@pytest.fixture
def office_user(county: Any) -> Any:
    return make_user("office", ("poverty_office", county.code))


@pytest.fixture
def office(office_user: Any) -> Any:
    return load_actor(office_user)


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def item(list_key: str, value: str) -> CodeItem:
    return CodeItem.objects.get(list_key=list_key, value=value)


def rename(actor: Any, list_key: str, value: str, label: str, **extra: Any) -> CodeItem:
    row = item(list_key, value)
    kwargs = {"position": row.position, "active": row.active, "version": row.version, **extra}
    return codelists.update_item(actor=actor, pk=row.pk, label=label, **kwargs)


# --- seeding ----------------------------------------------------------------------------------


def test_every_registered_list_is_seeded_with_its_code_labels():
    for key, code_list in codelists.code_lists().items():
        rows = list(CodeItem.objects.filter(list_key=key).order_by("position"))
        assert [(r.value, r.label) for r in rows] == [
            (v, str(lbl)) for v, lbl in code_list.codes.choices
        ], key
        assert all(r.builtin and r.active for r in rows)


def test_sync_inserts_missing_items_and_never_overwrites_edits(root):
    rename(root, "Cause", "illness", "因病致贫")
    item("Cause", "disaster").delete()  # as if `disaster` were new in code
    CodeItem.objects.create(list_key="Fuel", value="retired", label="旧燃料", builtin=True)
    assert codelists.sync() == 1
    assert item("Cause", "illness").label == "因病致贫"
    restored = item("Cause", "disaster")
    assert restored.label == "因灾" and restored.builtin and restored.active
    assert not item("Fuel", "retired").builtin  # no longer defined in code: now a custom item
    assert codelists.sync() == 0


def test_extensible_lists_fit_the_model_fields():
    """A custom value must fit every registry column that stores the list."""
    from django.apps import apps

    for key, code_list in codelists.code_lists().items():
        lengths = []
        for model in apps.get_app_config("registry").get_models():
            for field in model._meta.get_fields():
                base = getattr(field, "base_field", field)
                raw = getattr(base, "_choices", None)
                if getattr(raw, "func", None) == codelists.FieldChoices(key):
                    lengths.append(int(getattr(base, "max_length", 0)))
        assert lengths, key
        if code_list.extensible:
            assert code_list.max_length == min(lengths), key


def test_field_choices_deconstructs_for_migrations():
    choices = codelists.FieldChoices("Cause")
    path, args, kwargs = choices.deconstruct()  # type: ignore[attr-defined]
    assert (path, args, kwargs) == ("fupin.core.codelists.FieldChoices", ("Cause",), {})
    assert choices == codelists.FieldChoices("Cause") != codelists.FieldChoices("Fuel")
    assert Household._meta.get_field("main_cause").flatchoices[0] == ("illness", "因病")


# --- reading ----------------------------------------------------------------------------------


def test_choices_labels_and_active_choices_follow_the_data(root):
    rename(root, "Cause", "illness", "因病致贫")
    custom = codelists.add_item(actor=root, list_key="Cause", value="no_housing", label="缺住房")
    assert codelists.label(codes.Cause, "illness") == "因病致贫"
    assert codelists.label("Cause", "no_housing") == "缺住房"
    assert codelists.label(codes.Cause, "unknown") == "unknown"
    assert codelists.choices(codes.Cause)[0] == ("illness", "因病致贫")
    assert codelists.choices(codes.Cause)[-1] == ("no_housing", "缺住房")
    codelists.update_item(
        actor=root, pk=custom.pk, label="缺住房", position=5, active=False, version=custom.version
    )
    assert codelists.choices(codes.Cause)[0] == ("no_housing", "缺住房")  # position 5 first
    assert ("no_housing", "缺住房") not in codelists.active_choices(codes.Cause)
    assert codelists.label(codes.Cause, "no_housing") == "缺住房"  # old records still display


def test_other_text_choices_are_left_alone():
    from fupin.workflows.models import NoticeLevel

    assert codelists.choices(NoticeLevel) == [(v, str(lbl)) for v, lbl in NoticeLevel.choices]


def test_cached_reads_cost_no_query(root, django_assert_num_queries):
    codelists.label(codes.Cause, "illness")
    with django_assert_num_queries(0):
        for _ in range(50):
            codelists.label(codes.Cause, "illness")
            codelists.choices(codes.Relation)


def test_without_the_table_the_code_labels_serve_without_a_query(monkeypatch):
    """A fresh database during migrate: the table is known to be absent, so no query runs."""
    conn_key = ("default", str(connection.settings_dict["NAME"]))
    monkeypatch.setattr(store.CACHE, "committed", {})
    monkeypatch.setitem(store.CACHE.tables, conn_key, time.monotonic())  # absent, just checked
    CodeItem.objects.filter(list_key="Cause", value="illness").update(label="改过")
    with CaptureQueriesContext(connection) as queries:
        assert codelists.label(codes.Cause, "illness") == "因病"
        assert codelists.choices("Fuel")[0] == ("firewood", "柴草")
    assert len(queries) == 0


def test_a_rolled_back_edit_leaves_nothing_in_the_cache(root):
    with pytest.raises(RuntimeError), transaction.atomic():
        rename(root, "Cause", "illness", "临时名称")
        assert codelists.label(codes.Cause, "illness") == "临时名称"  # its own transaction
        raise RuntimeError
    assert codelists.label(codes.Cause, "illness") == "因病"
    rename(root, "Cause", "illness", "因病致贫")
    assert codelists.label(codes.Cause, "illness") == "因病致贫"


# --- labels everywhere --------------------------------------------------------------------------


@pytest.fixture
def household(office: Any, village: Any) -> Household:
    return services.household_create(
        actor=office,
        village_code=village.code,
        data=household_data("5109810001", other_causes=["no_capital"], fuel="coal"),
        members=family(village.code[:6]),
    ).household


def test_edited_labels_show_on_the_household_page(root, household, office_user):
    rename(root, "Cause", "illness", "因病致贫")
    rename(root, "Cause", "no_capital", "缺少资金")
    rename(root, "Relation", "head", "户主本人")
    rename(root, "Fuel", "coal", "燃煤")
    assert household.get_main_cause_display() == "因病致贫"
    url = reverse("registry:household_detail", args=[household.pk])
    client = client_for(office_user)
    basic = client.get(url).content.decode()
    assert "因病致贫" in basic and "缺少资金" in basic
    assert "no_capital" not in basic  # other causes show labels, not codes
    assert "户主本人" in client.get(url, {"tab": "members"}).content.decode()
    assert "燃煤" in client.get(url, {"tab": "conditions"}).content.decode()


def test_edited_labels_show_in_the_csv_export(root, household, office):
    rename(root, "Cause", "illness", "因病致贫")
    rename(root, "Relation", "head", "户主本人")
    content = b"".join(export.iter_csv(office, HouseholdFilters())).decode("utf-8-sig")
    head = next(csv.DictReader(io.StringIO(content)))
    assert head["主要致贫原因"] == "因病致贫" and head["与户主关系"] == "户主本人"
    assert head["其他致贫原因"] == "缺资金"


def test_snapshot_pages_use_the_edited_labels(root):
    from fupin.registry.snapshots import selectors as snapshot_selectors

    rename(root, "Relation", "head", "户主本人")
    snapshot = HouseholdSnapshot(data={"household": {}, "members": [{"relation": "head"}]})
    assert snapshot_selectors.snapshot_display(snapshot)["members"][0]["relation_label"] == (
        "户主本人"
    )


def _import(office: Any, county: Any, village: Any, tmp_path: Path, **cells: str) -> Any:
    no = f"{village.code}00001"
    path = write_csv(
        tmp_path / "in.csv",
        [(household_row(no, village.code, 3, **cells), family_rows(no, village.code))],
    )
    return import_file(actor=office, path=str(path), mode="insert", region_code=county.code)


def _report(job: Any) -> list[list[Any]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(job.error_report.read()))
    return book.get_sheet_by_index(0).to_python()


@pytest.mark.parametrize("cell", ["因病致贫", "因病", "illness"])
def test_import_accepts_the_new_label_the_code_label_and_the_code(
    cell, root, office, county, village, tmp_path
):
    rename(root, "Cause", "illness", "因病致贫")
    job = _import(office, county, village, tmp_path, 主要致贫原因=cell)
    assert job.status == "succeeded", (job.message, job.error_count)
    assert Household.objects.get().main_cause == "illness"


def test_custom_cause_is_used_on_households_imports_and_exports(
    root, office, office_user, county, village, tmp_path
):
    codelists.add_item(actor=root, list_key="Cause", value="no_housing", label="缺住房")
    # Entered on the page (the model field's choices follow the list).
    created = services.household_create(
        actor=office,
        village_code=village.code,
        data=household_data("5109810009", main_cause="no_housing", other_causes=["no_housing"]),
        members=family(village.code[:6]),
    ).household
    assert created.get_main_cause_display() == "缺住房"
    page = client_for(office_user).get(reverse("registry:household_detail", args=[created.pk]))
    assert page.content.decode().count("缺住房") >= 2
    form_page = client_for(office_user).get(reverse("registry:household_create"))
    assert 'value="no_housing"' in form_page.content.decode()
    # Imported by its label.
    job = _import(
        office, county, village, tmp_path, 主要致贫原因="缺住房", 其他致贫原因="no_housing"
    )
    assert job.status == "succeeded", (job.message, job.error_count)
    imported = Household.objects.get(household_no=f"{village.code}00001")
    assert imported.main_cause == "no_housing" and imported.other_causes == ["no_housing"]
    content = b"".join(export.iter_csv(office, HouseholdFilters())).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content)))[:-1]  # the last line is the trailer
    assert {r["主要致贫原因"] for r in rows} == {"缺住房"}


def test_import_refuses_a_stopped_custom_item_by_name(root, office, county, village, tmp_path):
    custom = codelists.add_item(actor=root, list_key="Fuel", value="pellet", label="生物质颗粒")
    codelists.update_item(
        actor=root, pk=custom.pk, label="生物质颗粒", position=70, active=False, version=1
    )
    job = _import(office, county, village, tmp_path, 主要燃料类型="生物质颗粒")
    assert job.status == "failed" and Household.objects.count() == 0
    row = next(r for r in _report(job) if r[2] == "主要燃料类型")
    assert row[4] == "C02" and "“生物质颗粒”已停用" in row[5]


# --- the edit services -----------------------------------------------------------------------


def test_update_item_audits_with_the_reason(root):
    row = rename(root, "Cause", "illness", "因病致贫", reason="统一口径")
    assert row.version == 2 and row.updated_by_id == root.user_id
    events = AuditEvent.objects.filter(table_name="core_codeitem", object_pk=str(row.pk))
    event = events.filter(action="U").get()
    assert event.reason == "统一口径"


def test_version_conflict(root):
    row = item("Cause", "illness")
    codelists.update_item(
        actor=root, pk=row.pk, label="因病致贫", position=10, active=True, version=row.version
    )
    with pytest.raises(Conflict, match=r"该代码项已被 \S+ 于 \d\d:\d\d 修改"):
        codelists.update_item(
            actor=root, pk=row.pk, label="疾病", position=10, active=True, version=row.version
        )
    assert item("Cause", "illness").label == "因病致贫"


def test_only_the_system_administrator_changes_code_lists(admin_personas, county, village, root):
    row = item("Cause", "illness")
    kwargs: dict[str, Any] = {"pk": row.pk, "label": "x", "position": 10, "active": True}
    kwargs["version"] = 1
    with pytest.raises(PermissionDenied, match="系统管理员"):  # param.edit in one county only
        codelists.update_item(actor=load_actor(admin_personas.in_region), **kwargs)
    with pytest.raises(PermissionDenied):  # read-only viewer
        codelists.update_item(actor=load_actor(admin_personas.read_only), **kwargs)
    village_clerk = load_actor(make_user("clerk", ("village", village.code)))
    with pytest.raises(PermissionDenied):
        codelists.add_item(actor=village_clerk, list_key="Cause", value="abc", label="甲")
    with pytest.raises(PermissionDenied):
        codelists.overview(village_clerk)
    assert codelists.overview(load_actor(admin_personas.read_only))  # viewers may look
    assert item("Cause", "illness").label == "因病"
    # A deployment's system administrator edits them wherever the grant sits (the demo's
    # demo_sysadmin holds it at the county).
    county_sysadmin = load_actor(make_user("county_root", ("sysadmin", county.code)))
    assert codelists.update_item(actor=county_sysadmin, **kwargs).label == "x"


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("  ", "请填写名称"),
        ("因残", "已有名称为“因残”的代码项"),
        ("disability", "与「致贫原因」中的代码“disability”相同"),
        ("甲" * 51, "不能超过 50 个字符"),
    ],
)
def test_update_label_validation(root, label, message):
    with pytest.raises(ValidationFailed, match=message):
        rename(root, "Cause", "illness", label)


def test_a_renamed_items_old_label_stays_reserved(root):
    rename(root, "Cause", "illness", "因病致贫")
    with pytest.raises(ValidationFailed, match="原名称"):
        rename(root, "Cause", "disability", "因病")
    rename(root, "Cause", "illness", "因病")  # its own old label is fine


def test_builtin_items_cannot_be_stopped_custom_ones_can(root):
    with pytest.raises(ValidationFailed, match=r"系统内置的代码项.*不能停用"):
        rename(root, "Status", "poor", "未脱贫", active=False)
    custom = codelists.add_item(actor=root, list_key="RoadSurface", value="plank", label="木板路")
    stopped = codelists.update_item(
        actor=root, pk=custom.pk, label="木板路", position=50, active=False, version=1
    )
    assert not stopped.active


def test_position_validation(root):
    with pytest.raises(ValidationFailed, match="排序应为整数"):
        rename(root, "Cause", "illness", "因病", position="前")
    with pytest.raises(ValidationFailed, match="排序应在"):
        rename(root, "Cause", "illness", "因病", position=-1)


def test_update_unknown_item_is_not_found(root):
    with pytest.raises(NotFound):
        codelists.update_item(actor=root, pk=0, label="x", position=1, active=True, version=1)


@pytest.mark.parametrize(
    ("list_key", "value", "label", "message"),
    [
        ("Attribute", "rich", "富裕户", "不能新增"),
        ("Cause", "", "缺住房", "请填写代码"),
        ("Cause", "No-Housing", "缺住房", "小写英文字母、数字和下划线"),
        ("Cause", "缺住房", "缺住房", "小写英文字母、数字和下划线"),
        ("RoadSurface", "plank_road_x", "木板路", "不能超过 10 个字符"),
        ("Cause", "a" * 21, "缺住房", "不能超过 20 个字符"),
        ("Fuel", "coal", "燃煤", "已有代码“coal”"),
        ("Fuel", "pellet", "电", "已有名称为“电”的代码项"),
        ("PoliticalStatus", "nonparty", "", "请填写名称"),
    ],
)
def test_add_item_validation(root, list_key, value, label, message):
    with pytest.raises(ValidationFailed, match=message):
        codelists.add_item(actor=root, list_key=list_key, value=value, label=label)


def test_add_item_to_every_extensible_list_goes_last(root):
    for key in ("Cause", "RoadSurface", "Fuel", "PoliticalStatus"):
        added = codelists.add_item(actor=root, list_key=key, value="custom1", label="自定义一")
        assert not added.builtin and added.active and added.updated_by_id == root.user_id
        assert codelists.choices(key)[-1] == ("custom1", "自定义一")
    member_field = Member._meta.get_field("political_status")
    member_field.clean("custom1", None)  # the model field accepts the custom value


def test_forms_offer_current_labels_and_a_stopped_item_only_where_the_record_has_it(
    root, office, office_user, village
):
    from fupin.registry.forms import HouseholdCreateForm, HouseholdEditForm

    codelists.add_item(actor=root, list_key="Fuel", value="pellet", label="生物质颗粒")
    rename(root, "Fuel", "coal", "燃煤")
    created = services.household_create(
        actor=office,
        village_code=village.code,
        data=household_data("5109810011", fuel="pellet"),
        members=family(village.code[:6]),
    ).household
    rename(root, "Fuel", "pellet", "生物质颗粒", active=False)
    offered = dict(HouseholdCreateForm().fields["fuel"].choices)
    assert offered["coal"] == "燃煤" and "pellet" not in offered
    edit = HouseholdEditForm(initial={"fuel": "pellet"})
    assert dict(edit.fields["fuel"].choices)["pellet"] == "生物质颗粒"
    # Saving the edit page keeps the stopped value the household already has.
    url = reverse("registry:household_edit", args=[created.pk])
    client = client_for(office_user)
    page = client.get(url).content.decode()
    assert 'value="pellet"' in page
    response = client.post(url, _edit_post(created, reason="核对"))
    assert response.status_code == 302, response.content.decode()[:2000]
    created.refresh_from_db()
    assert created.fuel == "pellet" and created.version == 2


def test_services_refuse_a_stopped_item_chosen_anew_but_keep_one_already_held(
    root, office, village
):
    fuel = codelists.add_item(actor=root, list_key="Fuel", value="pellet", label="生物质颗粒")
    cause = codelists.add_item(actor=root, list_key="Cause", value="flood", label="山洪")
    party = codelists.add_item(
        actor=root, list_key="PoliticalStatus", value="custom1", label="无党派"
    )
    created = services.household_create(
        actor=office,
        village_code=village.code,
        data=household_data("5109810011", fuel="pellet", other_causes=["flood"]),
        members=family(village.code[:6]),
    ).household
    for row in (fuel, cause, party):
        rename(root, row.list_key, row.value, row.label, active=False)
    # Anew: on a new household, and as an edit to another value.
    with pytest.raises(
        ValidationFailed, match="主要燃料类型：“生物质颗粒”已停用，不能再选用"
    ) as new:
        services.household_create(
            actor=office,
            village_code=village.code,
            data=household_data("5109810012", fuel="pellet"),
            members=family(village.code[:6]),
        )
    assert new.value.errors == {"fuel": ["“生物质颗粒”已停用，不能再选用"]}
    other = services.household_create(
        actor=office,
        village_code=village.code,
        data=household_data("5109810013"),
        members=family(village.code[:6]),
    ).household
    with pytest.raises(ValidationFailed, match="“山洪”已停用"):
        services.household_update(
            actor=office, pk=other.pk, version=other.version, data={"other_causes": ["flood"]}
        )
    head = other.members.get(relation="head")
    with pytest.raises(ValidationFailed, match="政治面貌：“无党派”已停用"):
        services.member_update(
            actor=office,
            member_id=head.pk,
            version=head.version,
            data={"political_status": "custom1"},
        )
    # Held: the household keeps its stopped fuel and cause while other fields change, and
    # another cause joins the stopped one.
    saved = services.household_update(
        actor=office,
        pk=created.pk,
        version=created.version,
        data={"fuel": "pellet", "other_causes": ["flood", "illness"], "arable_land": 3},
    ).household
    assert saved.fuel == "pellet" and saved.other_causes == ["flood", "illness"]


def _edit_post(household: Household, **extra: str) -> dict[str, Any]:
    from fupin.registry.forms import HOUSEHOLD_FORM_FIELDS

    out: dict[str, Any] = {"version": household.version, **extra}
    for name in HOUSEHOLD_FORM_FIELDS:
        value = getattr(household, name)
        if isinstance(value, bool):
            if value:
                out[name] = "on"
        elif value is not None:  # lists (other causes) post as repeated values
            out[name] = value
    return out
