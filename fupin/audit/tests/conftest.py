from __future__ import annotations

from typing import Any

import pytest

from fupin.core.context import audit_context


@pytest.fixture
def make_org(county: Any) -> Any:
    """Create an organisation as `user` (so the audit trail names them), in `region`."""
    from fupin.regions.models import Organisation

    def make(name: str, *, user: Any = None, region: Any = None, **extra: Any) -> Any:
        region = region or county
        with audit_context(
            reason="测试建档",
            actor_id=user.pk if user else None,
            actor_name=user.username if user else None,
        ):
            return Organisation.objects.create(
                name=name, kind="government", region=region, region_code=region.code, **extra
            )

    return make
