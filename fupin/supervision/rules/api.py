"""The rule catalogue (SPEC §7): each declared rule with its parameters and their values for
the caller's region and the live count of open alerts; running rules over a region now."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router

from fupin.core import params
from fupin.core.access import Actor, Perm
from fupin.core.api import Schema, actor_of, no_nul
from fupin.core.errors import ValidationFailed
from fupin.core.rules import RULES, SEVERITIES, SUBJECTS, Rule
from fupin.supervision import engine
from fupin.supervision.common.api import TAGS, check_code, region_names, require_region
from fupin.workflows.engine import LEVEL_NAMES, ROLE_NAMES

router = Router(tags=TAGS)


class RuleParamOut(Schema):
    name: str
    key: str = Field(..., description="参数键（在参数管理页按区划设置）")
    label: str
    unit: str
    default: Any
    value: Any = Field(..., description="调用者所在区划的当前取值")


class RuleOut(Schema):
    code: str
    name: str
    description: str
    subject: str
    subject_label: str
    scope: str
    severity: str
    severity_label: str
    responsible: str
    responsible_label: str
    level: int
    level_label: str
    params: list[RuleParamOut]
    open_count: int = Field(..., description="辖区内未销号的预警数")


class CatalogueOut(Schema):
    region_code: str
    region_name: str
    rules: list[RuleOut]


class RunIn(Schema):
    region_code: str = Field(..., min_length=2, max_length=12, description="巡检的区划")
    rules: list[str] | None = Field(None, max_length=100, description="规则代码（缺省为全部）")


class RunResultOut(Schema):
    rule: str
    rule_name: str
    opened: int
    refreshed: int
    cleared: int


def _rule_out(item: Rule, region_code: str, counts: dict[str, int]) -> dict[str, Any]:
    return {
        "code": item.code,
        "name": item.name,
        "description": item.description,
        "subject": item.subject,
        "subject_label": SUBJECTS.get(item.subject, item.subject),
        "scope": item.scope,
        "severity": item.severity,
        "severity_label": SEVERITIES.get(item.severity, item.severity),
        "responsible": item.responsible,
        "responsible_label": ROLE_NAMES.get(item.responsible, item.responsible),
        "level": item.level,
        "level_label": LEVEL_NAMES.get(item.level, ""),
        "params": [
            {
                "name": name,
                "key": spec.key,
                "label": spec.label,
                "unit": spec.unit,
                "default": spec.to_json(spec.default),
                "value": spec.to_json(params.get(spec.key, region_code=region_code)),
            }
            for name, spec in item.params.items()
        ],
        "open_count": counts.get(item.code, 0),
    }


def _counts(actor: Actor, region: str) -> dict[str, int]:
    """Open alerts per rule under the region, or over every region of the jurisdiction."""
    codes = [region] if region else actor.region_codes(Perm.ALERT_VIEW)
    total: dict[str, int] = {}
    for code in codes:  # a minimal list: the subtrees do not overlap
        for rule_code, n in engine.live_counts(code).items():
            total[rule_code] = total.get(rule_code, 0) + n
    return total


@router.get(
    "/rules",
    response=CatalogueOut,
    summary="预警规则目录（参数取值与辖区在办预警数）",
    operation_id="fupin_supervision_api_rules_catalogue",
)
def catalogue(
    request: HttpRequest,
    region: str | None = Query(None, max_length=12, description="区划代码（缺省为本人辖区）"),
) -> dict[str, Any]:
    actor = actor_of(request)
    no_nul(region)
    check_code(region)
    require_region(actor, Perm.ALERT_VIEW, region)
    region_code = region or actor.region_codes(Perm.ALERT_VIEW)[0]
    counts = _counts(actor, region or "")
    return {
        "region_code": region_code,
        "region_name": region_names([region_code]).get(region_code, "全国"),
        "rules": [_rule_out(item, region_code, counts) for item in RULES.values()],
    }


@router.post(
    "/rules/run",
    response=list[RunResultOut],
    summary="立即运行预警规则（指定区划）",
    operation_id="fupin_supervision_api_rules_run",
)
def run(request: HttpRequest, payload: RunIn) -> list[dict[str, Any]]:
    actor = actor_of(request)
    no_nul(payload.dict())
    check_code(payload.region_code, "region_code")
    actor.require_write(Perm.ALERT_ACT, payload.region_code, "只读角色不能运行预警规则")
    codes = list(dict.fromkeys(payload.rules or []))
    unknown = [c for c in codes if c not in RULES]
    if unknown:
        raise ValidationFailed(
            f"规则不存在：{'、'.join(unknown[:5])}", errors={"rules": ["规则不存在"]}
        )
    results = engine.sweep(region_code=payload.region_code, codes=codes or None)
    return [
        {
            "rule": r.rule,
            "rule_name": RULES[r.rule].name,
            "opened": r.opened,
            "refreshed": r.refreshed,
            "cleared": r.cleared,
        }
        for r in results
    ]
