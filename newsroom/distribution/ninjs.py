"""A live story as an IPTC ninjs 2.1 document (the read API's ``/ninjs`` and the webhooks' payload).

Provenance is carried in ninjs's own fields: the source story is an ``infosource`` (role
``originating``, its address as ``uri``) and two ``altids`` (``source-uri``, ``source-version``:
the source revision the translation follows); the translators and reviewers are ``people``
(``rel`` ``translator``/``reviewer``) under the names they chose to be credited with (the
snapshots ``translations.public`` gives the site: a pseudonym or "Anonymous translator", never an
account name); machine assistance is said in ``ednote``; each dated correction is a
``description`` with role ``correction``; the reader page is a ``rendition`` (``text/html``).
Every address is sent as a URI (``iri_to_uri``: an outlet's Cyrillic path is percent-encoded), as
IPTC's published schema requires (tests/distribution/test_ninjs.py validates against it).
Pure reads: nothing is written.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import iri_to_uri
from modeltranslation.utils import build_localized_fieldname

from newsroom import machine_assist
from newsroom.models import Article, Correction, SourceRevision
from newsroom.site import selectors
from translations.public import Role, article_credits, live_source_revision_ids, public_credits

NINJS_VERSION = "2.1"
NINJS_SCHEMA = "http://www.iptc.org/std/ninjs/ninjs-schema_2.1.json"
MACHINE_NOTE = "Parts of this translation began as a machine draft, which a translator then edited."


def story_uri(*, article: Article, language: str) -> str:
    """The story's stable identifier in ``language`` (its read-API address; slugs may change)."""
    return f"{settings.SITE_URL}{reverse('api:story', kwargs={'story_id': article.pk})}?language={language}"


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def story_ninjs(*, article: Article, language: str, pubstatus: str = "usable") -> dict[str, Any]:
    """``article`` in ``language`` as a ninjs document (its live fields; ``pubstatus`` ``canceled``
    for a story just taken off the site)."""

    def live(name: str) -> Any:
        return getattr(article, build_localized_fieldname(name, language))

    corrections = list(Correction.objects.filter(article=article, language=language).order_by("published_at", "pk"))
    revision = SourceRevision.objects.filter(pk__in=live_source_revision_ids(article=article, lang=language)).first()
    credits = public_credits(article, article_credits(article=article, lang=language))
    body = live("body") or []
    source_uri = iri_to_uri(article.source_url)  # an outlet's address may be an IRI (Cyrillic path)
    doc: dict[str, Any] = {
        "uri": story_uri(article=article, language=language),
        "standard": {"name": "ninjs", "version": NINJS_VERSION, "schema": NINJS_SCHEMA},
        "type": "text",
        "representationtype": "full",
        "profile": "translation",
        "version": str(1 + len(corrections)),
        "language": language,
        "pubstatus": pubstatus,
        "firstcreated": _iso(live("published_at")),
        "versioncreated": _iso(corrections[-1].published_at if corrections else live("published_at")),
        "headlines": [{"role": "main", "value": live("title") or article.source_title}],
        "altids": [{"role": "source-uri", "value": source_uri}],
        "infosources": [
            {"name": selectors.source_name(article=article, lang=language), "role": "originating", "uri": source_uri},
        ],
        "people": [
            {"name": person["name"], "rel": rel}
            for role, rel in ((Role.TRANSLATOR, "translator"), (Role.REVIEWER, "reviewer"))
            for person in credits.get(role, [])
        ],
        "subjects": [],
        "descriptions": [],
        "bodies": [],
    }
    if live("published_at") is None:  # taken off the site
        del doc["firstcreated"]
        doc["versioncreated"] = _iso(article.updated_at)
    if revision is not None:
        doc["altids"].append({"role": "source-version", "value": str(revision.number)})
    byline = live("byline")
    if byline:
        doc["by"] = byline
    if live("slug"):  # the reader page is the story's HTML rendition
        doc["renditions"] = [
            {
                "name": "page",
                "title": "The story on the translation desk's site",
                "href": iri_to_uri(settings.SITE_URL + selectors.article_url(article, language)),
                "contenttype": "text/html",
            }
        ]
    if live("lead"):
        doc["descriptions"].append({"role": "summary", "contenttype": "text/plain", "value": live("lead")})
    for correction in corrections:
        doc["descriptions"].append(
            {
                "role": "correction",
                "contenttype": "text/plain",
                "value": f"{correction.published_at:%Y-%m-%d}: {correction.note}",
            }
        )
    if pubstatus == "usable" and live("body_html"):
        text_words = sum(len(str(b.get("text", "")).split()) for b in body)
        doc["bodies"].append(
            {"role": "main", "contenttype": "text/html", "wordcount": text_words, "value": live("body_html")}
        )
    if machine_assist.is_machine_assisted(live("machine_share")):  # the story page's rule
        doc["ednote"] = MACHINE_NOTE
    with translation.override(language):
        for tag in article.tags.all():
            doc["subjects"].append({"name": tag.name, "uri": iri_to_uri(settings.SITE_URL + tag.get_absolute_url())})
    return {key: value for key, value in doc.items() if value != []}
