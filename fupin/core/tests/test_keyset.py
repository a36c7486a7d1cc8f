"""The platform's keyset pagination: cursors (typed, refused with a 422 when forged), the
"after" test, count labels; and `params.get_regions`, which the set-based exit checks read."""

from __future__ import annotations

import base64
import datetime as dt
import json
from decimal import Decimal

import pytest

from fupin.core import params
from fupin.core.api import keyset
from fupin.core.errors import ValidationFailed
from fupin.core.models import Parameter

SPEC = keyset.keys("-first_seen_at", "~region_code", "-id", first_seen_at=dt.datetime)


def _raw(values: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def test_cursor_round_trip_keeps_types() -> None:
    at = dt.datetime(2025, 3, 1, 8, 30, tzinfo=dt.UTC)
    cursor = keyset.encode_cursor([at, "510981100200", 42])
    assert keyset.decode_cursor(cursor, SPEC) == [at, "510981100200", 42]


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64!",
        _raw([1, 2]),  # too few values
        _raw(["2025-03-01T08:30:00+00:00", "510981", "42"]),  # the id as text
        _raw(["2025-03-01T08:30:00+00:00", "510981", 2**63]),  # beyond bigint
        _raw(["2025-03-01T08:30:00+00:00", "5109\x0081", 1]),  # a NUL byte
        _raw(["yesterday", "510981", 1]),
        _raw({"id": 1}),
    ],
)
def test_forged_cursors_are_refused(cursor: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        keyset.decode_cursor(cursor, SPEC)
    assert exc.value.message == "翻页参数无效，请从第一页重新查询"


def test_after_condition_is_an_index_range_on_the_leading_key() -> None:
    sql, args = keyset._after(SPEC, ["T", "R", 7])
    assert sql == ("k.k0 <= %s AND (k.k0 < %s OR (k.k1 ~>=~ %s AND (k.k1 ~>~ %s OR (k.k2 < %s))))")
    assert args == ["T", "T", "R", "R", 7]
    assert keyset._order(SPEC) == "k.k0 DESC, k.k1 USING ~<~, k.k2 DESC"


def test_count_labels() -> None:
    assert keyset.ListCount(37, False).label == "37"
    assert keyset.ListCount(10_000, True).label == "1万+"


@pytest.mark.django_db
def test_get_regions_agrees_with_get(village, county, sibling_county) -> None:  # type: ignore[no-untyped-def]
    key = "registry.poverty_line"
    Parameter.objects.create(key=key, region_code=county.code, year=2025, value="5000")
    Parameter.objects.create(key=key, region_code=village.code, year=None, value="6000")
    codes = [village.code, county.code + "100", sibling_county.code + "100200"]
    for year in (2024, 2025):
        many = params.get_regions(key, region_codes=codes, year=year)
        assert many == {c: params.get(key, region_code=c, year=year) for c in codes}
    assert (
        Decimal(params.get_regions(key, region_codes=[village.code], year=2025)[village.code])
        == 6000
    )
