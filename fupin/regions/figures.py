"""The regions' dashboard figures (core.stats), kept current by triggers.

- `regions.regions`: regions by level — a region counts at its own level and every ancestor,
  so a county's row holds the county itself, its townships and its villages;
- `regions.villages`: village profiles by poor-village flag and exit, with the population and
  rural population that the incidence rate (贫困发生率) divides by.
"""

from __future__ import annotations

from fupin.core.stats import Figure, declare_figure

REGIONS = declare_figure(
    Figure(
        name="regions.regions",
        label="各级区划数",
        table="regions_region",
        source="SELECT r.code, 0, r.level::text, 1 FROM {rows} r",
        dims=("level",),
        measures=("regions",),
        maintained="trigger",
    )
)

VILLAGES = declare_figure(
    Figure(
        name="regions.villages",
        label="村情：贫困村与人口",
        table="regions_villageprofile",
        source=(
            "SELECT r.region_id, 0, r.is_poor_village, r.exit_year IS NOT NULL, 1,"
            " coalesce(r.population, 0), coalesce(r.rural_population, 0) FROM {rows} r"
        ),
        dims=("poor", "exited"),
        measures=("villages", "population", "rural_population"),
        maintained="trigger",
    )
)
