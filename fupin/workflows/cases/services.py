"""Opening cases of each kind, linking households, samples and surveys. State changes after
opening go through `engine.transition` only."""

from __future__ import annotations

import datetime as dt
import random
import secrets
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from fupin.core.access import Actor, Perm, system_actor
from fupin.core.errors import NotFound, ValidationFailed
from fupin.core.versioning import versioned_update
from fupin.regions.models import Level, Region
from fupin.registry import codes, identity
from fupin.registry import selectors as registry_selectors
from fupin.registry import services as registry_services
from fupin.registry.models import Household, Member
from fupin.workflows import engine
from fupin.workflows.cases import risk
from fupin.workflows.cases.models import Case
from fupin.workflows.flows import dynamic
from fupin.workflows.samples.models import Sample, SampleItem, Survey


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationFailed("请填写申请理由或情况说明", errors={"reason": ["必填"]})
    return reason[:1000]


def _household(actor: Actor, household_id: int) -> Household:
    return registry_selectors.access_household(actor, household_id, Perm.CASE_VIEW)


def _year(year: int | None) -> int:
    return year or timezone.localdate().year


def next_household_no(village_code: str) -> str:
    """The next free 户编号 of a village: its code and a 4-digit serial."""
    last = Household.objects.filter(
        household_no__startswith=village_code, household_no__regex=r"^\d{16}$"
    ).aggregate(m=Max("household_no"))["m"]
    serial = int(last[len(village_code) :]) + 1 if last else 1
    return f"{village_code}{serial:04d}"


@transaction.atomic
def identification_apply(
    *,
    actor: Actor,
    village_code: str,
    data: dict[str, Any],
    members: list[dict[str, Any]],
    reason: str,
    year: int | None = None,
) -> Case:
    """农户申请: enter the applicant household (status 识别中) and open its case."""
    year = _year(year)
    reason = _reason(reason)
    village = Region.objects.filter(code=village_code, level=Level.VILLAGE).first()
    if village is None:
        raise ValidationFailed("请选择申请户所在村", errors={"village": ["村不存在"]})
    values = {**data, "status": codes.Status.APPLICANT, "identified_year": year}
    if not values.get("household_no"):
        values["household_no"] = next_household_no(village.code)
    saved = registry_services.household_create(
        actor=actor, village_code=village.code, data=values, members=members
    )
    household = saved.household
    return engine.case_create(
        actor=actor,
        kind="identification",
        region=village,
        household=household,
        year=year,
        title=f"{household.head_name}户贫困户识别申请",
        data={"reason": reason},
        channel="application",
    )


@transaction.atomic
def exit_propose(*, actor: Actor, household_id: int, reason: str, year: int | None = None) -> Case:
    household = _household(actor, household_id)
    if household.status not in codes.POOR_STATUSES:
        raise ValidationFailed(
            f"该户状态为“{household.get_status_display()}”，只有未脱贫户或返贫户可以提出脱贫"
        )
    return engine.case_create(
        actor=actor,
        kind="household_exit",
        region=household.village,
        household=household,
        year=_year(year),
        title=f"{household.head_name}户脱贫退出",
        data={"reason": _reason(reason)},
    )


@transaction.atomic
def return_report(*, actor: Actor, household_id: int, reason: str) -> Case:
    household = _household(actor, household_id)
    if household.status != codes.Status.EXITED:
        raise ValidationFailed("只有已脱贫户可以申报返贫")
    return engine.case_create(
        actor=actor,
        kind="return_poverty",
        region=household.village,
        household=household,
        title=f"{household.head_name}户返贫认定",
        data={"reason": _reason(reason)},
    )


@transaction.atomic
def member_change_request(
    *, actor: Actor, household_id: int, payload: dict[str, Any], evidence: Any = None
) -> Case:
    """A natural change as a case: the village reports it with evidence, the township
    approves it, and only then is it applied to the registry."""
    household = _household(actor, household_id)
    reason = _reason(str(payload.get("reason", "")))
    data = dynamic.change_payload({**payload, "reason": reason})
    if (
        "member_id" in data
        and not household.members.filter(pk=data["member_id"], left_on__isnull=True).exists()
    ):
        raise ValidationFailed("请选择本户的在册成员", errors={"member_id": ["不是本户在册成员"]})
    kind_label = codes.MemberChangeKind(data["change_kind"]).label
    case = engine.case_create(
        actor=actor,
        kind="member_change",
        region=household.village,
        household=household,
        title=f"{household.head_name}户成员变更（{kind_label}）",
        data=data,
    )
    if evidence is not None:
        engine.case_document_attach(actor=actor, case=case, kind="evidence", upload=evidence)
    return case


