"""Staff alert pages: the rule catalogue, the list, the alert page with its steps, notices and
rectifications, the documents and the statistics — jurisdiction of every GET and POST, and the
whole life of an alert through the pages (dropout child → 督办 → rectification → 销号)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from fupin.accounts.selectors import load_actor
from fupin.registry import services as registry
from fupin.registry.tests.factories import family, household_data, member
from fupin.supervision.models import Alert, Rectification, SupervisionNotice
from fupin.testing import Personas, assert_jurisdiction, client_for, make_user

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
_numbers = iter(range(1, 1000))


@dataclass
class People:
    county: Any  # poverty_office at the county
    township: Any  # township staff over the village
    village: Any  # village committee: the responsible unit of R102
    discipline: Any  # 纪委 at the county: read-only
    sibling: Any  # poverty_office of a sibling county


@pytest.fixture
def people(db: Any, village: Any, sibling_county: Any) -> People:
    return People(
        county=make_user("al_county", ("poverty_office", village.code[:6]), real_name="刘主任"),
        township=make_user("al_township", ("township", village.code[:9]), real_name="赵乡长"),
        village=make_user("al_village", ("village", village.code), real_name="王主任"),
        discipline=make_user("al_discipline", ("discipline", village.code[:6])),
        sibling=make_user("al_sibling", ("poverty_office", sibling_county.code)),
    )


def dropout_alert(user: Any, village: Any) -> Alert:
    """A poor household whose 10-year-old daughter is recorded out of school: the on-change
    path opens one R102 alert for the village."""
    actor = load_actor(user)
    today = timezone.localdate()
    people = [
        *family(village.code[:6]),
        member(
            village.code[:6],
            "张小红",
            "daughter",
            dt.date(today.year - 10, 1, 15),
            male=False,
            schooling="primary",
        ),
    ]
    household = registry.household_create(
        actor=actor,
        village_code=village.code,
        data=household_data(f"{village.code}{next(_numbers):04d}", helper_name="陈帮扶"),
        members=people,
    ).household
    child = household.members.get(name="张小红")
    registry.member_update(
        actor=actor, member_id=child.pk, version=child.version, data={"schooling": "dropout"}
    )
    return Alert.objects.get(rule_code="R102", household=household, is_open=True)


def html(response: Any) -> str:
    return str(response.content.decode())


def detail(alert: Alert) -> str:
    return reverse("supervision:alert_detail", args=[alert.pk])


def step_url(alert: Alert, name: str) -> str:
    return reverse("supervision:alert_step", args=[alert.pk, name])


def version(alert: Alert) -> int:
    alert.case.refresh_from_db()
    return int(alert.case.version)


def issue(client: Any, alert: Alert, *, days: int = 10) -> Any:
    deadline = timezone.localdate() + dt.timedelta(days=days)
    return client.post(
        step_url(alert, "issue_notice"),
        {
            "issue_notice-version": version(alert),
            "issue_notice-deadline": deadline.isoformat(),
            "issue_notice-content": "张小红辍学，请立即劝返复学。",
            "issue_notice-requirement": "落实控辍保学责任，上传复学证明。",
        },
    )


def rectify(client: Any, alert: Alert, *files: Any) -> Any:
    return client.post(
        reverse("supervision:alert_rectify", args=[alert.pk]),
        {"content": "已入户劝返，张小红已回校就读。", "attachments": list(files)},
    )


def photo(name: str = "back-to-school.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, JPEG, content_type="image/jpeg")


# --- the whole life ------------------------------------------------------------------------------


def test_full_alert_life_through_the_pages(people, village):
    alert = dropout_alert(people.county, village)
    township, cun = client_for(people.township), client_for(people.village)

    # The alert is listed for the township with its rule; its page shows the evidence.
    listing = html(township.get(reverse("supervision:alerts")))
    assert alert.case.case_no in listing and "义务教育阶段适龄儿童失学辍学" in listing
    page = html(township.get(detail(alert)))
    assert "已分派待督办" in page and "辍学" in page and 'data-testid="step-issue_notice"' in page
    assert f"/registry/households/{alert.household_id}/" in page
    # The village is the responsible unit: it cannot issue a notice, nothing to do yet.
    assert 'data-testid="step-issue_notice"' not in html(cun.get(detail(alert)))

    # 1. The township issues the 督办 notice with a deadline.
    response = issue(township, alert)
    assert response.status_code == 302, html(response)[:2000]
    alert.refresh_from_db()
    notice = SupervisionNotice.objects.get(alert=alert)
    assert alert.case.state == "noticed"
    assert alert.due_date == timezone.localdate() + dt.timedelta(days=10)
    assert notice.content == "张小红辍学，请立即劝返复学。"
    page = html(township.get(detail(alert)))
    assert notice.notice_no in page and "已督办待整改" in page

    # 2. The notice downloads as PDF and Word.
    pdf = township.get(reverse("supervision:notice_pdf", args=[notice.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    docx = cun.get(reverse("supervision:notice_docx", args=[notice.pk]))
    assert docx.status_code == 200 and "attachment" in docx["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(docx.content)) as archive:
        assert notice.notice_no in archive.read("word/document.xml").decode()

    # 3. Before anything is written, the village sees why it cannot submit yet.
    page = html(cun.get(detail(alert)))
    assert 'data-testid="rectify-form"' in page
    assert "请先填写整改情况" in page and "disabled" in page.split('data-testid="step-submit"')[1]

    # 4. The village writes the rectification with a photo, then submits it.
    response = rectify(cun, alert, photo())
    assert response.status_code == 302, html(response)[:2000]
    item = Rectification.objects.get(alert=alert).files.get()
    assert item.is_photo
    page = html(cun.get(detail(alert)))
    assert 'data-testid="thumb"' in page and "请上传整改佐证材料" not in page
    image = township.get(reverse("supervision:rectification_file", args=[item.pk]))
    assert image.status_code == 200 and b"".join(image.streaming_content) == JPEG  # type: ignore[attr-defined]
    response = cun.post(
        step_url(alert, "submit"), {"submit-version": version(alert), "submit-comment": ""}
    )
    assert response.status_code == 302, html(response)[:2000]
    alert.refresh_from_db()
    assert alert.case.state == "submitted"

    # 5. The township verifies: the alert is closed (销号).
    response = township.post(
        step_url(alert, "verify"),
        {"verify-version": version(alert), "verify-comment": "经入户核实，已复学"},
    )
    assert response.status_code == 302, html(response)[:2000]
    alert.refresh_from_db()
    assert alert.is_open is False and alert.case.state == "closed"
    assert Rectification.objects.get(alert=alert).result == "accepted"
    page = html(township.get(detail(alert)))
    assert "已销号" in page and "经入户核实，已复学" in page and "预警已销号" in page
    # The timeline names who did what.
    assert "赵乡长" in page and "王主任" in page
    # The closed alert is counted on the statistics.
    stats = html(township.get(reverse("supervision:dashboard")))
    assert 'data-testid="closed">1<' in stats and 'data-testid="median">不足 1 小时<' in stats


def test_stale_version_gets_the_chinese_409_message(people, village):
    alert = dropout_alert(people.county, village)
    township = client_for(people.township)
    stale = version(alert)
    assert issue(township, alert).status_code == 302
    response = township.post(
        step_url(alert, "close_cleared"),
        {"close_cleared-version": stale, "close_cleared-comment": "已消除"},
    )
    assert response.status_code == 409
    assert "请刷新后查看" in html(response) and "下发督办通知" in html(response)


def test_guard_failures_are_shown_and_refused(people, village):
    alert = dropout_alert(people.county, village)
    township, cun = client_for(people.township), client_for(people.village)
    issue(township, alert)
    # A rectification without any file: the page says a file is missing, the step refuses.
    response = rectify(cun, alert)
    assert response.status_code == 302
    page = html(cun.get(detail(alert)))
    assert "请上传整改佐证材料（照片或文件）" in page
    response = cun.post(step_url(alert, "submit"), {"submit-version": version(alert)})
    assert response.status_code == 200 and "请上传整改佐证材料" in html(response)
    alert.refresh_from_db()
    assert alert.case.state == "noticed"
    # The condition still holds: closing as cleared is shown blocked to the township.
    page = html(township.get(detail(alert)))
    assert "预警条件仍然存在" in page
    # A deadline in the past is refused with the service's message on the form.
    response = issue(township, Alert.objects.get(pk=alert.pk), days=-1)
    assert response.status_code in (200, 409)
    # A bad file type is refused on the rectification form.
    bad = SimpleUploadedFile("run.exe", b"MZ", content_type="application/octet-stream")
    response = rectify(cun, alert, bad)
    assert response.status_code == 200 and "佐证材料请上传照片" in html(response)


def test_past_deadline_is_refused_on_the_form(people, village):
    alert = dropout_alert(people.county, village)
    response = issue(client_for(people.township), alert, days=0)
    assert response.status_code == 200 and "整改期限应晚于今天" in html(response)
    alert.refresh_from_db()
    assert alert.case.state == "assigned"


def test_cleared_condition_is_shown_and_can_be_closed(people, village):
    alert = dropout_alert(people.county, village)
    child = alert.household.members.get(name="张小红") if alert.household else None
    assert child is not None
    registry.member_update(
        actor=load_actor(people.county),
        member_id=child.pk,
        version=child.version,
        data={"schooling": "primary"},
    )
    township = client_for(people.township)
    page = html(township.get(detail(alert)))
    assert "预警条件已消除" in page and "预警条件仍然存在" not in page
    response = township.post(
        step_url(alert, "close_cleared"),
        {"close_cleared-version": version(alert), "close_cleared-comment": "已复学"},
    )
    assert response.status_code == 302
    alert.refresh_from_db()
    assert not alert.is_open


# --- lists, filters, statistics --------------------------------------------------------------------


def test_list_filters_and_counts(people, village):
    first = dropout_alert(people.county, village)
    second = dropout_alert(people.county, village)
    township = client_for(people.township)
    issue(township, first, days=3)
    Alert.objects.filter(pk=first.pk).update(due_date=dt.date(2020, 1, 1))
    url = reverse("supervision:alerts")
    page = html(township.get(url))
    assert first.case.case_no in page and second.case.case_no in page
    assert 'data-testid="count-open">2<' in page and 'data-testid="count-overdue">1<' in page
    page = html(township.get(url, {"overdue": "on"}))
    assert first.case.case_no in page and second.case.case_no not in page
    page = html(township.get(url, {"state": "assigned"}))
    assert first.case.case_no not in page and second.case.case_no in page
    page = html(township.get(url, {"rule": "R101"}))
    assert second.case.case_no not in page
    page = html(township.get(url, {"status": "closed"}))
    assert second.case.case_no not in page
    page = html(township.get(url, {"unit": village.code, "severity": "high"}))
    assert second.case.case_no in page
    # The alert page shows the overdue badge.
    assert 'data-testid="overdue"' in html(township.get(detail(first)))


def test_rules_page_shows_parameters_live_counts_and_runs_a_sweep(people, village):
    alert = dropout_alert(people.county, village)
    county = client_for(people.county)
    page = html(county.get(reverse("supervision:rules")))
    assert "R102" in page and "义务教育阶段适龄儿童失学辍学" in page
    assert 'data-testid="count-R102">1<' in page
    assert "/system/parameters/?key=" in page and "立即巡检" in page
    # The township sees the catalogue, not the sweep button.
    assert "立即巡检" not in html(client_for(people.township).get(reverse("supervision:rules")))
    response = county.post(reverse("supervision:rules_run"), {"region": village.code[:6]})
    assert response.status_code == 200
    page = html(response)
    assert 'data-testid="run-results"' in page and "仍存在 1" in page
    alert.refresh_from_db()
    assert alert.hit_count == 2


def test_dashboard_counts_and_drilldown_links(people, village):
    dropout_alert(people.county, village)
    county = client_for(people.county)
    page = html(county.get(reverse("supervision:dashboard")))
    assert 'data-testid="total">1<' in page and 'data-testid="open">1<' in page
    assert "/supervision/alerts/?status=all" in page and "rule=R102" in page
    assert f"region={village.code[:9]}" in page  # the township row drills down
    page = html(county.get(reverse("supervision:dashboard"), {"region": village.code[:9]}))
    assert f"region={village.code}" in page and 'data-testid="total">1<' in page


def test_household_tab_lists_the_alerts(people, village):
    alert = dropout_alert(people.county, village)
    url = reverse("registry:household_detail", args=[alert.household_id]) + "?tab=alerts"
    page = html(client_for(people.village).get(url))
    assert alert.case.case_no in page and "义务教育阶段适龄儿童失学辍学" in page


# --- jurisdiction ---------------------------------------------------------------------------------


def test_read_pages_jurisdiction(people, village):
    alert = dropout_alert(people.county, village)
    issue(client_for(people.township), alert)
    rectify(client_for(people.village), alert, photo())
    notice = SupervisionNotice.objects.get(alert=alert)
    item = Rectification.objects.get(alert=alert).files.get()
    objects = [
        detail(alert),
        reverse("supervision:notice_pdf", args=[notice.pk]),
        reverse("supervision:notice_docx", args=[notice.pk]),
        reverse("supervision:rectification_file", args=[item.pk]),
    ]
    for in_region, region in (
        (people.county, village.code[:6]),
        (people.township, village.code[:9]),
        (people.village, village.code),
    ):
        lists = [
            reverse(name) + f"?region={region}"
            for name in ("supervision:rules", "supervision:alerts", "supervision:dashboard")
        ]
        personas = Personas(
            in_region=in_region, read_only=people.discipline, out_of_region=people.sibling
        )
        for url in [*lists, *objects]:
            assert_jurisdiction(personas, "get", url)
    # A region outside a narrower jurisdiction is 404 too (the village user, the township).
    response = client_for(people.village).get(
        reverse("supervision:dashboard") + f"?region={village.code[:9]}"
    )
    assert response.status_code == 404


def test_write_endpoints_jurisdiction(people, village):
    alert = dropout_alert(people.county, village)
    county = village.code[:6]
    # JSON bodies fill no form: in-region users get the page back with the form's errors.
    assert_jurisdiction(
        Personas(
            in_region=people.township, read_only=people.discipline, out_of_region=people.sibling
        ),
        "post",
        step_url(alert, "issue_notice"),
    )
    issue(client_for(people.township), alert)
    assert_jurisdiction(
        Personas(
            in_region=people.village, read_only=people.discipline, out_of_region=people.sibling
        ),
        "post",
        reverse("supervision:alert_rectify", args=[alert.pk]),
    )
    assert_jurisdiction(
        Personas(
            in_region=people.county, read_only=people.discipline, out_of_region=people.sibling
        ),
        "post",
        reverse("supervision:rules_run") + f"?region={county}",
    )
    # The sweep is for county level and above.
    for user in (people.township, people.village):
        response = client_for(user).post(reverse("supervision:rules_run"), {"region": village.code})
        assert response.status_code == 403
    # The discipline office reads the alert but cannot act on it.
    discipline = client_for(people.discipline)
    page = html(discipline.get(detail(alert)))
    assert "已督办待整改" in page and 'data-testid="no-steps"' in page
    assert 'data-testid="rectify-form"' not in page
    response = discipline.post(step_url(alert, "verify"), {"verify-version": version(alert)})
    assert response.status_code == 403
    # The village is not the township: it may not verify (403 from the engine).
    response = client_for(people.village).post(
        step_url(alert, "close_cleared"),
        {"close_cleared-version": version(alert), "close_cleared-comment": "x"},
    )
    assert response.status_code == 403


def test_list_and_tab_queries_do_not_grow_with_alerts(
    people, village, django_assert_max_num_queries
):
    alerts = [dropout_alert(people.county, village) for _ in range(3)]
    township = client_for(people.township)
    township.get(reverse("supervision:alerts"))  # warm the session and the actor
    with django_assert_max_num_queries(16):
        page = html(township.get(reverse("supervision:alerts")))
    assert all(a.case.case_no in page for a in alerts)
    url = reverse("registry:household_detail", args=[alerts[0].household_id]) + "?tab=alerts"
    assert alerts[0].case.case_no in html(township.get(url))
