"""Administrator-editable parameters: defaults live in code, overrides in the database.

Every number an official tunes (SPEC: "every rule that carries a number is a parameter") is
declared once with `define(...)` by the app that uses it and read with `get(...)`, which
resolves the most specific override: the longest region-code prefix that contains the given
region, a specific year before the all-years value, and finally the declared default.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import Q

from fupin.core.access import Actor, Perm, region_exists, region_names
from fupin.core.context import audit_context
from fupin.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fupin.core.versioning import stale, versioned_update

if TYPE_CHECKING:
    from fupin.core.models import Parameter


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
    # Defaults that differ by year (e.g. the annual poverty line); `default` covers the rest.
    year_defaults: Mapping[int, Any] = field(default_factory=dict, hash=False, compare=False)
    # Defaults that differ by region (e.g. central vs western provinces), keyed by code prefix.
    region_defaults: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def default_for(self, year: int | None, region_code: str = "") -> Any:
        match = self.region_default_prefix(region_code)
        if match:
            return self.region_defaults[match]
        if year is not None and year in self.year_defaults:
            return self.year_defaults[year]
        return self.default

    def region_default_prefix(self, region_code: str) -> str:
        """The longest prefix of `region_code` that has a region default ("" if none)."""
        return max(
            (p for p in self.region_defaults if p and region_code.startswith(p)),
            key=len,
            default="",
        )

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
SELECT value #>> '{}', region_code FROM core_parameter
WHERE key = %s
  AND (region_code = '' OR %s LIKE region_code || '%%')
  AND (year IS NULL OR year = %s)
ORDER BY length(region_code) DESC, year IS NULL, year
LIMIT 1
"""


def get(key: str, *, region_code: str = "", year: int | None = None) -> Any:
    """The value of `key` for a region (any code in its subtree) and year.

    The most specific region wins: a stored override at a region at least as specific as the
    matching region default (e.g. a province's 2% incidence line) beats it, a more general
    override (e.g. a national value) does not."""
    spec = definition(key)
    with connection.cursor() as cursor:
        cursor.execute(RESOLVE_SQL, [key, region_code or "", year])
        row = cursor.fetchone()
    if row is None or len(row[1]) < len(spec.region_default_prefix(region_code or "")):
        return spec.default_for(year, region_code or "")
    return spec.coerce(row[0])


def get_regions(
    key: str, *, region_codes: Iterable[str], year: int | None = None
) -> dict[str, Any]:
    """`get` for many regions at once, in one query (e.g. the poverty line of every case on a
    dashboard page): the same precedence, resolved per region over the rows of its prefixes."""
    spec = definition(key)
    codes = set(region_codes)
    prefixes = sorted({code[:n] for code in codes for n in range(1, len(code) + 1)})
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT value #>> '{}', region_code, year FROM core_parameter"
            " WHERE key = %s AND (region_code = '' OR region_code = ANY(%s))"
            " AND (year IS NULL OR year = %s)"
            " ORDER BY length(region_code) DESC, year IS NULL, year",
            [key, prefixes, year],
        )
        rows = cursor.fetchall()
    result = {}
    for code in codes:
        row = next((r for r in rows if code.startswith(r[1])), None)
        if row is None or len(row[1]) < len(spec.region_default_prefix(code)):
            result[code] = spec.default_for(year, code)
        else:
            result[code] = spec.coerce(row[0])
    return result


def get_years(key: str, *, region_code: str = "", years: list[int]) -> dict[int, Any]:
    """`get` for many years at once, in one query (e.g. every year's poverty line for a
    set-based rule)."""
    spec = definition(key)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT value #>> '{}', region_code, year FROM core_parameter"
            " WHERE key = %s AND (region_code = '' OR %s LIKE region_code || '%%')"
            " ORDER BY length(region_code) DESC, year IS NULL",
            [key, region_code or ""],
        )
        rows = cursor.fetchall()
    floor = len(spec.region_default_prefix(region_code or ""))
    result = {}
    for year in years:
        row = next((r for r in rows if r[2] is None or r[2] == year), None)
        if row is None or len(row[1]) < floor:
            result[year] = spec.default_for(year, region_code or "")
        else:
            result[year] = spec.coerce(row[0])
    return result


# --- Administration: overrides are set per region subtree and year (SPEC §0 "parameters") ---

MIN_YEAR, MAX_YEAR = 2000, 2100


def _check_scope(actor: Actor, region_code: str, *, perm: str) -> None:
    """The national value ("") belongs to system administrators; any other region must be a
    real region inside the actor's jurisdiction where they hold `perm`."""
    if region_code == "":
        if not actor.is_system_admin:
            raise PermissionDenied("只有系统管理员可以设置全国参数值")
        return
    if not region_exists(region_code):
        raise NotFound("区划代码不存在或不在您的管辖范围内")
    actor.require(perm, region_code)


