"""What the dashboard pages share: the jurisdiction helpers and labels."""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse

from fupin.core.access import Actor, Perm
from fupin.core.errors import NotFound
from fupin.regions.models import Level, Region

T = "workflows/dashboards/"


def _case_url_pattern() -> str:
    """The case page URL with a `{}` for the id (the case pages are another module's)."""
    try:
        return reverse("workflows:case_detail", args=[999999999]).replace("999999999", "{}")
    except NoReverseMatch:
        return "/cases/{}/"


def _region(actor: Actor, code: str, lengths: tuple[int, ...]) -> Region:
    """A region of one of the given code lengths inside the jurisdiction; 404 otherwise."""
    code = (code or "").strip()
    if not code.isdigit() or len(code) not in lengths:
        raise NotFound("区划代码不存在或不在您的管辖范围内")
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise NotFound("区划代码不存在或不在您的管辖范围内")
    actor.require(Perm.CASE_VIEW, region.code)
    return region


def _first_code(actor: Actor) -> str:
    codes_ = actor.region_codes(Perm.CASE_VIEW)
    if not codes_:
        raise NotFound()
    return codes_[0]


def _default_county_or_below(actor: Actor) -> str:
    """The actor's first jurisdiction at county level or below: the county itself for a city
    or province grant (the first county under it), the grant's own region otherwise."""
    code = _first_code(actor)
    if len(code) >= 6:
        return code
    county = (
        Region.objects.filter(code__startswith=code, level=Level.COUNTY)
        .order_by("code")
        .values_list("code", flat=True)
        .first()
    )
    if county is None:
        raise NotFound()
    return county


def _year(value: str | None) -> int | None:
    if not value:
        return None
    try:
        year = int(value)
    except ValueError:
        raise NotFound() from None
    if not 2000 <= year <= 2100:
        raise NotFound()
    return year


def _int(value: Any, name: str, label: str, errors: dict[str, str]) -> int | None:
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        errors[name] = f"{label}应为整数"
        return None
