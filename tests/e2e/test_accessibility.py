"""axe-core (from npm, node_modules/axe-core) on every desk page type, as each demo role, and on
the public pages, at desktop and phone widths: no violation of impact "serious" or "critical".

Table-driven: to cover a new page, add a row to DESK_PAGES or PUBLIC_PAGES: a name, a function
from the demo's objects to the address (``None`` when there is nothing to show), and the roles
that may open it (the others are refused by the server, which the 403 row covers).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from reversion.models import Version

from newsroom.models import Article
from translations.models import State, Translation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 740}}
BLOCKING = {"serious", "critical"}
ALL = ("editor", "reviewer", "translator")
REVIEWERS = ("editor", "reviewer")
EDITORS = ("editor",)


def _job(state: str, **filters: Any) -> Translation | None:
    return Translation.objects.filter(state=state, language="en", **filters).order_by("pk").first()


def _url(obj: Any, suffix: str = "") -> str | None:
    return None if obj is None else f"{obj.get_absolute_url().rstrip('/')}/{suffix}".replace("//", "/")


def _editor_page(user: Any) -> str | None:
    # A translator opens their own job; reviewers and editors any job in progress.
    own = _job(State.IN_PROGRESS, translator=user) if user.username == "translator" else None
    return _url(own or _job(State.IN_PROGRESS) or _job(State.IN_REVIEW))


def _live() -> Article:
    return Article.objects.filter(Article.live_q("en")).select_related("outlet").order_by("pk")[0]


def _restore_url() -> str | None:
    t = _job(State.PUBLISHED)
    version = Version.objects.get_for_object(t).last() if t is not None else None
    return None if version is None else f"/desk/t/{t.pk}/history/{version.pk}/restore/"


@dataclass(frozen=True)
class Page:
    name: str
    url: Callable[[Any], str | None]  # the demo user -> the address
    roles: tuple[str, ...] = ALL


DESK_PAGES = [
    Page("board", lambda u: "/desk/"),
    Page("my work", lambda u: "/desk/mine/"),
    Page("open jobs", lambda u: "/desk/jobs/?every_language=on"),
    Page("editor", _editor_page),
    Page("review", lambda u: _url(_job(State.IN_REVIEW), "review/"), REVIEWERS),
    Page("preview", lambda u: _url(_job(State.APPROVED) or _job(State.IN_REVIEW), "preview/"), REVIEWERS),
    Page("history", lambda u: _url(_job(State.PUBLISHED), "history/"), REVIEWERS),
    Page("restore (asks first)", lambda u: _restore_url(), EDITORS),
    Page("article", lambda u: f"/desk/a/{Article.objects.order_by('pk').first().pk}/", REVIEWERS),
    Page("import", lambda u: "/desk/import/", EDITORS),
    Page("inbox", lambda u: "/desk/inbox/", EDITORS),
    Page("feeds", lambda u: "/desk/feeds/", EDITORS),
    Page("glossary", lambda u: "/desk/glossary/"),
    Page("invite", lambda u: "/desk/invite/", EDITORS),
    Page("roles", lambda u: "/desk/roles/", EDITORS),
    Page("profile", lambda u: "/desk/profile/"),
    Page("notifications", lambda u: "/desk/notifications/"),
    Page("sign-in security", lambda u: "/desk/account/security/"),
    Page("add an authenticator app", lambda u: "/desk/account/security/app/"),
    Page("sessions", lambda u: "/desk/account/sessions/"),
    Page("reset factors", lambda u: "/desk/people/reset-factors/", EDITORS),
    Page("stats", lambda u: "/desk/stats/", EDITORS),
    Page("audit", lambda u: "/desk/audit/", EDITORS),
    Page("403", lambda u: "/desk/inbox/", ("translator", "reviewer")),
    Page("404", lambda u: "/desk/no-such-page/"),
]

PUBLIC_PAGES = [
    Page("login", lambda u: "/accounts/login/"),
    Page("home", lambda u: "/"),
    Page("article", lambda u: _live().get_absolute_url()),
    Page("list (archive)", lambda u: "/archive/"),
    Page("list (outlet)", lambda u: f"/outlets/{_live().outlet.slug}/"),
    Page("search", lambda u: "/search/?q=MFA"),
    Page("translator", lambda u: "/translators/veranika-papkouskaya/"),
    Page("404", lambda u: "/no-such-page/"),
]

RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + '  ' + n.failureSummary.replace(/\\s+/g, ' '))}));
}"""


def _context(browser: Any, live_server: Any, viewport: dict[str, int], user: Any = None) -> Any:
    # The desk's strict CSP would refuse the injected axe script: bypassed for this test only.
    context = browser.new_context(base_url=live_server.url, viewport=viewport, bypass_csp=True)
    if user is not None:
        client = Client()
        client.force_login(user)
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    return context


def _violations(page: Any, url: str) -> list[dict[str, Any]]:
    page.goto(url)
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(RUN_AXE)
    # Lesser findings do not fail the test; they are printed (pytest -s) for whoever looks next.
    for v in found:
        if v["impact"] not in BLOCKING:
            print(f"axe {v['impact']}: {v['id']} on {url}")
    return [v for v in found if v["impact"] in BLOCKING]


def _report(failures: list[str]) -> str:
    return "axe found serious or critical violations:\n" + "\n".join(failures)


def _check(context: Any, label: str, pages: list[Page], user: Any, role: str | None, failures: list[str]) -> int:
    page = context.new_page()
    page.set_default_timeout(15_000)
    checked = 0
    for spec in pages:
        if role is not None and role not in spec.roles:
            continue
        url = spec.url(user)
        assert url, f"the demo has nothing for the {spec.name} page"
        for v in _violations(page, url):
            failures.append(f"[{label} {spec.name} {url}] {v['id']} ({v['impact']}): {v['help']}")
            failures.extend(f"    {node}" for node in v["nodes"])
        checked += 1
    page.close()
    return checked


@pytest.fixture
def demo(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-123")
    call_command("load_demo", force=True, quiet_accounts=True)


@pytest.mark.parametrize("width", list(WIDTHS))
def test_desk_and_site_pages_have_no_serious_or_critical_axe_violations(demo, live_server, browser, width):
    assert AXE.exists(), "axe-core is missing: run `make install` (npm ci)"
    users = get_user_model().objects.in_bulk(ALL, field_name="username")
    failures: list[str] = []
    checked = 0
    for role in ALL:
        context = _context(browser, live_server, WIDTHS[width], users[role])
        checked += _check(context, f"{width} {role}", DESK_PAGES, users[role], role, failures)
        context.close()
    context = _context(browser, live_server, WIDTHS[width])
    checked += _check(context, f"{width} reader", PUBLIC_PAGES, None, None, failures)
    context.close()
    assert checked >= 40
    assert not failures, _report(failures)
