"""The audited reveal of a self-declaring person's phone on a case (SPEC §10).

A public declaration (自主申报) keeps the declarant's phone in the case's data so the village
can call back. Pages and the API show it masked for every role; a holder of
PERSONAL_DATA_VIEW over the case's region reveals it with a reason, recorded first."""

from __future__ import annotations

from django.db import transaction

from fupin.audit.services import access_record, reveal_check
from fupin.core.access import Actor, Perm
from fupin.core.errors import NotFound

from .models import Case


def declarant_phone(case: Case) -> str:
    declarant = (case.data or {}).get("declarant")
    return str(declarant.get("phone") or "") if isinstance(declarant, dict) else ""


@transaction.atomic
def declarant_phone_reveal(*, actor: Actor, case: Case, reason: str) -> str:
    actor.require(Perm.CASE_VIEW, case.region_code)
    reveal_check(actor, [case.region_code], reason)
    phone = declarant_phone(case)
    if not phone:
        raise NotFound()
    access_record(
        actor=actor,
        table=Case._meta.db_table,
        object_pk=case.pk,
        detail={"kind": "reveal", "fields": ["declarant.phone"], "case_no": case.case_no},
        reason=reason,
    )
    return phone
