"""backup_db / restore_db: a round trip on the demo data brings back exactly what was there."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connections

from newsroom.models import Article, AuditEntry, SourceRevision
from translations.models import Credit, State, Translation, WorkflowEvent

transactional = pytest.mark.django_db(transaction=True)

COUNTED = (Article, SourceRevision, Translation, Credit, WorkflowEvent, AuditEntry)


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


@transactional
def test_backup_then_restore_brings_back_deleted_rows(tmp_path, capsys):
    call_command("load_demo", "--force", "--quiet-accounts")
    published = Translation.objects.filter(state=State.PUBLISHED).select_related("article").first()
    assert published is not None
    title = published.article.title_en
    assert title
    before = _counts()
    backup = tmp_path / "desk.dump"

    call_command("backup_db", str(backup))
    assert backup.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format

    # Lose data: the published article's live title and every other job.
    Article.objects.filter(pk=published.article_id).update(title_en="gone")
    WorkflowEvent.objects.exclude(translation=published).delete()  # events protect their translation
    Translation.objects.exclude(pk=published.pk).delete()
    AuditEntry.objects.all().delete()
    assert _counts() != before

    connections.close_all()
    call_command("restore_db", str(backup), "--yes")
    connections.close_all()  # the next query opens a fresh connection to the restored tables

    assert _counts() == before
    assert Article.objects.get(pk=published.article_id).title_en == title
    assert "Restored" in capsys.readouterr().out


def test_restore_refuses_without_yes(db, tmp_path, capsys):
    backup = tmp_path / "x.dump"
    backup.write_bytes(b"PGDMP")
    with pytest.raises(SystemExit) as exc:
        call_command("restore_db", str(backup))
    assert exc.value.code == 1
    err = capsys.readouterr().err.strip()
    assert "--yes" in err and "\n" not in err


def test_backup_failure_is_one_line_and_leaves_no_file(db, tmp_path, capsys):
    target = tmp_path / "missing-folder" / "desk.dump"
    with pytest.raises(SystemExit) as exc:
        call_command("backup_db", str(target))
    assert exc.value.code == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("Backup failed") and "\n" not in err
    assert not target.exists()


@transactional
def test_restore_of_a_broken_file_changes_nothing(tmp_path, capsys):
    backup = tmp_path / "broken.dump"
    backup.write_bytes(b"not a dump at all")
    call_command("load_demo", "--force", "--quiet-accounts")
    before = _counts()
    with pytest.raises(SystemExit) as exc:
        call_command("restore_db", str(backup), "--yes")
    assert exc.value.code == 1
    assert "Restore failed" in capsys.readouterr().err
    assert _counts() == before
