"""``import_archive``: published translations from another CMS arrive published, credited, once."""

from __future__ import annotations

import io
import json

import pytest
import reversion.models
from django.contrib.auth import get_user_model
from django.core.management import call_command

from newsroom import publishing
from newsroom.models import Article, SourceRevision
from newsroom.site.rendering.related import RELATED_COUNT
from translations.models import Credit, Role, State, Translation, WorkflowEvent


def story(n: int = 1, **overrides: object) -> dict:
    record = {
        "source_url": f"https://news.example.by/{n}/",
        "source_title": f"Исходный заголовок {n}",
        "source_language": "ru",
        "outlet": {"name": "Example News", "site_url": "https://news.example.by/"},
        "authors": ["Ivan Petrov"],
        "source_published": "2020-08-14T10:00:00+03:00",
        "title": f"Archive story {n}",
        "lead": "The lead of an archived story.",
        "paragraphs": ["First paragraph with <b>bold</b> and <script>alert(1)</script>.", "Second paragraph."],
        "tags": ["Archive", "Protests"],
        "published": "2020-08-15T12:30:00+03:00",
        "translator": {"name": "Anna Kavalenka", "credit": "pseudonym", "pseudonym": "Minsk Reader"},
        "reviewer": {"name": "Pavel Lis"},
    }
    record.update(overrides)
    return record


def failing_for(title: str):
    """Publishing (both the bulk path and one by one) fails for the story titled ``title``."""
    real = publishing._live_fields_set

    def failing(*, translation, **kwargs):
        if translation.title == title:
            raise RuntimeError("disk full")
        return real(translation=translation, **kwargs)

    return failing


def run(tmp_path, records: list) -> tuple[dict, str]:
    path = tmp_path / "archive.json"
    path.write_text(json.dumps(records))
    out, err = io.StringIO(), io.StringIO()
    call_command("import_archive", str(path), "--json", "--batch-size", "2", stdout=out, stderr=err)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1
    return json.loads(lines[0]), err.getvalue()


def test_archive_story_is_published_with_history_credits_and_an_archive_event(db, tmp_path, client):
    result, progress = run(tmp_path, [story()])
    assert result == {"imported": 1, "skipped": 0, "failed": []}
    assert "1/1 stories" in progress
    article = Article.objects.get(source_url="https://news.example.by/1/")
    assert article.title_en == "Archive story 1"
    assert article.published_at_en.isoformat() == "2020-08-15T09:30:00+00:00"
    assert article.current_revision.is_manual
    assert json.loads(article.current_revision.raw)["title"] == "Archive story 1"
    t = Translation.objects.get(article=article)
    assert t.state == State.PUBLISHED
    event = WorkflowEvent.objects.get(translation=t)
    assert (event.action, event.from_state, event.to_state) == ("archive_import", State.OPEN, State.PUBLISHED)
    assert "archive" in event.comment
    version = reversion.models.Version.objects.get_for_object(t).get()
    assert "archive" in version.revision.comment
    credits = {c.role: c for c in Credit.objects.filter(translation=t)}
    assert credits[Role.TRANSLATOR].credit_name == "Minsk Reader"
    assert credits[Role.REVIEWER].credit_name == "Pavel Lis"
    translator = credits[Role.TRANSLATOR].user
    assert not translator.is_active and not translator.has_usable_password()
    html = client.get(f"/articles/{article.slug_en}/").content.decode()
    assert "Minsk Reader" in html and "Anna Kavalenka" not in html
    assert "<b>bold</b>" in html and "<script>alert" not in html
    assert "Second paragraph." in html


def test_importing_twice_skips_what_is_already_there(db, tmp_path):
    run(tmp_path, [story(1), story(2)])
    result, _progress = run(tmp_path, [story(1), story(2), story(3)])
    assert result == {"imported": 1, "skipped": 2, "failed": []}
    assert Article.objects.count() == 3
    assert get_user_model().objects.filter(username__startswith="archive-").count() == 2  # translator, reviewer


def test_bad_records_are_reported_and_skipped(db, tmp_path):
    records = [story(1), story(2, title=""), story(3, published="2020-08-15T12:30:00"), "junk", story(4)]
    result, _progress = run(tmp_path, records)
    assert result["imported"] == 2
    assert [(f["index"], f["source_url"]) for f in result["failed"]] == [
        (1, "https://news.example.by/2/"),
        (2, "https://news.example.by/3/"),
        (3, None),
    ]
    assert "title" in result["failed"][0]["error"] and "offset" in result["failed"][1]["error"]
    assert set(Article.objects.values_list("source_url", flat=True)) == {
        "https://news.example.by/1/",
        "https://news.example.by/4/",
    }


def test_a_story_failing_while_publishing_is_never_half_stored(db, tmp_path, monkeypatch):
    monkeypatch.setattr(publishing, "_live_fields_set", failing_for("Archive story 2"))
    other_translator = {"name": "Only In Story Two", "credit": "real"}
    result, _progress = run(tmp_path, [story(1), story(2, translator=other_translator), story(3)])
    assert result["imported"] == 2
    assert result["failed"][0]["index"] == 1 and "disk full" in result["failed"][0]["error"]
    assert not Article.objects.filter(source_url="https://news.example.by/2/").exists()
    assert SourceRevision.objects.count() == 2
    assert not get_user_model().objects.filter(first_name="Only").exists()


