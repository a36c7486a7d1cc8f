"""Acceptance (issue 15 points 3 and 6): an export whose database connection is terminated
mid-stream cannot be mistaken for a whole one.

The connection is really ended (pg_terminate_backend from a second connection) after the
first chunk of the CSV has left: the stream breaks off with the error, the body ends with the
`#导出失败` line and never the trailer, the export record is `failed` with the exact counts
written, and importing the body is refused as incomplete with nothing changed. Transactional,
like the other fault tests (tests/faults/conftest.py)."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError, close_old_connections
from django.urls import reverse

from fupin.accounts.models import User
from fupin.registry import services
from fupin.registry.io import export, marks
from fupin.registry.io.services import import_file
from fupin.registry.models import ExportRecord, ExportState, Household, Member
from fupin.registry.tests.factories import household_data, member
from fupin.testing import COUNTY, client_for

from .urls import backend_pid, terminate_backend

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.pgcompat]

HOUSEHOLDS = 6


@pytest.fixture
def registry(office: Any, village_code: str) -> None:
    for n in range(HOUSEHOLDS):
        services.household_create(
            actor=office,
            village_code=village_code,
            data=household_data(f"51098100{n:02d}", declared_size=1),
            members=[member(COUNTY, f"户主{n}", "head", dt.date(1960 + n, 1, 2))],
        )


def test_connection_terminated_mid_export_breaks_the_stream(
    office: Any, registry: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Two households per fetch of the server-side cursor and a chunk per row: the first
    # chunk leaves while most households are still to be read from the database.
    monkeypatch.setattr(export, "CHUNK_SIZE", 2)
    monkeypatch.setattr(export, "CSV_FLUSH_ROWS", 1)
    client = client_for(User.objects.get(username="office_faults"))
    response: Any = client.get(reverse("registry:export"), {"format": "csv"})
    assert response.status_code == 200
    stream = iter(response.streaming_content)
    chunks = [next(stream)]
    terminate_backend(backend_pid())
    with pytest.raises(OperationalError):
        chunks.extend(stream)
    body = b"".join(chunks)
    text = body.decode("utf-8-sig").splitlines()
    assert text[-1] == marks.EXPORT_FAILED_LINE
    assert not any(line.startswith(marks.TRAILER_PREFIX) for line in text)
    data_rows = len(text) - 2  # less the header and the failure line
    assert 1 <= data_rows < HOUSEHOLDS

    close_old_connections()  # as the next request starts
    record = ExportRecord.objects.get()
    assert record.state == ExportState.FAILED
    assert record.rows_expected == HOUSEHOLDS and record.rows_written == data_rows
    assert record.written == {"households": data_rows, "members": data_rows, "rows": data_rows}
    assert record.sha256 == hashlib.sha256(body).hexdigest()
    assert record.bytes_written == len(body)
    assert "数据库连接中断" in record.message

    path = tmp_path / "cut.csv"
    path.write_bytes(body)
    job = import_file(actor=office, path=str(path), mode="upsert", region_code=COUNTY)
    assert job.status == "failed" and job.message == marks.FAILED
    assert Household.objects.count() == HOUSEHOLDS and Member.objects.count() == HOUSEHOLDS

    # The next export, on a new connection, is whole and recorded so.
    response = client.get(reverse("registry:export"), {"format": "csv"})
    whole = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert whole[-1] == f"#导出完毕：共 {HOUSEHOLDS} 户、{HOUSEHOLDS} 人、{HOUSEHOLDS} 行"
    assert ExportRecord.objects.order_by("-id").first().state == ExportState.DONE  # type: ignore[union-attr]
