"""Source pictures: fetched once at import over real HTTP, re-encoded, stored, served by us.

The fixture server's ``/_t/mutable`` route serves pictures made with Pillow at test time.
"""

from __future__ import annotations

import io
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import ExifTags, Image

from newsroom.models import Article, Outlet, SourceImage
from newsroom.sources import images, importing
from tests import fixture_server as fs
from tests.factories import TranslationFactory, pin
from translations import workflow
from translations.models import State

GPS = ExifTags.IFD.GPSInfo


@pytest.fixture
def loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("django.conf.settings.DESK_IMPORT_ALLOW_LOOPBACK", True)


def jpeg_with_gps(size: tuple[int, int] = (2000, 1000), *, orientation: int = 6) -> bytes:
    """A JPEG carrying a camera make, GPS coordinates and an orientation (6: turn 90° to view)."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SpyCam"
    exif[ExifTags.Base.Orientation] = orientation
    exif[GPS] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (53.0, 54.0, 1.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (27.0, 33.0, 2.0),
    }
    buffer = io.BytesIO()
    Image.new("RGB", size, (180, 40, 40)).save(buffer, "JPEG", exif=exif, quality=85)
    data = buffer.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS), "the fixture must carry GPS"
    return data


def png(size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (20, 90, 160)).save(buffer, "PNG")
    return buffer.getvalue()


def serve(content_type: str, body: bytes) -> str:
    """A fresh ``/_t/mutable`` key serving ``body``; returns the path."""
    key = uuid.uuid4().hex
    fs.MUTABLE_PAGES[key] = (content_type, body)
    return f"/_t/mutable?key={key}"


def story(image_paths: list[str]) -> bytes:
    figures = "".join(
        f'<figure><img src="{path}" alt="Фото площади {i}"><figcaption>Подпись к фото {i}</figcaption></figure>'
        f"<p>Абзац после фотографии номер {i}, в котором рассказывается о событиях на площади и о людях.</p>"
        for i, path in enumerate(image_paths)
    )
    return f"""<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>Люди вышли на площадь</title>