def test_anonymous_translator_is_credited_without_a_name(db, tmp_path):
    run(tmp_path, [story(translator={"name": "Hidden Person", "credit": "anonymous"})])
    credit = Credit.objects.get(role=Role.TRANSLATOR)
    assert credit.credit_name == "a volunteer translator"


@pytest.mark.parametrize("content", ["not json", '{"a": 1}'])
def test_an_unreadable_archive_exits_with_one_line(db, tmp_path, content):
    path = tmp_path / "bad.json"
    path.write_text(content)
    err = io.StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command("import_archive", str(path), "--json", stderr=err)
    assert exc.value.code == 1
    assert len(err.getvalue().strip().splitlines()) == 1


def test_a_bad_record_in_the_middle_of_a_batch_loses_none_of_the_good_ones(db, tmp_path, monkeypatch, client):
    monkeypatch.setattr(publishing, "_live_fields_set", failing_for("Archive story 3"))
    records = [story(1), story(2), story(3), "junk", story(4), story(1), story(5)]
    path = tmp_path / "archive.json"
    path.write_text(json.dumps(records))
    out, err = io.StringIO(), io.StringIO()
    call_command("import_archive", str(path), "--json", "--batch-size", "50", stdout=out, stderr=err)
    result = json.loads(out.getvalue())
    assert (result["imported"], result["skipped"]) == (4, 1)  # the second story(1) is a repeat within the batch
    assert [f["index"] for f in result["failed"]] == [2, 3]
    assert "7/7 stories" in err.getvalue() and err.getvalue().count("\n") == 1  # one batch, one progress line
    kept = {a.source_url: a for a in Article.objects.all()}
    assert set(kept) == {f"https://news.example.by/{n}/" for n in (1, 2, 4, 5)}
    # The batch's pages were stored once at its end, with each story's related stories in them.
    first = kept["https://news.example.by/1/"]
    assert first.page_en.get("stamp") and set(first.related_ids_en) == {
        kept[f"https://news.example.by/{n}/"].pk for n in (2, 4, 5)
    }
    html = client.get(f"/articles/{first.slug_en}/").content.decode()
    assert "Archive story 5" in html and "Archive story 3" not in html
    assert html == client.get(f"/articles/{first.slug_en}/").content.decode()


def related_by_number(site: str) -> dict[str, list[str]]:
    """Each story of ``site`` and the numbers of its related stories (``…/<n>/``), in order."""
    number = {pk: url.rstrip("/").rsplit("/", 1)[1] for pk, url in Article.objects.values_list("pk", "source_url")}
    return {
        number[a.pk]: [number[pk] for pk in a.related_ids_en]
        for a in Article.objects.filter(source_url__startswith=site)
    }


def test_a_batch_gives_every_story_the_related_stories_one_by_one_publishing_gives(db, tmp_path):
    # Nine stories published out of order, sharing tags in overlapping groups: the newest four of
    # each story's neighbours change as later stories arrive (within a batch and across batches).
    def archive(site: str, tag: str, batch_size: int) -> None:
        records = [
            story(
                n,
                source_url=f"{site}{n}/",
                tags=[f"{tag} common", f"{tag} group {n % 3}"],
                published=f"2020-08-{10 + (n * 7) % 9:02d}T12:{n:02d}:00+03:00",
            )
            for n in range(1, 10)
        ]
        path = tmp_path / f"{tag}.json"
        path.write_text(json.dumps(records))
        out = io.StringIO()
        call_command("import_archive", str(path), "--json", "--batch-size", str(batch_size), stdout=out, stderr=out)

    archive("https://one.example.by/", "One", 1)  # a batch per story: one by one
    archive("https://many.example.by/", "Many", 4)
    one_by_one, batched = related_by_number("https://one.example.by/"), related_by_number("https://many.example.by/")
    assert batched == one_by_one
    assert len(batched["1"]) == RELATED_COUNT
    # A story imported later in the same batch is in an earlier one's list, and on its stored page.
    first_batch = ["1", "2", "3", "4"]
    pairs = [(a, b) for a in first_batch for b in batched[a] if b in first_batch and int(b) > int(a)]
    assert pairs
    earlier, later = (Article.objects.get(source_url=f"https://many.example.by/{n}/") for n in pairs[0])
    assert later.title_en in earlier.page_en["content"]


def test_a_story_failing_after_it_was_offered_to_its_neighbours_leaves_no_trace_in_their_lists(
    db, tmp_path, monkeypatch
):
    from translations.workflow import base as workflow_base

    real_audit = workflow_base.audit_record

    def failing(*, target, **kwargs):
        if target.title == "Archive story 3":
            raise RuntimeError("disk full")
        return real_audit(target=target, **kwargs)

    monkeypatch.setattr(workflow_base, "audit_record", failing)
    path = tmp_path / "archive.json"
    path.write_text(json.dumps([story(n) for n in range(1, 5)]))
    out = io.StringIO()
    call_command(
        "import_archive", str(path), "--json", "--batch-size", "50", "--one-by-one", stdout=out, stderr=io.StringIO()
    )
    result = json.loads(out.getvalue())
    assert result["imported"] == 3 and result["failed"][0]["index"] == 2
    kept = set(Article.objects.values_list("pk", flat=True))
    for article in Article.objects.all():
        assert set(article.related_ids_en) == kept - {article.pk}
