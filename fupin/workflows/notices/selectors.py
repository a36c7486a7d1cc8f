"""Scoped reads of notices (公示/公告) and objections (SPEC §0, §10).

A notice at county level lists cases of many townships; a township reads that notice only as
far as its own entries (issue 12): the entries whose case lies in the caller's jurisdiction.
A user whose jurisdiction contains the notice's place sees all of it; a user below the place
sees it only when at least one entry is theirs, else 404 (as if it did not exist).

Objections name the objector: they are shown only to those who handle them — holders of
`case.act` over the objected case (the village, township and county that verify it) — and to
those who supervise that handling (`supervise`, 纪委监委: SPEC §0 gives them read-all and the
re-supervision of complaints, and the discipline dashboard already tracks how long objections
wait). Read-only viewers and the audit office read the notice without them. The objector's
phone is always masked here; showing it in full is a reveal (audited), for holders of
`personal.view` over the case's region only (`may_reveal_objector_phone`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from fupin.core.access import Actor, Perm
from fupin.core.api import keyset
from fupin.core.errors import NotFound, PermissionDenied
from fupin.workflows.notices.models import Notice, NoticeEntry, Objection

# Who handles objections (see the module docstring).
OBJECTION_HANDLER_PERMS: tuple[Perm, ...] = (Perm.CASE_ACT, Perm.SUPERVISE)


def _entries_q(actor: Actor, prefix: str = "") -> Q:
    return actor.scope_q(Perm.CASE_VIEW, f"{prefix}case__region_code")


# The list's order (latest first), served by notice_region_start.
NOTICE_KEYS = keyset.keys("-start_date", "-id", start_date=dt.date)


def notice_list(actor: Actor, *, region: str = "", running_only: bool = False) -> QuerySet[Notice]:
    """Notices at or under the jurisdiction (the counts are the notice's totals)."""
    qs = Notice.objects.filter(actor.scope_q(Perm.CASE_VIEW, "region_code")).select_related(
        "region"
    )
    if region:
        qs = qs.filter(region_code__startswith=region)
    if running_only:
        today = timezone.localdate()
        qs = qs.filter(start_date__lte=today, end_date__gte=today)
    return qs.annotate(
        entry_count=Count("entries", filter=Q(entries__withdrawn=False), distinct=True),
        objection_count=Count("objections", distinct=True),
    ).order_by("-start_date", "-id")


def access_notice(actor: Actor, pk: int) -> Notice:
    """The notice when its place is in the jurisdiction, or (for a user below its place) when
    one of its entries is; 404 otherwise, 403 in the jurisdiction without `case.view`."""
    notice = Notice.objects.select_related("region").filter(pk=pk).first()
    if notice is None:
        raise NotFound()
    if actor.can(Perm.CASE_VIEW, notice.region_code):
        return notice
    if actor.sees(notice.region_code):
        raise PermissionDenied()
    if notice.entries.filter(_entries_q(actor)).exists():
        return notice
    raise NotFound()


def visible_entries(actor: Actor, notice: Notice) -> list[NoticeEntry]:
    """The notice's entries in the caller's jurisdiction, in list order."""
    return list(notice.entries.filter(_entries_q(actor)).select_related("case").order_by("id"))


def objection_region(objection: Objection) -> str:
    """The region the objection is about: its case's, else the notice's place."""
    case = objection.case
    return case.region_code if case is not None else objection.notice.region_code


def handles_objections(actor: Actor, region_code: str) -> bool:
    return any(actor.can(perm, region_code) for perm in OBJECTION_HANDLER_PERMS)


def handled_objections(actor: Actor, objections: Iterable[Objection]) -> list[Objection]:
    """The objections the caller handles or supervises (a notice's or a case's: a few)."""
    return [o for o in objections if handles_objections(actor, objection_region(o))]


def notice_objections(actor: Actor, notice: Notice) -> list[Objection]:
    qs = notice.objections.select_related("entry", "case", "notice").order_by("-created_at", "-id")
    return handled_objections(actor, qs)


def may_reveal_objector_phone(actor: Actor, objection: Objection) -> bool:
    """Whether a reveal of the objector's full phone may be offered to the caller."""
    return actor.can(Perm.PERSONAL_DATA_VIEW, objection_region(objection)) and handles_objections(
        actor, objection_region(objection)
    )
