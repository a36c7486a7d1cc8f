"""The rule catalogue. Codes: H = household, M = member, I = income, L = living conditions.

Each check receives its own Rule (to build issues) and the Bundle.
"""

from __future__ import annotations

from collections.abc import Iterator

from .base import Bundle, Issue, Rule, Severity, rule

E, W = Severity.ERROR, Severity.WARNING


@rule("H001", "户主唯一", E, ("relation",), "每户有且只有一名在册户主")
def one_head(r: Rule, b: Bundle) -> Iterator[Issue]:
    heads = [m for m in b.current_members if m.relation == "head"]
    if len(heads) != 1:
        yield r.issue(f"每户必须有且只有一名户主，当前为 {len(heads)} 名")


@rule("H002", "家庭人口数与成员数一致", E, ("declared_size",))
def size_matches(r: Rule, b: Bundle) -> Iterator[Issue]:
    n = len(b.current_members)
    if b.household.declared_size != n:
        yield r.issue(f"家庭人口数（{b.household.declared_size}）与在册成员数（{n}）不一致")
