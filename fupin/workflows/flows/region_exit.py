"""贫困村退出 and 贫困县摘帽 (SPEC §3).

Village: 乡镇申报 → 乡镇核实 (incidence below the province's line and the
facility indicators) → 乡镇公示 → 县审批 → 退出 (the village profile gets its exit year).
County: 县申请 → 市级初审 → 省级公示 → 省审批 → 摘帽; the guards read the county's incidence, the
错退率 and 漏评率 of the verification samples and the 群众认可度 of the survey records.
"""

from __future__ import annotations

from fupin.regions.models import VillageProfile
from fupin.workflows.cases import criteria
from fupin.workflows.cases.models import SubjectLevel
from fupin.workflows.engine import Ctx, Flow, Guard, Step, register
from fupin.workflows.flows.common import CITY, OFFICE, TOWNSHIP, C, P, T
from fupin.workflows.notices.models import NoticeLevel
from fupin.workflows.notices.services import notice_completed, publish_effect


def _village_ok(ctx: Ctx) -> str | None:
    failures = criteria.failed(criteria.village_exit_criteria(ctx.case.region_code))
    if not failures:
        return None
    return "未达到贫困村退出标准：" + "；".join(f"{f.label}（{f.detail}）" for f in failures)


VILLAGE_CRITERIA = Guard("贫困发生率与基础设施达标", _village_ok)


def _village_not_exited(ctx: Ctx) -> str | None:
    profile = VillageProfile.objects.filter(region_id=ctx.case.region_code).first()
    if profile is None or not profile.is_poor_village:
        return "该村不是建档立卡贫困村，无需退出"
    if profile.exit_year:
        return f"该村已于 {profile.exit_year} 年退出"
    return None


def _record_village(ctx: Ctx) -> None:
    rows = {c.code: c for c in criteria.village_exit_criteria(ctx.case.region_code)}
    ctx.case.data["incidence"] = rows["incidence"].detail
    ctx.case.save(update_fields=["data"])


def _village_exited(ctx: Ctx) -> None:
    VillageProfile.objects.filter(region_id=ctx.case.region_code).update(exit_year=ctx.case.year)


VILLAGE_FLOW = register(
    Flow(
        kind="village_exit",
        label="贫困村退出",
        subject_level=SubjectLevel.VILLAGE,
        prefix="CT",
        states={
            "applied": "乡镇申报",
            "township_verified": "乡镇已核实",
            "notice": "公示中",
            "exited": "已退出",
            "withdrawn": "已终止",
        },
        initial="applied",
        terminal=frozenset({"exited", "withdrawn"}),
        objection_target="applied",
        create_roles=TOWNSHIP,
        create_level=T,
        summary="乡镇申报 → 乡镇核实 → 公示 → 县审批 → 退出",
        steps=[
            Step("township_verify", "乡镇核实通过", ("applied",), "township_verified", TOWNSHIP, T,
                 guards=(Guard("该村为未退出的贫困村", _village_not_exited), VILLAGE_CRITERIA),
                 effects=(_record_village,), comment_required=True),
            Step("publish", "发布退出公示", ("township_verified",), "notice", TOWNSHIP, T,
                 effects=(publish_effect,), notice_level=NoticeLevel.TOWNSHIP),
            Step("county_approve", "县审批退出", ("notice",), "exited", OFFICE, C,
                 guards=(notice_completed(NoticeLevel.TOWNSHIP), VILLAGE_CRITERIA),
                 effects=(_village_exited,)),
            Step("county_return", "县退回乡镇", ("notice",), "applied", OFFICE, C,
                 comment_required=True, style="back"),
            Step("withdraw", "终止退出", ("applied", "township_verified"), "withdrawn", TOWNSHIP, T,
                 comment_required=True, style="reject"),
            Step("objection", "收到异议退回核实", ("notice",), "applied", system=True),
        ],
    )
)  # fmt: skip


def _county_ok(ctx: Ctx) -> str | None:
    failures = criteria.failed(criteria.county_exit_criteria(ctx.case.region_code))
    if not failures:
        return None
    return "未达到贫困县摘帽标准：" + "；".join(f"{f.label}（{f.detail}）" for f in failures)


COUNTY_CRITERIA = Guard("贫困发生率、错退率、漏评率、群众认可度达标", _county_ok)


def _record_county(ctx: Ctx) -> None:
    rows = {c.code: c for c in criteria.county_exit_criteria(ctx.case.region_code)}
    ctx.case.data["incidence"] = rows["incidence"].detail
    ctx.case.data["rates"] = {code: row.detail for code, row in rows.items()}
    ctx.case.save(update_fields=["data"])


COUNTY_FLOW = register(
    Flow(
        kind="county_exit",
        label="贫困县摘帽",
        subject_level=SubjectLevel.COUNTY,
        prefix="ZM",
        states={
            "applied": "县申请",
            "city_reviewed": "市级已初审",
            "notice": "省级公示中",
            "exited": "已摘帽",
            "withdrawn": "已终止",
        },
        initial="applied",
        terminal=frozenset({"exited", "withdrawn"}),
        objection_target="applied",
        create_roles=OFFICE,
        create_level=C,
        summary="县申请 → 市级初审 → 省级公示 → 省审批 → 摘帽",
        steps=[
            Step("city_review", "市级初审通过", ("applied",), "city_reviewed", OFFICE, CITY,
                 guards=(COUNTY_CRITERIA,), effects=(_record_county,), comment_required=True),
            Step("city_return", "市级退回", ("applied",), "withdrawn", OFFICE, CITY,
                 comment_required=True, style="reject"),
            Step("publish", "发布省级公示", ("city_reviewed",), "notice", OFFICE, P,
                 effects=(publish_effect,), notice_level=NoticeLevel.PROVINCE),
            Step("province_approve", "省批准摘帽", ("notice",), "exited", OFFICE, P,
                 guards=(notice_completed(NoticeLevel.PROVINCE), COUNTY_CRITERIA)),
            Step("province_return", "省退回", ("city_reviewed", "notice"), "applied", OFFICE, P,
                 comment_required=True, style="back"),
            Step("objection", "收到异议退回核实", ("notice",), "applied", system=True),
        ],
    )
)  # fmt: skip
