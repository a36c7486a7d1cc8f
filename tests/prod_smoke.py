"""The production start, as CI runs it (`make prod-smoke`): production settings on a fresh
database, collectstatic into a temporary directory, gunicorn with config/gunicorn.conf.py on
a free local port, a few requests through the front door, and everything stopped and
removed whatever happens.

With the three database roles of docs/deployment.md, made for this run (and dropped after):
the owner owns the database and runs migrate, gunicorn connects as the application role,
which owns nothing and cannot touch the audit trail, and the purge runs as the maintenance
role — so the application is proven to work with its reduced privileges.

    .venv/bin/python tests/prod_smoke.py [--server postgresql://postgres@127.0.0.1:5432/postgres]

Requests carry X-Forwarded-Proto: https, as nginx sends it (SECURE_PROXY_SSL_HEADER);
without it the production settings redirect to https.
"""

from __future__ import annotations

import argparse
import base64
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
START_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


OPENER = urllib.request.build_opener(NoRedirect())


def get(
    base: str, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    # base is always http://127.0.0.1:<port>, started by this script.
    headers = {"X-Forwarded-Proto": "https", **(headers or {})}
    request = urllib.request.Request(base + path, headers=headers)  # noqa: S310
    try:
        with OPENER.open(request, timeout=20) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def with_database(url: str, name: str) -> str:
    return urlunparse(urlparse(url)._replace(path="/" + name))


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, timeout=600)  # noqa: S603


def check(condition: bool, what: str) -> None:
    print(("ok   " if condition else "FAIL ") + what, flush=True)
    if not condition:
        raise SystemExit(f"prod-smoke: {what}")


def requests(base: str) -> None:
    status, headers, body = get(base, "/healthz")
    check(status == 200 and body == b"ok", "/healthz answers ok")

    status, headers, body = get(base, "/login/")
    page = body.decode()
    check(status == 200 and "登录" in page, "/login/ answers 200 in Chinese")
    csp = headers.get("Content-Security-Policy", "")
    check("default-src 'self'" in csp and "'nonce-" in csp, "the login page carries the CSP")
    check("Strict-Transport-Security" in headers, "HSTS is on")

    status, headers, body = get(base, "/public/notices/")
    check(status == 200 and "公示" in body.decode(), "/public/notices/ answers 200")

    # The stylesheet under its hashed name, from whitenoise's manifest.
    match = re.search(r'href="(/static/vendor/tabler/tabler\.min\.[0-9a-f]{12}\.css)"', page)
    check(match is not None, "the login page links the hashed Tabler stylesheet")
    assert match is not None
    status, headers, body = get(base, match.group(1))
    check(status == 200 and len(body) > 100_000, f"{match.group(1)} is served")
    check("immutable" in headers.get("Cache-Control", ""), "hashed static files are cacheable")

    status, headers, _ = get(base, "/api/v1/openapi.json")
    check(
        status == 302 and headers.get("Location", "").startswith("/login/"),
        "/api/v1/openapi.json needs a login",
    )
    status, headers, _ = get(base, "/api/v1/regions")
    check(
        status == 401 and "no-store" in headers.get("Cache-Control", ""), "the API: 401, no-store"
    )

    # Load shedding: a request nginx stamped a minute ago is turned away at once.
    stale = {"X-Request-Start": f"t={time.time() - 60:.3f}"}
    status, headers, body = get(base, "/login/", stale)
    check(
        status == 503 and "Retry-After" in headers and "系统繁忙" in body.decode(),
        "a request that queued too long: 503 with Retry-After, in Chinese",
    )


def with_user(url: str, user: str, password: str) -> str:
    parsed = urlparse(url)
    netloc = f"{user}:{password}@{parsed.hostname or ''}" + (
        f":{parsed.port}" if parsed.port else ""
    )
    return urlunparse(parsed._replace(netloc=netloc))


def create_roles(conn: psycopg.Connection[Any], name: str) -> dict[str, tuple[str, str]]:
    """The owner, application and maintenance roles of this run: {kind: (role, password)}."""
    roles = {}
    for kind in ("owner", "app", "maint"):
        role, password = f"{name}_{kind}", secrets.token_hex(16)
        conn.execute(
            f"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '{password}'"
        )
        roles[kind] = (role, password)
    return roles


def drop_roles(conn: psycopg.Connection[Any], roles: dict[str, tuple[str, str]]) -> None:
    for role, _ in roles.values():
        conn.execute(f"DROP ROLE IF EXISTS {role}")


def check_roles(env: dict[str, str], url: str, app: str) -> None:
    """As the application role: who it is, and that the audit trail is out of its reach."""
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT current_user").fetchone()
        check(row is not None and row[0] == app, f"the application connects as {app}")
        for statement in ("TRUNCATE audit_auditevent", "DELETE FROM audit_auditevent"):
            try:
                conn.execute(statement)
                refused = False
            except psycopg.errors.InsufficientPrivilege:
                refused = True
            check(refused, f"the application role may not {statement.split()[0]} the audit trail")
    out = subprocess.run(  # noqa: S603
        [PYTHON, "manage.py", "audit_verify"], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=600,
    )  # fmt: skip
    check(out.returncode == 0 and "校验通过" in out.stdout, "audit_verify passes")


def stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=STOP_TIMEOUT)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/postgres")
    server_url = parser.parse_args().server
    name = f"fupin_prod_smoke_{os.getpid()}"
    var_dir = Path(tempfile.mkdtemp(prefix="fupin-prod-smoke-"))
    port = free_port()
    with psycopg.connect(server_url, autocommit=True) as conn:
        roles = create_roles(conn, name)
        try:
            conn.execute(f'CREATE DATABASE "{name}" OWNER {roles["owner"][0]}')
        except BaseException:
            drop_roles(conn, roles)
            raise
    database = with_database(server_url, name)
    app_url = with_user(database, *roles["app"])
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "FUPIN_"))},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "FUPIN_DATA_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": app_url,
        "FUPIN_DB_OWNER_URL": with_user(database, *roles["owner"]),
        "FUPIN_DB_MAINT_URL": with_user(database, *roles["maint"]),
        "FUPIN_VAR_DIR": str(var_dir),
    }
    server: subprocess.Popen[bytes] | None = None
    try:
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "check", "--deploy", "--fail-level", "WARNING")
        manage(env, "purge_audit")
        manage(env, "collectstatic", "--noinput", "-v", "0")
        log = (var_dir / "gunicorn.log").open("wb")
        server = subprocess.Popen(  # noqa: S603
            [PYTHON, "-m", "gunicorn", "-c", "config/gunicorn.conf.py",
             "--bind", f"127.0.0.1:{port}", "--workers", "2"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                if get(base, "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                print((var_dir / "gunicorn.log").read_text(errors="replace"), file=sys.stderr)
                raise SystemExit("prod-smoke: gunicorn did not start")
            time.sleep(0.5)
        try:
            requests(base)
        except BaseException:
            print((var_dir / "gunicorn.log").read_text(errors="replace"), file=sys.stderr)
            raise
        check_roles(env, app_url, roles["app"][0])
        print("prod-smoke: the production start serves pages")
    finally:
        if server is not None:
            stop(server)
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            drop_roles(conn, roles)
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