<meta property="og:site_name" content="Окно"></head><body><article><h1>Люди вышли на площадь</h1>
<p>В воскресенье в центре города сотни людей вышли на площадь, чтобы выразить свою позицию мирно.</p>
{figures}
<p>Милиция наблюдала за происходящим, но никого не задерживала, сообщают очевидцы и корреспонденты.</p>
<p>Акция завершилась вечером, когда участники разошлись по домам, договорившись встретиться снова.</p>
</article></body></html>""".encode()


def import_story(origin: str, image_paths: list[str], by: Any = None) -> importing.ImportResult:
    page = serve("text/html; charset=utf-8", story(image_paths))
    return importing.article_import(url=f"{origin}{page}", by=by)


def image_blocks(article: Article) -> list[dict[str, Any]]:
    article.refresh_from_db()
    return [b for b in article.blocks if b["kind"] == "image"]


def test_imported_photo_is_stored_upright_without_metadata_in_three_widths(
    db: Any, loopback: None, fixture_server: str
) -> None:
    result = import_story(fixture_server, [serve("image/jpeg", jpeg_with_gps())])

    assert result.created and result.image_problems == ()
    [block] = image_blocks(result.article)
    stored = SourceImage.objects.get(pk=block["attrs"]["image"])
    assert (stored.width, stored.height) == (1000, 2000)  # orientation 6 applied: portrait
    assert [r["width"] for r in stored.renditions] == [480, 960, 1000]
    for rendition in stored.renditions:
        with default_storage.open(rendition["name"]) as handle:
            data = handle.read()
        picture = Image.open(io.BytesIO(data))
        assert picture.format == "WEBP"
        assert picture.size == (rendition["width"], rendition["height"])
        assert rendition["height"] == rendition["width"] * 2
        assert not picture.getexif() and "exif" not in picture.info and "icc_profile" not in picture.info
        assert b"SpyCam" not in data and b"Exif" not in data


@pytest.mark.parametrize(
    ("content_type", "body", "reason"),
    [
        (None, b"", "the site answered 404"),
        ("image/jpeg", b"\xff\xd8" + b"\0" * 10_500_000, "larger than 10 MB"),
        ("image/jpeg", b"<html><body>not a picture</body></html>", "not a picture"),
        ("text/html", b"<html><body>a page</body></html>", "does not serve a photo"),
        (
            "image/svg+xml",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "does not serve a photo",
        ),
        ("image/png", png((9000, 9000)), "too many pixels"),
    ],
    ids=["404", "too-large", "not-an-image", "html", "svg", "decompression-bomb"],
)
def test_a_picture_that_cannot_be_had_never_fails_the_import(
    content_type: str | None, body: bytes, reason: str, db: Any, loopback: None, fixture_server: str
) -> None:
    path = serve(content_type, body) if content_type else "/_t/mutable?key=missing-picture"

    result = import_story(fixture_server, [path])

    assert result.created
    [block] = image_blocks(result.article)
    assert "image" not in block["attrs"]
    assert reason in block["attrs"]["image_error"]
    assert not SourceImage.objects.exists()
    summary = images.images_problem_summary(list(result.image_problems))
    assert summary.startswith("1 image could not be fetched: ") and reason in summary


def test_a_refused_address_is_a_note_not_a_failure(db: Any, fixture_server: str) -> None:
    """Without the loopback exception the pictures on 127.0.0.1 are refused like any private address."""
    blocks = [{"id": "img-1", "kind": "image", "text": "", "html": "", "attrs": {"src": f"{fixture_server}/x.jpg"}}]

    out, problems = images.blocks_images_fetch(blocks=blocks)

    assert problems == ["the address is not a public web address"]
    assert out[0]["attrs"]["image_error"] == problems[0] and "image_error" not in blocks[0]["attrs"]


def test_a_picture_is_fetched_once_and_reused_by_address_and_by_content(
    db: Any, loopback: None, fixture_server: str
) -> None:
    data = jpeg_with_gps((1200, 800), orientation=1)
    first_path, copy_path = serve("image/jpeg", data), serve("image/jpeg", data)
    first = import_story(fixture_server, [first_path])
    key = first_path.rsplit("=", 1)[1]
    del fs.MUTABLE_PAGES[key]  # the outlet removed the file: the stored copy is used

    second = import_story(fixture_server, [first_path, copy_path])

    assert second.image_problems == ()
    ids = {b["attrs"]["image"] for b in image_blocks(first.article) + image_blocks(second.article)}
    assert len(ids) == 1 and SourceImage.objects.count() == 1


def test_the_desk_says_which_pictures_could_not_be_fetched(
    client: Any, editor: Any, loopback: None, fixture_server: str
) -> None:
    page = serve("text/html; charset=utf-8", story(["/_t/mutable?key=gone-picture"]))
    client.force_login(editor)

    response = client.post(reverse("desk:import"), {"url": f"{fixture_server}{page}"}, follow=True)

    text = response.content.decode()
    assert "1 image could not be fetched: the site answered 404." in text
    assert "The picture could not be fetched: the site answered 404" in text  # on the article page


def publish(article: Article, entries: dict[str, dict[str, Any]], editor: Any, reviewer: Any) -> Article:
    article.refresh_from_db()
    t = TranslationFactory(article=article, state=State.IN_REVIEW, title="People went out to the square", pinned=False)
    t.blocks = {**t.blocks, **entries}
    t.save(update_fields=["blocks"])
    pin(t, "submit", t.translator)
    t = workflow.translation_approve(translation=t, by=reviewer)
    workflow.translation_publish(translation=t, by=editor)
    article.refresh_from_db()
    return article


def _imgs(html: str) -> list[str]:
    return re.findall(r"<img\b[^>]*>", html)


def test_the_english_page_shows_our_copy_with_the_translated_alt_and_a_credit(
    client: Any, editor: Any, reviewer: Any, loopback: None, fixture_server: str
) -> None:
    picture_path = serve("image/jpeg", jpeg_with_gps())
    result = import_story(fixture_server, [picture_path], by=editor)
    [block] = image_blocks(result.article)
    entry = {"text": "Caption: the square at noon", "alt": "A crowd on a sunny square"}
    article = publish(result.article, {block["id"]: entry}, editor, reviewer)

    response = client.get(article.get_absolute_url())

    html = response.content.decode()
    [img] = _imgs(html)
    assert 'alt="A crowd on a sunny square"' in img
    urls = [re.search(r'src="([^"]+)"', img)[1]]  # type: ignore[index]
    urls += [part.split()[0] for part in re.search(r'srcset="([^"]+)"', img)[1].split(",")]  # type: ignore[index]
    assert len(urls) == 4 and all(u.startswith("/media/images/") for u in urls)
    assert "127.0.0.1" not in img and picture_path.rsplit("=", 1)[1] not in html
    assert re.search(r'width="1000" height="2000"', img) and 'loading="lazy"' in img and "sizes=" in img
    assert "Caption: the square at noon" in html and "Photo: Okno" in html
    assert re.search(r'<meta property="og:image" content="http://testserver/media/images/[0-9a-f/]+/1000\.webp">', html)
    assert re.search(r'"image": \["http://testserver/media/images/[0-9a-f/]+/1000\.webp"\]', html)  # JSON-LD
    assert "Фото площади" not in html and "Подпись" not in html
    csp = response.headers["Content-Security-Policy"]
    assert re.search(r"img-src 'self'(;|$)", csp)
    for url in urls[1:]:
        served = client.get(url)
        assert served.status_code == 200 and served["Content-Type"] == "image/webp"
        assert "immutable" in served["Cache-Control"]


def test_an_untranslated_alt_text_never_reaches_the_english_page(
    client: Any, editor: Any, reviewer: Any, loopback: None, fixture_server: str
) -> None:
    result = import_story(fixture_server, [serve("image/png", png((700, 400)))], by=editor)
    [block] = image_blocks(result.article)
    article = publish(result.article, {block["id"]: {"text": ""}}, editor, reviewer)

    html = client.get(article.get_absolute_url()).content.decode()

    [img] = _imgs(html)
    assert 'alt=""' in img and 'width="700" height="400"' in img
    assert "Фото площади" not in html and "Подпись" not in html


def test_a_story_stored_with_an_outlet_address_shows_no_picture_after_the_migration(
    client: Any, editor: Any, reviewer: Any
) -> None:
    """Stories published before pictures were stored: their stored body hotlinked the outlet."""
    from importlib import import_module

    from django.apps import apps

    t = TranslationFactory(state=State.IN_REVIEW)
    t = workflow.translation_approve(translation=t, by=reviewer)
    workflow.translation_publish(translation=t, by=editor)
    legacy = {"src": "https://okno.example/a.jpg", "alt": "Фото", "caption": "Подпись"}
    Article.objects.filter(pk=t.article_id).update(
        body_en=[{"id": "img-x", "kind": "image", "html": "", "text": "", "attrs": legacy}],
        body_html_en='<figure><img src="https://okno.example/a.jpg" alt="Фото"></figure>',
    )
    migration = import_module("newsroom.migrations.0012_stored_bodies_without_hotlinked_images")

    migration.forget_hotlinked_bodies(apps, None)

    article = Article.objects.get(pk=t.article_id)
    assert article.body_html_en == ""
    html = client.get(article.get_absolute_url()).content.decode()
    assert "okno.example" not in html and "Фото" not in html


def test_media_route_serves_only_stored_picture_names(client: Any, db: Any) -> None:
    sha = "ab" + "0" * 62
    name = default_storage.save(f"images/ab/{sha}/480.webp", io.BytesIO(b"RIFF....WEBP"))
    default_storage.save("private/secret.txt", io.BytesIO(b"secret"))

    assert client.get(f"/media/{name}").status_code == 200
    assert client.get("/media/private/secret.txt").status_code == 404
    assert client.get(f"/media/images/ab/{sha}/").status_code == 404
    assert client.get("/media/images/ab/../../private/secret.txt").status_code == 404


def test_the_translator_sees_the_stored_picture_and_translates_its_alt_text(
    client: Any, volunteer: Any, loopback: None, fixture_server: str
) -> None:
    from django.http import QueryDict

    from translations.desk.workspace_forms import editor_payload

    result = import_story(fixture_server, [serve("image/png", png((600, 300)))])
    [block] = image_blocks(result.article)
    t = TranslationFactory(article=result.article, state=State.IN_PROGRESS, translator=volunteer, filled=False)
    client.force_login(volunteer)

    html = client.get(t.get_absolute_url()).content.decode()
    assert f'<label for="b-{block["id"]}-alt">Alt text of image' in html
    assert re.search(r'<img class="thumb" src="/media/images/[^"]+/480\.webp"', html)
    assert "127.0.0.1" not in re.findall(r"<img\b[^>]*>", html)[0]

    response = client.post(
        reverse("desk:autosave", args=[t.pk]),
        data={"based_on": t.edit_version, "blocks": {block["id"]: {"text": "The square", "alt": "A crowd"}}},
        content_type="application/json",
    )
    assert response.status_code == 200
    t.refresh_from_db()
    assert t.blocks[block["id"]]["alt"] == "A crowd"
    posted = QueryDict(mutable=True)
    posted.update({f"b-{block['id']}-text": "The square", f"b-{block['id']}-alt": "People on a square"})
    payload = editor_payload(posted, source_blocks=t.source_revision.blocks, notes=[])
    assert payload["blocks"][block["id"]]["alt"] == "People on a square"


def test_the_reviewer_sees_the_alt_text_that_will_go_live(
    client: Any, reviewer: Any, loopback: None, fixture_server: str
) -> None:
    result = import_story(fixture_server, [serve("image/png", png((600, 300)))])
    [block] = image_blocks(result.article)
    t = TranslationFactory(article=result.article, state=State.IN_REVIEW, pinned=False)
    t.blocks = {**t.blocks, block["id"]: {"text": "The square", "alt": "A crowd on the square"}}
    t.save(update_fields=["blocks"])
    pin(t, "submit", t.translator)
    client.force_login(reviewer)

    html = client.get(reverse("desk:review", args=[t.pk])).content.decode()

    assert "<em>Alt text:</em> A crowd on the square" in html
    assert '<em lang="en">Alt text:</em> Фото площади 0' in html  # the source's, beside our copy


def test_fetch_source_pictures_brings_pictures_to_stories_published_before(
    client: Any, editor: Any, reviewer: Any, loopback: None, fixture_server: str
) -> None:
    from django.core.management import call_command

    picture_path = serve("image/jpeg", jpeg_with_gps((1200, 600), orientation=1))
    result = import_story(fixture_server, [picture_path, "/_t/mutable?key=never-there"], by=editor)
    revision = result.article.current_revision
    assert revision is not None
    legacy_blocks = []
    for b in revision.blocks:  # as imported before pictures were stored
        b = dict(b, attrs={k: v for k, v in (b.get("attrs") or {}).items() if k not in {"image", "image_error"}})
        legacy_blocks.append(b)
    type(revision).objects.filter(pk=revision.pk).update(blocks=legacy_blocks)
    SourceImage.objects.all().delete()
    article = publish(result.article, {}, editor, reviewer)
    first = next(b for b in legacy_blocks if b["kind"] == "image")
    legacy = [
        dict(b, attrs={**b["attrs"], "caption": "Подпись к фото 0"}) if b["id"] == first["id"] else b
        for b in article.body_en
    ]
    Article.objects.filter(pk=article.pk).update(body_en=legacy, body_html_en="")
    assert "<img" not in client.get(article.get_absolute_url()).content.decode()

    call_command("fetch_source_pictures", stdout=io.StringIO(), stderr=io.StringIO())

    article.refresh_from_db()
    [img] = _imgs(article.body_html_en)
    assert 'alt=""' in img and "/media/images/" in img and "127.0.0.1" not in img
    assert "Подпись" not in article.body_html_en and "Photo: Okno" in article.body_html_en
    revision.refresh_from_db()
    attrs = [b["attrs"] for b in revision.blocks if b["kind"] == "image"]
    assert isinstance(attrs[0]["image"], int) and "404" in attrs[1]["image_error"]
    out = io.StringIO()  # a second run fetches nothing: both blocks were tried
    call_command("fetch_source_pictures", stdout=out, stderr=io.StringIO())
    assert out.getvalue().startswith("0 picture(s) stored, 0 could not be fetched")


def test_a_pasted_paragraph_holding_a_picture_keeps_its_words_then_the_picture(
    client: Any, editor: Any, loopback: None, fixture_server: str
) -> None:
    outlet = Outlet.objects.create(name="TUT.BY", slug="tut-by", credit_name="TUT.BY")
    picture = f"{fixture_server}{serve('image/png', png((800, 500)))}"
    client.force_login(editor)

    response = client.post(
        reverse("desk:import_manual"),
        {
            "title": "Пикет у МИД",
            "url": "https://news.example/society/1.html",
            "language": "ru",
            "outlet": outlet.pk,
            "text": f'<p>Para one <img src="{picture}" alt="Пикет"></p><p>Para two.</p>',
        },
        follow=True,
    )

    article = Article.objects.get()
    assert [(b["kind"], b["text"]) for b in article.blocks] == [
        ("paragraph", "Para one"),
        ("image", "Пикет"),
        ("paragraph", "Para two."),
    ]
    page = response.content.decode()
    assert "Para one" in page and '"&gt;' not in page and "&quot;&gt;" not in page


def test_media_route_refuses_a_symbolic_link_pointing_outside_the_media_folder(
    client: Any, db: Any, settings: Any, tmp_path: Any
) -> None:
    """A link planted in the media folder (here at a stand-in for ``.data/secret_key``) is a 404,
    whether the link is the file or one of its folders; the real picture beside it is served."""
    secret = tmp_path / "secret_key"
    secret.write_bytes(b"not for readers")
    sha, other = "cd" + "1" * 62, "cd" + "2" * 62
    real = default_storage.save(f"images/cd/{sha}/480.webp", io.BytesIO(b"RIFF....WEBP"))
    media = Path(settings.MEDIA_ROOT)
    (media / f"images/cd/{sha}/960.webp").symlink_to(secret)
    (tmp_path / "outside" / "480.webp").parent.mkdir()
    (tmp_path / "outside" / "480.webp").symlink_to(secret)
    (media / f"images/cd/{other}").symlink_to(tmp_path / "outside", target_is_directory=True)

    assert client.get(f"/media/{real}").status_code == 200
    for name in (f"images/cd/{sha}/960.webp", f"images/cd/{other}/480.webp"):
        response = client.get(f"/media/{name}")
        assert response.status_code == 404, name
        assert b"not for readers" not in b"".join(getattr(response, "streaming_content", [response.content]))
