"""4. cadres — cadres' discipline: household exits let through below the criteria (override
reason), accountability records."""

from __future__ import annotations

import datetime as dt

from fupin.supervision.accountability.models import Accountability
from fupin.supervision.discipline.views.common import (
    KINDS,
    Cell,
    Figure,
    KindView,
    Scope,
    Table,
    _date,
    _state,
    case_url,
)
from fupin.workflows.models import Case


def cadres_kind(scope: Scope, limit: int) -> KindView:
    overrides_qs = (
        Case.objects.filter(scope.q(), kind="household_exit")
        .exclude(override_reason="")
        .select_related("override_by", "region")
        .order_by("-override_at", "-id")
    )
    records_qs = Accountability.objects.filter(scope.q()).order_by("-decided_on", "-id")
    overrides = list(overrides_qs[:limit])
    records = list(records_qs[:limit])
    override_table = Table(
        "overrides", "未达标放行的脱贫退出", "退出标准未全部达到、由乡镇以上登记理由后放行",
        ["办件", "所在村", "未达标项", "放行理由", "放行人", "放行时间", "当前环节"],
        [[Cell(c.title, case_url(c.pk)), Cell(c.region.name),
          Cell("、".join(str(f.get("label", f)) if isinstance(f, dict) else str(f)
                         for f in c.override_failures) or "—", tone="orange"),
          Cell(c.override_reason),
          Cell(str(c.override_by) if c.override_by else "—"), Cell(_date(c.override_at)),
          Cell(_state(c))]
         for c in overrides],
        overrides_qs.count(),
    )  # fmt: skip
    record_table = Table(
        "accountability", "问责记录", "通报批评、书面检讨、约谈、诫勉谈话、党内警告、召回、免职、降职",
        ["问责对象", "职务", "问责方式", "事由", "决定日期", "决定机关"],
        [[Cell(r.subject_name + ("（单位）" if r.subject_is_unit else "")),
          Cell(r.subject_title or "—"), Cell(r.get_kind_display(), tone="red"),
          Cell(r.reason[:80]), Cell(_date(r.decided_on)), Cell(r.deciding_body)]
         for r in records],
        records_qs.count(),
    )  # fmt: skip
    year_start = dt.date(scope.today.year, 1, 1)
    return KindView(
        "cadres", *KINDS["cadres"],
        figures=[Figure("未达标放行退出", override_table.total, "orange"),
                 Figure("问责记录", record_table.total, "red"),
                 Figure("本年问责", records_qs.filter(decided_on__gte=year_start).count())],
        tables=[override_table, record_table],
    )  # fmt: skip
