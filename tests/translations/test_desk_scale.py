"""The desk's lists cost the same at 50 jobs and at 50,000 (issue 28; ``bench/desk.py`` times them).

The board never counts the whole table (past ``selectors.BOARD_EXACT_COUNT`` it shows the
planner's estimates), pages through its index, and the board and My work run a fixed number of
queries whatever the number of jobs listed; My work shows each list's first ``MINE_SHOWN``.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import TranslationFactory
from translations import selectors
from translations.desk import pages, workspace_views
from translations.models import State, Translation


def jobs(n: int, **kwargs) -> list[Translation]:
    now = timezone.now()
    return [TranslationFactory(due_at=now + dt.timedelta(hours=i % 7), **kwargs) for i in range(n)]


def analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE translations_translation")


def test_past_the_exact_limit_the_board_counts_nothing_and_says_its_numbers_are_estimates(client, editor, monkeypatch):
    jobs(4, state=State.OPEN)
    jobs(3, state=State.IN_REVIEW)
    analyze()
    client.force_login(editor)
    html = client.get("/desk/").content.decode()  # under the limit: exact
    assert "All (7)" in html and "about" not in html
    assert re.search(r'In review \(<span class="count" data-state="in_review">3</span>\)', html)
    monkeypatch.setattr(selectors, "BOARD_EXACT_COUNT", 5)
    with CaptureQueriesContext(connection) as ctx:
        html = client.get("/desk/").content.decode()
    counting = [
        q["sql"]
        for q in ctx.captured_queries
        if "COUNT(" in q["sql"].upper() and "translations_translation" in q["sql"]
    ]
    assert counting == []
    assert re.search(r"All \(about \d+\)", html)
    assert "7 translations" not in html


def test_estimated_counts_are_kept_a_while_per_filter_and_viewer_and_exact_ones_never(
    client, editor, translator, monkeypatch
):
    jobs(4, state=State.OPEN)
    jobs(3, state=State.IN_REVIEW, translator=translator)
    analyze()
    client.force_login(editor)
    client.get("/desk/")  # exact (7 jobs): nothing kept
    jobs(1, state=State.OPEN)
    assert "All (8)" in client.get("/desk/").content.decode()
    monkeypatch.setattr(selectors, "BOARD_EXACT_COUNT", 5)

    def board(who, **query) -> tuple[str, list[str]]:
        client.force_login(who)
        with CaptureQueriesContext(connection) as ctx:
            html = client.get("/desk/", query).content.decode()
        return html, [q["sql"] for q in ctx.captured_queries]

    html, first = board(editor)
    assert re.search(r"All \(about \d+\)", html) and any(sql.startswith("EXPLAIN") for sql in first)
    html, again = board(editor)
    assert re.search(r"All \(about \d+\)", html)
    assert not any(sql.startswith("EXPLAIN") or "LIMIT 6" in sql for sql in again)  # kept: no states read
    # Another filter, or a viewer who sees other jobs, is counted for itself.
    _html, filtered = board(editor, target="en")
    assert any(sql.startswith("EXPLAIN") for sql in filtered)
    for _ in range(6):
        TranslationFactory(state=State.IN_PROGRESS, due_at=timezone.now() - dt.timedelta(hours=1))
    from django.core.cache import cache

    def kept() -> int:
        return sum("desk:board-estimates:" in key for key in cache._cache)  # the test's LocMemCache

    before = kept()
    for _ in range(2):  # "overdue" asks about the current time: never the same filter twice, never kept
        _html, overdue = board(editor, overdue="on")
        assert any(sql.startswith("EXPLAIN") for sql in overdue)
    assert kept() == before
    _html, theirs = board(translator)  # open jobs and her own: not the editor's kept counts
    assert any("LIMIT 6" in sql for sql in theirs) and any(sql.startswith("EXPLAIN") for sql in theirs)


def test_page_n_of_the_board_lists_the_jobs_in_board_order_with_estimated_counts(client, editor, monkeypatch):
    monkeypatch.setattr(pages, "BOARD_PAGE_SIZE", 4)
    monkeypatch.setattr(selectors, "BOARD_EXACT_COUNT", 3)
    made = jobs(10, state=State.IN_PROGRESS)
    analyze()
    expected = [t.pk for t in sorted(made, key=lambda t: (t.due_at, -t.updated_at.timestamp(), t.pk))]
    client.force_login(editor)
    html = client.get("/desk/?page=3").content.decode()
    listed = [int(pk) for pk in re.findall(r'href="/desk/t/(\d+)/"', html)]
    assert list(dict.fromkeys(listed)) == expected[8:]
    assert 'rel="prev"' in html and "Page 3 of about" in html


def test_board_search_finds_jobs_by_source_or_translated_title_only(client, editor):
    by_source, by_title, other = jobs(3, state=State.IN_PROGRESS)
    by_source.article.source_title = "Ёлкапалкі каля МЗС"
    by_source.article.save(update_fields=["source_title"])
    Translation.objects.filter(pk=by_title.pk).update(title="Quixotry at the ministry")
    Translation.objects.filter(pk=other.pk).update(title="Something else")
    client.force_login(editor)
    for q, found in (("ёлкапалкі", by_source), ("QUIXOTRY", by_title)):
        with CaptureQueriesContext(connection) as ctx:
            html = client.get("/desk/", {"q": q}).content.decode()
        listed = set(re.findall(r'href="/desk/t/(\d+)/"', html))
        assert listed == {str(found.pk)}, q
        # Each title through its own trigram index, joined by a UNION (an OR would read every job).
        assert any(" UNION " in query["sql"] for query in ctx.captured_queries)


@pytest.mark.parametrize("page", ["/desk/", "/desk/mine/"])
def test_the_board_and_my_work_run_as_many_queries_for_forty_jobs_as_for_two(client, reviewer, page):
    def queries(n: int) -> int:
        jobs(n, state=State.IN_REVIEW, reviewer=reviewer)
        client.force_login(reviewer)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(page).status_code == 200
        return len(ctx.captured_queries)

    few = queries(2)
    many = queries(38)
    assert many == few


def test_my_work_lists_the_first_jobs_of_a_long_queue_and_links_the_rest_on_the_board(client, reviewer, monkeypatch):
    monkeypatch.setattr(workspace_views, "MINE_SHOWN", 3)
    jobs(5, state=State.IN_REVIEW, reviewer=reviewer)
    client.force_login(reviewer)
    html = client.get("/desk/mine/").content.decode()
    assert "Assigned to me (5)" in html and "Waiting for my review (5)" in html
    assert len(set(re.findall(r'href="/desk/t/(\d+)/review/"', html))) == 3
    more = re.search(r'<a href="(/desk/\?reviewer=\d+&amp;state=in_review)">All 5 on the board</a>', html)
    assert more
    board = client.get(more.group(1).replace("&amp;", "&")).content.decode()
    assert len(set(re.findall(r'href="/desk/t/(\d+)/"', board))) == 5


def test_the_board_searches_once_per_request_and_reads_the_matches_by_id(client, editor):
    found = jobs(3, state=State.IN_PROGRESS)
    Translation.objects.filter(pk__in=[t.pk for t in found]).update(title="Quixotry in Minsk")
    jobs(2, state=State.IN_PROGRESS)
    client.force_login(editor)
    with CaptureQueriesContext(connection) as ctx:
        html = client.get("/desk/", {"q": "quixotry"}).content.decode()
    assert set(re.findall(r'href="/desk/t/(\d+)/"', html)) == {str(t.pk) for t in found}
    # The trigram search runs once; the counts, the page's ids and its rows take its ids.
    assert sum("LIKE" in q["sql"] for q in ctx.captured_queries) == 1


def test_open_jobs_page_n_reads_its_ids_first_and_no_text_of_the_jobs(client, translator, monkeypatch):
    monkeypatch.setattr(pages, "JOBS_PER_PAGE", 3)
    made = jobs(10, state=State.OPEN)
    Translation.objects.filter(pk__in=[t.pk for t in made]).update(blocks={"p-1": {"text": "SECRET DRAFT"}})
    client.force_login(translator)
    order = [t.pk for t in selectors.jobs_open(user=translator, filters={"every_language": True})]
    client.get("/desk/jobs/")  # (the filter's languages, read once a minute)
    counts = []
    for number in (1, 3):
        with CaptureQueriesContext(connection) as ctx:
            html = client.get("/desk/jobs/", {"page": number, "every_language": "on"}).content.decode()
        listed = [int(pk) for pk in re.findall(r'href="/desk/t/(\d+)/"', html)]
        assert listed == order[(number - 1) * 3 : number * 3]
        counts.append(len(ctx.captured_queries))
        rows = [q["sql"] for q in ctx.captured_queries if '"translations_translation"."source_revision_id"' in q["sql"]]
        assert rows and not any('"translations_translation"."blocks"' in sql for sql in rows)
        assert not any('"newsroom_article"."body"' in sql for sql in rows)
    assert counts[0] == counts[1]


def test_open_jobs_offers_the_source_languages_open_jobs_have(client, translator):
    from django.core.cache import cache

    cache.delete(selectors.SOURCE_LANGUAGES_KEY)
    job = jobs(1, state=State.OPEN)[0]
    client.force_login(translator)
    html = client.get("/desk/jobs/").content.decode()
    language = job.article.language
    name = dict(selectors.settings.SOURCE_LANGUAGES)[language]
    assert f'<option value="{language}">{name}</option>' in html
    with CaptureQueriesContext(connection) as ctx:
        client.get("/desk/jobs/")
    assert not any("DISTINCT" in q["sql"] for q in ctx.captured_queries)  # read once a minute


def test_the_board_reads_no_text_of_its_jobs_nor_their_source_pages(client, editor):
    made = jobs(3, state=State.IN_PROGRESS)
    Translation.objects.filter(pk__in=[t.pk for t in made]).update(blocks={"p-1": {"text": "SECRET DRAFT"}})
    client.force_login(editor)
    with CaptureQueriesContext(connection) as ctx:
        html = client.get("/desk/").content.decode()
    assert {str(t.pk) for t in made} <= set(re.findall(r'href="/desk/t/(\d+)/"', html))
    rows = [q["sql"] for q in ctx.captured_queries if '"translations_translation"."authors"' in q["sql"]]
    assert len(rows) == 1
    # The source revision's raw page, headers and blocks are a job page's, not a board row's.
    assert "newsroom_sourcerevision" not in rows[0]
    assert '"translations_translation"."blocks"' not in rows[0] and '"newsroom_article"."body"' not in rows[0]
    # The filter's outlets are read as names, not through a cursor of instances.
    assert not any(q["sql"].startswith("DECLARE") for q in ctx.captured_queries)


def test_the_board_filter_offers_the_outlets_by_name_and_refuses_one_that_is_gone(client, editor):
    from tests.factories import OutletFactory

    zed, able = OutletFactory(name="Zerkalo", slug="zerkalo"), OutletFactory(name="Able Times", slug="able-times")
    job = jobs(1, state=State.IN_PROGRESS, article__outlet=zed)[0]
    client.force_login(editor)
    html = client.get("/desk/").content.decode()
    select = re.search(r'<select id="id_outlet" name="outlet">(.*?)</select>', html, re.S).group(1)
    names = re.findall(r'<option value="\d+">([^<]*)</option>', select)
    assert names == sorted(names) and {"Zerkalo", "Able Times"} <= set(names)
    assert '<label for="id_outlet">Outlet:</label>' in html
    html = client.get("/desk/", {"outlet": zed.pk}).content.decode()
    assert set(re.findall(r'href="/desk/t/(\d+)/"', html)) == {str(job.pk)}
    assert f'<option value="{zed.pk}" selected>Zerkalo</option>' in html
    gone = able.pk
    able.delete()
    html = client.get("/desk/", {"outlet": gone}).content.decode()
    assert "Select a valid choice" in html and 'aria-invalid="true"' in html
