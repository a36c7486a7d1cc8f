"""The whole-country load: exact counts per level and an idempotent second run."""

from __future__ import annotations

import pytest

from fupin.regions.loader import load_regions
from fupin.regions.models import Region

pytestmark = [pytest.mark.django_db, pytest.mark.slow, pytest.mark.pgcompat]

NBS_2023 = {1: 31, 2: 342, 3: 2978, 4: 41352, 5: 620573}


def test_load_whole_country_is_exact_and_idempotent() -> None:
    assert load_regions() == NBS_2023
    assert Region.objects.count() == sum(NBS_2023.values())
    assert load_regions() == NBS_2023
    assert Region.objects.count() == sum(NBS_2023.values())
    # 东莞市 has no counties: its townships hang directly under the city's 6-digit code.
    assert Region.objects.get(code="441900").name == "东莞市"
    assert Region.objects.filter(parent_id="441900", level=4).exists()
