import datetime as dt

import pytest

from fupin.core.errors import Conflict, PermissionDenied, ValidationFailed
from fupin.registry.tests.factories import family, household_data
from fupin.workflows import engine, services
from fupin.workflows.models import Notice

pytestmark = pytest.mark.django_db


def test_identification_end_to_end(officials, village):
    o = officials
    day = dt.date(2026, 3, 2)
    case = services.apply_identification(
        actor=o.village,
        village_code=village.code,
        data=household_data("", main_cause="illness"),
        members=family(village.code[:6]),
        reason="因病致贫，申请纳入",
    )
    assert case.household is not None and case.household.status == "applicant"
    c = engine.transition(
        actor=o.village, case_id=case.pk, step="group_review", comment="同意", today=day
    )
    c = engine.transition(
        actor=o.secretary, case_id=case.pk, step="verify", comment="核实属实", today=day
    )
    c = engine.transition(actor=o.village, case_id=case.pk, step="publish_village", today=day)
    assert Notice.objects.get().end_date == dt.date(2026, 3, 8)
    with pytest.raises(PermissionDenied):
        engine.transition(actor=o.village, case_id=case.pk, step="township_approve", today=day)
    with pytest.raises(ValidationFailed, match="公示期未满"):
        engine.transition(
            actor=o.township, case_id=case.pk, step="township_approve", today=dt.date(2026, 3, 7)
        )
    with pytest.raises(ValidationFailed, match="公示期未满"):
        engine.transition(
            actor=o.township, case_id=case.pk, step="township_approve", today=dt.date(2026, 3, 8)
        )
    c = engine.transition(
        actor=o.township, case_id=case.pk, step="township_approve", today=dt.date(2026, 3, 9)
    )
    c = engine.transition(
        actor=o.township, case_id=case.pk, step="publish_township", today=dt.date(2026, 3, 9)
    )
    c = engine.transition(
        actor=o.county, case_id=case.pk, step="county_approve", today=dt.date(2026, 3, 17)
    )
    with pytest.raises(Conflict, match="已由"):
        engine.transition(
            actor=o.county2,
            case_id=case.pk,
            step="county_approve",
            version=c.version - 1,
            today=dt.date(2026, 3, 17),
        )
    c = engine.transition(
        actor=o.county, case_id=case.pk, step="publish_county", today=dt.date(2026, 3, 17)
    )
    c = engine.transition(
        actor=o.county, case_id=case.pk, step="register", today=dt.date(2026, 3, 25)
    )
    assert c.household is not None
    c.household.refresh_from_db()
    assert c.state == "registered" and not c.is_open
    assert c.household.status == "poor" and c.household.identified_year == c.year
    assert [t.name for t in c.transitions.order_by("id")][-1] == "register"
