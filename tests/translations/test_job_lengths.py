"""Job lengths are counted once, when the source is stored, and filtered in SQL."""

from django.urls import reverse

from newsroom.sources import importing
from translations import workflow


def test_job_board_filters_by_stored_word_count(client, editor, volunteer):
    short = importing.manual_import(
        by=editor, title="Короткая", url="https://a.example/short", language="ru", text_or_html="Один два три."
    ).article
    long = importing.manual_import(
        by=editor,
        title="Длинная",
        url="https://a.example/long",
        language="ru",
        text_or_html="Раз два три четыре пять.\n\nШесть семь восемь девять десять.",
    ).article
    assert (short.current_revision.word_count, long.current_revision.word_count) == (3, 10)
    for article in (short, long):
        workflow.translation_create(article=article, by=editor)
    client.force_login(volunteer)
    page = client.get(reverse("desk:jobs"), {"max_words": 5}).content.decode()
    assert "Короткая" in page and "Длинная" not in page
    page = client.get(reverse("desk:jobs")).content.decode()
    assert "Короткая" in page and "Длинная" in page
