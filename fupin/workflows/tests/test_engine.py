"""The engine itself: who may take every step of every flow, preview, batch transitions under
one audit batch, and the audit reason of a transition."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from fupin.accounts.selectors import load_actor
from fupin.audit.models import AuditBatch, AuditEvent
from fupin.core.errors import NotFound, PermissionDenied, ValidationFailed
from fupin.regions.models import Region
from fupin.testing import SIBLING_COUNTY, make_user
from fupin.workflows import engine
from fupin.workflows.conftest import make_household
from fupin.workflows.models import Case, Transition

pytestmark = [pytest.mark.django_db, pytest.mark.pgcompat]

V = "village secretary"
T, C, CITY, P = "township", "county county2", "city", "province"

# Who may take each step (officials' attribute names), written out by hand from SPEC §3 so
# that a change of a flow's table is a deliberate change of this test too.
EXPECTED: dict[str, dict[str, str]] = {
    "identification": {
        "group_review": V, "verify": V, "publish_village": V,
        "township_approve": T, "township_return": T, "publish_township": T, "reject": T,
        "county_approve": C, "county_return": C, "publish_county": C, "register": C,
        "county_reject": C,
    },
    "household_exit": {
        "deliberate": V, "consent": V, "publish_village": V,
        "township_approve": T, "township_return": T,
        "county_approve": C, "county_return": C, "publish_county": C, "mark_exited": C,
        "withdraw": f"{T} {C}",
    },
    "return_poverty": {
        "verify": V, "publish_village": V, "township_approve": T, "county_approve": C,
        "reject": f"{T} {C}",
    },
    "member_change": {"township_approve": T, "township_reject": T},
    "monitoring": {
        "verify": V, "deliberate": V, "assist": V, "relapse": V,
        "township_review": T, "publish": T, "risk_gone": T,
        "confirm": C, "clear": C, "mark": C, "reject": f"{T} {C}",
    },
    "village_exit": {
        "township_verify": T, "publish": T, "withdraw": T, "county_approve": C,
        "county_return": C,
    },
    "county_exit": {
        "city_review": CITY, "city_return": CITY,
        "publish": P, "province_approve": P, "province_return": P,
    },
}  # fmt: skip

OFFICIALS = ("village", "secretary", "township", "county", "county2", "city", "province")


def test_every_flow_and_step_is_in_the_table() -> None:
    # Other apps register their own flows: the supervision app its "alert" flow.
    own = {kind: flow for kind, flow in engine.FLOWS.items() if kind != "alert"}
    assert set(EXPECTED) == set(own)
    for kind, flow in own.items():
        assert set(EXPECTED[kind]) == {s.name for s in flow.steps if not s.system}, kind
        assert flow.objection_target or kind == "member_change"


def subject_case(o: Any, kind: str, village: Any) -> Case:
    flow = engine.flow_of(kind)
    household = None
    region = village
    if flow.subject_level == "household":
        household = make_household(o.village, village)
    elif flow.subject_level == "county":
        region = Region.objects.get(code=village.code[:6])
    return engine.case_create(actor=o.county, kind=kind, region=region, household=household,
                              title=f"{kind} 测试", system=True)  # fmt: skip


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_who_may_take_each_step(officials: Any, village: Any, kind: str) -> None:
    o = officials
    case = subject_case(o, kind, village)
    flow = engine.flow_of(kind)
    sibling = load_actor(make_user("sibling_office", ("poverty_office", SIBLING_COUNTY)))
    for step in flow.steps:
        if step.system:
            continue
        allowed = set(EXPECTED[kind][step.name].split())
        for state in step.sources:
            Case.objects.filter(pk=case.pk).update(state=state)
            case.refresh_from_db()
            for name in OFFICIALS:
                actor = getattr(o, name)
                offered = [s.name for s, _ in engine.preview(actor, case)]
                if name in allowed:
                    assert step.name in offered, (kind, step.name, state, name)
                    continue
                assert step.name not in offered, (kind, step.name, state, name)
                sees = actor.sees(case.region_code)
                expected_error = PermissionDenied if sees else NotFound
                with pytest.raises(expected_error) as exc:
                    engine.case_transition(
                        actor=actor, case_id=case.pk, step=step.name, comment="x"
                    )
                if sees:
                    assert f"“{step.label}”须由" in exc.value.message
                    assert "办理" in exc.value.message
            with pytest.raises(PermissionDenied):
                engine.case_transition(
                    actor=o.discipline, case_id=case.pk, step=step.name, comment="x"
                )
            with pytest.raises(NotFound):
                engine.case_transition(actor=sibling, case_id=case.pk, step=step.name, comment="x")
    assert Transition.objects.filter(case=case).count() == 1  # only the creation


def test_preview_lists_guard_failures(officials: Any, village: Any) -> None:
    o = officials
    case = subject_case(o, "household_exit", village)
    assert [s.name for s, _ in engine.preview(o.village, case)] == ["deliberate"]
    assert engine.preview(o.discipline, case) == []
    case.state = "deliberated"
    (step, failures), = engine.preview(o.secretary, case)  # fmt: skip
    assert step.name == "consent" and failures == ["请先上传“农户签字确认书”"]
    case.state = "proposed"
    township_steps = {s.name: f for s, f in engine.preview(o.township, case)}
    assert set(township_steps) == {"withdraw"} and township_steps["withdraw"] == []


def test_acting_scope_lists_what_waits_for_the_actor(officials: Any, village: Any) -> None:
    o = officials
    case = subject_case(o, "household_exit", village)
    assert Case.objects.filter(engine.acting_scope_q(o.village)).filter(pk=case.pk).exists()
    # The township could stop it (终止退出), but it waits for the village's deliberation.
    assert not Case.objects.filter(engine.acting_scope_q(o.township)).filter(pk=case.pk).exists()
    Case.objects.filter(pk=case.pk).update(state="village_notice")
    assert Case.objects.filter(engine.acting_scope_q(o.township)).filter(pk=case.pk).exists()
    Case.objects.filter(pk=case.pk).update(state="county_approved")
    assert not Case.objects.filter(engine.acting_scope_q(o.village)).exists()
    assert Case.objects.filter(engine.acting_scope_q(o.county)).filter(pk=case.pk).exists()
    assert not Case.objects.filter(engine.acting_scope_q(o.discipline)).exists()


def test_transition_is_audited_with_the_step_and_comment(officials: Any, village: Any) -> None:
    o = officials
    case = subject_case(o, "household_exit", village)
    engine.case_transition(actor=o.village, case_id=case.pk, step="deliberate", comment="全体同意")
    events = AuditEvent.objects.filter(table_name="workflows_case", object_pk=str(case.pk))
    update = events.filter(action="U").get()
    assert update.reason == "民主评议：全体同意"
    assert update.old is not None and update.new is not None
    assert update.old["state"] == "proposed" and update.new["state"] == "deliberated"
    row = Transition.objects.get(case=case, name="deliberate")
    inserted = AuditEvent.objects.get(table_name="workflows_transition", object_pk=str(row.pk))
    assert inserted.action == "I" and inserted.reason == "民主评议：全体同意"


def bulk_cases(village: Any, n: int, state: str) -> list[int]:
    start = Case.objects.count()
    Case.objects.bulk_create(
        Case(case_no=f"JC-{village.code[:6]}-2026-9{start + i:05d}", kind="monitoring",
             state=state, subject_level="household", region=village, region_code=village.code,
             county_code=village.code[:6], year=2026, title=f"批量测试 {i}")
        for i in range(n)
    )  # fmt: skip
    return list(Case.objects.filter(state=state).order_by("id").values_list("id", flat=True))


def test_batch_transition_one_audit_batch(officials: Any, village: Any, township: Any) -> None:
    o = officials
    ready = bulk_cases(village, 195, "deliberated")
    early = bulk_cases(village, 5, "declared")
    other_village = township.parent.children.exclude(code=township.code).first().children.first()
    elsewhere = engine.case_create(actor=o.county, kind="monitoring", region=other_village,
                                   title="其他乡镇", system=True)  # fmt: skip
    ids = [*ready, *early, elsewhere.pk, ready[0]]  # a duplicate is taken once
    result = engine.case_batch_transition(
        actor=o.township, case_ids=ids, step="township_review", comment="批量审核通过",
        today=dt.date(2026, 3, 2),
    )  # fmt: skip
    assert result.done == ready
    assert set(result.failed) == {*early, elsewhere.pk}
    assert all("当前环节为“申报/预警”" in result.failed[i] for i in early)
    assert result.failed[elsewhere.pk] == "记录不存在或不在您的管辖范围内"
    assert Case.objects.filter(pk__in=ready, state="township_reviewed").count() == 195
    assert Case.objects.filter(pk__in=early, state="declared").count() == 5

    batch = AuditBatch.objects.get()
    assert batch.pk == result.batch_id and batch.kind == "workflow.batch"
    assert batch.row_count == 195 and batch.finished_at is not None
    assert batch.actor_id == o.township.user_id
    rows = Transition.objects.filter(name="township_review")
    assert rows.count() == 195 and set(rows.values_list("batch_id", flat=True)) == {batch.pk}
    assert (
        AuditEvent.objects.filter(
            table_name="workflows_case", action="U", batch_id=batch.pk
        ).count()
        == 195
    )


def test_batch_refusals(officials: Any) -> None:
    o = officials
    with pytest.raises(ValidationFailed, match="请选择要办理的办件"):
        engine.case_batch_transition(actor=o.township, case_ids=[], step="township_review")
    with pytest.raises(ValidationFailed, match="一次最多批量办理 2000 件"):
        engine.case_batch_transition(actor=o.township, case_ids=list(range(1, 2002)), step="x")
    with pytest.raises(PermissionDenied, match="只读角色不能办理案件"):
        engine.case_batch_transition(actor=o.discipline, case_ids=[1], step="township_review")
    assert not AuditBatch.objects.exists()


def test_one_open_case_per_household_and_kind(officials: Any, village: Any) -> None:
    o = officials
    case = subject_case(o, "monitoring", village)
    with pytest.raises(ValidationFailed, match="已有办理中的“防返贫监测”"):
        engine.case_create(actor=o.village, kind="monitoring", region=village,
                           household=case.household, title="重复")  # fmt: skip
    with pytest.raises(ValidationFailed, match="办件类型“nope”不存在"):
        engine.case_create(actor=o.village, kind="nope", region=village, title="x")
    assert engine.kind_label("monitoring") == "防返贫监测"
    assert engine.kind_label("nope") == "nope"
