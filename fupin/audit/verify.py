"""Proof of the audit trail: recompute every event's hash and every link of the chain.

Finds modified events (hash does not match the row), forged events (not covered by any
link: written without the trigger), deleted events (a link counts more than remain), and a
broken chain (a link whose hash or `prev` does not match). The hashes are recomputed here in
Python from the columns' own texts, not by the database's functions, so replacing a function
in the database does not make a tampered trail pass. The head hash is what an operator
records elsewhere: with it, even a rewrite of the whole chain by a superuser shows.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.db import connection

from .sql import EVENT_FIELDS, GENESIS, LINK_FIELDS, canonical, fields_sql

_GENESIS = bytes.fromhex(GENESIS[2:])
_LINKS = (
    "SELECT l.id, l.txid, l.first_id, l.last_id, l.n, l.digest, l.prev, l.hash, "
    + ", ".join(fields_sql(LINK_FIELDS, "l"))
    + " FROM audit_auditlink l ORDER BY l.id"
)
_EVENTS = (
    "SELECT e.id, e.txid, e.hash, "
    + ", ".join(fields_sql(EVENT_FIELDS, "e"))
    + " FROM audit_auditevent e ORDER BY e.txid, e.id"
)


@dataclass
class _Link:
    id: int
    txid: int
    first_id: int
    last_id: int
    n: int
    digest: bytes
    seen: int = 0
    hasher: hashlib._Hash = field(default_factory=hashlib.sha256)


@dataclass
class Verification:
    events: int = 0
    links: int = 0
    head: str = ""
    anchor: int | None = None  # the first link, when the links before it were purged
    findings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


def _bytes(value: object) -> bytes:
    return bytes(value) if value is not None else b""  # type: ignore[call-overload]


def chain_verify() -> Verification:
    result = Verification()
    by_tx: dict[int, list[_Link]] = {}
    links: list[_Link] = []
    previous: bytes | None = None
    with connection.cursor() as cursor:
        cursor.execute(_LINKS)
        for row in cursor.fetchall():
            link_id, txid, first_id, last_id, n, digest, prev, stored = row[:8]
            prev, stored = _bytes(prev), _bytes(stored)
            if hashlib.sha256(prev + canonical(list(row[8:]))).digest() != stored:
                result.findings.append(f"校验环 #{link_id} 的校验值不符（该环被改动）")
            if previous is None:
                if prev != _GENESIS:
                    result.anchor = link_id
            elif prev != previous:
                result.findings.append(f"校验环 #{link_id} 与上一环不相连（链条断开）")
            previous = stored
            link = _Link(link_id, txid, first_id, last_id, n, _bytes(digest))
            links.append(link)
            by_tx.setdefault(txid, []).append(link)
    result.links = len(links)
    result.head = previous.hex() if previous else ""

    with connection.chunked_cursor() as cursor:
        cursor.execute(_EVENTS)
        while rows := cursor.fetchmany(5000):
            for event_id, txid, stored, *texts in rows:
                result.events += 1
                stored = _bytes(stored)
                if hashlib.sha256(canonical(texts)).digest() != stored:
                    result.findings.append(f"审计记录 #{event_id} 的内容与校验值不符（被修改）")
                found = next(
                    (k for k in by_tx.get(txid, ()) if k.first_id <= event_id <= k.last_id), None
                )
                if found is None:
                    result.findings.append(
                        f"审计记录 #{event_id} 不在任何校验环中（未经触发器写入，可能是伪造）"
                    )
                    continue
                found.seen += 1
                found.hasher.update(stored)

    for index, link in enumerate(links):
        if link.seen == 0 and index == 0 and result.anchor is not None:
            continue  # the purge keeps the newest purged link as the anchor of the chain
        if link.seen < link.n:
            result.findings.append(
                f"校验环 #{link.id} 应有 {link.n} 条记录，现存 {link.seen} 条（有记录被删除）"
            )
        elif link.seen > link.n:
            result.findings.append(
                f"校验环 #{link.id} 应有 {link.n} 条记录，现存 {link.seen} 条（有记录被插入）"
            )
        elif link.hasher.digest() != link.digest:
            result.findings.append(f"校验环 #{link.id} 所含记录与校验值不符（有记录被替换）")
    return result
