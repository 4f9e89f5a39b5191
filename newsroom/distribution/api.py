"""The read API's ninjs answer (``/api/v1/stories/{id}/ninjs``), added to the site's API.

Registered on ``newsroom.site.api.api`` when the app is ready (before the URLs are built), so
the site never imports distribution; the API's HTTP behaviour (cache, ETag, CORS, rate limit,
JSON errors) is the same as for every other answer.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Path, Status
from ninja.errors import HttpError

from newsroom.distribution.ninjs import story_ninjs
from newsroom.models import Article
from newsroom.site import edge
from newsroom.site.api import ERRORS, MAX_ID, Language, LanguageParam, api
from translations.public import article_credits


@api.get(
    "/stories/{story_id}/ninjs",
    response={200: dict[str, Any], **ERRORS},
    url_name="story_ninjs",
    summary="One published story as IPTC ninjs 2.1",
)
def story_ninjs_view(
    request: HttpRequest,
    story_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    language: LanguageParam = Language(settings.LANGUAGE_CODE),  # noqa: B008
) -> Status[dict[str, Any]]:
    """The story in the news industry's JSON format, with the translation's provenance: the
    source story and the revision followed, translators and reviewers as credited, machine
    assistance, corrections."""
    lang = language.value
    article = Article.objects.filter(Article.live_q(lang), pk=story_id).select_related("outlet").first()
    if article is None:
        raise HttpError(404, "No story with this id is published in this language.")
    credited = [c.user_id for c in article_credits(article=article, lang=lang) if c.user_id]
    edge.keys_add(edge.story(article.pk), *(edge.person(user_id) for user_id in credited))  # the edge's purges
    return Status(200, story_ninjs(article=article, language=lang))


def register() -> None:
    """Called by the app's ``ready()``: importing this module added the endpoint (nothing else to do)."""
