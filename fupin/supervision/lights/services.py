"""Traffic lights (亮灯预警, SPEC §7): per unit (region), per indicator, per quarter.

`lights_compute(region_code, year, quarter)` sets the light of every indicator of the unit in
that quarter:

- no actual value yet → no light;
- GREEN: the quarter's target is met (actual ≥ target, or actual ≤ target when the indicator's
  `higher_is_better` is False);
- YELLOW: the quarter's target is missed — a reminder interview (提醒谈话) is due and the board
  shows "待提醒谈话" until one is recorded;
- RED: the target is missed in this quarter and in the previous one (Q1 looks back to Q4 of the
  previous year), or — at Q4 — the annual target is missed.

The annual target is read from the Q4 row (or, if Q4 has none, the latest quarter of the year
that has one). The year's value is the Q4 actual for percentage indicators (unit "%": rates and
progress are cumulative, the year-end value is the year's value) and the sum of the four
quarters' actuals for quantities (e.g. 季度减贫人数). A missed annual target turns Q4 red even when
the Q4 quarter target alone was met.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from fupin.core.access import Actor, Perm
from fupin.core.errors import NotFound, ValidationFailed
from fupin.core.text import clean_text
from fupin.core.versioning import stale
from fupin.regions.models import Region
from fupin.supervision.lights.models import Indicator, Light, QuarterTarget, ReminderInterview

PERCENT = "%"
MIN_YEAR = 2015
MAX_YEAR = 2100
MAX_VALUE = Decimal("999999999999")


# --- computation ---------------------------------------------------------------------------------


def missed(row: QuarterTarget, indicator: Indicator) -> bool | None:
    """Whether the quarter's target was missed; None while the actual is not reported."""
    if row.actual is None:
        return None
    if indicator.higher_is_better:
        return row.actual < row.target
    return row.actual > row.target


def previous_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year - 1, 4) if quarter == 1 else (year, quarter - 1)


def next_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year + 1, 1) if quarter == 4 else (year, quarter + 1)


def annual_missed(rows: dict[int, QuarterTarget], indicator: Indicator) -> bool | None:
    """At Q4: whether the year's value misses the annual target (None if not decidable)."""
    annual = next(
        (
            rows[q].annual_target
            for q in (4, 3, 2, 1)
            if q in rows and rows[q].annual_target is not None
        ),
        None,
    )
    q4 = rows.get(4)
    if annual is None or q4 is None or q4.actual is None:
        return None
    if indicator.unit == PERCENT:
        value = q4.actual
    else:
        value = sum((r.actual for r in rows.values() if r.actual is not None), Decimal(0))
    if indicator.higher_is_better:
        return value < annual
    return value > annual


def light_of(
    row: QuarterTarget,
    indicator: Indicator,
    previous: QuarterTarget | None,
    year_rows: dict[int, QuarterTarget],
) -> str:
    miss = missed(row, indicator)
    if miss is None:
        return ""
    if row.quarter == 4 and annual_missed(year_rows, indicator):
        return Light.RED
    if not miss:
        return Light.GREEN
    if previous is not None and missed(previous, indicator):
        return Light.RED
    return Light.YELLOW


@transaction.atomic
def lights_compute(region_code: str, year: int, quarter: int) -> list[QuarterTarget]:
    """Set the light of every indicator of the unit in the quarter; returns the rows."""
    prev_year, prev_q = previous_quarter(year, quarter)
    rows = list(
        QuarterTarget.objects.select_for_update()
        .filter(region_code=region_code, year=year, quarter=quarter)
        .select_related("indicator")
    )
    if not rows:
        return []
    codes = [r.indicator_id for r in rows]
    previous = {
        r.indicator_id: r
        for r in QuarterTarget.objects.filter(
            region_code=region_code, year=prev_year, quarter=prev_q, indicator_id__in=codes
        )
    }
    year_rows: dict[str, dict[int, QuarterTarget]] = {}
    if quarter == 4:
        for r in QuarterTarget.objects.filter(
            region_code=region_code, year=year, indicator_id__in=codes
        ):
            year_rows.setdefault(r.indicator_id, {})[r.quarter] = r
    for row in rows:
        years = year_rows.get(row.indicator_id, {})
        if quarter == 4:
            years[4] = row
        light = light_of(row, row.indicator, previous.get(row.indicator_id), years)
        if light != row.light:
            row.light = light
            row.save(update_fields=["light", "updated_at"])
    return rows


# --- selectors -----------------------------------------------------------------------------------


