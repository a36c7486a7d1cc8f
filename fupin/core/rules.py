"""Declaring supervision rules (SPEC §7). Each domain app lists its rules in its own
`rules.py` with `rule(...)`; `fupin.supervision` runs them (set-based sweeps, the on-change
re-check, alerts). This module holds only the declarations, so that any app can declare rules
without depending on the supervision app.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from fupin.core import params
from fupin.core.params import ParameterDef, define

SEVERITIES = {"high": "红色（严重）", "medium": "橙色（较重）", "low": "黄色（一般）"}
SUBJECTS = {"household": "农户", "member": "家庭成员", "case": "办件"}


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    subject: str  # household | member | case
    scope: str  # household | case: which record's change re-checks it
    severity: str
    responsible: str  # role code of the unit that rectifies
    level: int  # level of the responsible unit (5 village · 4 township · 3 county)
    sql: str
    description: str
    params: dict[str, ParameterDef] = field(default_factory=dict)
    # Extra SQL parameters computed at run time (e.g. the year's poverty line for the region).
    computed: Callable[[str, dt.date], dict[str, Any]] | None = None

    def values(self, region_code: str, today: dt.date) -> dict[str, Any]:
        values = {
            f"p_{name}": params.get(spec.key, region_code=region_code)
            for name, spec in self.params.items()
        }
        if self.computed is not None:
            values.update(self.computed(region_code, today))
        return values


RULES: dict[str, Rule] = {}


def rule(
    code: str,
    name: str,
    *,
    subject: str,
    scope: str,
    severity: str,
    responsible: str,
    level: int,
    sql: str,
    description: str,
    params: Iterable[tuple[str, str, Any, dict[str, Any]]] = (),
    computed: Callable[[str, dt.date], dict[str, Any]] | None = None,
) -> Rule:
    """Declare a rule; `params` are (name, Chinese label, default, define-kwargs)."""
    defs = {
        pname: define(f"rules.{code}.{pname}", f"{name}：{label}", default, **kwargs)
        for pname, label, default, kwargs in params
    }
    assert severity in SEVERITIES and subject in SUBJECTS and scope in ("household", "case")
    declared = Rule(
        code=code, name=name, subject=subject, scope=scope, severity=severity,
        responsible=responsible, level=level, sql=sql, description=description, params=defs,
        computed=computed,
    )  # fmt: skip
    RULES[code] = declared
    return declared
