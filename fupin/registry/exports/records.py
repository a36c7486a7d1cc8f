"""Export records (issue 15: "a downloadable export job records its expected rows and a
checksum; an interrupted one is marked failed").

Every household export writes an ExportRecord before its first byte: who, the filters, the
format, and the totals counted beforehand. A CSV stream goes through `tracked`, which hashes
the bytes as they leave and, when the stream ends, marks the record `done` (every row and the
trailer written) or `failed` (a database error, or the client went away: the server closes
the generator). An .xlsx is complete on disk before it is sent, so its record is finished
when the workbook is. Kept general (kind, params, counts, digest, state) for the background
exports of a later issue.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Generator, Iterator
from typing import Any

from django.db import DatabaseError, connection
from django.utils import timezone

from fupin.core.access import Actor

from ..io import marks
from ..models import ExportRecord, ExportState

log = logging.getLogger(__name__)

RECENT = 10
INTERRUPTED = "导出中断：{why}，文件不完整，请重新导出"
WHY_DATABASE = "读取数据时数据库连接中断"
WHY_CLOSED = "下载在完成前被中断"


def export_start(
    *,
    actor: Actor,
    kind: str,
    params: dict[str, Any],
    fmt: str,
    file_name: str,
    expected: marks.Totals,
) -> ExportRecord:
    assert actor.user_id is not None  # exports are asked for by signed-in users
    return ExportRecord.objects.create(
        actor_id=actor.user_id,
        kind=kind,
        params=params,
        format=fmt,
        file_name=file_name,
        expected=_totals(expected),
        rows_expected=expected.rows,
    )


def export_finish(
    *,
    record: ExportRecord,
    ok: bool,
    written: marks.Totals,
    sha256: str,
    size: int,
    message: str = "",
) -> None:
    """Mark the record done or failed. Runs after the stream ended, maybe after its database
    connection was terminated: then it reconnects once (outside a transaction)."""
    fields = {
        "state": ExportState.DONE if ok else ExportState.FAILED,
        "written": _totals(written),
        "rows_written": written.rows,
        "bytes_written": size,
        "sha256": sha256,
        "message": message,
        "finished_at": timezone.now(),
    }
    for attempt in (1, 2):
        try:
            ExportRecord.objects.filter(pk=record.pk).update(**fields)
            break
        except DatabaseError:
            if attempt == 2 or connection.in_atomic_block:
                raise
            connection.close()  # a terminated connection: the next query opens a new one
    for name, value in fields.items():
        setattr(record, name, value)


def tracked(
    record: ExportRecord, chunks: Iterator[bytes], written: Callable[[], marks.Totals]
) -> Generator[bytes, None, None]:
    """The chunks, hashed and counted as they pass; the record finished when they end."""
    digest = hashlib.sha256()
    size = 0
    ok = False
    why = WHY_CLOSED
    try:
        for chunk in chunks:
            digest.update(chunk)
            size += len(chunk)
            yield chunk
        ok = True
    except DatabaseError:
        why = WHY_DATABASE
        raise
    finally:
        try:
            export_finish(
                record=record,
                ok=ok,
                written=written(),
                sha256=digest.hexdigest(),
                size=size,
                message="" if ok else INTERRUPTED.format(why=why),
            )
        except DatabaseError:  # the stream's own outcome matters more than its record
            log.exception("export %s: could not record its end", record.pk)


def recent_exports(actor: Actor, *, limit: int = RECENT) -> list[ExportRecord]:
    """The actor's own latest exports (a user sees only their own records)."""
    return list(ExportRecord.objects.filter(actor_id=actor.user_id)[:limit])


def _totals(totals: marks.Totals) -> dict[str, int]:
    return {"households": totals.households, "members": totals.members, "rows": totals.rows}
