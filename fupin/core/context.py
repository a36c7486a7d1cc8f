"""Setting who/why/where for the audit triggers.

The request middleware sets the actor and IP for the connection's session; services that
want a reason or a batch wrap their work in `audit_context(...)`, which sets transaction-local
values inside an atomic block so nothing leaks to the next transaction.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction

SESSION_KEYS = ("fupin.actor_id", "fupin.actor_name", "fupin.ip", "fupin.reason", "fupin.batch_id")


def _valid_ip(ip: str | None) -> str:
    """The address, or "" when it is not one (the triggers cast it to inet)."""
    try:
        return str(ipaddress.ip_address((ip or "").strip())) if ip else ""
    except ValueError:
        return ""


def set_session_context(*, actor_id: int | None, actor_name: str, ip: str | None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('fupin.actor_id', %s, false), set_config('fupin.actor_name', %s, false),"
            " set_config('fupin.ip', %s, false), set_config('fupin.reason', '', false),"
            " set_config('fupin.batch_id', '', false), set_config('fupin.bulk', '', false)",
            [str(actor_id or ""), actor_name, _valid_ip(ip)],
        )


def clear_session_context() -> None:
    set_session_context(actor_id=None, actor_name="", ip=None)


@contextmanager
def audit_context(
    *,
    reason: str | None = None,
    batch_id: int | None = None,
    bulk: bool = False,
    actor_id: int | None = None,
    actor_name: str | None = None,
) -> Iterator[None]:
    """Within an atomic block, attach a reason / batch / actor to every change made."""
    with transaction.atomic():
        values: list[tuple[str, str]] = []
        if reason is not None:
            values.append(("fupin.reason", reason))
        if batch_id is not None:
            values.append(("fupin.batch_id", str(batch_id)))
        if bulk:
            values.append(("fupin.bulk", "on"))
        if actor_id is not None:
            values.append(("fupin.actor_id", str(actor_id)))
        if actor_name is not None:
            values.append(("fupin.actor_name", actor_name))
        if values:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT " + ", ".join("set_config(%s, %s, true)" for _ in values),
                    [item for pair in values for item in pair],
                )
        yield
