"""Phones of command-unit members and organisation contacts: masked for every role in lists
and the API (a cadre's or a contact's mobile is personal data, SPEC §10), with the audited
reveal (`core.web.reveal`) for holders of PERSONAL_DATA_VIEW over the record's region."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from fupin.audit.services import access_record, reveal_check
from fupin.core.access import Actor, Perm, actor_of
from fupin.core.errors import NotFound
from fupin.core.masking import mask_phone
from fupin.core.web.reveal import reveal_answer, reveal_box

from . import selectors
from .models import CommandUnitMember, Organisation


@transaction.atomic
def phone_reveal(*, actor: Actor, record: Model, region_code: str, phone: str, reason: str) -> str:
    """The phone in full, after recording who saw it and why (403 without the right)."""
    reveal_check(actor, [region_code], reason)
    access_record(
        actor=actor,
        table=record._meta.db_table,
        object_pk=record.pk,
        detail={"kind": "reveal", "fields": ["phone"], "name": str(record)},
        reason=reason,
    )
    return phone


def member_phone_box(actor: Actor, member: CommandUnitMember, region_code: str) -> dict[str, Any]:
    return reveal_box(
        target=f"member-phone-{member.pk}",
        masked=mask_phone(member.phone),
        url=reverse("regions:member_phone_reveal", args=[member.pk]),
        label="联系电话",
        can_reveal=actor.can(Perm.PERSONAL_DATA_VIEW, region_code),
    )


def organisation_phone_box(actor: Actor, org: Organisation) -> dict[str, Any]:
    return reveal_box(
        target=f"org-phone-{org.pk}",
        masked=mask_phone(org.contact_phone),
        url=reverse("regions:organisation_phone_reveal", args=[org.pk]),
        label="联系电话",
        can_reveal=actor.can(Perm.PERSONAL_DATA_VIEW, org.region_code),
    )


@require_POST
def member_phone_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    member = CommandUnitMember.objects.filter(pk=pk).first()
    if member is None or not member.phone:
        raise NotFound()
    unit = selectors.access_command_unit(actor, member.unit_id)
    return reveal_answer(
        request,
        member_phone_box(actor, member, unit.region_code),
        lambda reason: phone_reveal(
            actor=actor, record=member, region_code=unit.region_code, phone=member.phone,
            reason=reason,
        ),
    )  # fmt: skip


@require_POST
def organisation_phone_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    org = selectors.access_organisation(actor, pk)
    if not org.contact_phone:
        raise NotFound()
    return reveal_answer(
        request,
        organisation_phone_box(actor, org),
        lambda reason: phone_reveal(
            actor=actor, record=org, region_code=org.region_code, phone=org.contact_phone,
            reason=reason,
        ),
    )  # fmt: skip
