"""The weekly key-work digest (重点工作周报) for leaders and the daily deadline reminders.

Both are sent as inbox messages (with an SMS when the recipient has a phone) and carry a
dedupe key — per recipient, jurisdiction and ISO week for the digest, per alert and day for a
reminder — so running them twice never tells anyone twice.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone

from fupin.core import params
from fupin.core.params import define
from fupin.notifications.services import message_send_many
from fupin.supervision.alerts.flows import UNIT_ROLES
from fupin.supervision.alerts.models import Alert, Escalation

DIGEST_ROLES = define(
    "supervision.digest_roles",
    "重点工作周报接收角色",
    "poverty_office",
    kind="str",
    help="逗号分隔的角色代码，如 poverty_office,discipline；按各自授权辖区发送",
)
REMINDER_DAYS = define(
    "supervision.reminder_days",
    "整改到期提醒提前天数",
    3,
    unit="天",
    help="整改期限前该天数内每天提醒责任单位一次，逾期后每天提醒直至升级",
    minimum=0,
    maximum=30,
)
UNHANDLED_DAYS = define(
    "supervision.unhandled_days",
    "预警未督办、办件滞留提示天数",
    7,
    unit="天",
    help="预警分派后超过该天数仍未下发督办通知、办件在同一环节停留超过该天数的，列入再监督清单和周报",
    minimum=1,
    maximum=90,
)
VERIFY_DAYS = define(
    "supervision.declaration_verify_days",
    "农户自主申报核实期限",
    7,
    unit="天",
    help="群众自主申报的防返贫监测超过该天数未入户核实的，列入纪委再监督的逾期清单",
    minimum=1,
    maximum=90,
)

ALERT_LINK = "/supervision/alerts/{}/"


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def week_label(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass
class DigestFigures:
    region_code: str
    region_name: str
    since: dt.date
    until: dt.date
    new_alerts: int
    closed: int
    overdue: int
    escalations: int
    waiting_cases: int
    running_notices: int

    @property
    def summary(self) -> str:
        return (
            f"新增预警{self.new_alerts}条，销号{self.closed}条，逾期未整改{self.overdue}条，"
            f"升级督办{self.escalations}次，滞留办件{self.waiting_cases}件，"
            f"公示中{self.running_notices}个"
        )

    def body(self, waiting_days: int) -> str:
        return "\n".join(
            [
                f"统计区间：{self.since:%Y-%m-%d} 至 {self.until:%Y-%m-%d}（{self.region_name}）",
                f"本周新增预警：{self.new_alerts} 条",
                f"本周核验销号：{self.closed} 条",
                f"逾期未整改预警：{self.overdue} 条",
                f"本周逾期升级督办：{self.escalations} 次",
                f"同一环节停留超过 {waiting_days} 天的办件：{self.waiting_cases} 件",
                f"正在公示的公示公告：{self.running_notices} 个",
            ]
        )


def figures(region_code: str, region_name: str, *, today: dt.date) -> DigestFigures:
    """The week's key figures of one jurisdiction (the 7 days up to and including today)."""
    from fupin.workflows.models import Case, Notice, NoticeStatus

    since = today - dt.timedelta(days=6)
    start = _start_of(since)
    waiting_days = int(params.get(UNHANDLED_DAYS.key, region_code=region_code))
    alerts = Alert.objects.filter(region_code__startswith=region_code)
    return DigestFigures(
        region_code=region_code,
        region_name=region_name,
        since=since,
        until=today,
        new_alerts=alerts.filter(first_seen_at__gte=start).count(),
        closed=alerts.filter(is_open=False, case__closed_at__gte=start).count(),
        overdue=alerts.filter(is_open=True, due_date__lt=today).count(),
        escalations=Escalation.objects.filter(
            alert__region_code__startswith=region_code, at__gte=start
        ).count(),
        waiting_cases=Case.objects.filter(
            region_code__startswith=region_code,
            is_open=True,
            state_since__lt=_start_of(today - dt.timedelta(days=waiting_days)),
        )
        .exclude(kind="alert")
        .count(),
        running_notices=Notice.objects.filter(
            region_code__startswith=region_code,
            status=NoticeStatus.ACTIVE,
            start_date__lte=today,
            end_date__gte=today,
        ).count(),
    )


