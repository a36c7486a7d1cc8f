"""Shared set-up for benchmarks: a dedicated database on the configured server, a result table."""

from __future__ import annotations

import os
import resource
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def setup_django(db_name: str = "fupin_bench") -> None:
    """Point Django at a benchmark database (created if missing) and migrate it."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ["FUPIN_DB_NAME"] = db_name
    os.environ.setdefault("DJANGO_DEBUG", "false")
    url = os.environ.get("DATABASE_URL")
    if url:
        import psycopg

        from fupin.core.database import parse_database_url

        cfg = parse_database_url(url)
        with psycopg.connect(
            host=cfg["HOST"] or None,
            port=cfg["PORT"] or None,
            user=cfg["USER"] or None,
            password=cfg["PASSWORD"] or None,
            dbname=cfg["NAME"],
            autocommit=True,
        ) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname=%s", [db_name]).fetchone():
                conn.execute(f'CREATE DATABASE "{db_name}"')
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def timer() -> Iterator[dict[str, float]]:
    result: dict[str, float] = {}
    started = time.perf_counter()
    try:
        yield result
    finally:
        result["seconds"] = time.perf_counter() - started


def measure(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def print_table(title: str, header: list[str], rows: list[list[Any]]) -> str:
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(header)]
    lines = [title, " | ".join(str(h).ljust(w) for h, w in zip(header, widths, strict=True))]
    lines.append("-|-".join("-" * w for w in widths))
    for row in rows:
        lines.append(" | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
    text = "\n".join(lines)
    print(text)
    return text
