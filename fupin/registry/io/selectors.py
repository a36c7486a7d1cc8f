"""Scoped reads of import jobs: a job is visible where its region lies in the jurisdiction."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from fupin.core.access import Actor, Perm
from fupin.core.api import keyset
from fupin.core.errors import NotFound
from fupin.regions.models import Level, Region
from fupin.registry.models import ImportJob

# The list's order (newest first), served by import_region_created.
JOB_KEYS = keyset.keys("-created_at", "-id", created_at=dt.datetime)


def job_list(actor: Actor) -> QuerySet[ImportJob]:
    return (
        ImportJob.objects.filter(actor.scope_q(Perm.HOUSEHOLD_VIEW, field="region_code"))
        .select_related("actor")
        .order_by("-created_at", "-id")
    )


def access_job(actor: Actor, pk: int) -> ImportJob:
    """404 when missing or outside the jurisdiction."""
    job = ImportJob.objects.select_related("actor").filter(pk=pk).first()
    if job is None:
        raise NotFound()
    actor.require(Perm.HOUSEHOLD_VIEW, job.region_code)
    return job


def upload_regions(actor: Actor) -> list[Region]:
    """The regions the actor may import into (the roots of their editing grants)."""
    if actor.is_read_only:
        return []
    codes = [c for c in actor.region_codes(Perm.HOUSEHOLD_EDIT) if c]
    return list(Region.objects.filter(code__in=codes).order_by("code"))


def region_names(codes: set[str]) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))


def example_village(prefix: str) -> str:
    """A real village code under `prefix` for the template's example row."""
    code = (
        Region.objects.filter(code__startswith=prefix, level=Level.VILLAGE)
        .order_by("code")
        .values_list("code", flat=True)
        .first()
    )
    return code or "510981000000"
