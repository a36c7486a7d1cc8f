"""Issue 15 point 3: an interrupted export cannot be mistaken for a whole one.

A CSV export carries the export mark in its header and its totals on a last line written
after the last row; a database error mid-stream sends a `#导出失败` line and never the
trailer; the importer refuses a marked file that is cut short, failed, or holds other counts
(T06), while a hand-made CSV (no mark) imports as before. Every export leaves an
ExportRecord (expected and written counts, sha256, done/failed)."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError
from django.urls import reverse
from python_calamine import CalamineWorkbook

from fupin.accounts.selectors import load_actor
from fupin.registry import services
from fupin.registry.exports import records
from fupin.registry.io import export, marks
from fupin.registry.io.services import import_file
from fupin.registry.models import ExportRecord, ExportState, Household, ImportJob, Member
from fupin.registry.selectors import HouseholdFilters
from fupin.testing import client_for

from .factories import family, household_data, member
from .test_import import report_rows

pytestmark = [pytest.mark.django_db, pytest.mark.pgcompat]


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def office(county_personas: Any) -> Any:
    return load_actor(county_personas.in_region)


@pytest.fixture
def registry(office: Any, village: Any) -> None:
    """Three households of the village: 3 + 1 + 3 members (7 rows)."""
    county = village.code[:6]
    services.household_create(
        actor=office,
        village_code=village.code,
        data=household_data("5109810001"),
        members=family(county),
    )
    services.household_create(
        actor=office,
        village_code=village.code,
        data=household_data("5109810002", declared_size=1),
        members=[member(county, "王芳", "head", dt.date(1980, 1, 2), male=False)],
    )
    third = family(county)
    for person, birth in zip(third, (1961, 1963, 1991), strict=True):
        person["id_number"] = person["id_number"][:6] + str(birth) + person["id_number"][10:]
    services.household_create(
        actor=office,
        village_code=village.code,
        data=household_data("5109810003"),
        members=[
            member(county, "李一", "head", dt.date(1961, 3, 1)),
            member(county, "李二", "spouse", dt.date(1963, 4, 1), male=False),
            member(county, "李三", "son", dt.date(1991, 5, 1)),
        ],
    )


def csv_bytes(office: Any) -> bytes:
    return b"".join(export.iter_csv(office, HouseholdFilters(), full=True))


def lines(body: bytes) -> list[str]:
    return body.decode("utf-8-sig").splitlines()


def state() -> tuple[list[Any], list[Any]]:
    return (
        list(Household.objects.order_by("pk").values_list("pk", "version")),
        list(Member.objects.order_by("pk").values_list("pk", "version")),
    )


def import_body(office: Any, county: Any, tmp_path: Path, body: bytes) -> ImportJob:
    path = tmp_path / "export.csv"
    path.write_bytes(body)
    return import_file(actor=office, path=str(path), mode="upsert", region_code=county.code)


def test_csv_export_ends_with_its_totals_after_the_last_row(office: Any, registry: None) -> None:
    body = csv_bytes(office)
    text = lines(body)
    assert text[0].endswith("," + marks.EXPORT_MARK)
    assert text[-1] == "#导出完毕：共 3 户、7 人、7 行"
    assert len(text) == 1 + 7 + 1
    assert body.endswith(b"\r\n")


def test_whole_export_imports_back_unchanged(
    office: Any, registry: None, county: Any, tmp_path: Path
) -> None:
    before = state()
    job = import_body(office, county, tmp_path, csv_bytes(office))
    assert job.status == "unchanged", job.message
    assert state() == before


@pytest.mark.parametrize(
    ("cut", "message"),
    [
        # cut on a row boundary: the trailer is missing
        (lambda text: text[:-1], marks.INCOMPLETE),
        (lambda text: text[:4], marks.INCOMPLETE),
        # a row taken out of the middle: the counts disagree
        (
            lambda text: text[:2] + text[3:],
            "文件中有 3 户、6 行数据，与导出结束标记（3 户、7 行）不一致",
        ),
        # a household taken out
        (lambda text: text[:4] + text[5:], "文件中有 2 户、6 行数据"),
    ],
)
def test_incomplete_export_is_refused(
    office: Any, registry: None, county: Any, tmp_path: Path, cut: Any, message: str
) -> None:
    text = lines(csv_bytes(office))
    body = ("\ufeff" + "\r\n".join(cut(text)) + "\r\n").encode()
    before = state()
    job = import_body(office, county, tmp_path, body)
    assert job.status == "failed"
    assert message in job.message
    rows = report_rows(job)
    assert [r[4] for r in rows[1:]] == [marks.INCOMPLETE_CODE]
    assert state() == before


def test_incomplete_message_is_the_users_words() -> None:
    assert marks.INCOMPLETE == "文件不完整：缺少导出结束标记，可能下载中断，请重新导出"


def test_hand_made_csv_without_the_mark_still_imports(
    office: Any, registry: None, county: Any, tmp_path: Path
) -> None:
    """The same rows without the export's mark and trailer: a file made by hand."""
    text = lines(csv_bytes(office))
    header = text[0].removesuffix("," + marks.EXPORT_MARK)
    rows = [row.removesuffix(",") for row in text[1:-1]]
    body = ("\r\n".join([header, *rows]) + "\r\n").encode()
    job = import_body(office, county, tmp_path, body)
    assert job.status == "unchanged", job.message


