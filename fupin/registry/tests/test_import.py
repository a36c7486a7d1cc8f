"""Registry import: formats, cell and cross-row errors, all-or-nothing, idempotency, upsert,
resumption after a crash, jurisdiction."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from fupin.accounts.selectors import load_actor
from fupin.audit.models import AuditEvent
from fupin.core import crypto, idnumber
from fupin.registry.io import staging
from fupin.registry.io.layout import (
    FLAT_COLUMNS,
    HOUSEHOLD_COLUMNS,
    HOUSEHOLD_SHEET,
    MEMBER_COLUMNS,
    MEMBER_SHEET,
    headers,
)
from fupin.registry.io.services import import_file, run_job
from fupin.registry.models import Household, ImportJob, Income, Member
from fupin.testing import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.pgcompat]


# --- file builders (also used by the page/API tests and handy for benchmarks) ------------------


def household_row(no: str, village_code: str, size: int = 3, **extra: str) -> dict[str, str]:
    return {
        "户编号": no,
        "村代码": village_code,
        "户主姓名": "张大山",
        "贫困户属性": "一般贫困户",
        "识别年度": "2014",
        "主要致贫原因": "因病",
        "其他致贫原因": "缺技术、缺资金",
        "贫困户状态": "未脱贫",
        "家庭人口数": str(size),
        "住房安全等级": "B",
        "收入年度": "2019",
        "工资性收入": "12000",
        "生产经营性收入": "3000.50",
        "生产经营性支出": "1000",
        **extra,
    }


_seq = iter(range(1, 10_000_000))


def person(
    county: str, no: str, name: str, relation: str, born: dt.date, male: bool, **extra: str
) -> dict[str, str]:
    seq = next(_seq) % 500 * 2 + (1 if male else 0)
    return {
        "户编号": no,
        "姓名": name,
        "身份证号": idnumber.make(county, born, seq),
        "性别": "男" if male else "女",
        "出生日期": born.isoformat(),
        "与户主关系": relation,
        "在校生状况": "非在校生",
        "参加城乡居民基本医疗保险": "是",
        **extra,
    }


def family_rows(no: str, village_code: str, n: int = 0) -> list[dict[str, str]]:
    """Head, spouse and son of family `n`: (birth date, sequence) pairs never repeat."""
    county = village_code[:6]
    born = dt.date(1950, 1, 1) + dt.timedelta(days=n % 10_000)
    seq = (n // 10_000) % 160 * 6
    son = born + dt.timedelta(days=9_200)

    def make(name: str, relation: str, birth: dt.date, offset: int) -> dict[str, str]:
        return {
            "户编号": no,
            "姓名": name,
            "身份证号": idnumber.make(county, birth, seq + offset),
            "性别": "男" if offset % 2 else "女",
            "出生日期": birth.isoformat(),
            "与户主关系": relation,
            "在校生状况": "非在校生",
            "参加城乡居民基本医疗保险": "是",
        }

    return [
        make("张大山", "户主", born, 1),
        make("李秀兰", "配偶", born + dt.timedelta(days=400), 2),
        make("张小军", "之子", son, 3),
    ]


def families(
    village_code: str, count: int, start: int = 1
) -> list[tuple[dict[str, str], list[dict[str, str]]]]:
    out = []
    for i in range(start, start + count):
        no = f"{village_code}{i:05d}"
        out.append((household_row(no, village_code), family_rows(no, village_code, i)))
    return out


def write_csv(
    path: Path, data: list[tuple[dict[str, str], list[dict[str, str]]]], encoding: str = "utf-8-sig"
) -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(headers(FLAT_COLUMNS))
        hh_headers = headers(HOUSEHOLD_COLUMNS)
        mem_headers = headers(MEMBER_COLUMNS)[1:]
        for hh, members in data:
            for m in members:
                src = hh if m["与户主关系"] == "户主" else {"户编号": hh["户编号"]}
                w.writerow(
                    [src.get(h, "") for h in hh_headers] + [m.get(h, "") for h in mem_headers]
                )
    return path


def write_xlsx(path: Path, data: list[tuple[dict[str, str], list[dict[str, str]]]]) -> Path:
    book = xlsxwriter.Workbook(str(path))
    for name, columns, rows in (
        (HOUSEHOLD_SHEET, HOUSEHOLD_COLUMNS, [hh for hh, _ in data]),
        (MEMBER_SHEET, MEMBER_COLUMNS, [m for _, ms in data for m in ms]),
    ):
        sheet = book.add_worksheet(name)
        sheet.write_row(0, 0, headers(columns))
        for r, row in enumerate(rows, start=1):
            for c, h in enumerate(headers(columns)):
                value: Any = row.get(h, "")
                if h in ("识别年度", "家庭人口数") and value:
                    value = int(value)  # numbers typed as numbers in Excel
                sheet.write(r, c, value)
    book.close()
    return path


def report_rows(job: ImportJob) -> list[list[Any]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(job.error_report.read()))
    return book.get_sheet_by_index(0).to_python()


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def office(county):
    return load_actor(make_user("office", ("poverty_office", county.code)))


def counts() -> tuple[int, int, int]:
    return Household.objects.count(), Member.objects.count(), Income.objects.count()


# --- tests --------------------------------------------------------------------------------------


def test_csv_import_creates_households_members_and_incomes(office, county, village, tmp_path):
    path = write_csv(tmp_path / "ok.csv", families(village.code, 4))
    job = import_file(actor=office, path=str(path), mode="insert", region_code=county.code)
    assert job.status == "succeeded", (job.message, job.error_count)
    assert counts() == (4, 12, 4)
    hh = Household.objects.get(household_no=f"{village.code}00001")
    assert hh.region_code == village.code and hh.county_code == county.code
    assert hh.other_causes == ["no_skills", "no_capital"] and hh.standard == "national"
    assert hh.production_power is True and hh.import_batch_id == job.batch_id
    head = hh.members.get(relation="head")
    assert crypto.decrypt(head.id_cipher).startswith(county.code) and head.sex == "男"
    assert head.id_hash == crypto.lookup_hash(crypto.decrypt(head.id_cipher))
    income = hh.incomes.get()
    assert income.year == 2019 and income.business == 3000.50 and income.size == 3
    assert "新增 4 户" in job.message and job.rows_done == 12
    # One summary audit row per INSERT statement, linked to the batch.
    events = AuditEvent.objects.filter(batch_id=job.batch_id)
    assert events.filter(table_name="registry_member").count() == 1


def test_gbk_csv(office, county, village, tmp_path):
    path = write_csv(tmp_path / "gbk.csv", families(village.code, 2), encoding="gbk")
    job = import_file(actor=office, path=str(path), mode="insert", region_code=county.code)
    assert job.status == "succeeded", job.message
    assert Household.objects.get(household_no=f"{village.code}00001").head_name == "张大山"


def test_xlsx_two_sheets(office, county, village, tmp_path):
    path = write_xlsx(tmp_path / "ok.xlsx", families(village.code, 3))
    job = import_file(actor=office, path=str(path), mode="insert", region_code=county.code)
    assert job.status == "succeeded", job.message
    assert counts() == (3, 9, 3)


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda h: h.remove("村代码"), "缺少列：村代码"),
        (lambda h: h.append("备注"), "无法识别的列：备注"),
        (lambda h: h.insert(0, h.pop(1)), "列的顺序不正确：第 1 列应为“户编号”"),
    ],
)
def test_header_errors_name_the_columns(office, county, tmp_path, mutate, expected):
    header = headers(FLAT_COLUMNS)
    mutate(header)
    path = tmp_path / "bad.csv"
    path.write_text(",".join(header) + "\n", encoding="utf-8")
    job = import_file(actor=office, path=str(path), mode="insert", region_code=county.code)
    assert job.status == "failed"
    assert expected in job.message
    rows = report_rows(job)
    assert rows[1][4] == "T01" and expected in rows[1][5]


def test_every_cell_error_is_reported(office, county, village, tmp_path):
    data = families(village.code, 3)
    hh, members = data[0]
    hh.update(
        {
            "贫困户属性": "富裕户",
            "识别年度": "二〇一四",
            "易地扶贫搬迁户": "也许",
            "耕地面积（亩）": "-1",
        }
    )
    bad_id = members[1]["身份证号"][:17] + ("0" if members[1]["身份证号"][17] != "0" else "1")
    members[1]["身份证号"] = bad_id
    members[2]["性别"] = "女"
    members[2]["出生日期"] = "2001-13-01"
    data[1][1][0]["姓名"] = ""
    data[2][1][1]["与户主关系"] = "邻居"
    job = import_file(
        actor=office,
        path=str(write_csv(tmp_path / "cells.csv", data)),
        mode="insert",
        region_code=county.code,
    )
    assert job.status == "failed" and counts() == (0, 0, 0)
    rows = report_rows(job)
    assert rows[0] == ["工作表", "行号", "列", "值", "规则/错误代码", "说明"]
    found = {(r[1], r[2], r[4]) for r in rows[1:]}
    assert {
        (2, "贫困户属性", "C02"),
        (2, "识别年度", "C04"),
        (2, "易地扶贫搬迁户", "C03"),
        (2, "耕地面积（亩）", "C08"),
        (3, "身份证号", "C09"),
        (4, "性别", "C10"),
        (4, "出生日期", "C06"),
        (5, "姓名", "C01"),
        (9, "与户主关系", "C02"),
    } <= found
    id_row = next(r for r in rows if r[2] == "身份证号")
    assert id_row[3] == bad_id[:6] + "*" * 12  # masked in the report (area code only)
    assert bad_id not in str(rows)
    assert job.error_count == len(rows) - 1


def test_rule_and_cross_row_errors(office, county, village, sibling_county, tmp_path):
    data = families(village.code, 4)
    data[0][1][1]["与户主关系"] = "户主"  # two heads → H001
    data[1][0]["家庭人口数"] = "5"  # H002
    data[2][1][2]["身份证号"] = data[3][1][2]["身份证号"]  # duplicate ID in file
    other_village = sibling_county.children.first().children.first()
    data[3][0]["村代码"] = other_village.code  # outside the job region
    job = import_file(
        actor=office,
        path=str(write_xlsx(tmp_path / "x.xlsx", data)),
        mode="insert",
        region_code=county.code,
    )
    assert job.status == "failed"
    codes = {(r[2], r[4]) for r in report_rows(job)[1:]}
    assert ("与户主关系", "H001") in codes
    assert ("家庭人口数", "H002") in codes
    assert ("身份证号", "R02") in codes
    assert ("村代码", "R04") in codes
    assert counts() == (0, 0, 0)


def test_member_without_household_row_and_household_without_head(office, county, village, tmp_path):
    data = families(village.code, 2)
    data[1][1][0]["与户主关系"] = "配偶"  # CSV: no 户主 row → no household row
    job = import_file(
        actor=office,
        path=str(write_csv(tmp_path / "o.csv", data)),
        mode="insert",
        region_code=county.code,
    )
    assert job.status == "failed"
    assert {r[4] for r in report_rows(job)[1:]} == {"R05"}
    # Excel: a member whose 户编号 has no household row, and a household without a head.
    data = families(village.code, 2, start=10)
    data[0][1][0]["与户主关系"] = "之父"
    data[1][1][2]["户编号"] = "NOSUCH"
    job = import_file(
        actor=office,
        path=str(write_xlsx(tmp_path / "o.xlsx", data)),
        mode="insert",
        region_code=county.code,
    )
    rows = report_rows(job)[1:]
    assert ("户信息", 2, "H001") in {(r[0], r[1], r[4]) for r in rows}
    assert ("成员信息", 7, "R05") in {(r[0], r[1], r[4]) for r in rows}


def test_all_or_nothing_one_bad_row_in_5000_persons(office, county, village, tmp_path):
    data = families(village.code, 1667)
    data[800][1][1]["身份证号"] = "123"
    before = counts()
    events_before = AuditEvent.objects.filter(table_name__startswith="registry_").count()
    job = import_file(
        actor=office,
        path=str(write_csv(tmp_path / "big.csv", data)),
        mode="insert",
        region_code=county.code,
    )
    assert job.status == "failed" and job.error_count == 1
    assert counts() == before
    assert AuditEvent.objects.filter(table_name__startswith="registry_").count() == events_before
    assert report_rows(job)[1][1] == 800 * 3 + 3  # header + 800 families + the spouse row


def test_reimport_same_file_is_unchanged(office, county, village, tmp_path):
    path = write_csv(tmp_path / "same.csv", families(village.code, 3))
    first = import_file(actor=office, path=str(path), mode="insert", region_code=county.code)
    assert first.status == "succeeded"
    events = AuditEvent.objects.count()
    for mode in ("insert", "upsert"):
        again = import_file(actor=office, path=str(path), mode=mode, region_code=county.code)
        assert again.status == "unchanged"
        assert again.message == "文件内容与系统中的数据一致，未做任何修改"
    assert AuditEvent.objects.count() == events
    assert counts() == (3, 9, 3)


def test_upsert_updates_a_field_and_adds_a_member(office, county, village, tmp_path):
    data = families(village.code, 2)
    import_file(
        actor=office,
        path=str(write_csv(tmp_path / "a.csv", data)),
        mode="insert",
        region_code=county.code,
    )
    hh, members = data[0]
    hh["住房安全等级"] = "D级（整栋危险）"
    hh["家庭人口数"] = "4"
    members.append(person(county.code, hh["户编号"], "张小红", "之女", dt.date(1990, 1, 2), False))
    path = write_csv(tmp_path / "b.csv", data)
    refused = import_file(actor=office, path=str(path), mode="insert", region_code=county.code)
    assert refused.status == "failed"
    assert "R03" in {r[4] for r in report_rows(refused)[1:]}
    job = import_file(actor=office, path=str(path), mode="upsert", region_code=county.code)
    assert job.status == "succeeded", job.message
    household = Household.objects.get(household_no=hh["户编号"])
    assert household.housing_grade == "D" and household.version == 2
    assert household.members.count() == 4
    assert job.summary["households_updated"] == 1 and job.summary["members_created"] == 1
    assert counts() == (2, 7, 2)
    assert (
        AuditEvent.objects.filter(
            batch_id=job.batch_id, table_name="registry_household", action="U"
        ).count()
        == 1
    )


def test_duplicate_id_against_registry_names_the_other_household(office, county, village, tmp_path):
    data = families(village.code, 1)
    import_file(
        actor=office,
        path=str(write_csv(tmp_path / "a.csv", data)),
        mode="insert",
        region_code=county.code,
    )
    clash = families(village.code, 1, start=50)
    clash[0][1][1]["身份证号"] = data[0][1][1]["身份证号"]
    job = import_file(
        actor=office,
        path=str(write_csv(tmp_path / "b.csv", clash)),
        mode="insert",
        region_code=county.code,
    )
    row = next(r for r in report_rows(job)[1:] if r[4] == "R03")
    assert f"张大山 户（户编号 {village.code}00001）" in row[5] and row[1] == 3


def test_crash_after_half_staged_resumes(office, county, village, tmp_path, monkeypatch):
    monkeypatch.setattr(staging.base, "CHUNK_ROWS", 30)
    data = families(village.code, 40)  # 120 rows → 4 full chunks + final flush
    original = staging.Importer.flush
    calls = {"n": 0}

    def crashing(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("worker killed")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(staging.Importer, "flush", crashing)
    with pytest.raises(RuntimeError):
        import_file(
            actor=office,
            path=str(write_csv(tmp_path / "c.csv", data)),
            mode="insert",
            region_code=county.code,
        )
    job = ImportJob.objects.get()
    assert job.status == "running" and job.rows_done == 60 and counts() == (0, 0, 0)
    assert run_job(job.pk).status == "running"  # heartbeat still fresh: not taken over
    assert job.heartbeat_at is not None
    stale = job.heartbeat_at - dt.timedelta(minutes=3)
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=stale)
    staged: list[int] = []

    def recording(self, done, parsed, *args, **kwargs):
        if parsed.first_row is not None:
            staged.append(parsed.first_row)
        return original(self, done, parsed, *args, **kwargs)

    monkeypatch.setattr(staging.Importer, "flush", recording)
    job = run_job(job.pk)
    assert job.status == "succeeded", job.message
    assert min(staged) == 62  # resumed after the 60 committed rows (line 61 is row 60)
    assert counts() == (40, 120, 40)
    assert job.summary["attempts"] == 2


def test_village_outside_job_region(office, county, village, township, sibling_township, tmp_path):
    township_office = load_actor(make_user("t", ("poverty_office", county.code)))
    other = sibling_township.children.order_by("code").first()
    data = families(other.code, 1)
    job = import_file(
        actor=township_office,
        path=str(write_csv(tmp_path / "j.csv", data)),
        mode="insert",
        region_code=township.code,
    )
    assert job.status == "failed"
    row = report_rows(job)[1]
    assert row[2] == "村代码" and row[4] == "R04" and "不在本次导入的辖区" in row[5]


def test_create_job_checks_type_size_and_permission(county, county_personas, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from fupin.core.errors import NotFound, PermissionDenied, ValidationFailed
    from fupin.registry.io.services import create_job

    office = load_actor(county_personas.in_region)
    with pytest.raises(ValidationFailed, match=r"\.xlsx、\.xls 或 \.csv"):
        create_job(
            actor=office,
            upload=SimpleUploadedFile("a.txt", b"x"),
            mode="insert",
            region_code=county.code,
        )
    with pytest.raises(PermissionDenied):
        create_job(
            actor=load_actor(county_personas.read_only),
            upload=SimpleUploadedFile("a.csv", b"x"),
            mode="insert",
            region_code=county.code,
        )
    with pytest.raises(NotFound):
        create_job(
            actor=load_actor(county_personas.out_of_region),
            upload=SimpleUploadedFile("a.csv", b"x"),
            mode="insert",
            region_code=county.code,
        )


def test_missing_sheet_and_unreadable_csv(office, county, tmp_path):
    book = xlsxwriter.Workbook(str(tmp_path / "one.xlsx"))
    book.add_worksheet(HOUSEHOLD_SHEET).write_row(0, 0, headers(HOUSEHOLD_COLUMNS))
    book.close()
    job = import_file(
        actor=office, path=str(tmp_path / "one.xlsx"), mode="insert", region_code=county.code
    )
    assert job.status == "failed" and "缺少工作表：「成员信息」" in job.message
    garbage = tmp_path / "g.csv"
    garbage.write_bytes(",".join(headers(FLAT_COLUMNS)).encode() + b"\n\x81\x30\xff\xff,\n")
    job = import_file(actor=office, path=str(garbage), mode="insert", region_code=county.code)
    assert job.status == "failed" and counts() == (0, 0, 0)


def test_duplicate_household_no_in_file_and_existing_household(office, county, village, tmp_path):
    data = families(village.code, 2)
    import_file(
        actor=office,
        path=str(write_csv(tmp_path / "a.csv", data[:1])),
        mode="insert",
        region_code=county.code,
    )
    twice = families(village.code, 1, start=7)
    twice.append((dict(twice[0][0]), family_rows(twice[0][0]["户编号"], village.code, 99)))
    # The same size error (H002) in every household: the rules still run on the others, but
    # a household number given twice is reported once, as R01, not rule-checked as well.
    for hh, _ in (data[0], *twice):
        hh["家庭人口数"] = "5"
    job = import_file(
        actor=office,
        path=str(write_xlsx(tmp_path / "d.xlsx", [data[0], *twice])),
        mode="insert",
        region_code=county.code,
    )
    found = {(r[0], r[1], r[4]) for r in report_rows(job)[1:]}
    assert ("户信息", 2, "R06") in found  # already registered
    assert ("户信息", 4, "R01") in found  # same 户编号 as row 3
    assert ("户信息", 2, "H002") in found
    assert not {f for f in found if f[:2] in (("户信息", 3), ("户信息", 4)) and f[2] != "R01"}
    assert counts() == (1, 3, 1)


def test_job_interrupted_too_often_fails_and_drops_staging(office, county, village, tmp_path):
    from django.db import connection

    path = write_csv(tmp_path / "s.csv", families(village.code, 1))
    job = import_file(actor=office, path=str(path), mode="insert", region_code=county.code)
    ImportJob.objects.filter(pk=job.pk).update(
        status="running", heartbeat_at=None, summary={"attempts": 3}
    )
    with connection.cursor() as cur:
        cur.execute(f"CREATE UNLOGGED TABLE registry_stage_{job.pk}_hh (x int)")
    job = run_job(job.pk)
    assert job.status == "failed" and "处理多次中断" in job.message
    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass(%s)", [f"registry_stage_{job.pk}_hh"])
        assert cur.fetchone()[0] is None


@pytest.fixture
def worker_processes(monkeypatch, settings):
    """Parse on two forked worker processes whatever the file size, in small chunks, and
    apply as a bulk load (statistics refreshed, hash joins only)."""
    monkeypatch.setattr(staging.base, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(staging.apply, "BULK_HOUSEHOLDS", 5)
    monkeypatch.setattr(staging.base, "CHUNK_ROWS", 7)
    settings.FUPIN_IMPORT_WORKERS = 2


def test_worker_processes_stage_the_same_rows_in_file_order(
    office, county, village, tmp_path, worker_processes
):
    data = families(village.code, 30)
    data[3][0]["开户银行"] = "农商行\t城关\\支行"  # COPY text escaping done in the workers
    job = import_file(
        actor=office,
        path=str(write_xlsx(tmp_path / "w.xlsx", data)),
        mode="insert",
        region_code=county.code,
    )
    assert job.status == "succeeded", job.message
    assert counts() == (30, 90, 30)
    numbers = list(Household.objects.order_by("id").values_list("household_no", flat=True))
    assert numbers == [hh["户编号"] for hh, _ in data]  # file order kept across workers
    member = Member.objects.get(household__household_no=data[5][0]["户编号"], relation="spouse")
    assert crypto.decrypt(member.id_cipher) == data[5][1][1]["身份证号"]
    assert crypto.lookup_hash(data[5][1][1]["身份证号"]) == member.id_hash
    bank = Household.objects.get(household_no=data[3][0]["户编号"]).bank_name
    assert bank == "农商行\t城关\\支行"


def test_worker_processes_report_every_cell_error(
    office, county, village, tmp_path, worker_processes
):
    data = families(village.code, 30)
    data[2][1][1]["身份证号"] = "123"
    data[25][1][2]["性别"] = "女" if data[25][1][2]["性别"] == "男" else "男"
    job = import_file(
        actor=office,
        path=str(write_csv(tmp_path / "w.csv", data)),
        mode="insert",
        region_code=county.code,
    )
    assert job.status == "failed" and counts() == (0, 0, 0)
    found = {(r[1], r[2], r[4]) for r in report_rows(job)[1:]}
    assert found == {(2 * 3 + 3, "身份证号", "C09"), (25 * 3 + 4, "性别", "C10")}


def test_a_file_on_the_server_is_not_held_to_the_upload_limit(
    office, county, village, tmp_path, monkeypatch
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from fupin.core.errors import ValidationFailed
    from fupin.registry.io import services

    monkeypatch.setattr(services, "MAX_BYTES", 100)
    path = write_csv(tmp_path / "county.csv", families(village.code, 3))
    with pytest.raises(ValidationFailed, match="500 MB"):
        services.create_job(
            actor=office,
            upload=SimpleUploadedFile("county.csv", path.read_bytes()),
            mode="insert",
            region_code=county.code,
        )
    job = import_file(actor=office, path=str(path), mode="insert", region_code=county.code)
    assert job.status == "succeeded", job.message
    assert counts() == (3, 9, 3)
