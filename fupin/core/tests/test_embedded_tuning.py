"""The embedded server's memory settings follow the machine's memory (docs/deployment.md)."""

from __future__ import annotations

from typing import Any

from fupin.core.embedded.base import GB, MB, apply_tuning, machine_memory, tuning


def test_tuning_scales_with_memory_within_bounds() -> None:
    assert tuning(16 * GB) == {
        "shared_buffers": "4096MB",
        "effective_cache_size": "8192MB",
        "work_mem": "64MB",
        "maintenance_work_mem": "1024MB",
    }
    assert tuning(2 * GB) == {
        "shared_buffers": "512MB",
        "effective_cache_size": "1024MB",
        "work_mem": "8MB",
        "maintenance_work_mem": "128MB",
    }
    small = tuning(256 * MB)  # never below PostgreSQL's own defaults
    assert small["shared_buffers"] == "128MB" and small["work_mem"] == "4MB"
    assert tuning(128 * GB)["shared_buffers"] == "8192MB"


def test_machine_memory_is_positive() -> None:
    assert machine_memory() > 64 * MB


class FakeConnection:
    """Answers the three catalogue reads of apply_tuning and records the rest."""

    def __init__(self, stored: dict[str, str], pending: list[str]) -> None:
        self.stored, self.pending = stored, pending
        self.statements: list[str] = []

    def execute(self, sql: str, params: Any = None) -> Any:
        self.statements.append(sql)
        rows: list[tuple[str, ...]] = []
        if "pg_file_settings" in sql:
            rows = list(self.stored.items())
        elif "pending_restart" in sql:
            rows = [(name,) for name in self.pending]
        return type("Result", (), {"fetchall": lambda _self: rows})()


def test_apply_tuning_alters_only_what_changed_and_reports_restarts() -> None:
    settings = tuning(4 * GB)
    conn = FakeConnection({**settings, "work_mem": "4MB"}, pending=["shared_buffers"])
    assert apply_tuning(conn, settings) == ["shared_buffers"]
    altered = [s for s in conn.statements if s.startswith("ALTER SYSTEM")]
    assert altered == [f"ALTER SYSTEM SET work_mem = '{settings['work_mem']}'"]
    assert "SELECT pg_reload_conf()" in conn.statements
    unchanged = FakeConnection(dict(settings), pending=[])
    assert apply_tuning(unchanged, settings) == []
    assert not [s for s in unchanged.statements if "ALTER" in s or "reload" in s]
