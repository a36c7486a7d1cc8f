"""core.stats on its own: declarations are checked, the SQL is what a figure declares, and
the freshness text reads as the users say it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from fupin.core.stats import Figure, sql
from fupin.core.templatetags.stats import as_of, as_of_text


def figure(**extra: object) -> Figure:
    values: dict[str, object] = {
        "name": "demo.things",
        "label": "事项",
        "table": "demo_thing",
        "source": "SELECT r.region_code, 0, r.kind, 1 FROM {rows} r",
        "dims": ("kind",),
        "measures": ("things",),
        "maintained": "refresh",
    }
    values.update(extra)
    return Figure(**values)  # type: ignore[arg-type]


def test_declarations_are_checked() -> None:
    with pytest.raises(ValueError, match=r"'<app>\.<figure>'"):
        figure(name="Things")
    with pytest.raises(ValueError, match="at least one measure"):
        figure(measures=())
    with pytest.raises(ValueError, match="levels"):
        figure(levels=(6,))
    with pytest.raises(ValueError, match="feeds are for trigger figures"):
        figure(feeds={"demo_other": "SELECT 1"})
    assert not figure().live and figure(maintained="trigger").live


def test_delta_fans_out_to_the_declared_levels_and_drops_zero_groups() -> None:
    text = sql.delta_insert(figure(levels=(3, 5)), new="new_rows", old="old_rows")
    assert "(VALUES (3, 6), (5, 12))" in text and "lv.len <= length(d.region_code)" in text
    assert "-s.things AS things" in text and "HAVING sum(d.things) <> 0" in text
    assert text.startswith("INSERT INTO core_rollup")


def test_a_changed_declaration_changes_the_signature() -> None:
    assert sql.signature(figure()) == sql.signature(figure())
    assert sql.signature(figure()) != sql.signature(figure(levels=(1, 2, 3)))


def test_freshness_text() -> None:
    now = timezone.localtime()
    assert as_of_text(None) == "" and as_of(object()) == ""
    assert as_of_text(now) == f"数据截至 {now:%H:%M}"
    earlier = now - dt.timedelta(days=3)
    assert as_of_text(earlier) == f"数据截至 {earlier.month}月{earlier.day}日 {earlier:%H:%M}"
    reading = type("R", (), {"as_of": now})()
    assert 'data-testid="as-of">数据截至' in as_of(reading)
