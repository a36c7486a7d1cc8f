"""The rule machinery: Rule, Issue, Bundle and the registry of rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.utils import timezone


class Severity(StrEnum):
    ERROR = "error"  # blocks entry and import
    WARNING = "warning"  # shown, recorded as 疑点, does not block

    @property
    def label(self) -> str:
        return {"error": "错误", "warning": "疑点"}[self.value]


@dataclass
class Bundle:
    """What a rule sees: plain attribute objects (model instances or import rows alike)."""

    household: Any
    members: list[Any]
    incomes: list[Any] = field(default_factory=list)
    today: dt.date = field(default_factory=timezone.localdate)
    poverty_line: Callable[[int], Decimal] | None = None
    monitoring_line: Callable[[int], Decimal] | None = None
    # Parameter lookup by key (e.g. "registry.compulsory_school_age_from"); the sweep passes a
    # cached one. Without it, `param` reads fupin.core.params for the household's region.
    param_lookup: Callable[[str], Any] | None = None
    _params: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def param(self, key: str) -> Any:
        if self.param_lookup is not None:
            return self.param_lookup(key)
        if key not in self._params:  # several rules read the same parameter
            from fupin.core import params

            region_code = getattr(self.household, "region_code", "") or ""
            self._params[key] = params.get(key, region_code=region_code)
        return self._params[key]

    def age(self, member: Any, on: dt.date | None = None) -> int:
        on = on or self.today
        born: dt.date = member.birth_date
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))

    @property
    def current_members(self) -> list[Any]:
        return [m for m in self.members if getattr(m, "left_on", None) is None]

    @property
    def head(self) -> Any | None:
        heads = [m for m in self.current_members if m.relation == "head"]
        return heads[0] if len(heads) == 1 else None


@dataclass(frozen=True)
class Issue:
    code: str
    message: str
    severity: Severity
    fields: tuple[str, ...]
    member_index: int | None = None  # position in bundle.members, for member-level rules

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


Check = Callable[["Rule", Bundle], Iterable[Issue]]


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    fields: tuple[str, ...]
    check: Check
    description: str = ""

    def issue(self, message: str, member_index: int | None = None) -> Issue:
        return Issue(self.code, message, self.severity, self.fields, member_index)


RULES: dict[str, Rule] = {}


def rule(
    code: str, name: str, severity: Severity, fields: tuple[str, ...], description: str = ""
) -> Callable[[Check], Check]:
    """Register a check function as a rule."""

    def register(check: Check) -> Check:
        if code in RULES:
            raise ValueError(f"duplicate rule code {code}")
        RULES[code] = Rule(code, name, severity, fields, check, description)
        return check

    return register


def all_rules() -> list[Rule]:
    from . import rules  # noqa: F401  (registers the catalogue)

    return sorted(RULES.values(), key=lambda r: r.code)


def validate_bundle(bundle: Bundle) -> list[Issue]:
    issues: list[Issue] = []
    for item in all_rules():
        issues.extend(item.check(item, bundle))
    return issues
