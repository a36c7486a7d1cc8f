import pytest

from fupin.regions.models import Region
from fupin.testing import client_for, make_user

pytestmark = pytest.mark.pgcompat


@pytest.mark.django_db
def test_region_slice_loaded(county, sibling_county):
    assert county.name == "射洪市"
    assert sibling_county.name == "船山区"
    assert Region.objects.get(code="51").name == "四川省"
    assert county.children.count() > 10


@pytest.mark.django_db
def test_home_shows_jurisdiction(county):
    user = make_user("u1", ("poverty_office", county.code))
    response = client_for(user).get("/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "射洪市" in text and "四川省" in text