class Cut:
    """Households from the database for `after` rows, then the connection fails."""

    def __init__(self, after: int) -> None:
        self.after = after
        self.real = export.iter_households

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        for n, household in enumerate(self.real(*args, **kwargs)):
            if n == self.after:
                raise OperationalError("terminating connection due to administrator command")
            yield household


def test_database_failure_mid_stream_never_looks_whole(
    office: Any, registry: None, county: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr(export, "CSV_FLUSH_ROWS", 2)
    monkeypatch.setattr(export, "iter_households", Cut(after=2))
    chunks: list[bytes] = []
    with pytest.raises(OperationalError):  # the stream ends with an error, not cleanly
        chunks.extend(export.iter_csv(office, HouseholdFilters(), full=True))
    body = b"".join(chunks)
    text = lines(body)
    assert text[-1] == marks.EXPORT_FAILED_LINE
    assert not any(line.startswith(marks.TRAILER_PREFIX) for line in text)
    assert len(text) == 1 + 4 + 1  # two households' rows, then the failure line
    monkeypatch.undo()
    job = import_body(office, county, tmp_path, body)
    assert job.status == "failed" and job.message == marks.FAILED


def test_download_records_expected_rows_and_checksum(county_personas: Any, registry: None) -> None:
    client = client_for(county_personas.in_region)
    response: Any = client.get(reverse("registry:export"), {"format": "csv"})
    record = ExportRecord.objects.get()
    assert record.state == ExportState.RUNNING and record.rows_expected == 7
    assert record.expected == {"households": 3, "members": 7, "rows": 7}
    body = b"".join(response.streaming_content)
    record.refresh_from_db()
    assert record.state == ExportState.DONE and record.finished_at is not None
    assert record.rows_written == 7 and record.written == record.expected
    assert record.sha256 == hashlib.sha256(body).hexdigest()
    assert record.bytes_written == len(body)
    assert record.actor_id == county_personas.in_region.pk and record.format == "csv"


def test_interrupted_download_is_recorded_as_failed_and_listed(
    county_personas: Any, registry: None, monkeypatch: Any
) -> None:
    monkeypatch.setattr(export, "CSV_FLUSH_ROWS", 1)
    monkeypatch.setattr(export, "iter_households", Cut(after=1))
    client = client_for(county_personas.in_region)
    response: Any = client.get(reverse("registry:export"), {"format": "csv"})
    with pytest.raises(OperationalError):
        b"".join(response.streaming_content)
    record = ExportRecord.objects.get()
    assert record.state == ExportState.FAILED
    assert record.rows_expected == 7 and record.rows_written == 3
    assert "导出中断" in record.message
    page = client.get(reverse("registry:export_records")).content.decode()
    assert "导出中断" in page and record.file_name in page
    # Another user does not see it.
    other = client_for(county_personas.out_of_region).get(reverse("registry:export_records"))
    assert record.file_name not in other.content.decode()


def test_stream_closed_early_is_failed(office: Any, registry: None) -> None:
    """The client went away: the server closes the stream before its end."""
    record = records.export_start(
        actor=office,
        kind="registry.households",
        params={},
        fmt="csv",
        file_name="x.csv",
        expected=marks.Totals(3, 7, 7),
    )
    written = export.Written()
    stream = records.tracked(
        record, export.iter_csv(office, HouseholdFilters(), written=written), written.totals
    )
    next(stream)
    stream.close()
    record.refresh_from_db()
    assert record.state == ExportState.FAILED and "下载在完成前被中断" in record.message


def test_xlsx_states_its_totals_and_is_recorded(
    county_personas: Any, registry: None, tmp_path: Path
) -> None:
    response: Any = client_for(county_personas.in_region).get(
        reverse("registry:export"), {"format": "xlsx"}
    )
    body = b"".join(response.streaming_content)
    path = tmp_path / "x.xlsx"
    path.write_bytes(body)
    note = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(marks.NOTE_SHEET).to_python()
    assert note[0][0] == "#导出完毕：共 3 户、7 人、10 行"
    record = ExportRecord.objects.get()
    assert record.state == ExportState.DONE and record.sha256 == hashlib.sha256(body).hexdigest()


@pytest.mark.parametrize("content", ["\ufeff".encode(), b"\r\n\r\n", None])
def test_empty_or_header_only_file_has_no_data_rows(
    office: Any, county: Any, tmp_path: Path, content: bytes | None
) -> None:
    if content is None:  # the header row only
        content = ",".join(h for h in export.layout.headers(export.layout.FLAT_COLUMNS)).encode()
    job = import_body(office, county, tmp_path, content)
    assert job.status == "failed", job.message
    assert job.message == "文件中没有数据行"
    assert [r[4] for r in report_rows(job)[1:]] == ["T05"]
