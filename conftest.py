"""Project-wide fixtures: a real slice of the division tree and the three personas."""

from __future__ import annotations

from typing import Any

import pytest

from fupin.testing import COUNTY, SIBLING_COUNTY, TEST_REGION_PREFIXES, Personas, make_user


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    """Load two real counties (射洪市, 船山区) with their townships and villages once."""
    from fupin.regions.loader import load_regions

    with django_db_blocker.unblock():
        load_regions(TEST_REGION_PREFIXES)


@pytest.fixture
def county() -> Any:
    from fupin.regions.models import Region

    return Region.objects.get(code=COUNTY)


@pytest.fixture
def sibling_county() -> Any:
    from fupin.regions.models import Region

    return Region.objects.get(code=SIBLING_COUNTY)


@pytest.fixture
def township(county: Any) -> Any:
    return county.children.order_by("code").first()


@pytest.fixture
def sibling_township(township: Any) -> Any:
    return township.parent.children.exclude(code=township.code).order_by("code").first()


@pytest.fixture
def village(township: Any) -> Any:
    return township.children.order_by("code").first()


@pytest.fixture
def county_personas(db: Any, county: Any, sibling_county: Any) -> Personas:
    """County poverty office (in-region), county discipline (read-only), sibling county office."""
    return Personas(
        in_region=make_user("county_office", ("poverty_office", county.code)),
        read_only=make_user("county_discipline", ("discipline", county.code)),
        out_of_region=make_user("sibling_office", ("poverty_office", sibling_county.code)),
    )


@pytest.fixture
def admin_personas(db: Any, county: Any, sibling_county: Any) -> Personas:
    """County system administrator, county viewer, sibling county administrator."""
    return Personas(
        in_region=make_user("county_admin", ("region_admin", county.code)),
        read_only=make_user("county_viewer", ("viewer", county.code)),
        out_of_region=make_user("sibling_admin", ("region_admin", sibling_county.code)),
    )


@pytest.fixture
def township_personas(db: Any, township: Any, sibling_township: Any) -> Personas:
    return Personas(
        in_region=make_user("township_staff", ("township", township.code)),
        read_only=make_user("township_viewer", ("viewer", township.code)),
        out_of_region=make_user("sibling_township_staff", ("township", sibling_township.code)),
    )