@dataclass
class Declaration:
    """What a monitoring report says: category, risk types, expense, description."""

    reason: str
    risk_types: list[str] = field(default_factory=list)
    category: str = ""
    medical_expense: Decimal | None = None

    def clean(self) -> dict[str, Any]:
        unknown = set(self.risk_types) - set(risk.RiskType.values)
        if unknown:
            raise ValidationFailed("风险类型无效", errors={"risk_types": ["请从列表中选择"]})
        if self.category and self.category not in codes.MonitoringCategory.values:
            raise ValidationFailed("监测对象类别无效", errors={"category": ["请从列表中选择"]})
        data: dict[str, Any] = {
            "reason": _reason(self.reason),
            "risk_types": sorted(self.risk_types),
        }
        if self.category:
            data["category"] = self.category
        if self.medical_expense is not None:
            try:
                expense = Decimal(self.medical_expense).quantize(Decimal("0.01"))
            except InvalidOperation as exc:
                raise ValidationFailed("医疗支出金额格式不正确") from exc
            if expense < 0 or expense > Decimal("100000000"):
                raise ValidationFailed(
                    "医疗支出金额不正确", errors={"medical_expense": ["金额不正确"]}
                )
            data["medical_expense"] = str(expense)
        return data


def _with_score(household: Household | None, data: dict[str, Any], year: int) -> dict[str, Any]:
    result = risk.score(household, data, year)
    return {**data, "risk_score": result.score}


@transaction.atomic
def monitoring_report(*, actor: Actor, household_id: int, declaration: Declaration) -> Case:
    """干部排查: a village cadre reports a household for monitoring."""
    household = _household(actor, household_id)
    data = _with_score(household, declaration.clean(), _year(None))
    return engine.case_create(
        actor=actor,
        kind="monitoring",
        region=household.village,
        household=household,
        title=f"{household.head_name}户防返贫监测（干部排查）",
        data=data,
        channel=risk.Channel.CADRE,
    )


SYSTEM = system_actor()


@transaction.atomic
def declaration_submit(
    *,
    village_code: str,
    name: str,
    id_number: str,
    phone: str,
    declaration: Declaration,
) -> Case:
    """农户自主申报 through the public form (no login). The household is linked when the ID
    number belongs to a current member registered in that village; otherwise the village
    links or registers it at verification. Nothing of the reply reveals registry data."""
    village = Region.objects.filter(code=village_code, level=Level.VILLAGE).first()
    if village is None:
        raise ValidationFailed("请选择所在村", errors={"village": ["请选择所在村"]})
    name = (name or "").strip()
    if not 2 <= len(name) <= 20:
        raise ValidationFailed("请填写申报人姓名", errors={"name": ["请填写姓名"]})
    phone = (phone or "").strip()
    if not (phone.isdigit() and 7 <= len(phone) <= 12):
        raise ValidationFailed("请填写正确的联系电话", errors={"phone": ["请填写7–12位数字"]})
    stored = identity.store(id_number)  # raises a Chinese message on a wrong number
    member = (
        Member.objects.select_related("household")
        .filter(id_hash=stored.hash, left_on__isnull=True, household__region_code=village.code)
        .first()
    )
    household = member.household if member else None
    data = declaration.clean()
    # A household already being monitored: keep the new report, unlinked, for the village
    # to attach to the running case. Refusing it would tell a stranger that this ID number
    # is registered (and monitored) in this village.
    running = (
        Case.objects.filter(household=household, kind="monitoring", is_open=True).first()
        if household is not None
        else None
    )
    if running is not None:
        household = None
        data["duplicate_of"] = running.case_no
    data.update(
        declarant={"name": name, "phone": phone, "id_masked": stored.masked},
        region_code=village.code,
    )
    data = _with_score(household, data, _year(None))
    return engine.case_create(
        actor=SYSTEM,
        kind="monitoring",
        region=village,
        household=household,
        title=f"{name}户防返贫监测（自主申报）",
        data=data,
        channel=risk.Channel.SELF,
        system=True,
    )


