"""Benchmark: loading the whole national division tree (issue: < 60 s for 665,276 rows).

Compares, in one run on the same server:
  1. the raw ceiling — COPY of the same rows into an unindexed, unlogged table;
  2. `load_regions()` into an empty regions table (first load);
  3. `load_regions()` again (idempotent reload: nothing changes).

Run: .venv/bin/python bench/regions_load.py   (or `make bench`)
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import measure, peak_rss_mb, print_table, setup_django


def main() -> None:
    setup_django()
    from django.db import connection

    from fupin.regions.loader import _copy_buffer, iter_divisions, load_regions
    from fupin.regions.models import Region

    rows = list(iter_divisions())
    total = len(rows)

    def raw_copy() -> None:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_raw_divisions")
            cursor.execute(
                "CREATE UNLOGGED TABLE bench_raw_divisions (code varchar(12), level smallint, name varchar(100))"
            )
            with cursor.copy("COPY bench_raw_divisions FROM STDIN") as copy:
                for chunk in _copy_buffer(rows):
                    copy.write(chunk)
            cursor.execute("DROP TABLE bench_raw_divisions")

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE regions_region CASCADE")
    raw_s, _ = measure(raw_copy)
    first_s, counts = measure(load_regions)
    again_s, _ = measure(load_regions)
    assert sum(counts.values()) == total == Region.objects.count()

    def fmt(seconds: float) -> list[object]:
        return [f"{seconds:.1f}", f"{total / seconds:,.0f}", f"{raw_s / seconds:.0%}"]

    print_table(
        f"Regions load — {total:,} rows (peak RSS {peak_rss_mb():.0f} MB)",
        ["step", "seconds", "rows/s", "vs raw COPY"],
        [
            ["raw COPY (ceiling)", *fmt(raw_s)],
            ["load_regions (first load)", *fmt(first_s)],
            ["load_regions (reload, idempotent)", *fmt(again_s)],
        ],
    )


if __name__ == "__main__":
    main()
