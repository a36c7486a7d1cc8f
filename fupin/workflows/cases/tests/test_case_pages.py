"""Staff case pages: queue, search, the case page with its steps, and the POST endpoints."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from fupin.audit.models import AuditEvent
from fupin.core import idnumber
from fupin.registry.tests.factories import family, household_data
from fupin.testing import Personas, assert_jurisdiction, client_for, make_user
from fupin.workflows import engine
from fupin.workflows.cases import services
from fupin.workflows.conftest import Officials, make_household, upload
from fupin.workflows.models import Case, Objection
from fupin.workflows.notices import services as notices

pytestmark = pytest.mark.django_db


_numbers = iter(range(9000, 10_000))


def identification(o: Officials, village: Any) -> Case:
    # Numbers of their own: make_household numbers from 0001 up, like the automatic numbering.
    return services.identification_apply(
        actor=o.village,
        village_code=village.code,
        data=household_data(f"{village.code}{next(_numbers)}", main_cause="illness"),
        members=family(village.code[:6]),
        reason="因病致贫，申请纳入",
    )


def exit_case(o: Officials, village: Any, **extra: Any) -> Case:
    household = make_household(o.village, village, **extra)
    return services.exit_propose(actor=o.village, household_id=household.pk, reason="收入稳定达标")


def to_consented(o: Officials, case: Case) -> Case:
    engine.case_transition(
        actor=o.village,
        case_id=case.pk,
        step="deliberate",
        comment="评议通过",
        data={"food_secure": True, "clothing_secure": True},
    )
    engine.case_document_attach(actor=o.village, case=case, kind="consent", upload=upload())
    return engine.case_transition(actor=o.village, case_id=case.pk, step="consent")


def detail_url(case: Case) -> str:
    return reverse("workflows:case_detail", args=[case.pk])


def step_url(case: Case, name: str) -> str:
    return reverse("workflows:case_step", args=[case.pk, name])


def html(response: Any) -> str:
    return str(response.content.decode())


@pytest.fixture
def sibling_office(db: Any, sibling_county: Any) -> Any:
    return make_user("sibling_xian", ("poverty_office", sibling_county.code))


def personas(o: Officials, in_region: Any, sibling: Any) -> Personas:
    return Personas(in_region=in_region, read_only=o.discipline_user, out_of_region=sibling)


# --- rendering ---------------------------------------------------------------------------------


def test_every_page_renders_for_in_region_users(officials, village, county):
    o = officials
    ident = identification(o, village)
    exit_ = exit_case(o, village)
    monitored = make_household(o.village, village, status="exited")
    monitoring = services.monitoring_report(
        actor=o.village,
        household_id=monitored.pk,
        declaration=services.Declaration(
            reason="大病住院", risk_types=["medical"], medical_expense=Decimal("30000")
        ),
    )
    village_client = client_for(o.village_user)
    response = village_client.get(reverse("workflows:queue"))
    assert response.status_code == 200
    page = html(response)
    assert "我的待办" in page and ident.case_no in page and exit_.case_no in page
    response = village_client.get(reverse("workflows:case_list"), {"closed": "on", "q": "户"})
    assert response.status_code == 200 and ident.case_no in html(response)
    for case in (ident, exit_, monitoring):
        response = village_client.get(detail_url(case))
        assert response.status_code == 200, case.kind
        page = html(response)
        assert case.case_no in page and "办理记录" in page
    page = html(village_client.get(detail_url(exit_)))
    assert "脱贫标准核对" in page and "不愁吃、不愁穿" in page
    assert 'name="deliberate-food_secure"' in page and 'name="deliberate-clothing_secure"' in page
    page = html(village_client.get(detail_url(monitoring)))
    assert "风险评分" in page and "大额医疗自付支出" in page and "权重" in page
    assert "30000.00" in page
    # the household page's 办件 tab lists the case and offers what may be started
    response = village_client.get(
        reverse("registry:household_detail", args=[monitored.pk]), {"tab": "cases"}
    )
    page = html(response)
    assert response.status_code == 200 and monitoring.case_no in page
    assert "发起返贫认定" in page and "发起防返贫监测" not in page  # one open monitoring case
    for kind in ("identification", "village_exit"):
        user = o.village_user if kind == "identification" else o.township_user
        response = client_for(user).get(reverse("workflows:case_new", args=[kind]))
        assert response.status_code == 200, kind
    response = client_for(o.county_user).get(reverse("workflows:case_new", args=["county_exit"]))
    assert response.status_code == 200 and county.name in html(response)
    for kind in ("household_exit", "member_change", "monitoring"):
        url = reverse("workflows:case_new", args=[kind])
        poor = make_household(o.village, village)
        response = village_client.get(url, {"household": poor.pk})
        assert response.status_code == 200 and poor.household_no in html(response), kind
    response = village_client.get(reverse("workflows:case_new", args=["return_poverty"]))
    assert response.status_code == 200 and "选择农户" in html(response)


def test_creation_refused_for_the_wrong_role(officials, village):
    response = client_for(officials.township_user).get(
        reverse("workflows:case_new", args=["identification"])
    )
    assert response.status_code == 403
    assert "村级" in html(response)
    response = client_for(officials.discipline_user).get(
        reverse("workflows:case_new", args=["household_exit"])
    )
    assert response.status_code == 403


# --- jurisdiction ------------------------------------------------------------------------------


def test_detail_jurisdiction_for_village_township_and_county(officials, village, sibling_office):
    o = officials
    case = identification(o, village)
    for user in (o.village_user, o.township_user, o.county_user):
        assert_jurisdiction(personas(o, user, sibling_office), "get", detail_url(case))


def test_step_post_jurisdiction(officials, village, sibling_office):
    o = officials
    case = identification(o, village)
    # The harness posts JSON (no form fields): in-region users get the page back with errors.
    for user in (o.village_user, o.township_user, o.county_user):
        assert_jurisdiction(
            personas(o, user, sibling_office),
            "post",
            step_url(case, "group_review"),
            ok=(200,),
        )
    case.refresh_from_db()
    assert case.state == "applied"


def test_other_posts_jurisdiction(officials, village, sibling_office):
    o = officials
    case = exit_case(o, village)
    p = personas(o, o.village_user, sibling_office)
    for name in ("case_document", "case_override", "case_link"):
        assert_jurisdiction(p, "post", reverse(f"workflows:{name}", args=[case.pk]), ok=(200,))
    response = client_for(sibling_office).get(
        reverse("workflows:case_new", args=["household_exit"]),
        {"household": str(case.household_id)},
    )
    assert response.status_code in (403, 404)


# --- steps -------------------------------------------------------------------------------------


def test_step_through_the_page_records_fields_and_comment(officials, village):
    o = officials
    case = exit_case(o, village)
    client = client_for(o.village_user)
    response = client.post(
        step_url(case, "deliberate"),
        {
            "deliberate-version": case.version,
            "deliberate-comment": "全体村民代表评议通过",
            "deliberate-food_secure": "on",
            "deliberate-clothing_secure": "on",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "已办理“民主评议”" in html(response)
    case.refresh_from_db()
    assert case.state == "deliberated"
    assert case.data["food_secure"] is True and case.data["clothing_secure"] is True
    page = html(response)
    assert "全体村民代表评议通过" in page  # the timeline shows the comment
    assert "请先上传“农户签字确认书”" in page  # the consent step waits for its document


def test_missing_comment_keeps_the_user_on_the_page(officials, village):
    o = officials
    case = identification(o, village)
    response = client_for(o.village_user).post(
        step_url(case, "group_review"), {"group_review-version": case.version}
    )
    assert response.status_code == 200
    assert "请填写村民小组评议意见" in html(response)
    case.refresh_from_db()
    assert case.state == "applied"


def test_stale_version_shows_conflict_and_changes_nothing(officials, village):
    o = officials
    case = identification(o, village)
    seen = case.version
    engine.case_transition(actor=o.secretary, case_id=case.pk, step="group_review", comment="同意")
    case.refresh_from_db()
    state, version = case.state, case.version
    response = client_for(o.village_user).post(
        step_url(case, "group_review"),
        {"group_review-version": seen, "group_review-comment": "同意"},
    )
    assert response.status_code == 409
    page = html(response)
    assert "该办件已由shuji于" in page and "请刷新后查看" in page
    case.refresh_from_db()
    assert (case.state, case.version) == (state, version)
    assert case.transitions.filter(name="group_review").count() == 1


def test_guard_failures_shown_before_clicking(officials, village):
    o = officials
    case = to_consented(o, exit_case(o, village))
    engine.case_transition(actor=o.village, case_id=case.pk, step="publish_village")
    page = html(client_for(o.township_user).get(detail_url(case)))
    start = page.index('data-testid="step-township_approve"')
    form = page[start : page.index("</form>", start)]
    assert "村内公示期未满" in form
    assert "disabled" in form
    # the return step has no guard: its button is enabled
    start = page.index('data-testid="step-township_return"')
    assert "disabled" not in page[start : page.index("</form>", start)]
    assert "/cases/notices/" in page  # the notice entry links to the notice page


def test_override_through_the_page(officials, village):
    o = officials
    case = to_consented(o, exit_case(o, village, housing_grade="D"))
    page = html(client_for(o.village_user).get(detail_url(case)))
    assert "住房安全有保障" in page and 'data-testid="override-form"' not in page
    assert "未达到脱贫标准：住房安全有保障" in page
    township = client_for(o.township_user)
    page = html(township.get(detail_url(case)))
    assert 'data-testid="override-form"' in page
    response = township.post(
        reverse("workflows:case_override", args=[case.pk]),
        {"version": case.version, "reason": "太短"},
    )
    assert response.status_code == 200 and "请详细填写放行理由" in html(response)
    response = township.post(
        reverse("workflows:case_override", args=[case.pk]),
        {"version": case.version, "reason": "危房改造已竣工待验收，经乡镇核实住房安全"},
        follow=True,
    )
    page = html(response)
    assert "未达标放行理由已登记" in page and "危房改造已竣工待验收" in page
    case.refresh_from_db()
    assert case.override_reason and case.override_failures[0]["code"] == "housing"
    page = html(client_for(o.village_user).get(detail_url(case)))
    start = page.index('data-testid="step-publish_village"')
    assert "disabled" not in page[start : page.index("</form>", start)]


# --- batch -------------------------------------------------------------------------------------


def test_batch_through_the_queue_reports_successes_and_failures(officials, village):
    o = officials
    cases = [identification(o, village) for _ in range(4)]
    moved = cases[-1]
    engine.case_transition(actor=o.secretary, case_id=moved.pk, step="group_review", comment="同意")
    client = client_for(o.village_user)
    page = html(
        client.get(reverse("workflows:queue"), {"kind": "identification", "state": "applied"})
    )
    assert 'data-testid="batch-form"' in page and '<option value="group_review">' in page
    response = client.post(
        reverse("workflows:case_batch"),
        {
            "kind": "identification",
            "state": "applied",
            "step": "group_review",
            "comment": "小组评议同意",
            "cases": [c.pk for c in cases],
        },
        follow=True,
    )
    page = html(response)
    assert "成功 3 件，失败 1 件" in page
    assert f"{moved.case_no}：该办件已由shuji" in page
    states = dict(Case.objects.filter(pk__in=[c.pk for c in cases]).values_list("pk", "state"))
    assert list(states.values()).count("reviewed") == 4
    assert (
        Case.objects.get(pk=cases[0].pk).transitions.get(name="group_review").comment
        == "小组评议同意"
    )


def test_batch_refused_for_read_only(officials, village):
    case = identification(officials, village)
    response = client_for(officials.discipline_user).post(
        reverse("workflows:case_batch"),
        {"kind": "identification", "state": "applied", "step": "group_review", "cases": [case.pk]},
    )
    assert response.status_code == 403


def test_queue_query_count_is_bounded(officials, village, django_assert_max_num_queries):
    o = officials
    for _ in range(12):
        identification(o, village)
    client = client_for(o.village_user)
    client.get(reverse("workflows:queue"))  # warm the session
    with django_assert_max_num_queries(13):
        response = client.get(
            reverse("workflows:queue"), {"kind": "identification", "state": "applied"}
        )
    assert response.status_code == 200
    assert html(response).count('class="form-check-input case-check"') == 12
    with django_assert_max_num_queries(13):
        response = client.get(reverse("workflows:case_list"), {"closed": "on"})
    assert response.status_code == 200


# --- documents, objections, link ------------------------------------------------------------------


def test_document_upload_and_download(officials, village, sibling_office):
    o = officials
    case = exit_case(o, village)
    client = client_for(o.village_user)
    response = client.post(
        reverse("workflows:case_document", args=[case.pk]),
        {"kind": "consent", "note": "户主签字", "file": upload("qianzi.pdf")},
        follow=True,
    )
    assert "材料已上传" in html(response)
    document = case.documents.get()
    assert document.kind == "consent"
    url = reverse("workflows:case_document_file", args=[case.pk, document.pk])
    assert client.get(url).status_code == 200
    assert client_for(sibling_office).get(url).status_code == 404
    response = client.post(
        reverse("workflows:case_document", args=[case.pk]),
        {"kind": "consent", "file": upload("virus.exe", b"MZ")},
    )
    assert response.status_code == 200 and "材料格式不支持" in html(response)


def test_objection_resolved_through_the_page(officials, village):
    o = officials
    case = identification(o, village)
    engine.case_transition(actor=o.village, case_id=case.pk, step="group_review", comment="同意")
    engine.case_transition(actor=o.village, case_id=case.pk, step="verify", comment="属实")
    engine.case_transition(actor=o.village, case_id=case.pk, step="publish_village")
    notice_id = case.notice_entries.get().notice_id
    notices.objection_submit(
        notice_id=notice_id,
        data=notices.ObjectionInput(content="该户家中有小轿车，收入较高", name="王某"),
    )
    case.refresh_from_db()
    assert case.state == "reviewed"
    objection = Objection.objects.get()
    client = client_for(o.village_user)
    page = html(client.get(detail_url(case)))
    assert "该户家中有小轿车" in page and f'data-testid="resolve-{objection.pk}"' in page
    assert "有尚未核实的公示异议" in page  # the verify step is blocked before clicking
    response = client.post(
        reverse("workflows:objection_resolve", args=[case.pk, objection.pk]),
        {
            f"o{objection.pk}-upheld": "0",
            f"o{objection.pk}-resolution": "车辆为亲属所有，核实不属实",
        },
        follow=True,
    )
    assert "异议核实结论已登记" in html(response)
    objection.refresh_from_db()
    assert objection.status == "dismissed"


def test_link_household_for_a_public_declaration(officials, village):
    o = officials
    household = make_household(o.village, village, status="exited")
    # A declaration whose number is not in the registry opens a case without a household.
    other = idnumber.make(village.code[:6], dt.date(1980, 1, 1), 77)
    case = services.declaration_submit(
        village_code=village.code,
        name="赵六",
        id_number=other,
        phone="13800001234",
        declaration=services.Declaration(reason="失业返乡收入骤减", risk_types=["unemployment"]),
    )
    assert case.household is None
    client = client_for(o.village_user)
    page = html(client.get(detail_url(case)))
    assert 'data-testid="link-form"' in page and "请先关联农户" in page
    # The village may call the declarant back: masked by default, revealed with a reason.
    assert "13800001234" not in page and "138****1234" in page and "确认查看" in page
    reveal = reverse("workflows:case_declarant_reveal", args=[case.pk])
    shown = html(client.post(reveal, {"reason_choice": "办理业务", "reason_text": "回访"}))
    assert "13800001234" in shown
    event = AuditEvent.objects.get(action="R", table_name="workflows_case")
    assert event.object_pk == str(case.pk) and event.reason == "办理业务：回访"
    viewer = client_for(make_user("chakan", ("viewer", village.code[:6])))
    page = html(viewer.get(detail_url(case)))
    assert "13800001234" not in page and "138****1234" in page and "确认查看" not in page
    assert viewer.post(reveal, {"reason_choice": "办理业务"}).status_code == 403
    response = client.post(
        reverse("workflows:case_link", args=[case.pk]),
        {"version": case.version, "household_no": "nope"},
    )
    assert response.status_code == 200 and "本村没有该户编号的农户" in html(response)
    response = client.post(
        reverse("workflows:case_link", args=[case.pk]),
        {"version": case.version, "household_no": household.household_no},
        follow=True,
    )
    assert "已关联农户" in html(response)
    case.refresh_from_db()
    assert case.household_id == household.pk