@transaction.atomic
def case_household_link(*, actor: Actor, case_id: int, version: int, household_no: str) -> Case:
    """Attach the registry household to a case opened without one (a public declaration)."""
    case = engine.lock_case(case_id)
    actor.require(Perm.CASE_VIEW, case.region_code)
    actor.require_write(Perm.CASE_ACT, case.region_code, "只读角色不能关联农户")
    if version != case.version:
        from fupin.core.errors import Conflict

        raise Conflict(engine.stale_message(case, engine.flow_of(case.kind)))
    if case.household_id is not None:
        raise ValidationFailed("该办件已关联农户")
    household = Household.objects.filter(
        household_no=(household_no or "").strip(), region_code=case.region_code
    ).first()
    if household is None:
        raise ValidationFailed("本村没有该户编号的农户；如尚未登记，请先在建档立卡中登记为一般农户",
                               errors={"household_no": ["户编号不存在"]})  # fmt: skip
    if Case.objects.filter(household=household, kind=case.kind, is_open=True).exists():
        raise ValidationFailed("该户已有办理中的同类办件")
    case.household = household
    case.data = _with_score(household, case.data, case.year)
    case.version += 1
    case.updated_by_id = actor.user_id
    case.save(update_fields=["household", "data", "version", "updated_by", "updated_at"])
    return case


@dataclass
class ScanResult:
    created: int
    skipped: int


