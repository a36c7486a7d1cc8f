"""Logical validation (逻辑校验) of registry records (SPEC §2).

Every rule has a code, a Chinese message, a severity and the fields it concerns, and checks
one household bundle (the household, its current members and its incomes). The same rules run
on entry (errors block the save, warnings are shown), on import (per row of the file) and in
the nightly sweep (疑点 per region). Rules live in `rules.py`; `validate_bundle` runs them all.
"""

from __future__ import annotations

from .base import Bundle, Issue, Rule, Severity, all_rules, validate_bundle

__all__ = ["Bundle", "Issue", "Rule", "Severity", "all_rules", "validate_bundle"]
