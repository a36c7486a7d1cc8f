"""Figure declarations: what a dashboard number is, declared once by the app that owns it.

A figure is a set of additive measures (counts, sums of an integer column) of raw rows,
broken down by a few dimensions and a period, and rolled up to the region levels it declares.
Its `source` is a SELECT over raw rows with the placeholder `{rows}` for the row set: the
table itself (rebuild, `stats_verify`), a trigger's transition table, or the rows a freeze
just wrote. The SELECT yields, in this order, `region_code` (the row's own region code, of any
length), `period` (an integer: 0 for a live figure, the year for a yearly one), one column
per dimension and one per measure.

How the rollup is kept current (`maintained`):
- `trigger`: statement-level triggers on `table` and on every table of `feeds` append the
  delta of each statement (live; no page ever shows a freshness time);
- `freeze`: the writer of the immutable source calls `stats.delta_sql` inside its own
  transaction (yearly snapshots);
- `refresh`: recomputed by `stats.refresh` after a change batch, sweep or import; the page
  shows 「数据截至 HH:MM」 from the figure's refresh time.

The platform imports no app: apps declare their figures in `AppConfig.register()` through
`declare_figure` (like permissions), and `core.stats` installs the triggers after migrate.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

# Stored levels: Level value → code length (fupin.regions.models.CODE_LENGTH, which core
# may not import; regions' tests hold the two equal).
LEVEL_LENGTH: Mapping[int, int] = {1: 2, 2: 4, 3: 6, 4: 9, 5: 12}
ALL_LEVELS = tuple(LEVEL_LENGTH)

Maintained = Literal["trigger", "freeze", "refresh"]
_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


@dataclass(frozen=True)
class Figure:
    name: str  # "<app label>.<figure>", e.g. "registry.households"
    label: str  # Chinese, for stats_verify's report
    table: str  # the raw table `{rows}` stands for when recomputing
    source: str
    dims: tuple[str, ...]
    measures: tuple[str, ...]
    maintained: Maintained
    levels: tuple[int, ...] = ALL_LEVELS
    # trigger figures: further tables whose changes move the figure → their own SELECT over
    # `{rows}` (same columns as `source`), e.g. members moving a household's person count
    feeds: Mapping[str, str] = field(default_factory=dict)
    # values the source SQL needs as %(name)s parameters, computed when recomputing
    params: Callable[[], dict[str, Any]] | None = None

    def __post_init__(self) -> None:
        if not _NAME.match(self.name) or len(self.name) > 60:
            raise ValueError(f"figure name {self.name!r}: '<app>.<figure>', lower case")
        if not self.measures:
            raise ValueError(f"figure {self.name}: at least one measure")
        for ident in (*self.dims, *self.measures):
            if not re.match(r"^[a-z][a-z0-9_]*$", ident):
                raise ValueError(f"figure {self.name}: bad column name {ident!r}")
        if set(self.levels) - set(ALL_LEVELS) or not self.levels:
            raise ValueError(f"figure {self.name}: levels are among {ALL_LEVELS}")
        if self.maintained != "trigger" and self.feeds:
            raise ValueError(f"figure {self.name}: feeds are for trigger figures")

    @property
    def live(self) -> bool:
        """Whether the rollup is exact at every commit (no freshness time to show)."""
        return self.maintained in ("trigger", "freeze")

    @property
    def lengths(self) -> tuple[int, ...]:
        return tuple(sorted(LEVEL_LENGTH[level] for level in self.levels))

    def trigger_tables(self) -> dict[str, str]:
        if self.maintained != "trigger":
            return {}
        return {self.table: self.source, **self.feeds}


_FIGURES: dict[str, Figure] = {}


def declare_figure(figure: Figure) -> Figure:
    """Register a figure (from an app's `register()`); declaring the same name twice with a
    different definition is an error, re-declaring the same one (a reload) is not."""
    known = _FIGURES.get(figure.name)
    if known is not None and known != figure:
        raise ValueError(f"figure {figure.name} declared twice")
    _FIGURES[figure.name] = figure
    return figure


def figure(name: str) -> Figure:
    try:
        return _FIGURES[name]
    except KeyError:
        raise LookupError(f"no figure {name!r} declared") from None


def figures() -> list[Figure]:
    return sorted(_FIGURES.values(), key=lambda f: f.name)
