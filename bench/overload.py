"""Benchmark: past saturation the server answers 503 quickly instead of queueing (issue 15.5).

gunicorn is started with config/gunicorn.conf.py on the benchmark database; the load is a
public page that reads the database (/public/notices/). Four runs:

1. the raw ceiling: four clients per server thread, each sending its next request when the
   last is answered, load shedding off — the most the server answers per second;
2. turning away: the same clients, every request stamped as having queued a minute — how
   fast the server can say 503 (shedding is not free: it is what overload leaves to spend);
3. overload without load shedding: requests arrive at `--factor` × the ceiling's rate (an
   open loop: a request is sent when it is due, whatever the others are doing) for
   `--seconds`;
4. the same overload with load shedding as deployed (the defaults of the settings and of
   the gunicorn configuration).

Latency runs from when a request was due to its answer, so a client held up by the server
is not hidden; every request carries `X-Request-Start` stamped when it was due, as nginx
stamps arrival. Run by hand, not in CI: `.venv/bin/python bench/overload.py [--workers 2]`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, print_table, setup_django

DB_NAME = "fupin_bench"
PATH = "/public/notices/"
REQUEST_TIMEOUT = 60.0  # nginx gives up on the upstream after its proxy timeouts too


@dataclass
class Run:
    name: str
    offered: float  # requests per second sent (the closed loop: what it managed)
    seconds: float
    latencies: list[float] = field(default_factory=list)  # every answer, ms
    ok_latencies: list[float] = field(default_factory=list)
    ok_times: list[float] = field(default_factory=list)  # when each 200 arrived
    statuses: Counter[str] = field(default_factory=Counter)
    started: float = 0.0

    def row(self, ceiling: float) -> list[object]:
        ok = self.statuses.get("200", 0)
        shed = self.statuses.get("503", 0)
        failed = sum(n for status, n in self.statuses.items() if status not in ("200", "503"))
        # Useful work while the load lasted: the 200s that arrived within the run's window.
        end = self.started + self.seconds
        ok_rate = sum(1 for t in self.ok_times if t <= end) / self.seconds
        return [
            self.name,
            f"{self.offered:.0f}",
            sum(self.statuses.values()),
            ok,
            shed,
            failed,
            ms(percentile(self.latencies, 50)),
            ms(percentile(self.latencies, 95)),
            ms(max(self.latencies, default=0)),
            ms(percentile(self.ok_latencies, 95)),
            f"{ok_rate:.0f}",
            f"{ok_rate / ceiling:.0%}",
        ]


def percentile(values: list[float], pct: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def ms(value: float) -> str:
    return f"{value:,.0f}"


async def one_request(port: int, due: float, run: Run, *, stamp_age: float = 0.0) -> None:
    """GET PATH over a fresh connection (as nginx opens one per request by default)."""
    stamp = f"t={due - stamp_age:.3f}"
    request = (
        f"GET {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Start: {stamp}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", port), REQUEST_TIMEOUT
        )
        writer.write(request)
        await writer.drain()
        head = await asyncio.wait_for(reader.readline(), REQUEST_TIMEOUT)
        await asyncio.wait_for(reader.read(), REQUEST_TIMEOUT)
        writer.close()
        status = head.split()[1].decode() if len(head.split()) > 1 else "broken"
    except TimeoutError:
        status = "timeout"
    except OSError as error:
        status = type(error).__name__
    answered = time.time()
    latency = (answered - due) * 1000
    run.statuses[status] += 1
    run.latencies.append(latency)
    if status == "200":
        run.ok_latencies.append(latency)
        run.ok_times.append(answered)


async def closed_loop(
    port: int, name: str, clients: int, seconds: float, *, stamp_age: float = 0.0
) -> Run:
    """`clients` each sending the next request when the last is answered; `stamp_age`
    back-dates the stamps (every request then counts as having queued that long)."""
    run = Run(name, 0, seconds)
    run.started = time.time()
    end = run.started + seconds

    async def client() -> None:
        while time.time() < end:
            await one_request(port, time.time(), run, stamp_age=stamp_age)

    await asyncio.gather(*(client() for _ in range(clients)))
    run.offered = sum(run.statuses.values()) / (time.time() - run.started)
    return run


async def open_loop(port: int, name: str, rate: float, seconds: float) -> Run:
    run = Run(name, rate, seconds)
    start = run.started = time.time() + 0.2
    tasks = []
    for i in range(int(rate * seconds)):
        due = start + i / rate
        delay = due - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one_request(port, due, run)))
    await asyncio.gather(*tasks)
    return run


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    port: int, workers: int, env: dict[str, str], log: Path
) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py",
         "--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
        cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"GET /healthz HTTP/1.0\r\n\r\n")
                if b" 200 " in sock.recv(100):
                    return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit(f"gunicorn did not start; see {log}")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    os.killpg(server.pid, 15)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, 9)
        server.wait()


def with_server(port: int, workers: int, env: dict[str, str], job: Coroutine[Any, Any, Run]) -> Run:
    log = ROOT / "var" / "bench-overload-gunicorn.log"
    log.parent.mkdir(exist_ok=True)
    server = start_server(port, workers, env, log)
    try:
        asyncio.run(one_warmup(port, workers * 2))
        return asyncio.run(job)
    finally:
        stop_server(server)


async def one_warmup(port: int, count: int) -> None:
    run = Run("warm-up", 0, 1)
    await asyncio.gather(*(one_request(port, time.time(), run) for _ in range(count)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn processes")
    parser.add_argument("--factor", type=float, default=2.0, help="overload: × the ceiling")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each run")
    args = parser.parse_args()

    setup_django(DB_NAME)  # creates and migrates the benchmark database
    threads = 6  # config/gunicorn.conf.py
    base_env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "FUPIN_"))},
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DJANGO_DEBUG": "false",
        "FUPIN_DB_NAME": DB_NAME,
        "FUPIN_CONN_MAX_AGE": "60",
        "FUPIN_LOG_LEVEL": "WARNING",
    }
    if "DATABASE_URL" in os.environ:
        base_env["DATABASE_URL"] = os.environ["DATABASE_URL"]
    no_shedding = {**base_env, "FUPIN_MAX_QUEUE_WAIT_MS": "0", "FUPIN_MAX_IN_FLIGHT": "0"}
    port = free_port()

    clients = 4 * args.workers * threads
    ceiling = with_server(
        port,
        args.workers,
        no_shedding,
        closed_loop(port, "raw ceiling (no shedding, 4 clients per thread)", clients, args.seconds),
    )
    # How fast the server can say no: every request stamped as having queued a minute.
    turn_away = with_server(
        port,
        args.workers,
        base_env,
        closed_loop(port, "turning away (every stamp 60 s old)", clients, 5, stamp_age=60),
    )
    rate = ceiling.offered * args.factor
    overloaded = with_server(
        port,
        args.workers,
        no_shedding,
        open_loop(port, f"{args.factor:g}× the ceiling, no shedding", rate, args.seconds),
    )
    shedding = with_server(
        port,
        args.workers,
        base_env,
        open_loop(port, f"{args.factor:g}× the ceiling, load shedding", rate, args.seconds),
    )
    runs = (ceiling, turn_away, overloaded, shedding)
    print_table(
        f"Overload — GET {PATH}, gunicorn {args.workers} workers × {threads} threads, "
        f"{args.seconds:g} s per run",
        ["run", "sent/s", "answers", "200", "503", "failed", "p50 ms", "p95 ms", "max ms",
         "p95 of 200 ms", "200/s", "vs ceiling"],
        [run.row(ceiling.offered) for run in runs],
    )  # fmt: skip
    for run in runs:
        failed = {k: n for k, n in run.statuses.items() if k not in ("200", "503")}
        if failed:
            print(f"failed answers of '{run.name}':", failed)


if __name__ == "__main__":
    main()
