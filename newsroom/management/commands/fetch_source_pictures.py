"""``manage.py fetch_source_pictures``: store the pictures of stories imported before the desk
stored pictures, and show them on the stories already published.

Each source revision's image blocks without a stored picture are fetched once, like an
import does (``sources/images.py``: safe fetcher, checks, re-encoding); then each published
story's live image blocks are pointed at the stored copies and its body rendered again
(``publishing.article_pictures_relink``). A picture that cannot be fetched is noted on its
block and the story stays without it. Running it again fetches nothing already tried.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from newsroom import publishing
from newsroom.models import Article, SourceRevision
from newsroom.sources import images


class Command(BaseCommand):
    help = "Fetch and store the pictures of stories imported before pictures were stored."

    def handle(self, *args: Any, **options: Any) -> None:
        revisions = SourceRevision.objects.filter(blocks__contains=[{"kind": "image"}]).defer("raw_compressed")
        fetched = failed = 0
        article_ids: set[int] = set()
        for revision in revisions.iterator():
            before = sum(1 for b in revision.blocks if (b.get("attrs") or {}).get("image"))
            problems = images.revision_images_fetch(revision=revision)
            after = sum(1 for b in revision.blocks if (b.get("attrs") or {}).get("image"))
            fetched += after - before
            failed += len(problems)
            for problem in problems:
                self.stderr.write(f"article {revision.article_id} r{revision.number}: {problem}")
            article_ids.add(revision.article_id)
        relinked = 0
        for article in Article.objects.filter(pk__in=article_ids).order_by("pk"):
            relinked += bool(publishing.article_pictures_relink(article=article))
        self.stdout.write(
            f"{fetched} picture(s) stored, {failed} could not be fetched; {relinked} published story(ies) updated."
        )
