"""Administrator-editable parameters: defaults live in code, overrides in the database.

Every number an official tunes (SPEC: "every rule that carries a number is a parameter") is
declared once with `define(...)` by the app that uses it and read with `get(...)`, which
resolves the most specific override: the longest region-code prefix that contains the given
region, a specific year before the all-years value, and finally the declared default.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection

from fupin.core.errors import ValidationFailed


@dataclass(frozen=True)
class ParameterDef:
    key: str
    label: str
    default: Any
    kind: str = "int"  # int | decimal | str | bool
    unit: str = ""
    help: str = ""
    minimum: Decimal | int | None = None
    maximum: Decimal | int | None = None

    def coerce(self, raw: Any) -> Any:
        """Turn a stored or submitted value into the declared type, or raise a Chinese error."""
        try:
            if self.kind == "int":
                value: Any = int(str(raw).strip())
            elif self.kind == "decimal":
                value = Decimal(str(raw).strip())
            elif self.kind == "bool":
                value = str(raw).strip().lower() in {"1", "true", "yes", "on", "是"}
            else:
                value = str(raw)
        except (ValueError, InvalidOperation) as exc:
            raise ValidationFailed(
                f"参数「{self.label}」的取值“{raw}”格式不正确",
                errors={"value": [f"应为{KIND_LABELS[self.kind]}"]},
            ) from exc
        if self.minimum is not None and value < self.minimum:
            raise ValidationFailed(
                f"参数「{self.label}」不得小于 {self.minimum}", errors={"value": ["取值过小"]}
            )
        if self.maximum is not None and value > self.maximum:
            raise ValidationFailed(
                f"参数「{self.label}」不得大于 {self.maximum}", errors={"value": ["取值过大"]}
            )
        return value

    def to_json(self, value: Any) -> Any:
        return str(value) if isinstance(value, Decimal) else value


KIND_LABELS = {"int": "整数", "decimal": "数字", "str": "文本", "bool": "是/否"}
REGISTRY: dict[str, ParameterDef] = {}


def define(key: str, label: str, default: Any, **kwargs: Any) -> ParameterDef:
    definition = ParameterDef(key=key, label=label, default=default, **kwargs)
    REGISTRY[key] = definition
    return definition


def definition(key: str) -> ParameterDef:
    try:
        return REGISTRY[key]
    except KeyError as exc:
        raise ValidationFailed(f"未知参数：{key}") from exc


RESOLVE_SQL = """
SELECT value FROM core_parameter
WHERE key = %s
  AND (region_code = '' OR %s LIKE region_code || '%%')
  AND (year IS NULL OR year = %s)
ORDER BY length(region_code) DESC, year IS NULL, year
LIMIT 1
"""


def get(key: str, *, region_code: str = "", year: int | None = None) -> Any:
    """The value of `key` for a region (any code in its subtree) and year."""
    spec = definition(key)
    with connection.cursor() as cursor:
        cursor.execute(RESOLVE_SQL, [key, region_code or "", year])
        row = cursor.fetchone()
    if row is None:
        return spec.default
    return spec.coerce(row[0])
