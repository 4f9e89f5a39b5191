"""Where a dedicated search engine would take over from PostgreSQL: the site's search beside
tantivy (a Lucene-like library: BM25 over the whole index, in process, no server to run) on the
same stories, at the sizes ``bench/site.py`` builds.

For each size (the ``bench_site_<n>`` databases of ``bench/site.py``: run it first) and each
query, in one process, the median wall time of:

- **postgres, as served**: what the search page asks of the database (``site/search.py``): the
  total (exact or estimated), the first page's ids from the ranked window of the newest
  ``RANK_WINDOW`` matches, and their snippets (``ts_headline``);
- **postgres, whole archive**: the same ranking over *every* match (``ts_rank`` on each one's
  vector, top 20): what relevance across the whole archive costs PostgreSQL, the thing the
  window gives up;
- **tantivy**: BM25 top 20 over every match, with the count, and a snippet for each of the 20
  (title boosted over lead over body, English stemming), on an index of the same stories'
  title, lead and body text (the snippet source the site uses). The time to build that index
  and its size are printed too.

The queries: a word in most stories, two words (both), a phrase and a word in one story's title,
from the bench archive's own vocabulary (``archive_sample``).

    .venv/bin/python bench/search_engine.py                    # 2,000 and 50,000 stories
    .venv/bin/python bench/search_engine.py --articles 2000

Environment: BENCH_DATABASE_URL (else the embedded PostgreSQL's ``bench_site_<n>``),
BENCH_REPEAT=30 timings per figure.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REPEAT = int(os.environ.get("BENCH_REPEAT", "30"))
# The bench archive draws its text from a few dozen words (archive_sample.WORDS), so every word
# is in most stories; a story's number, in its title only, is the rare word.
QUERIES = {
    "common word": "journalist",
    "two words": "minister court",
    "phrase": '"said journalist"',
    "rare word": "1234",
}


def _median_ms(run: Callable[[], Any]) -> float:
    run()
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _django(url: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.update(
        {
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "bench.site_settings",
            "DEBUG": "0",
            "SECRET_KEY": "bench-only-" + os.urandom(16).hex(),
            "LOG_LEVEL": "WARNING",
        }
    )
    import django

    django.setup()


def _postgres(query: str) -> tuple[Callable[[], Any], Callable[[], Any], int]:
    """The served search and the whole-archive ranking of ``query``, and its match count."""
    from django.contrib.postgres.search import SearchRank
    from django.db.models import F

    from newsroom.models import Article
    from newsroom.site import search
    from newsroom.site.selectors import live_articles

    def served() -> Any:
        results = search.articles_search(query=query, language="en", base=live_articles(lang="en"))
        results.total()
        return results.page_values(slice(0, 20), "stamp", snippet=True)

    def whole() -> Any:
        results = search.articles_search(query=query, language="en", base=live_articles(lang="en"))
        rank = SearchRank(F("search_en"), results.query)
        return list(results.matches.annotate(rank=rank).order_by("-rank", "-pk").values_list("pk", "rank")[:20])

    matches = search.articles_search(query=query, language="en", base=live_articles(lang="en")).matches
    return served, whole, matches.count() if Article.objects.exists() else 0


def _tantivy_index(folder: str) -> tuple[Any, Any, float, int, int]:
    """An index of every live English story's title, lead and snippet source: (index, schema,
    seconds to build, stories, bytes on disk)."""
    import tantivy
    from django.db import connection

    from newsroom.site.search import SNIPPET_SOURCE_CHARS

    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", stored=True, indexed=True)
    for name in ("title", "lead", "body"):
        builder.add_text_field(name, stored=True, tokenizer_name="en_stem")
    schema = builder.build()
    index = tantivy.Index(schema, path=folder)
    started = time.perf_counter()
    writer = index.writer(heap_size=256_000_000, num_threads=1)
    stories = 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, title_en, coalesce(lead_en, ''), left(coalesce(newsroom_body_text(body_en), ''), %s)"
            " FROM newsroom_article WHERE published_at_en IS NOT NULL AND slug_en > ''",
            [SNIPPET_SOURCE_CHARS],
        )
        for pk, title, lead, body in cursor:
            writer.add_document(tantivy.Document(id=pk, title=title, lead=lead, body=body))
            stories += 1
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    built = time.perf_counter() - started
    size = sum(f.stat().st_size for f in Path(folder).iterdir() if f.is_file())
    return index, schema, built, stories, size


def _tantivy(index: Any, schema: Any, query: str) -> tuple[Callable[[], Any], int]:
    import tantivy

    parsed = index.parse_query(
        query, ["title", "lead", "body"], field_boosts={"title": 4.0, "lead": 2.0}, conjunction_by_default=True
    )

    def run() -> Any:
        searcher = index.searcher()
        result = searcher.search(parsed, 20, count=True)
        snippets = tantivy.SnippetGenerator.create(searcher, parsed, schema, "body")
        return result.count, [snippets.snippet_from_doc(searcher.doc(address)).to_html() for _s, address in result.hits]

    return run, index.searcher().search(parsed, 1, count=True).count


def bench(articles: int) -> None:
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        sys.path.insert(0, str(ROOT))
        from newsroom.core import embedded_db

        embedded_db.ensure_running()
        url = embedded_db.database_url(f"bench_site_{articles}")
    _django(url)
    from django.db import connection

    with tempfile.TemporaryDirectory() as folder:
        index, schema, built, stories, size = _tantivy_index(folder)
        print(
            f"\n=== {stories:,} live stories (bench_site_{articles}); tantivy index built in {built:.1f} s"
            f" ({stories / built:,.0f} stories/s), {size / 1e6:.1f} MB; median of {REPEAT}, ms wall,"
            f" load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
        )
        print(f"{'query':<13} {'matches':>8} {'postgres served':>16} {'postgres whole':>15} {'tantivy':>9}")
        for label, query in QUERIES.items():
            served, whole, matches = _postgres(query)
            engine, found = _tantivy(index, schema, query)
            print(
                f"{label:<13} {matches:>8,} {_median_ms(served):>16.1f} {_median_ms(whole):>15.1f}"
                f" {_median_ms(engine):>9.1f}   (tantivy matches {found:,})"
            )
    connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, action="append", help="archive size (repeatable)")
    sizes = parser.parse_args().articles or [2000, 50000]
    for n in sizes:
        # One size per process: Django is set up once per database.
        if len(sizes) > 1:
            import subprocess

            subprocess.run([sys.executable, __file__, "--articles", str(n)], check=True)  # noqa: S603
        else:
            bench(n)


if __name__ == "__main__":
    main()
