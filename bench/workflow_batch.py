"""Benchmark: a township approving its list of cases at once (SPEC §3 "batch work").

`engine.batch_transition` takes the step on every case on its own — lock, version, role and
level, guards (the village notice is over, no objection pending), state, timeline row, audit —
so one bad case cannot undo the others. The raw ceiling, measured in the same run on an
identical set of cases, is the same state change done set-based: one UPDATE of every case row
and one INSERT … SELECT of every timeline row, with no checks (the audit triggers fire on both).

Run: .venv/bin/python bench/workflow_batch.py [--cases 500]   (or `make bench`)
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import measure, peak_rss_mb, print_table, setup_django
from django.utils import timezone

COUNTY = "510981"


def make_cases(count: int, tag: str) -> list[int]:
    """`count` identification cases of one township whose village notice ended yesterday."""
    from django.db import transaction

    from fupin.regions.models import Region
    from fupin.registry.models import Household
    from fupin.workflows.engine import next_case_no
    from fupin.workflows.models import Case, Notice, NoticeEntry

    township = Region.objects.filter(code__startswith=COUNTY, level=4).order_by("code").first()
    assert township is not None
    villages = list(Region.objects.filter(code__startswith=township.code, level=5).order_by("code"))
    today = timezone.localdate()
    with transaction.atomic():
        households = Household.objects.bulk_create(
            Household(
                village=villages[i % len(villages)],
                region_code=villages[i % len(villages)].code,
                county_code=COUNTY,
                household_no=f"B{tag}{i:07d}",
                head_name="测试户",
                attribute="general",
                identified_year=today.year,
                main_cause="illness",
                status="applicant",
                declared_size=3,
            )
            for i in range(count)
        )
        cases = Case.objects.bulk_create(
            Case(
                case_no=next_case_no("SB", COUNTY, today.year),
                kind="identification",
                state="village_notice",
                subject_level="household",
                household=h,
                region_id=h.region_code,
                region_code=h.region_code,
                county_code=COUNTY,
                year=today.year,
                title="识别申请",
            )
            for h in households
        )
        notices = {
            v.code: Notice.objects.create(
                notice_no=next_case_no("GS", COUNTY, today.year),
                kind="identification",
                stage="publish_village",
                level="village",
                region=v,
                region_code=v.code,
                county_code=COUNTY,
                title="村内公示",
                start_date=today - dt.timedelta(days=8),
                end_date=today - dt.timedelta(days=2),
            )
            for v in villages
        }
        NoticeEntry.objects.bulk_create(
            NoticeEntry(notice=notices[c.region_code], case=c, published={}) for c in cases
        )
    return [c.pk for c in cases]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=500)
    args = parser.parse_args()
    setup_django("fupin_bench_workflows")
    from django.db import connection, transaction

    from fupin.accounts.models import Grant, User
    from fupin.accounts.selectors import load_actor
    from fupin.regions.loader import load_regions
    from fupin.regions.models import Region
    from fupin.workflows import engine
    from fupin.workflows.models import Case

    load_regions([COUNTY])
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE workflows_case, workflows_notice, registry_household CASCADE")
    township = Region.objects.filter(code__startswith=COUNTY, level=4).order_by("code").first()
    assert township is not None
    user, _ = User.objects.get_or_create(username="bench_township")
    Grant.objects.get_or_create(user=user, role_id="township", region_id=township.code)
    actor = load_actor(user)

    raw_ids = make_cases(args.cases, "r")
    batch_ids = make_cases(args.cases, "b")

    def raw() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE workflows_case SET state = 'township_approved', version = version + 1,"
                " state_since = now(), updated_at = now() WHERE id = ANY(%s)",
                [raw_ids],
            )
            cursor.execute(
                "INSERT INTO workflows_transition (case_id, name, label, from_state, to_state,"
                " actor_id, actor_name, role_name, region_name, comment, data, at)"
                " SELECT id, 'township_approve', '乡镇审核通过', 'village_notice',"
                " 'township_approved', %s, '', '', '', '', '{}'::jsonb, now()"
                " FROM unnest(%s::bigint[]) AS id",
                [user.pk, raw_ids],
            )

    raw_s, _ = measure(raw)
    batch_s, result = measure(
        lambda: engine.case_batch_transition(
            actor=actor, case_ids=batch_ids, step="township_approve", comment="同意"
        )
    )
    assert not result.failed, list(result.failed.items())[:3]
    assert Case.objects.filter(pk__in=batch_ids, state="township_approved").count() == args.cases
    n = args.cases
    print_table(
        f"Batch approval of {n} cases (township_approve after the village notice)",
        ["method", "seconds", "cases/s", "ms/case", "vs raw"],
        [
            ["raw set-based UPDATE + INSERT (no checks)", f"{raw_s:.2f}", f"{n / raw_s:,.0f}",
             f"{1000 * raw_s / n:.2f}", "100%"],
            ["engine.batch_transition (per-case atomic, guarded)", f"{batch_s:.2f}",
             f"{n / batch_s:,.0f}", f"{1000 * batch_s / n:.2f}", f"{raw_s / batch_s:.1%}"],
        ],
    )  # fmt: skip
    print(f"peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
