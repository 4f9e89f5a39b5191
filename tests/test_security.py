"""Security suite: CSRF, XSS, IDOR, open redirects, login throttling.

URLs are discovered from the URL resolver when the tests run, so every endpoint the desk has
then is covered, whoever added it. ``manage.py check --deploy`` is in ``test_deploy_check.py``.
There are no file uploads anywhere in the desk (importing fetches by URL or takes pasted
text), so there is no upload surface to test; a new upload field would need its own test here.
"""

from __future__ import annotations

import html.parser
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from defusedxml import ElementTree
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.http import url_has_allowed_host_and_scheme

from newsroom.models import Outlet
from newsroom.sources import importing
from tests.factories import TranslationFactory, UserFactory
from translations import editing, review, workflow
from translations.models import Comment, Contributor, CreditMode, GlossaryTerm, State, Translation

# --- URL discovery --------------------------------------------------------------------

_CONVERTER = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")


def url_patterns(resolver: URLResolver | None = None, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    """(route, pattern) for every path() pattern, routes joined from their includes."""
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        route = str(p.pattern)
        if isinstance(p, URLResolver):
            yield from url_patterns(p, prefix + route)
        elif not route.startswith("^"):  # regex patterns (admin's catch-all) cannot be filled in
            yield prefix + route, p


def fill(route: str, values: dict[str, Any] | None = None) -> str:
    """A concrete URL for ``route``: named values where given, otherwise samples by converter."""
    values = values or {}

    def sample(m: re.Match[str]) -> str:
        if m.group("name") in values:
            return str(values[m.group("name")])
        return {"int": "1", "path": "1"}.get(m.group("conv") or "str", "x")

    return "/" + _CONVERTER.sub(sample, route)


def desk_routes() -> list[str]:
    return [route for route, _p in url_patterns() if route.startswith("desk/")]


# --- CSRF -----------------------------------------------------------------------------


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    response = HttpResponseForbidden("csrf")
    response["X-Test-Csrf-Rejected"] = reason or "yes"
    return response


def test_every_post_endpoint_rejects_a_post_without_csrf_token(editor, settings):
    settings.CSRF_FAILURE_VIEW = "tests.test_security.csrf_failure"
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    routes = [route for route, _p in url_patterns() if not route.startswith("admin/")]
    routes += ["admin/login/", "admin/logout/", "admin/auth/user/1/change/", "admin/auth/user/add/"]
    assert any(r.startswith("desk/t/") for r in routes) and "accounts/login/" in routes
    accepted = []
    for route in routes:
        url = fill(route, {"action": "approve"})
        response = client.post(url, {"comment": "x", "body": "x", "title": "x"})
        if url.startswith("/api/") and response.status_code == 405 and response["Allow"] == "GET, HEAD, OPTIONS":
            continue  # the read API takes no write at all: refused before CSRF is looked at
        if url.startswith("/newsletter/unsubscribe/"):
            # RFC 8058 one-click: mail providers POST without a token; the secret token in the
            # address is the proof, and the POST can only remove (tests/distribution).
            continue
        if response.status_code != 403 or "X-Test-Csrf-Rejected" not in response:
            accepted.append((url, response.status_code))
    assert accepted == []


def test_post_with_a_csrf_token_gets_through(editor, settings):
    """The control: the same client with the token is not refused by CSRF (so the sweep can fail)."""
    settings.CSRF_FAILURE_VIEW = "tests.test_security.csrf_failure"
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    client.get(reverse("desk:home"))
    token = client.cookies["csrftoken"].value
    response = client.post(reverse("logout"), {"csrfmiddlewaretoken": token})
    assert "X-Test-Csrf-Rejected" not in response and response.status_code == 302


# --- XSS ------------------------------------------------------------------------------

PAYLOAD = '<script>alert(1)</script>"><img src=x onerror=alert(1)><a href="javascript:alert(1)">x</a>'
URL_FIELDS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background"}


class _Checker(html.parser.HTMLParser):
    """Finds what would run in a browser: inline scripts, on* handlers, javascript: URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._script: str | None = None
        self._data: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if (
                name in URL_FIELDS
                and value
                and re.sub(r"\s", "", value).lower().startswith(("javascript:", "vbscript:"))
            ):
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "meta" and (attributes.get("http-equiv") or "").lower() == "refresh":
            if "javascript:" in (attributes.get("content") or "").lower():
                self.problems.append("meta refresh to javascript:")
        if tag == "script":
            kind = (attributes.get("type") or "").lower()
            if "src" not in attributes and kind not in {"application/ld+json", "application/json"}:
                self.problems.append("inline <script>")
            self._script, self._data = kind, []

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._data.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            text = "".join(self._data)
            if self._script in {"application/ld+json", "application/json"} and text.strip():
                try:
                    json.loads(text)  # a payload that broke out of the block leaves broken JSON
                except ValueError:
                    self.problems.append("data <script> that is not valid JSON (broken out of?)")
            self._script = None


def html_problems(text: str) -> list[str]:
    checker = _Checker()
    checker.feed(text)
    checker.close()
    return checker.problems


def xml_problems(text: str) -> list[str]:
    """Feeds: the elements readers render as HTML (an RSS item's description and content:encoded,
    Atom constructs of type="html") are checked as HTML; plain-text elements may hold any text."""
    problems = []
    root = ElementTree.fromstring(text.encode())
    html_elements = [
        child
        for item in root.iter("item")
        for child in item
        if child.tag.rsplit("}", 1)[-1] in {"description", "encoded"}
    ]
    html_elements += [element for element in root.iter() if element.attrib.get("type") == "html"]
    for element in html_elements:
        problems += html_problems(element.text or "")
    for element in root.iter():
        local = element.tag.rsplit("}", 1)[-1]
        if local == "script" or any(name.lower().startswith("on") for name in element.attrib):
            problems.append(f"<{local}> with script or handler")
        for name in {"href", "src", "uri", "url"} & set(element.attrib):
            if re.sub(r"\s", "", element.attrib[name]).lower().startswith("javascript:"):
                problems.append(f"javascript: URL in <{local} {name}>")
    return problems


def page_problems(response: Any) -> list[str]:
    content_type = response.get("Content-Type", "")
    text = response.content.decode("utf-8", errors="replace")
    if "xml" in content_type:
        return xml_problems(text)
    if "json" in content_type or "text/plain" in content_type:
        return []
    return html_problems(text)


def test_checker_flags_unescaped_payloads():
    """The checker must be able to fail: raw payloads are caught, escaped ones are not."""
    assert len(html_problems(f"<main>{PAYLOAD}</main>")) == 3
    escaped = PAYLOAD.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    assert html_problems(f'<main title="{escaped}">{escaped}</main>') == []
    assert html_problems('<script type="application/ld+json">{"name": "</script><script>alert(1)</script>"}</script>')
    assert xml_problems(f"<rss><item><description>{escaped}</description></item></rss>")
    assert not xml_problems(f"<rss><title>{escaped}</title></rss>")  # plain text: shown as text
    double = escaped.replace("&", "&amp;")
    assert not xml_problems(f'<feed xmlns="http://www.w3.org/2005/Atom"><summary type="html">{double}</summary></feed>')


@pytest.fixture
def hostile_desk(editor, reviewer):
    """Every field a translator or editor can fill, filled with the payload, then published."""
    translator = UserFactory(username="xss-translator", roles=["translator"])
    Contributor.objects.filter(user=translator).update(
        credit_mode=CreditMode.PSEUDONYM,
        pseudonym=PAYLOAD,
        bio=PAYLOAD,
        has_public_profile=True,
        public_slug="xss-translator",
    )
    outlet = Outlet.objects.create(name=PAYLOAD, slug="xss-outlet", credit_name=PAYLOAD, credit_terms=PAYLOAD)
    imported = importing.manual_import(
        by=editor,
        title=PAYLOAD,
        url="https://xss.example/story.html",
        text_or_html=f"Первый абзац. {PAYLOAD}\n\nВторой абзац.\n\n{PAYLOAD}",
        language="ru",
        author=PAYLOAD,
        outlet=outlet,
    )
    article = imported.article
    GlossaryTerm.objects.create(source_term="Первый", target_term=PAYLOAD, note=PAYLOAD, created_by=editor)
    t = workflow.translation_create(article=article, by=editor, brief=PAYLOAD)
    t = workflow.translation_assign(translation=t, by=editor, translator=translator, reviewer=reviewer)
    block_ids = [b["id"] for b in t.source_revision.blocks]
    t = editing.translation_save(
        translation=t,
        by=translator,
        based_on=t.edit_version,
        title=PAYLOAD,
        lead=PAYLOAD,
        blocks={bid: {"text": f"{PAYLOAD} javascript:alert(1)", "omitted": False} for bid in block_ids},
        notes=[{"id": "n1", "after": "", "text": PAYLOAD, "keep": True}],
        tags=f"{PAYLOAD}, javascript:alert(1)",
        as_version=True,
        comment=PAYLOAD,
    )
    workflow.translation_submit(translation=t, by=translator, comment=PAYLOAD)
    comment = review.comment_add(translation=t, by=reviewer, block_id=block_ids[0], body=PAYLOAD)
    return {"translation": t, "translator": translator, "comment": comment, "article": article, "outlet": outlet}


def _desk_urls(ids: dict[str, int]) -> list[str]:
    urls = []
    for route in desk_routes():
        if "<" in route and not any(route.startswith(p) for p in ("desk/t/", "desk/a/", "desk/c/")):
            continue  # inbox items, feeds: no payload-bearing object to show
        values = {
            "pk": ids["comment"]
            if route.startswith("desk/c/")
            else ids["article"]
            if route.startswith("desk/a/")
            else ids["translation"],
            "article_pk": ids["article"],
            "version_id": ids["version"],
            "action": "approve",
        }
        urls.append(fill(route, values))
    return urls


def _assert_clean(client: Client, urls: list[str]) -> int:
    seen, problems = 0, {}
    for url in urls:
        response = client.get(url, follow=False)
        if response.status_code != 200:
            continue
        seen += 1
        found = page_problems(response)
        if found:
            problems[url] = found
    assert problems == {}
    return seen


def test_no_payload_runs_on_desk_or_site_pages(client, hostile_desk, editor, reviewer):
    t: Translation = hostile_desk["translation"]
    version = review.versions_of(t).first()
    ids = {"translation": t.pk, "article": hostile_desk["article"].pk, "comment": hostile_desk["comment"].pk,
           "version": version.pk if version else 1}  # fmt: skip
    desk_urls = _desk_urls(ids)

    # Desk pages while the job is in review: as the reviewer, the editor and the translator.
    for user in (reviewer, editor, hostile_desk["translator"]):
        client.force_login(user)
        assert _assert_clean(client, desk_urls) >= 1

    workflow.translation_approve(translation=t, by=reviewer, comment=PAYLOAD)
    workflow.translation_publish(translation=t, by=editor, comment=PAYLOAD)
    t.refresh_from_db()
    client.force_login(editor)
    assert _assert_clean(client, desk_urls + ["/desk/audit/"]) >= 5

    client.logout()
    article = t.article
    article.refresh_from_db()
    page = client.get(article.get_absolute_url())
    assert page.status_code == 200
    text = page.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text  # it is shown, as text
    assert "application/ld+json" in text
    site_urls = [
        "/",
        article.get_absolute_url(),
        "/search/?q=alert",
        "/archive/",
        "/feeds/rss.xml",
        "/feeds/atom.xml",
        "/sitemap.xml",
        "/news-sitemap.xml",
        reverse("site:outlet", kwargs={"slug": "xss-outlet"}),
        reverse("site:outlet_rss", kwargs={"slug": "xss-outlet"}),
        reverse("site:outlet_atom", kwargs={"slug": "xss-outlet"}),
        reverse("site:translator", kwargs={"slug": "xss-translator"}),
    ]
    for tag in article.tags.all():
        site_urls += [tag.get_absolute_url(), tag.get_absolute_url() + "rss.xml", tag.get_absolute_url() + "atom.xml"]
    assert article.tags.exists()
    assert _assert_clean(client, site_urls) >= 6


# --- IDOR -----------------------------------------------------------------------------


def test_translator_cannot_open_or_change_anothers_translation(client):
    owner = UserFactory(username="owner", roles=["translator"])
    intruder = UserFactory(username="intruder", roles=["translator"])
    t = TranslationFactory(state=State.IN_PROGRESS, translator=owner)
    t = editing.translation_save(
        translation=t, by=owner, based_on=t.edit_version, title="SECRET-TITLE-4711",
        blocks={b["id"]: {"text": "SECRET-TEXT-4711"} for b in t.source_revision.blocks}, as_version=True,
    )  # fmt: skip
    version = review.versions_of(t).first()
    before = Translation.objects.filter(pk=t.pk).values("state", "translator", "title", "blocks", "edit_version")[0]
    routes = [r for r in desk_routes() if r.startswith("desk/t/<int:pk>/")]
    assert "desk/t/<int:pk>/" in routes
    client.force_login(intruder)
    leaks = []
    for route in routes:
        actions = ["claim", "release", "submit", "approve", "publish", "spike"] if "<slug:action>" in route else [""]
        for action in actions:
            url = fill(route, {"pk": t.pk, "action": action, "version_id": version.pk if version else 1})
            for method in ("get", "post"):
                response = getattr(client, method)(url, {"comment": "x", "body": "x", "block_id": ""})
                if method == "get" and response.status_code == 302:  # a POST-only action: to its page
                    response = client.get(response["Location"])
                body = response.content.decode(errors="replace")
                if response.status_code not in (403, 404, 405) or "SECRET-" in body:
                    leaks.append((method, url, response.status_code))
    assert leaks == []
    assert (
        Translation.objects.filter(pk=t.pk).values("state", "translator", "title", "blocks", "edit_version")[0]
        == before
    )
    assert not Comment.objects.filter(author=intruder).exists()


# --- Open redirects -------------------------------------------------------------------

EVIL = ["https://evil.example/", "//evil.example/", "https:evil.example", "/\\evil.example/", "\\\\evil.example"]


def _on_site(response: Any) -> bool:
    location = response.get("Location", "")
    return url_has_allowed_host_and_scheme(location, allowed_hosts={"testserver"}) and "evil" not in location


@pytest.mark.parametrize("target", EVIL)
def test_login_next_never_leaves_the_site(client, editor, target):
    response = client.post(
        f"/accounts/login/?next={target}",
        {"username": editor.username, "password": "correct horse battery staple", "next": target},
    )
    assert response.status_code == 302 and "_auth_user_id" in client.session
    assert _on_site(response), response["Location"]
    # Already logged in, the login page must not bounce off-site either.
    again = client.get(f"/accounts/login/?next={target}")
    assert again.status_code != 302 or _on_site(again)


@pytest.mark.parametrize("target", EVIL)
def test_logout_next_never_leaves_the_site(client, editor, target):
    client.force_login(editor)
    response = client.post(f"/accounts/logout/?next={target}", {"next": target})
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 302)
    assert response.status_code == 200 or _on_site(response), response.get("Location")


def test_no_desk_post_redirects_off_site(client, editor):
    """Any desk endpoint that redirects after a POST (transitions, comments, imports) stays on site."""
    t = TranslationFactory(state=State.IN_PROGRESS)
    client.force_login(editor)
    off_site = []
    for route in desk_routes():
        url = fill(route, {"pk": t.pk, "article_pk": t.article_id, "action": "spike"})
        for target in EVIL[:2]:
            response = client.post(f"{url}?next={target}", {"next": target, "comment": "x"})
            if 300 <= response.status_code < 400 and not _on_site(response):
                off_site.append((url, response["Location"]))
    assert off_site == []


# --- Login throttling -----------------------------------------------------------------


def test_five_failed_logins_lock_the_account_out(client, editor, settings):
    assert settings.AXES_ENABLED is not False and settings.AXES_FAILURE_LIMIT == 5
    for _ in range(5):
        client.post("/accounts/login/", {"username": editor.username, "password": "wrong password"})
        assert "_auth_user_id" not in client.session
    locked = client.post("/accounts/login/", {"username": editor.username, "password": "correct horse battery staple"})
    assert locked.status_code in (403, 429)
    assert "_auth_user_id" not in client.session
    from axes.models import AccessAttempt

    assert AccessAttempt.objects.filter(username=editor.username, failures_since_start__gte=5).exists()


def test_four_failed_logins_do_not_lock_out(client, editor):
    for _ in range(4):
        client.post("/accounts/login/", {"username": editor.username, "password": "wrong password"})
    response = client.post(
        "/accounts/login/", {"username": editor.username, "password": "correct horse battery staple"}
    )
    assert response.status_code == 302 and "_auth_user_id" in client.session
