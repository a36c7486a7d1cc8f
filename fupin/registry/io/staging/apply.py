"""Applying the checked rows to the registry (step 3): one transaction, set-based, under
one audit batch."""

from __future__ import annotations

from fupin.audit.services import batch_finish, batch_start, bulk_audit

from ..layout import (
    INCOME_FIELDS,
)
from .base import (
    HH_CMP,
    HH_DB,
    HH_SET,
    HH_SRC,
    INC_CMP,
    INC_SET,
    INC_SRC,
    MEM_CMP,
    MEM_DB,
    MEM_SET,
    MEM_SRC,
    Staging,
)

BULK_HOUSEHOLDS = 5_000  # households in a file from which the apply is planned for bulk


class Applying(Staging):
    def apply(self) -> dict[str, int]:
        actor_id = self.actor.user_id
        batch = batch_start(
            actor=self.actor,
            kind="registry_import",
            description=f"建档立卡导入：{self.job.original_name}",
            reason=f"导入文件 {self.job.original_name}（任务 {self.job.pk}）",
        )
        counts: dict[str, int] = {}
        # A large file is joined to the registry in bulk: hash joins, never nested loops. The
        # planner's estimates for tables truncated or loaded moments ago can be wildly off
        # (a 1M-person first import once spent many minutes in a nested loop over its own
        # new households); a small upsert keeps the index lookups it needs.
        bulk = bool(
            self.scalar(
                f"SELECT count(*) >= %s FROM (SELECT FROM {self.hh} LIMIT %s) q",
                [BULK_HOUSEHOLDS, BULK_HOUSEHOLDS],
            )
        )
        if bulk:
            self.sql("SET LOCAL enable_nestloop = off")
        with bulk_audit(batch):
            if self.upsert:
                counts["households_updated"] = self.sql(
                    f"UPDATE registry_household h SET village_id = s.village_code,"
                    " region_code = s.village_code, county_code = left(s.village_code, 6),"
                    f" {HH_SET}, updated_at = now(), updated_by_id = %s, version = h.version + 1,"
                    f" import_batch_id = %s FROM {self.hh} s WHERE h.household_no = s.household_no"
                    f" AND (h.region_code, {HH_CMP}) IS DISTINCT FROM (s.village_code, {HH_SRC})",
                    [actor_id, batch.pk],
                )
            counts["households_created"] = self.sql(
                f"INSERT INTO registry_household (village_id, region_code, county_code, household_no,"
                f" {', '.join(HH_DB)}, created_at, updated_at, created_by_id, updated_by_id, version,"
                " import_batch_id) SELECT s.village_code, s.village_code, left(s.village_code, 6),"
                f" s.household_no, {HH_SRC}, now(), now(), %s, %s, 1, %s FROM {self.hh} s"
                " WHERE NOT EXISTS (SELECT 1 FROM registry_household h"
                " WHERE h.household_no = s.household_no) ORDER BY s.row_no",
                [actor_id, actor_id, batch.pk],
            )
            if bulk:
                # The members and incomes are joined to the households just written: without
                # fresh statistics (a first import into an empty county has none) the planner
                # may pick a nested loop over what it thinks is an empty table.
                self.sql("ANALYZE registry_household")
            if self.upsert:
                counts["members_updated"] = self.sql(
                    f"UPDATE registry_member m SET household_id = h.id, county_code = h.county_code,"
                    f" {MEM_SET}, updated_at = now(), updated_by_id = %s, version = m.version + 1"
                    f" FROM {self.mem} s JOIN registry_household h ON h.household_no = s.household_no"
                    f" WHERE m.id_hash = s.id_hash AND (m.household_id, {MEM_CMP})"
                    f" IS DISTINCT FROM (h.id, {MEM_SRC})",
                    [actor_id],
                )
            counts["members_created"] = self.sql(
                "INSERT INTO registry_member (household_id, county_code, id_cipher, id_hash, id_masked,"
                f" {', '.join(MEM_DB)}, left_reason, created_at, updated_at, created_by_id,"
                " updated_by_id, version) SELECT h.id, h.county_code, s.id_cipher, s.id_hash,"
                f" s.id_masked, {MEM_SRC}, '', now(), now(), %s, %s, 1 FROM {self.mem} s"
                " JOIN registry_household h ON h.household_no = s.household_no"
                " WHERE NOT EXISTS (SELECT 1 FROM registry_member m WHERE m.id_hash = s.id_hash)"
                " ORDER BY s.row_no",
                [actor_id, actor_id],
            )
            if self.upsert:
                counts["incomes_updated"] = self.sql(
                    f"UPDATE registry_income i SET size = s.declared_size, {INC_SET},"
                    " updated_at = now(), updated_by_id = %s, version = i.version + 1"
                    f" FROM {self.hh} s JOIN registry_household h ON h.household_no = s.household_no"
                    " WHERE s.income_year IS NOT NULL AND i.household_id = h.id"
                    f" AND i.year = s.income_year AND (i.size, {INC_CMP})"
                    f" IS DISTINCT FROM (s.declared_size, {INC_SRC})",
                    [actor_id],
                )
            counts["incomes_created"] = self.sql(
                "INSERT INTO registry_income (household_id, county_code, year, size,"
                f" {', '.join(INCOME_FIELDS)}, created_at, updated_at, created_by_id, updated_by_id,"
                " version) SELECT h.id, h.county_code, s.income_year, s.declared_size,"
                f" {INC_SRC}, now(), now(), %s, %s, 1 FROM {self.hh} s"
                " JOIN registry_household h ON h.household_no = s.household_no"
                " WHERE s.income_year IS NOT NULL AND NOT EXISTS (SELECT 1 FROM registry_income i"
                " WHERE i.household_id = h.id AND i.year = s.income_year)",
                [actor_id, actor_id],
            )
            # Check the deferred foreign keys now, while the rule checks still run beside
            # the apply, rather than serially at commit.
            self.sql("SET CONSTRAINTS ALL IMMEDIATE")
        if bulk:
            self.sql("SET LOCAL enable_nestloop TO DEFAULT")
        batch_finish(batch, sum(counts.values()))
        self.job.batch_id = batch.pk
        return counts
