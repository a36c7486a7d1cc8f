"""Public pages (no login): running notices by region, the masked list, objections, the PDF,
the self-declaration form and the rate limit on public posts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fupin.core import idnumber
from fupin.regions.models import Region
from fupin.testing import SIBLING_COUNTY
from fupin.workflows.models import Case, Notice, Objection
from fupin.workflows.notices.tests.test_notices_pages import PHONE, pdf_text, published_case
from fupin.workflows.public.views import RATE_LIMIT_POSTS

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limit() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def anon() -> Client:
    return Client(enforce_csrf_checks=True)


def _csrf_post(client: Client, url: str, data: dict[str, Any], form_url: str = "") -> Any:
    """Post like a browser: open the form page first for the CSRF cookie and token."""
    client.get(form_url or url)
    token = client.cookies["csrftoken"].value
    return client.post(url, {**data, "csrfmiddlewaretoken": token})


def _notice(region: Region, start: dt.date, days: int = 7, **extra: Any) -> Notice:
    return Notice.objects.create(
        notice_no=f"GS-{region.code}-{start:%Y%m%d}-{Notice.objects.count()}",
        kind="identification", stage="publish_village", level="village", region=region,
        region_code=region.code, county_code=region.code[:6], title=f"{region.name}测试公示",
        start_date=start, end_date=start + dt.timedelta(days=days - 1), **extra,
    )  # fmt: skip


def test_public_pages_need_no_login(anon, village):
    for url in (reverse("public:notices"), reverse("public:declare")):
        response = anon.get(url)
        assert response.status_code == 200, url
        assert "阳光扶贫" in response.content.decode()
        assert 'data-testid="sidebar"' not in response.content.decode()


def test_list_shows_only_running_notices_of_the_region(anon, village, township):
    today = timezone.localdate()
    running = _notice(village, today - dt.timedelta(days=2))
    ended = _notice(village, today - dt.timedelta(days=20))
    future = _notice(village, today + dt.timedelta(days=2))
    withdrawn = _notice(village, today, status="withdrawn")
    sibling_village = Region.objects.filter(code__startswith=SIBLING_COUNTY, level=5).first()
    assert sibling_village is not None
    elsewhere = _notice(sibling_village, today)

    html = anon.get(reverse("public:notices") + f"?region={township.code}").content.decode()
    assert running.title in html and "正在公示 1 条" in html
    for other in (ended, future, withdrawn, elsewhere):
        assert f"/public/notices/{other.pk}/" not in html
    everywhere = anon.get(reverse("public:notices")).content.decode()
    assert f"/public/notices/{running.pk}/" in everywhere
    assert f"/public/notices/{elsewhere.pk}/" in everywhere
    assert f"/public/notices/{ended.pk}/" not in everywhere


def test_region_picker_drills_down_and_searches(anon, county, township, village):
    url = reverse("public:notices")
    html = anon.get(f"{url}?at={county.code}").content.decode()
    assert f"?region={township.code}&amp;at={township.code}" in html and county.name in html
    html = anon.get(f"{url}?at={county.code}&q={village.name[:4]}").content.decode()
    assert f"?region={village.code}" in html and township.name in html
    # Declaration: the picker ends at villages, which set ?village=.
    html = anon.get(reverse("public:declare") + f"?at={township.code}").content.decode()
    assert f"?village={village.code}" in html


def test_withdrawn_and_unpublished_notices_are_not_public(anon, village):
    today = timezone.localdate()
    for notice in (
        _notice(village, today, status="withdrawn"),
        _notice(village, today + dt.timedelta(days=1)),
    ):
        assert anon.get(reverse("public:notice_detail", args=[notice.pk])).status_code == 404
        assert anon.get(reverse("public:notice_pdf", args=[notice.pk])).status_code == 404
    assert anon.get(reverse("public:notice_detail", args=[999999])).status_code == 404


def test_public_notice_and_pdf_are_masked(anon, officials, village):
    published = published_case(officials, village)
    html = anon.get(reverse("public:notice_detail", args=[published.notice.pk])).content.decode()
    assert "张*山" in html and published.head_id[:3] in html and published.head_id[-2:] in html
    assert published.head_id not in html and PHONE not in html and "张大山" not in html
    assert published.case.case_no not in html  # internal numbers stay internal
    assert 'data-testid="objection-form"' in html
    pdf = anon.get(reverse("public:notice_pdf", args=[published.notice.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    text = pdf_text(pdf.content)
    assert "张*山" in text
    assert published.head_id not in text and PHONE not in text and "张大山" not in text


def test_anonymous_objection_sends_the_case_back(anon, officials, village):
    published = published_case(officials, village)
    url = reverse("public:notice_detail", args=[published.notice.pk])
    page = anon.get(url)
    token = page.cookies["csrftoken"].value
    post_url = reverse("public:objection", args=[published.notice.pk])
    # Without the CSRF token the post is refused.
    assert anon.post(post_url, {"entry": published.entry.pk, "content": "x"}).status_code == 403
    response = anon.post(
        post_url,
        {"entry": published.entry.pk, "content": "太短", "csrfmiddlewaretoken": token},
    )
    assert "请填写异议内容（至少5个字）" in response.content.decode()
    response = anon.post(
        post_url,
        {
            "entry": published.entry.pk,
            "content": "该户家中有小轿车和门面房，不符合条件",
            "csrfmiddlewaretoken": token,
        },
    )
    html = response.content.decode()
    objection = Objection.objects.get()
    assert f"受理编号：{objection.pk}" in html and "感谢" in html
    assert "张*山" not in html and "张大山" not in html
    assert objection.source == "public" and objection.created_by_id is None
    published.case.refresh_from_db()
    published.entry.refresh_from_db()
    assert published.case.state == "reviewed"  # the flow's objection_target
    assert published.entry.withdrawn
    # The public list now shows the line as withdrawn, without its data.
    html = anon.get(url).content.decode()
    assert "已撤出" in html and "张*山" not in html


def test_objection_refused_after_the_period(anon, officials, village):
    published = published_case(officials, village, timezone.localdate() - dt.timedelta(days=10))
    url = reverse("public:notice_detail", args=[published.notice.pk])
    html = anon.get(url).content.decode()
    assert "公示期满" in html and 'data-testid="objection-form"' not in html
    response = _csrf_post(
        anon,
        reverse("public:objection", args=[published.notice.pk]),
        {"entry": published.entry.pk, "content": "该户家中有小轿车和门面房"},
        # The page no longer has a form (a stale tab still would): any form sets the cookie.
        form_url=reverse("public:declare") + f"?village={village.code}",
    )
    assert "该公示不在公示期内" in response.content.decode()
    assert not Objection.objects.exists()
    published.case.refresh_from_db()
    assert published.case.state == "village_notice"


def _declare(client: Client, village: Any, **data: Any) -> Any:
    url = reverse("public:declare") + f"?village={village.code}"
    form = {
        "village": village.code,
        "name": "赵四",
        "phone": "13900001111",
        "id_number": idnumber.make(village.code[:6], dt.date(1980, 1, 2), 11),
        "risk_types": ["medical", "accident"],
        "medical_expense": "32000",
        "reason": "家人住院，医疗费用较高",
        **data,
    }
    return _csrf_post(client, url, form)


def test_declaration(anon, village):
    html = anon.get(reverse("public:declare") + f"?village={village.code}").content.decode()
    assert 'data-testid="declare-form"' in html and village.name in html
    response = _declare(anon, village, id_number="510981198001021234")
    assert "校验位错误" in response.content.decode()
    assert not Case.objects.exists()
    response = _declare(anon, village, medical_expense="很多")
    assert "医疗支出金额格式不正确" in response.content.decode()
    response = _declare(anon, village)
    case = Case.objects.get()
    assert case.channel == "self" and case.kind == "monitoring" and case.state == "declared"
    assert case.region_code == village.code and case.household is None
    assert case.data["risk_types"] == ["accident", "medical"]
    html = response.content.decode()
    assert f"申报编号：{case.case_no}" in html


def test_declaration_does_not_reveal_registration(anon, officials, village):
    from fupin.workflows.conftest import make_household

    household = make_household(officials.village, village)
    head = household.members.get(relation="head")
    from fupin.registry import identity

    registered_id = identity.reveal(head.id_cipher)
    first = _declare(anon, village, id_number=registered_id)
    second = _declare(anon, village, id_number=registered_id)  # already being monitored
    stranger = _declare(anon, village)
    pages = [r.content.decode() for r in (first, second, stranger)]
    cases = list(Case.objects.filter(kind="monitoring").order_by("id"))
    assert len(cases) == 3
    assert cases[0].household_id == household.pk
    assert cases[1].household_id is None and cases[1].data["duplicate_of"] == cases[0].case_no
    for page, case in zip(pages, cases, strict=True):
        assert f"申报编号：{case.case_no}" in page
        assert household.head_name not in page and "已在监测" not in page
    # Same page apart from the number.
    assert pages[0].replace(cases[0].case_no, "N") == pages[2].replace(cases[2].case_no, "N")


def test_rate_limit(anon, village):
    for _ in range(RATE_LIMIT_POSTS):
        response = _declare(anon, village, reason="")
        assert response.status_code == 200
        assert "请填写申请理由或情况说明" in response.content.decode()
    response = _declare(anon, village)
    assert response.status_code == 429
    assert "提交过于频繁" in response.content.decode()
    assert not Case.objects.exists()
    # Another address is not affected.
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert _declare(other, village).status_code == 200
    assert Case.objects.count() == 1


def test_pdf_falls_back_to_the_builtin_cid_font(officials, village, monkeypatch):
    from fupin.core.documents import fonts
    from fupin.workflows.notices import pdf

    published = published_case(officials, village)
    monkeypatch.setattr(fonts, "_candidates", lambda: ["/nonexistent/font.ttc"])
    fonts.font_name.cache_clear()
    try:
        content = pdf.notice_pdf(published.notice)
        assert fonts.font_name() == fonts.FALLBACK_CID_FONT
    finally:
        fonts.font_name.cache_clear()
    assert content.startswith(b"%PDF") and b"STSong-Light" in content
    assert published.head_id.encode() not in content
