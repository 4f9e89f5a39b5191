"""Error pages in the frame of their surface, the favicon, no inline style or script, HTML dates."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from tests.factories import TranslationFactory
from tests.newsroom.test_site_pages import make_staff, publish_story
from translations.models import State

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def test_refused_preview_shows_the_refusal_sentence_in_the_desk_frame(client, translator):
    t = TranslationFactory(state=State.IN_PROGRESS, translator=translator)
    client.force_login(translator)
    response = client.get(f"/desk/t/{t.pk}/preview/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "Only reviewers and editors can preview." in html
    assert 'header class="desk"' in html
    assert 'href="/desk/"' in html
    assert "<main" in html


def test_get_on_a_post_only_desk_address_returns_to_its_page_with_a_message(client, translator):
    t = TranslationFactory(state=State.IN_PROGRESS, translator=translator)
    client.force_login(translator)
    response = client.get(f"/desk/t/{t.pk}/submit/")
    assert response.status_code == 302
    assert response["Location"] == f"/desk/t/{t.pk}/"
    page = client.get(response["Location"])
    assert "nothing was changed" in page.content.decode()
    t.refresh_from_db()
    assert t.state == State.IN_PROGRESS


def test_other_methods_on_a_post_only_address_get_a_styled_405(client, translator):
    t = TranslationFactory(state=State.IN_PROGRESS, translator=translator)
    client.force_login(translator)
    response = client.put(f"/desk/t/{t.pk}/submit/")
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    html = response.content.decode()
    assert 'header class="desk"' in html and "nothing was changed" in html


def test_post_to_a_public_page_gets_the_site_styled_405(db):
    response = Client(enforce_csrf_checks=False).post("/")
    assert response.status_code == 405
    html = response.content.decode()
    assert 'header class="site"' in html
    assert "GET" in response["Allow"]


def test_unknown_desk_address_gets_the_desk_404(client, translator):
    client.force_login(translator)
    response = client.get("/desk/no-such-page/")
    assert response.status_code == 404
    assert 'header class="desk"' in response.content.decode()
    assert 'header class="site"' in client.get("/no-such-page/").content.decode()


def test_csrf_failure_page_is_styled_and_has_no_inline_style(db):
    response = Client(enforce_csrf_checks=True).post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "Reload the page" in html
    assert "<style" not in html and "style=" not in html


def test_favicon_is_served_at_the_root(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body[:4] == b"\x00\x00\x01\x00"  # an ICO header


def test_no_template_has_inline_style_or_script():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        # (An e-mail is no page: its CSS is written in <style> and inlined when it is sent.)
        if (re.search(r"\sstyle=", text) or re.search(r"<style", text)) and "emails" not in path.parts:
            offenders.append(f"{path}: style")
        # A JSON-LD data block is not script: CSP does not apply to it and browsers never run it.
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and 'type="application/ld+json"' not in tag:
                offenders.append(f"{path}: {tag}")
    assert offenders == []


@pytest.mark.parametrize("path_kind", ["article", "home"])
def test_time_elements_carry_at_most_millisecond_precision(client, db, path_kind):
    staff = make_staff()
    article = publish_story(staff)
    url = f"/articles/{article.slug_en}/" if path_kind == "article" else "/"
    html = client.get(url).content.decode()
    values = re.findall(r'<time datetime="([^"]+)"', html)
    assert values
    for value in values:
        assert re.fullmatch(r"\d{4}-\d\d-\d\d(T\d\d:\d\d(:\d\d(\.\d{1,3})?)?([+-]\d\d:\d\d|Z))?", value), value
