"""`updated_at` / `updated_by` move on every update of a household, whatever path wrote it
(issue 15: a household edited ten times still showed the demo load's time): the edit
service, the status service, a member added (size follows), a bare `QuerySet.update` and
raw SQL — through the row trigger of `fupin.core.touch`. A no-op update moves nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from fupin.accounts.selectors import load_actor
from fupin.core import touch
from fupin.core.access import Actor
from fupin.core.context import set_session_context
from fupin.registry import services, status
from fupin.registry.models import Household
from fupin.registry.tests.factories import family, household_data, member
from fupin.testing import Personas

pytestmark = pytest.mark.django_db

LONG_AGO = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def office(county_personas: Personas) -> Actor:
    return load_actor(county_personas.in_region)


@pytest.fixture
def household(office: Actor, village: Any) -> Household:
    h = services.household_create(
        actor=office, village_code=village.code, data=household_data("5109810001"),
        members=family(village.code[:6]),
    ).household  # fmt: skip
    # As the demo load left it: stamped long ago, by nobody.
    Household.objects.filter(pk=h.pk).update(updated_at=LONG_AGO, updated_by=None)
    return h


def _stamp(pk: int) -> tuple[dt.datetime, int | None]:
    return Household.objects.filter(pk=pk).values_list("updated_at", "updated_by_id").get()


def _raw_sql(actor: Actor, h: Household) -> None:
    set_session_context(actor_id=actor.user_id, actor_name="", ip=None)  # as the middleware
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE registry_household SET phone = '13800000009' WHERE id = %s", [h.pk]
            )
    finally:
        set_session_context(actor_id=None, actor_name="", ip=None)


def _queryset(actor: Actor, h: Household) -> None:
    set_session_context(actor_id=actor.user_id, actor_name="", ip=None)
    try:
        Household.objects.filter(pk=h.pk).update(phone="13800000008")
    finally:
        set_session_context(actor_id=None, actor_name="", ip=None)


PATHS: dict[str, Callable[[Actor, Household], Any]] = {
    "household_update": lambda a, h: services.household_update(
        actor=a,
        pk=h.pk,
        version=Household.objects.get(pk=h.pk).version,
        data={"phone": "13800000001"},
    ),
    "household_set_status": lambda a, h: status.household_set_status(
        actor=a, household_id=h.pk, status="exited", exit_year=2020
    ),
    "member_add (size follows)": lambda a, h: services.member_add(
        actor=a,
        household_id=h.pk,
        data=member(h.county_code, "张小花", "daughter", dt.date(2012, 3, 4), male=False),
    ),
    "QuerySet.update": _queryset,
    "raw SQL": _raw_sql,
}


@pytest.mark.parametrize("path", PATHS)
def test_every_path_moves_updated_at_and_updated_by(
    path: str, office: Actor, household: Household
) -> None:
    assert _stamp(household.pk) == (LONG_AGO, None)
    before = timezone.now()
    PATHS[path](office, household)
    at, by = _stamp(household.pk)
    assert at >= before - dt.timedelta(seconds=1)
    assert by == office.user_id


def test_a_no_op_update_moves_nothing(household: Household) -> None:
    Household.objects.filter(pk=household.pk).update(phone=household.phone)
    assert _stamp(household.pk) == (LONG_AGO, None)


def test_a_statement_that_sets_the_time_keeps_it(household: Household) -> None:
    when = dt.datetime(2024, 5, 6, 7, 8, tzinfo=dt.UTC)  # e.g. the import's apply
    Household.objects.filter(pk=household.pk).update(phone="13800000007", updated_at=when)
    assert _stamp(household.pk)[0] == when


def test_no_actor_in_the_context_stamps_the_time_only(household: Household) -> None:
    """A system job (no request, no actor): the time moves, who stays as it was."""
    Household.objects.filter(pk=household.pk).update(phone="13800000006")
    at, by = _stamp(household.pk)
    assert at > LONG_AGO and by is None


def test_every_versioned_table_has_the_trigger() -> None:
    tables = sorted(m._meta.db_table for m in touch.touched_models())
    assert "registry_household" in tables and "accounts_user" in tables
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE t.tgname = %s AND NOT t.tgisinternal",
            [touch.TRIGGER],
        )
        installed = sorted(row[0] for row in cursor.fetchall())
    assert installed == tables