def digest_roles() -> list[str]:
    raw = str(params.get(DIGEST_ROLES.key) or "")
    return [code.strip() for code in raw.replace("，", ",").split(",") if code.strip()]


def send_weekly_digest(*, today: dt.date | None = None) -> int:
    """One digest per recipient and jurisdiction (a grant of a digest role); returns the
    number of messages created (0 when this week's were sent already)."""
    from fupin.accounts.models import Grant

    today = today or timezone.localdate()
    week = week_label(today)
    grants = (
        Grant.objects.filter(role_id__in=digest_roles(), user__is_active=True)
        .select_related("user", "region")
        .order_by("region_id", "user_id")
    )
    cache: dict[str, DigestFigures] = {}
    sent = 0
    for grant in grants:
        code = grant.region.code
        if code not in cache:
            cache[code] = figures(code, grant.region.name, today=today)
        item = cache[code]
        waiting_days = int(params.get(UNHANDLED_DAYS.key, region_code=code))
        sent += message_send_many(
            recipients=[grant.user],
            kind="digest.weekly",
            title=f"{item.region_name}重点工作周报（{week}）：{item.summary}",
            body=item.body(waiting_days),
            link="",  # the message page shows the figures
            dedupe_key=f"digest:{week}:{code}",
            sms=True,
        )
    return sent


@dataclass
class ReminderResult:
    due_soon: int
    overdue: int


def _unit_users(unit_codes: set[str]) -> dict[str, list[Any]]:
    from fupin.accounts.models import Grant

    users: dict[str, list[Any]] = defaultdict(list)
    rows = Grant.objects.filter(
        region_id__in=unit_codes, role_id__in=list(UNIT_ROLES), user__is_active=True
    ).select_related("user")
    seen: set[tuple[str, int]] = set()
    for grant in rows:
        key = (grant.region_id, grant.user_id)
        if key not in seen:
            seen.add(key)
            users[grant.region_id].append(grant.user)
    return users


def send_deadline_reminders(*, today: dt.date | None = None) -> ReminderResult:
    """Remind the responsible unit of every alert waiting for its rectification whose
    deadline is within `supervision.reminder_days`, or already passed — once a day."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=int(params.get(REMINDER_DAYS.key)))
    alerts = list(
        Alert.objects.filter(is_open=True, case__state="noticed", due_date__isnull=False)
        .filter(Q(due_date__lte=horizon))
        .select_related("case")
        .order_by("due_date", "id")
    )
    users = _unit_users({a.unit_code for a in alerts})
    result = ReminderResult(due_soon=0, overdue=0)
    for alert in alerts:
        recipients = users.get(alert.unit_code, [])
        assert alert.due_date is not None
        days = (alert.due_date - today).days
        if days >= 0:
            when = "今天" if days == 0 else f"还有 {days} 天"
            title = f"整改即将到期（{when}）：{alert.case.title}"
            body = f"整改期限为 {alert.due_date:%Y-%m-%d}，请按期提交整改情况及佐证材料。"
            kind, key = "alert.due_soon", f"due:{alert.pk}:{today:%Y%m%d}"
        else:
            title = f"整改已逾期 {-days} 天：{alert.case.title}"
            body = (
                f"整改期限为 {alert.due_date:%Y-%m-%d}，已逾期 {-days} 天，"
                "逾期未整改的预警将升级由上一级督办。"
            )
            kind, key = "alert.overdue", f"overdue:{alert.pk}:{today:%Y%m%d}"
        created = message_send_many(
            recipients=recipients,
            kind=kind,
            title=title[:200],
            body=body,
            link=ALERT_LINK.format(alert.pk),
            dedupe_key=key,
            sms=True,
        )
        if created:
            if days >= 0:
                result.due_soon += 1
            else:
                result.overdue += 1
    return result
