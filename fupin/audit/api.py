"""Audit trail API (filled in by the audit work)."""

from ninja import Router

router = Router(tags=["审计"])
