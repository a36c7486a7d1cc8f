"""Search terms that identify a person never travel in a URL (SPEC §10).

A list page's filter form posts (with CSRF); the view answers the post with
`search_redirect`, which keeps the free-text term in the session under a short random key
and redirects to the list with the other filters and that key (`?s=…`): the page stays
bookmarkable for its non-personal filters, its paging and export links carry only the key,
and neither an access log nor the browser history sees the term. The list (and its export)
read `search_params(request)` instead of `request.GET`: the query with the term put back
from the session. An ID- or phone-shaped term typed into the URL (an old bookmark, a script)
is dropped, not searched, with a warning that says to use the search box; the API refuses it
the same way and takes the term in a POST body instead.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponseRedirect, QueryDict

from fupin.core.masking import is_personal_number

SESSION_KEY = "fupin.search"
KEY_PARAM = "s"
KEEP = 20  # terms kept per session: enough for the searches open in a user's tabs
NOT_IN_URL = ("csrfmiddlewaretoken", "after", KEY_PARAM)

URL_TERM_MESSAGE = "为保护个人信息，身份证号和电话号码请在搜索框中输入后点“查询”，不要写在网址中"
EXPIRED_MESSAGE = "搜索条件已过期，请重新输入搜索内容"


def stash(request: HttpRequest, term: str) -> str:
    """The session key for `term` (the same key for a term already kept)."""
    terms: dict[str, str] = dict(request.session.get(SESSION_KEY) or {})
    for key, kept in terms.items():
        if kept == term:
            return key
    key = secrets.token_urlsafe(6)
    terms[key] = term
    request.session[SESSION_KEY] = dict(list(terms.items())[-KEEP:])
    return key


def search_redirect(request: HttpRequest, *, term: str = "q") -> HttpResponseRedirect:
    """Answer a posted filter form: to the same page with the filters in the query and the
    term (field `term`) only as its session key."""
    data = request.POST
    params = [
        (name, value)
        for name in data
        if name not in (*NOT_IN_URL, term)
        for value in data.getlist(name)
        if value
    ]
    text = (data.get(term) or "").strip()
    if text:
        params.append((KEY_PARAM, stash(request, text)))
    return HttpResponseRedirect(f"{request.path}?{urlencode(params)}" if params else request.path)


def search_params(request: HttpRequest, *, term: str = "q") -> tuple[QueryDict, str | None]:
    """The list's query with the term back from the session, and a warning to show: the
    search expired, or an ID or phone number in the URL was not searched."""
    params = request.GET.copy()
    key = params.pop(KEY_PARAM, [""])[-1]
    if key:
        kept = (request.session.get(SESSION_KEY) or {}).get(key)
        if kept is None:
            params.pop(term, None)
            return params, EXPIRED_MESSAGE
        params[term] = kept
        return params, None
    if is_personal_number(params.get(term)):
        params.pop(term)
        return params, URL_TERM_MESSAGE
    return params, None