def _check_year(year: int | None) -> None:
    if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationFailed(
            "适用年度不正确", errors={"year": [f"应在 {MIN_YEAR}–{MAX_YEAR} 之间"]}
        )


@transaction.atomic
def set_parameter(
    *,
    actor: Actor,
    key: str,
    region_code: str,
    year: int | None,
    value: Any,
    reason: str,
    version: int | None = None,
) -> Parameter:
    """Create or update the override of `key` for a region subtree and (optionally) a year.

    Updating an existing override needs the version the editor saw; a stale or missing
    version raises Conflict so that two administrators never overwrite each other silently.
    """
    from fupin.core.models import Parameter

    spec = definition(key)
    region_code = (region_code or "").strip()
    _check_scope(actor, region_code, perm=Perm.PARAM_EDIT)
    _check_year(year)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写修改原因", errors={"reason": ["必填"]})
    stored = spec.to_json(spec.coerce(value))
    with audit_context(reason=reason):
        existing = Parameter.objects.filter(key=key, region_code=region_code, year=year).first()
        if existing is None:
            if version is not None:
                raise Conflict("该参数覆盖值已被他人删除，请刷新后重试")
            return Parameter.objects.create(
                key=key,
                region_code=region_code,
                year=year,
                value=stored,
                note=reason[:200],
                updated_by_id=actor.user_id,
            )
        if version is None:
            raise Conflict("该区划和年度已有覆盖值，请刷新页面后在原记录上修改")
        versioned_update(
            Parameter,
            pk=existing.pk,
            version=version,
            actor_id=actor.user_id,
            values={"value": stored, "note": reason[:200]},
            subject="该参数覆盖值",
        )
        existing.refresh_from_db()
        return existing


@transaction.atomic
def delete_override(*, actor: Actor, pk: int, reason: str, version: int | None = None) -> None:
    """Remove an override; the value falls back to the next wider region or the default."""
    from fupin.core.models import Parameter

    row = Parameter.objects.filter(pk=pk).first()
    if row is None:
        raise NotFound()
    if row.region_code == "":
        if not actor.is_system_admin:
            raise PermissionDenied("只有系统管理员可以删除全国参数值")
    else:
        actor.require(Perm.PARAM_EDIT, row.region_code)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写删除原因", errors={"reason": ["必填"]})
    with audit_context(reason=reason):
        rows = Parameter.objects.filter(pk=pk)
        if version is not None:
            rows = rows.filter(version=version)
        deleted, _ = rows.delete()
    if not deleted:
        raise stale(Parameter, pk, subject="该参数覆盖值")


def default_region(actor: Actor, perm: str) -> str:
    """The region the parameter page opens on: the actor's first jurisdiction for `perm`."""
    codes = actor.region_codes(perm)
    return codes[0] if codes else ""


def parameter_overview(
    actor: Actor, *, region_code: str | None = None, year: int | None = None
) -> dict[str, Any]:
    """Every defined parameter with its effective value at `region_code` (default: the
    actor's jurisdiction) for `year`, and the overrides that matter there: those inside the
    jurisdiction plus those of the enclosing regions (including the national value)."""
    from fupin.core.models import Parameter

    if not actor.has_perm(Perm.PARAM_VIEW):
        raise PermissionDenied()
    if region_code:
        actor.require(Perm.PARAM_VIEW, region_code)
    else:
        region_code = default_region(actor, Perm.PARAM_VIEW)
    _check_year(year)
    ancestors = [region_code[:n] for n in (0, 2, 4, 6, 9, 12) if n <= len(region_code)]
    rows = list(
        Parameter.objects.filter(key__in=list(REGISTRY))
        .filter(actor.scope_q(Perm.PARAM_VIEW, field="region_code") | Q(region_code__in=ancestors))
        .select_related("updated_by")
        .order_by("key", "region_code", "year")
    )
    codes = {r.region_code for r in rows if r.region_code} | ({region_code} - {""})
    names = region_names(codes)
    by_key: dict[str, list[Parameter]] = {}
    for row in rows:
        row.region_name = names.get(row.region_code, "全国") if row.region_code else "全国"  # type: ignore[attr-defined]
        by_key.setdefault(row.key, []).append(row)
    items = []
    for key in sorted(REGISTRY):
        spec = REGISTRY[key]
        items.append(
            {
                "key": key,
                "label": spec.label,
                "unit": spec.unit,
                "kind": spec.kind,
                "help": spec.help,
                "minimum": spec.minimum,
                "maximum": spec.maximum,
                "default": spec.default_for(year),
                "year_defaults": dict(sorted(spec.year_defaults.items())),
                "effective": get(key, region_code=region_code, year=year),
                "overrides": by_key.get(key, []),
            }
        )
    return {
        "region_code": region_code,
        "region_name": names.get(region_code, "全国") if region_code else "全国",
        "year": year,
        "items": items,
    }
