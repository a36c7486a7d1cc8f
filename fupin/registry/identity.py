"""Turning an entered ID number into what the registry stores, and finding its owner."""

from __future__ import annotations

from dataclasses import dataclass

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