@transaction.atomic
def monitoring_scan(*, region_code: str, year: int, limit: int = 5000) -> ScanResult:
    """系统预警: open a monitoring case for every exited or ordinary household of the region
    whose latest per-capita income of `year` is below the monitoring line and that has no
    open monitoring case. Candidates are found in one set-based query."""
    from django.db import connection

    from fupin.core import params

    line = Decimal(params.get("registry.monitoring_line", region_code=region_code, year=year))
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT h.id FROM registry_household h
            JOIN registry_income i ON i.household_id = h.id AND i.year = %s
            WHERE h.region_code LIKE %s AND h.status IN ('exited', 'ordinary')
              AND i.per_capita < %s
              AND NOT EXISTS (SELECT 1 FROM workflows_case c WHERE c.household_id = h.id
                              AND c.kind = 'monitoring' AND c.is_open)
            ORDER BY h.id LIMIT %s
            """,
            [year, region_code + "%", line, limit],
        )
        ids = [row[0] for row in cursor.fetchall()]
    created = 0
    for household in Household.objects.filter(pk__in=ids).select_related("village"):
        data = {
            "reason": f"系统预警：{year} 年人均纯收入低于监测标准 {line} 元",
            "risk_types": ["income_drop"],
        }
        engine.case_create(
            actor=SYSTEM,
            kind="monitoring",
            region=household.village,
            household=household,
            year=year,
            title=f"{household.head_name}户防返贫监测（系统预警）",
            data=_with_score(household, data, year),
            channel=risk.Channel.SYSTEM,
            system=True,
        )
        created += 1
    return ScanResult(created=created, skipped=len(ids) - created)


@transaction.atomic
def village_exit_propose(
    *, actor: Actor, village_code: str, reason: str, year: int | None = None
) -> Case:
    village = Region.objects.filter(code=village_code, level=Level.VILLAGE).first()
    if village is None:
        raise NotFound("村不存在")
    return engine.case_create(
        actor=actor, kind="village_exit", region=village, year=_year(year),
        title=f"{village.name}贫困村退出", data={"reason": _reason(reason)},
    )  # fmt: skip


@transaction.atomic
def county_exit_apply(
    *, actor: Actor, county_code: str, reason: str, year: int | None = None
) -> Case:
    county = Region.objects.filter(code=county_code, level=Level.COUNTY).first()
    if county is None:
        raise NotFound("县不存在")
    return engine.case_create(
        actor=actor, kind="county_exit", region=county, year=_year(year),
        title=f"{county.name}贫困县摘帽申请", data={"reason": _reason(reason)},
    )  # fmt: skip


# --- samples and surveys ---------------------------------------------------------------------------

SAMPLE_STATUSES = {
    Sample.Purpose.EXITED: (codes.Status.EXITED,),
    Sample.Purpose.NON_POOR: (codes.Status.ORDINARY,),
    Sample.Purpose.ALL: (codes.Status.POOR, codes.Status.RETURNED, codes.Status.EXITED),
}


def _require_county_actor(actor: Actor, region_code: str) -> Region:
    region = Region.objects.filter(code=region_code).first()
    if region is None or region.level > Level.VILLAGE:
        raise NotFound("区划不存在")
    actor.require(Perm.CASE_VIEW, region.code)
    actor.require_write(Perm.CASE_ACT, region.code, "只读角色不能抽样或登记核查结果")
    return region


def draw_ids(population: list[int], size: int, seed: int) -> list[int]:
    """The reproducible draw: a seeded shuffle of the sorted population ids."""
    rng = random.Random(seed)  # noqa: S311 - reproducibility, not secrecy, is the point
    return rng.sample(sorted(population), min(size, len(population)))


@transaction.atomic
def sample_draw(
    *,
    actor: Actor,
    region_code: str,
    purpose: str,
    size: int,
    seed: int | None = None,
    note: str = "",
) -> Sample:
    """Draw and record a random sample of households for third-party checks. The seed is
    recorded (or chosen and recorded), so the same draw can be repeated and verified."""
    region = _require_county_actor(actor, region_code)
    if purpose not in Sample.Purpose.values:
        raise ValidationFailed("请选择抽样目的", errors={"purpose": ["请选择"]})
    if not 1 <= size <= 10000:
        raise ValidationFailed("样本量应在 1–10000 之间", errors={"size": ["样本量不正确"]})
    if seed is None:
        seed = secrets.randbelow(2**53)
    if not 0 <= seed < 2**63:
        raise ValidationFailed("随机种子应为非负整数", errors={"seed": ["种子不正确"]})
    population = list(
        Household.objects.filter(
            region_code__startswith=region.code, status__in=SAMPLE_STATUSES[Sample.Purpose(purpose)]
        ).values_list("id", flat=True)
    )
    if not population:
        raise ValidationFailed("抽样范围内没有符合条件的农户")
    chosen = draw_ids(population, size, seed)
    sample = Sample.objects.create(
        region=region, region_code=region.code, county_code=region.code[:6], purpose=purpose,
        seed=seed, size=len(chosen), population=len(population), note=note[:200],
        created_by_id=actor.user_id, updated_by_id=actor.user_id,
    )  # fmt: skip
    SampleItem.objects.bulk_create(
        SampleItem(sample=sample, household_id=hid, position=i + 1, created_by_id=actor.user_id)
        for i, hid in enumerate(chosen)
    )
    return sample


@transaction.atomic
def sample_finding_record(
    *, actor: Actor, item_id: int, finding: str, version: int, note: str = ""
) -> SampleItem:
    """Record an item's finding over the `version` the checker saw: a stale one is a 409
    naming who recorded since, so two checkers on one household never overwrite each other."""
    item = SampleItem.objects.select_related("sample").filter(pk=item_id).first()
    if item is None:
        raise NotFound()
    _require_county_actor(actor, item.sample.region_code)
    if finding not in SampleItem.Finding.values or not finding:
        raise ValidationFailed("请选择核查结论", errors={"finding": ["请选择"]})
    versioned_update(
        SampleItem,
        pk=item.pk,
        version=version,
        actor_id=actor.user_id,
        values={"finding": finding, "note": (note or "")[:300], "checked_at": timezone.now()},
        subject=f"第 {item.position} 户的核查结论",
    )
    item.refresh_from_db()
    return item


@transaction.atomic
def survey_record(
    *,
    actor: Actor,
    village_code: str,
    surveyed_on: dt.date,
    surveyed: int,
    satisfied: int,
    surveyor: str = "",
) -> Survey:
    village = Region.objects.filter(code=village_code, level=Level.VILLAGE).first()
    if village is None:
        raise NotFound("村不存在")
    _require_county_actor(actor, village.code)
    if surveyed <= 0 or satisfied < 0 or satisfied > surveyed:
        raise ValidationFailed("认可人数应在 0 与调查人数之间，调查人数应大于 0",
                               errors={"satisfied": ["人数不正确"]})  # fmt: skip
    return Survey.objects.create(
        region=village, region_code=village.code, county_code=village.code[:6],
        surveyed_on=surveyed_on, surveyed=surveyed, satisfied=satisfied, surveyor=surveyor[:100],
        created_by_id=actor.user_id, updated_by_id=actor.user_id,
    )  # fmt: skip
