"""Organisation writes (组织机构): the unified social credit code check, create and update."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from fupin.core.access import Actor, Perm
from fupin.core.errors import ValidationFailed
from fupin.core.masking import mask_phone
from fupin.core.versioning import versioned_update
from fupin.regions.models import (
    Organisation,
    OrganisationKind,
    Region,
)
from fupin.regions.selectors import (
    access_organisation,
    access_region,
)
from fupin.regions.services.common import _fail

CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_is_valid(code: str) -> bool:
    """GB 32100-2015 统一社会信用代码: 18 characters, mod-31 check digit in the last place."""
    if len(code) != 18 or any(ch not in CREDIT_CODE_CHARSET for ch in code):
        return False
    total = sum(
        CREDIT_CODE_CHARSET.index(ch) * w for ch, w in zip(code, CREDIT_CODE_WEIGHTS, strict=False)
    )
    check = (31 - total % 31) % 31
    return code[17] == CREDIT_CODE_CHARSET[check]


def _validate_organisation(
    *,
    region: Region,
    name: str,
    kind: str,
    credit_code: str,
    contact_phone: str,
    exclude_pk: int | None,
) -> None:
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = ["请填写组织名称"]
    if kind not in OrganisationKind.values:
        errors["kind"] = ["请选择正确的组织类型"]
    if credit_code:
        if len(credit_code) != 18:
            errors["credit_code"] = ["统一社会信用代码应为 18 位"]
        elif not credit_code_is_valid(credit_code):
            errors["credit_code"] = ["统一社会信用代码校验位不正确，请核对"]
    phone = contact_phone.strip()
    if phone and not (phone.replace("-", "").isdigit() and 7 <= len(phone) <= 20):
        errors["contact_phone"] = ["联系电话格式不正确"]
    if (
        name.strip()
        and Organisation.objects.filter(region_id=region.code, name=name.strip())
        .exclude(pk=exclude_pk or 0)
        .exists()
    ):
        errors.setdefault("name", []).append(f"{region.name}已有同名组织“{name.strip()}”")
    _fail(errors)


def _duplicate_name(region: Region, name: str) -> ValidationFailed:
    message = f"{region.name}已有同名组织“{name.strip()}”"
    return ValidationFailed(message, errors={"name": [message]})


@transaction.atomic
def organisation_create(
    *,
    actor: Actor,
    region_code: str,
    name: str,
    kind: str,
    sector: str = "",
    credit_code: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    address: str = "",
    is_active: bool = True,
) -> Organisation:
    region = access_region(actor, region_code, Perm.ORG_VIEW)
    actor.require_write(Perm.ORG_EDIT, region.code)
    credit_code = credit_code.strip().upper()
    _validate_organisation(
        region=region,
        name=name,
        kind=kind,
        credit_code=credit_code,
        contact_phone=contact_phone,
        exclude_pk=None,
    )
    org = Organisation(
        name=name.strip(),
        kind=kind,
        sector=sector.strip(),
        region=region,
        region_code=region.code,
        credit_code=credit_code,
        contact_name=contact_name.strip(),
        contact_phone=contact_phone.strip(),
        address=address.strip(),
        is_active=is_active,
        created_by_id=actor.user_id,
        updated_by_id=actor.user_id,
    )
    org.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            org.save()
    except IntegrityError as exc:  # a concurrent insert of the same name
        raise _duplicate_name(region, name) from exc
    return org


@transaction.atomic
def organisation_update(
    *,
    actor: Actor,
    pk: int,
    version: int,
    name: str,
    kind: str,
    sector: str = "",
    credit_code: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    address: str = "",
    is_active: bool = True,
) -> Organisation:
    org = access_organisation(actor, pk)
    actor.require_write(Perm.ORG_EDIT, org.region_code)
    credit_code = credit_code.strip().upper()
    if "*" in contact_phone and contact_phone.strip() == mask_phone(org.contact_phone):
        # The form showed the masked phone to a user who may not see it: keep the stored one.
        contact_phone = org.contact_phone
    _validate_organisation(
        region=org.region,
        name=name,
        kind=kind,
        credit_code=credit_code,
        contact_phone=contact_phone,
        exclude_pk=org.pk,
    )
    try:
        with transaction.atomic():
            versioned_update(
                Organisation,
                pk=org.pk,
                version=version,
                actor_id=actor.user_id,
                values={
                    "name": name.strip(),
                    "kind": kind,
                    "sector": sector.strip(),
                    "credit_code": credit_code,
                    "contact_name": contact_name.strip(),
                    "contact_phone": contact_phone.strip(),
                    "address": address.strip(),
                    "is_active": is_active,
                },
            )
    except IntegrityError as exc:
        raise _duplicate_name(org.region, name) from exc
    org.refresh_from_db()
    return org