def targets_for(actor: Actor) -> QuerySet[QuarterTarget]:
    return QuarterTarget.objects.filter(actor.scope_q(Perm.ALERT_VIEW, "region_code"))


def access_target(actor: Actor, pk: int, perm: Perm = Perm.ALERT_VIEW) -> QuarterTarget:
    row = QuarterTarget.objects.select_related("indicator", "region").filter(pk=pk).first()
    if row is None:
        raise NotFound()
    actor.require(perm, row.region_code)
    return row


def needs_interview(row: QuarterTarget, interviews: int) -> bool:
    return row.light == Light.YELLOW and interviews == 0


@dataclass
class Cell:
    row: QuarterTarget | None
    interviews: int = 0

    @property
    def pending_interview(self) -> bool:
        return self.row is not None and needs_interview(self.row, self.interviews)


@dataclass
class BoardRow:
    region: Region
    cells: list[Cell]


@dataclass
class IndicatorBoard:
    indicator: Indicator
    rows: list[BoardRow]
    counts: dict[str, int] = field(default_factory=dict)
    pending: int = 0


@dataclass
class Board:
    year: int
    boards: list[IndicatorBoard]
    totals: dict[str, int]
    pending: int


def light_board(
    actor: Actor, *, year: int, indicator_code: str = "", region_prefix: str = ""
) -> Board:
    """Units × quarters per indicator for one year, inside the jurisdiction."""
    qs = targets_for(actor).filter(year=year)
    if indicator_code:
        qs = qs.filter(indicator_id=indicator_code)
    if region_prefix:
        qs = qs.filter(region_code__startswith=region_prefix)
    rows = list(
        qs.select_related("region", "indicator")
        .annotate(n_interviews=Count("interviews"))
        .order_by("indicator_id", "region_code", "quarter")
    )
    by_indicator: dict[str, dict[str, list[Cell]]] = {}
    regions: dict[str, Region] = {}
    indicators: dict[str, Indicator] = {}
    for row in rows:
        indicators[row.indicator_id] = row.indicator
        regions[row.region_code] = row.region
        cells = by_indicator.setdefault(row.indicator_id, {}).setdefault(
            row.region_code, [Cell(None) for _ in range(4)]
        )
        cells[row.quarter - 1] = Cell(row, row.n_interviews)  # type: ignore[attr-defined]
    boards = []
    totals = {Light.GREEN.value: 0, Light.YELLOW.value: 0, Light.RED.value: 0}
    for code in sorted(by_indicator):
        board = IndicatorBoard(indicator=indicators[code], rows=[], counts=dict.fromkeys(totals, 0))
        for region_code, cells in sorted(by_indicator[code].items()):
            board.rows.append(BoardRow(region=regions[region_code], cells=cells))
            for cell in cells:
                if cell.row is not None and cell.row.light:
                    board.counts[cell.row.light] += 1
                    totals[cell.row.light] += 1
                board.pending += cell.pending_interview
        boards.append(board)
    return Board(year=year, boards=boards, totals=totals, pending=sum(b.pending for b in boards))


def pending_interviews(actor: Actor) -> QuerySet[QuarterTarget]:
    return (
        targets_for(actor)
        .filter(light=Light.YELLOW)
        .annotate(n=Count("interviews"))
        .filter(n=0)
        .select_related("region", "indicator")
        .order_by("-year", "-quarter", "region_code")
    )


def interviews_of(row: QuarterTarget) -> QuerySet[ReminderInterview]:
    return row.interviews.order_by("-held_on", "-id")


def indicators() -> list[Indicator]:
    return list(Indicator.objects.order_by("code"))


# --- writes --------------------------------------------------------------------------------------


def parse_decimal(value: object, name: str, label: str, *, required: bool) -> Decimal | None:
    """A form value as a Decimal, with a Chinese message when it is not a number."""
    text = str(value if value is not None else "").strip().replace(",", "").replace("，", "")
    if not text:
        if required:
            raise ValidationFailed(f"请填写{label}", errors={name: [f"请填写{label}"]})
        return None
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise ValidationFailed(f"{label}应为数字", errors={name: ["应为数字"]}) from exc
    if not number.is_finite():
        raise ValidationFailed(f"{label}应为数字", errors={name: ["应为数字"]})
    return number


