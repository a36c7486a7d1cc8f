"""`python -m tests.faults.worker_main [run_worker options]`: the import worker, with faults
injected, for the fault-injection tests.

The test starts it as a process of its own (the real `run_worker` command, its signal
handlers and its parse processes) on the test database; FUPIN_FAULTS (JSON) says what to
change before the command runs:

- "chunk_rows": rows per staging chunk; "parallel": parse on two processes whatever the size;
- "pause": "stage" | "checks" | "apply": write FUPIN_FAULT_MARK and hang there (the apply
  hangs in a server-side pg_sleep inside its transaction, after its first insert);
- "apply_sleep": seconds of pg_sleep inside the apply (a long apply);
- "child_exit_after": a parse process dies (os._exit) on the chunk after this many rows;
- "heartbeat": seconds between the heartbeats of a long apply.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any


def mark(what: str) -> None:
    path = os.environ.get("FUPIN_FAULT_MARK")
    if path:
        Path(path).write_text(what)


def install(faults: dict[str, Any]) -> None:
    from django.conf import settings
    from django.db import connection

    from fupin.registry.io import parse, staging
    from fupin.registry.io.staging import apply as apply_module

    if "chunk_rows" in faults:
        staging.base.CHUNK_ROWS = int(faults["chunk_rows"])
    if faults.get("parallel"):
        staging.base.PARALLEL_MIN_BYTES = 0
        settings.FUPIN_IMPORT_WORKERS = 2
    if "heartbeat" in faults:
        from fupin.registry.io.staging import session

        session.HEARTBEAT_SECONDS = float(faults["heartbeat"])
    pause = faults.get("pause")
    if pause == "stage":
        flush = staging.base.Staging.flush
        calls = {"n": 0}

        def pausing_flush(self: Any, *args: Any, **kwargs: Any) -> None:
            flush(self, *args, **kwargs)
            calls["n"] += 1
            if calls["n"] == 2:
                mark("stage")
                time.sleep(3600)

        staging.base.Staging.flush = pausing_flush  # type: ignore[method-assign]
    if pause == "checks":
        cross_checks = staging.checks.Checking.cross_checks

        def pausing_checks(self: Any, *args: Any, **kwargs: Any) -> Any:
            mark("checks")
            time.sleep(3600)
            return cross_checks(self, *args, **kwargs)

        staging.checks.Checking.cross_checks = pausing_checks  # type: ignore[method-assign]
    sleep = 3600.0 if pause == "apply" else float(faults.get("apply_sleep", 0))
    if sleep:
        original_sql = apply_module.Applying.sql
        state = {"slept": False}

        def sleeping_sql(self: Any, statement: str, params: Any = None) -> int:
            count = original_sql(self, statement, params)
            if statement.startswith("INSERT INTO registry_household") and not state["slept"]:
                state["slept"] = True
                mark("apply")
                with connection.cursor() as cur:
                    cur.execute("SELECT pg_sleep(%s)", [sleep])
            return count

        apply_module.Applying.sql = sleeping_sql  # type: ignore[method-assign]
    if "child_exit_after" in faults:
        after = int(faults["child_exit_after"])
        parent = os.getpid()
        call = parse.ChunkParser.__call__

        def dying(self: Any, chunk: Any) -> Any:
            parsed = call(self, chunk)
            if os.getpid() != parent and (parsed.first_row or 0) > after:
                mark("child_exit")
                os._exit(3)
            return parsed

        parse.ChunkParser.__call__ = dying  # type: ignore[method-assign]


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    install(json.loads(os.environ.get("FUPIN_FAULTS") or "{}"))
    from django.core.management import call_command

    call_command("run_worker", *sys.argv[1:])


if __name__ == "__main__":
    main()
