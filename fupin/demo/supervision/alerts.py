"""Demo supervision data of 射洪市: a rule sweep over the county, then a few alerts of the demo
township and village taken through their life by the demo logins — 督办 → 整改 → 销号, one
rectification waiting for verification, one due in two days, one overdue and escalated, one
closed because its condition cleared — plus the reminders, the weekly digest and a message for
the discipline login, and an accountability record (问责) about the overdue alert.

Backdated with `today=` so deadlines have passed where the story needs it. Idempotent: a county
that already has a 督办 notice is left alone (one query)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fupin.accounts.models import User
from fupin.accounts.selectors import load_actor
from fupin.core.access import Actor
from fupin.core.context import audit_context
from fupin.notifications.services import message_send
from fupin.regions.models import Region
from fupin.supervision import digest, engine
from fupin.supervision.alerts import services
from fupin.supervision.models import (
    Accountability,
    AccountabilityKind,
    Alert,
    SupervisionNotice,
)
from fupin.workflows import engine as workflow_engine

_LOGINS = ("demo_office", "demo_township", "demo_village", "demo_discipline")
# A tiny valid JPEG (1×1 px), the photo evidence of the demo rectifications.
_JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c"
    "1912130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffc0"
    "000b080001000101011100ffc4001f0000010501010101010100000000000000000102030405060708090a0bff"
    "c400b5100002010303020403050504040000017d01020300041105122131410613516107227114328191a10823"
    "42b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a5354555657"
    "58595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aa"
    "b2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8"
    "f9faffda0008010100003f00fbd3ffd9"
)


def supervision_loaded(county_code: str) -> bool:
    return SupervisionNotice.objects.filter(alert__county_code=county_code).exists()


def load_supervision_demo(county_code: str) -> None:
    if supervision_loaded(county_code):
        return
    users = {u.username: u for u in User.objects.filter(username__in=_LOGINS)}
    if len(users) < len(_LOGINS):
        return
    with audit_context(reason="演示数据", actor_name="load_demo"):
        _load(county_code, timezone.localdate(), users)


class _Story:
    def __init__(self, county_code: str, today: dt.date, users: dict[str, Any]) -> None:
        self.today = today
        self.users = users
        self.office = load_actor(users["demo_office"])
        self.township = load_actor(users["demo_township"])
        self.village = load_actor(users["demo_village"])
        self.township_code = self._grant_code(self.township, "township")
        self.village_code = self._grant_code(self.village, "village")
        self.serial = 0

    @staticmethod
    def _grant_code(actor: Actor, role: str) -> str:
        return next(g.region_code for g in actor.grants if g.role_code == role)

    def day(self, offset: int) -> dt.date:
        return self.today + dt.timedelta(days=offset)

    def alerts(self, unit_code: str, count: int) -> list[Alert]:
        """`count` untouched alerts of a unit, opened from an inspection finding if the sweep
        found too few (a small demo registry)."""
        found = list(
            Alert.objects.filter(unit_code=unit_code, is_open=True, case__state="assigned")
            .select_related("case")
            .order_by("id")[:count]
        )
        while len(found) < count:
            self.serial += 1
            region = unit_code if len(unit_code) == 12 else self.village_code
            found.append(
                services.alert_open(
                    rule_code="INSPECT",
                    rule_name="督查发现问题",
                    subject_type="finding",
                    subject_id=-(int(unit_code) * 100 + self.serial),
                    scope_id=0,
                    label=f"{Region.objects.get(code=region).name}帮扶台账不完整（演示）",
                    region_code=region,
                    unit_code=unit_code,
                    severity="medium",
                    evidence={"来源": "督查巡查"},
                )
            )
        return found

    def issue(self, actor: Actor, alert: Alert, issued: int, deadline: int) -> None:
        workflow_engine.case_transition(
            actor=actor, case_id=alert.case_id, step="issue_notice",
            comment="请责任单位立即核实整改", today=self.day(issued),
            data={"deadline": self.day(deadline).isoformat()},
        )  # fmt: skip

    def rectify(self, actor: Actor, alert: Alert, content: str) -> None:
        photo = SimpleUploadedFile("整改现场照片.jpg", _JPEG, content_type="image/jpeg")
        services.rectification_submit(
            actor=actor, alert_id=alert.pk, content=content, files=[photo]
        )
        workflow_engine.case_transition(
            actor=actor, case_id=alert.case_id, step="submit", comment="已整改，请核验"
        )


def _load(county_code: str, today: dt.date, users: dict[str, Any]) -> None:
    engine.sweep(region_code=county_code, today=today)
    story = _Story(county_code, today, users)
    overdue, closed, submitted, due_soon = story.alerts(story.township_code, 4)
    noticed, cleared = story.alerts(story.village_code, 2)

    # Overdue twice over: 督办 40 days ago, escalated 25 days ago, late again since.
    story.issue(story.office, overdue, -40, -30)
    services.alerts_escalate_overdue(today=story.day(-25))

    # 督办 → 整改 → 核验销号.
    story.issue(story.office, closed, -10, 5)
    story.rectify(story.township, closed, "已为该户落实帮扶责任人，并入户签订帮扶协议。")
    workflow_engine.case_transition(
        actor=story.office, case_id=closed.case_id, step="verify",
        comment="经电话回访和查阅帮扶手册，整改到位，同意销号。",
    )  # fmt: skip

    # Rectified, waiting for the county's verification.
    story.issue(story.office, submitted, -8, 7)
    story.rectify(story.township, submitted, "已明确帮扶责任人，正在制定一户一策帮扶计划。")

    # Due in two days: the township gets a reminder every day until then.
    story.issue(story.office, due_soon, -13, 2)

    # The township supervises its village.
    story.issue(story.township, noticed, -3, 12)
    # Closed because "the condition cleared" — the kind of closure the discipline view checks.
    Alert.objects.filter(pk=cleared.pk).update(cleared_at=timezone.now())
    workflow_engine.case_transition(
        actor=story.township, case_id=cleared.case_id, step="close_cleared",
        comment="经核实，该问题已由村里自行纠正，条件已消除。",
    )  # fmt: skip

    digest.send_deadline_reminders(today=today)
    digest.send_weekly_digest(today=today)
    overdue.refresh_from_db()
    message_send(
        recipient=users["demo_discipline"],
        kind="alert.escalated",
        title=f"预警逾期升级（抄送纪委）：{overdue.case.title}"[:200],
        body="该预警督办后逾期未整改，已升级督办，请关注责任单位履职情况。",
        link=f"/supervision/alerts/{overdue.pk}/",
        dedupe_key=f"demo:escalated:{overdue.pk}",
    )
    township = Region.objects.get(code=story.township_code)
    record = Accountability(
        region=township, region_code=township.code, county_code=county_code,
        kind=AccountabilityKind.TALK, subject_name=users["demo_township"].real_name or "乡镇扶贫专干",
        subject_title=f"{township.name}扶贫专干",
        reason=f"督办事项“{overdue.case.title}”逾期未整改，经升级督办仍未按期完成。",
        decided_on=story.day(-9), deciding_body=f"{Region.objects.get(code=county_code).name}纪委监委",
        created_by=users["demo_discipline"], updated_by=users["demo_discipline"],
    )  # fmt: skip
    record.full_clean()
    record.save()
    record.alerts.add(overdue)
