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
