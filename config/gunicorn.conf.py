"""gunicorn settings of the web process: `gunicorn -c config/gunicorn.conf.py config.wsgi`.

Every queue is bounded, so that past saturation the server answers 503 at once instead of
letting latency grow for minutes (issue 15 point 5; figures in docs/performance.md):

- threaded workers: each process runs `threads` threads, of which the application lets at
  most FUPIN_MAX_IN_FLIGHT do work at once (set below, unless the environment sets it); the
  spare threads take the queued requests and answer them 503 with Retry-After in about a
  millisecond (fupin.core.outage.LoadShedMiddleware), so the queue drains;
- a request that already waited longer than FUPIN_MAX_QUEUE_WAIT_MS (nginx stamps its arrival
  in X-Request-Start) gets the same 503, whatever thread takes it;
- `worker_connections`: connections one process holds; past it they wait in the kernel's
  `backlog`, and past that the kernel refuses them (nginx answers 502 at once);
- `timeout`: a worker whose main loop is stuck this long is killed and replaced (with threads
  it does not bound one request: nginx's proxy_read_timeout does); `graceful_timeout`: what a
  restart waits for the requests in progress; `max_requests` (with jitter): a worker is
  replaced after that many requests, which bounds slow memory growth.

Any value can be overridden on the command line (`--workers 8`) or in GUNICORN_CMD_ARGS.
Database connections: workers × threads (each thread keeps its own with FUPIN_CONN_MAX_AGE).
"""

import os
from typing import Any

bind = "127.0.0.1:8000"
wsgi_app = "config.wsgi"
workers = max(2, len(os.sched_getaffinity(0)))
worker_class = "gthread"
threads = 6
worker_connections = 100
backlog = 64
timeout = 60
graceful_timeout = 30
keepalive = 5
max_requests = 20000
max_requests_jitter = 2000


def on_starting(server: Any) -> None:
    """Two threads of each process stay free to turn requests away: the application's limit
    follows the thread count as finally configured (command line included). The workers
    inherit the master's environment and their settings read it; a value set there wins."""
    count = server.cfg.threads
    os.environ.setdefault("FUPIN_MAX_IN_FLIGHT", str(count - 2 if count > 2 else 0))
