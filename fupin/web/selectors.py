"""Reads behind the home page."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from fupin.accounts.models import Grant
from fupin.accounts.perms import Perm
from fupin.accounts.scope import Actor
from fupin.regions.models import Level, Region, VillageProfile


def jurisdiction_summary(actor: Actor) -> dict[str, Any]:
    """Counts of regions by level, poor villages and users inside the actor's jurisdiction."""
    region_q = actor.scope_q(Perm.REGION_VIEW, field="code")
    by_level = dict(
        Region.objects.filter(region_q).values_list("level").annotate(n=Count("code")).order_by()
    )
    levels = [{"label": label, "count": by_level.get(value, 0)} for value, label in Level.choices]
    poor = VillageProfile.objects.filter(
        actor.scope_q(Perm.REGION_VIEW, field="region__code")
    ).aggregate(
        poor=Count("pk", filter=Q(is_poor_village=True)),
        exited=Count("pk", filter=Q(is_poor_village=True, exit_year__isnull=False)),
    )
    users = (
        Grant.objects.filter(actor.scope_q(Perm.USER_VIEW, field="region__code"))
        .values("user_id")
        .distinct()
        .count()
        if actor.has_perm(Perm.USER_VIEW)
        else None
    )
    return {
        "levels": levels,
        "poor_villages": poor["poor"],
        "exited_villages": poor["exited"],
        "users": users,
    }
