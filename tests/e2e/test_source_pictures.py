"""A reader opens a published story with a picture in a real browser: the picture loads, and
every request the page makes goes to our own origin (none to the source outlet)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.newsroom.test_images import image_blocks, import_story, jpeg_with_gps, publish, serve

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_story_picture_loads_from_our_origin_only(live_server, page_for, editor, reviewer, settings, fixture_server):
    settings.DESK_IMPORT_ALLOW_LOOPBACK = True
    result = import_story(fixture_server, [serve("image/jpeg", jpeg_with_gps())], by=editor)
    [block] = image_blocks(result.article)
    article = publish(result.article, {block["id"]: {"text": "The square", "alt": "A crowd"}}, editor, reviewer)
    origin = urlsplit(live_server.url).netloc
    requested: list[str] = []

    reader = page_for(None)
    reader.on("request", lambda request: requested.append(request.url))
    reader.set_viewport_size({"width": 390, "height": 800})
    reader.goto(article.get_absolute_url())
    picture = reader.get_by_role("img", name="A crowd")
    picture.scroll_into_view_if_needed()
    reader.wait_for_function(
        "() => { const i = document.querySelector('figure.picture img'); return i.complete && i.naturalWidth > 0; }"
    )

    natural = picture.evaluate("img => [img.naturalWidth, img.currentSrc]")
    assert natural[0] > 0
    assert urlsplit(natural[1]).netloc == origin and "/media/images/" in natural[1]
    assert requested and {urlsplit(url).netloc for url in requested if url.startswith("http")} == {origin}
    assert reader.locator("figure.picture figcaption").inner_text().startswith("The square")
