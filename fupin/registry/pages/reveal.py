"""The audited reveal of a masked value on the household pages (SPEC §10).

Beside a masked ID number, phone or bank account a holder of PERSONAL_DATA_VIEW finds a
「查看」 box asking for a reason (`core.web.reveal`). The value is fetched by POST (never in a
URL or an access log, CSRF-checked); the `privacy` service writes the audit row before the
value is returned."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from fupin.core.access import actor_of
from fupin.core.errors import NotFound
from fupin.core.web.reveal import reveal_answer, reveal_box

from .. import privacy, selectors, services
from ..models import Household, Member

FIELD_LABELS = {"id_number": "身份证号", "phone": "联系电话", "bank_account": "银行账号"}


def member_widget(member: Member, *, can_reveal: bool) -> dict[str, Any]:
    return reveal_box(
        target=f"id-{member.pk}",
        masked=member.id_masked,
        url=reverse("registry:member_reveal", kwargs={"pk": member.pk}),
        label=FIELD_LABELS["id_number"],
        can_reveal=can_reveal,
    )


def household_widgets(household: Household, *, can_reveal: bool) -> dict[str, dict[str, Any]]:
    masked = privacy.masked_contact(household)
    return {
        field: reveal_box(
            target=f"{field.replace('_', '-')}-{household.pk}",
            masked=masked[field],
            url=reverse("registry:household_reveal", kwargs={"pk": household.pk, "field": field}),
            label=FIELD_LABELS[field],
            can_reveal=can_reveal,
        )
        for field in privacy.HOUSEHOLD_SECRETS
    }


@require_POST
def member_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The full ID number of one member, with a reason, recorded in the audit trail."""
    actor = actor_of(request)
    member = services.access_member(actor, pk)
    privacy.require_reveal(actor, member.household.region_code)
    return reveal_answer(
        request,
        member_widget(member, can_reveal=True),
        lambda reason: privacy.member_id_reveal(actor=actor, member=member, reason=reason),
    )


@require_POST
def household_reveal(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    """The household's full phone or bank account, with a reason, recorded."""
    if field not in privacy.HOUSEHOLD_SECRETS:
        raise NotFound()
    actor = actor_of(request)
    household = selectors.access_household(actor, pk)
    privacy.require_reveal(actor, household.region_code)
    return reveal_answer(
        request,
        household_widgets(household, can_reveal=True)[field],
        lambda reason: privacy.household_contact_reveal(
            actor=actor, household=household, fields=[field], reason=reason
        )[field],
    )
