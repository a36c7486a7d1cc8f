"""Turning an entered ID number into what the registry stores, and finding its owner."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fupin.core import crypto, idnumber
from fupin.core.masking import mask_id_area


@dataclass(frozen=True)
class StoredId:
    info: idnumber.IdInfo
    cipher: str
    hash: str
    masked: str


def mask(value: str) -> str:
    """The staff form of an ID number: the area code only (510981************). The birth
    date, sequence and check code are not kept: with the old "first 6 + last 4" beside the
    birth date, the check digit left one or two candidates for the full number."""
    return mask_id_area(value.strip())


def store(value: str) -> StoredId:
    """Validate (GB 11643) and encrypt; raises ValidationFailed with a Chinese message."""
    info = idnumber.parse(value)
    return StoredId(
        info=info,
        cipher=crypto.encrypt(info.number),
        hash=crypto.lookup_hash(info.number),
        masked=mask(info.number),
    )


def lookup_hash(value: str) -> str:
    return crypto.lookup_hash(idnumber.normalize(value))


def reveal(cipher: str) -> str:
    return crypto.decrypt(cipher)


def seal(record: dict[str, Any]) -> dict[str, Any]:
    """A person's record kept outside the member table (a case's proposed new member) with
    its `id_number` checked (GB 11643, a Chinese message otherwise) and replaced by the
    ciphertext and the staff mask: no full ID number rests in clear anywhere (SPEC §10)."""
    number = record.get("id_number")
    if not number:
        return dict(record)
    stored = store(str(number))
    out = {k: v for k, v in record.items() if k != "id_number"}
    out.update(id_cipher=stored.cipher, id_masked=stored.masked)
    return out


def unseal(record: dict[str, Any]) -> dict[str, Any]:
    """The record of `seal` with its full `id_number` back, for the service that registers it
    (a record kept before sealing existed still holds the number itself)."""
    if "id_cipher" not in record:
        return dict(record)
    out = {k: v for k, v in record.items() if k not in ("id_cipher", "id_masked")}
    out["id_number"] = reveal(str(record["id_cipher"]))
    return out


def masked_of(record: dict[str, Any]) -> str:
    """The staff mask of a sealed (or older, unsealed) record's ID number."""
    return str(record.get("id_masked") or mask(str(record.get("id_number") or "")))
