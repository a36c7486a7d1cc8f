"""Parameters API: definitions with effective values, and overrides per region and year."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from fupin.core import params
from fupin.core.access import actor_of
from fupin.core.api import Schema
from fupin.core.models import Parameter

router = Router(tags=["参数"])


class OverrideIn(Schema):
    key: str
    region_code: str
    year: int | None = None
    value: str
    reason: str
    version: int | None = None


def _override_json(row: Parameter) -> dict[str, Any]:
    return {
        "id": row.pk,
        "key": row.key,
        "region_code": row.region_code,
        "region_name": getattr(row, "region_name", ""),
        "year": row.year,
        "value": row.value,
        "note": row.note,
        "version": row.version,
        "updated_at": row.updated_at,
    }


@router.get("/parameters")
def list_parameters(request: HttpRequest, region: str = "", year: int | None = None) -> Any:
    actor = actor_of(request)
    overview = params.parameter_overview(actor, region_code=region or None, year=year)
    items = []
    for item in overview["items"]:
        spec = params.definition(item["key"])
        items.append(
            {
                **{k: item[k] for k in ("key", "label", "unit", "kind", "help")},
                "default": spec.to_json(item["default"]),
                "effective": spec.to_json(item["effective"]),
                "minimum": spec.to_json(item["minimum"]),
                "maximum": spec.to_json(item["maximum"]),
                "year_defaults": {
                    str(y): spec.to_json(v) for y, v in item["year_defaults"].items()
                },
                "overrides": [_override_json(row) for row in item["overrides"]],
            }
        )
    return {
        "region_code": overview["region_code"],
        "region_name": overview["region_name"],
        "year": overview["year"],
        "items": items,
    }


@router.put("/parameters")
def put_parameter(request: HttpRequest, payload: OverrideIn) -> Any:
    actor = actor_of(request)
    row = params.set_parameter(actor=actor, **payload.dict())
    return _override_json(row)


@router.delete("/parameters/{override_id}", response={204: None})
def delete_parameter(
    request: HttpRequest, override_id: int, reason: str = "", version: int | None = None
) -> Any:
    actor = actor_of(request)
    params.delete_override(actor=actor, pk=override_id, reason=reason, version=version)
    return Status(204, None)