def _check_value(
    value: Decimal | None, name: str, label: str, indicator: Indicator
) -> Decimal | None:
    if value is None:
        return None
    if value < 0:
        raise ValidationFailed(f"{label}不能为负数", errors={name: ["不能为负数"]})
    if indicator.unit == PERCENT and value > 100:
        raise ValidationFailed(f"{label}为百分比，不能超过100", errors={name: ["不能超过100"]})
    if value > MAX_VALUE:
        raise ValidationFailed(f"{label}过大", errors={name: ["数值过大"]})
    return value.quantize(Decimal("0.01"))


@transaction.atomic
def target_save(
    *,
    actor: Actor,
    region_code: str,
    indicator_code: str,
    year: int,
    quarter: int,
    target: Decimal | None,
    annual_target: Decimal | None = None,
    actual: Decimal | None = None,
    version: int | None = None,
) -> QuarterTarget:
    """Enter (or update) a unit's quarter target, annual target and actual value, then
    recompute the lights of this quarter and of the next one (whose red depends on it)."""
    code = (region_code or "").strip()
    region = Region.objects.filter(code=code).first() if code.isdigit() else None
    if region is None:
        raise NotFound("区划代码不存在或不在您的管辖范围内")
    actor.require_write(Perm.ALERT_ACT, region.code, "只读角色不能录入目标和完成值")
    indicator = Indicator.objects.filter(code=indicator_code).first()
    if indicator is None:
        raise ValidationFailed("请选择考核指标", errors={"indicator": ["请选择考核指标"]})
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationFailed("年度不正确", errors={"year": [f"应在{MIN_YEAR}—{MAX_YEAR}之间"]})
    if quarter not in (1, 2, 3, 4):
        raise ValidationFailed("季度应为1—4", errors={"quarter": ["季度应为1—4"]})
    if target is None:
        raise ValidationFailed("请填写季度目标值", errors={"target": ["请填写季度目标值"]})
    target = _check_value(target, "target", "季度目标值", indicator)
    annual_target = _check_value(annual_target, "annual_target", "年度目标", indicator)
    actual = _check_value(actual, "actual", "完成值", indicator)
    assert target is not None
    today = timezone.localdate()
    if actual is not None and (year, quarter) > (today.year, (today.month - 1) // 3 + 1):
        raise ValidationFailed("尚未到该季度，不能填报完成值", errors={"actual": ["尚未到该季度"]})
    row = (
        QuarterTarget.objects.select_for_update()
        .filter(region=region, indicator=indicator, year=year, quarter=quarter)
        .first()
    )
    if row is None:
        row = QuarterTarget(
            region=region,
            region_code=region.code,
            indicator=indicator,
            year=year,
            quarter=quarter,
            created_by_id=actor.user_id,
        )
    elif version != row.version:  # stale, or None: the page saw no target, one exists now
        raise stale(QuarterTarget, row.pk, subject="该目标")
    else:
        row.version += 1
    row.target = target
    row.annual_target = annual_target
    row.actual = actual
    row.updated_by_id = actor.user_id
    row.save()
    lights_compute(region.code, year, quarter)
    lights_compute(region.code, *next_quarter(year, quarter))
    if quarter != 4:
        lights_compute(region.code, year, 4)  # the annual comparison reads every quarter
    row.refresh_from_db()
    return row


@transaction.atomic
def interview_record(
    *,
    actor: Actor,
    target_id: int,
    held_on: dt.date,
    interviewer: str,
    interviewee: str,
    notes: str,
    today: dt.date | None = None,
) -> ReminderInterview:
    """The 提醒谈话 after a yellow (or red) light."""
    today = today or timezone.localdate()
    row = access_target(actor, target_id)
    actor.require_write(Perm.ALERT_ACT, row.region_code, "只读角色不能登记提醒谈话")
    if row.light not in (Light.YELLOW, Light.RED):
        raise ValidationFailed("只有亮黄灯或红灯的指标需要提醒谈话")
    if held_on > today:
        raise ValidationFailed("谈话日期不能晚于今天", errors={"held_on": ["不能晚于今天"]})
    values = {}
    for name, label, value, limit in (
        ("interviewer", "谈话人", interviewer, 100),
        ("interviewee", "谈话对象", interviewee, 100),
        ("notes", "谈话记录", notes, 5000),
    ):
        text = clean_text(value, name, label)
        if len(text) > limit:
            raise ValidationFailed(f"{label}过长", errors={name: [f"不能超过{limit}个字"]})
        values[name] = text
    return ReminderInterview.objects.create(
        target=row,
        held_on=held_on,
        created_by_id=actor.user_id,
        updated_by_id=actor.user_id,
        **values,
    )


def lights_q(actor: Actor) -> Q:
    return actor.scope_q(Perm.ALERT_VIEW, "region_code")
