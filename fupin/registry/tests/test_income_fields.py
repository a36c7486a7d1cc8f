"""The income parts are listed once (`codes.INCOME_LABELS`); what must still spell them out —
the model's columns and the API's schema — is held to that list here."""

from __future__ import annotations

from django.db.models import DecimalField, GeneratedField

from fupin.registry import codes
from fupin.registry.io import layout
from fupin.registry.models import Income
from fupin.registry.pages.api import IncomeIn


def test_model_columns_follow_the_list() -> None:
    parts = {
        f.name: str(f.verbose_name)
        for f in Income._meta.concrete_fields
        if isinstance(f, DecimalField) and not isinstance(f, GeneratedField)
    }
    assert parts == codes.INCOME_LABELS


def test_api_schema_follows_the_list() -> None:
    assert tuple(IncomeIn.model_fields) == (*codes.INCOME_FIELDS, "size", "version")


def test_import_layout_follows_the_list() -> None:
    columns = [c for c in layout.HOUSEHOLD_COLUMNS if c.field in codes.INCOME_LABELS]
    assert [(c.field, c.header) for c in columns] == list(codes.INCOME_LABELS.items())
