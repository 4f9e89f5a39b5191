"""Machine drafts on the desk: filling, marks, permissions, failures, honesty."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from reversion.models import Version

from tests.factories import ArticleFactory, TranslationFactory, UserFactory
from tests.mt_fake import deepl_server, libre_server  # noqa: F401 - fixtures
from translations import editing, machine_drafts
from translations.assist import checks
from translations.models import GlossaryTerm, MachineDraftJob, State, Translation

pytestmark = pytest.mark.django_db

SOURCE = ["Сотрудники МИД вышли на пикет.", "В пикете участвовали 1 200 человек.", "Третий абзац."]


def _job(**kwargs):
    article = ArticleFactory(blocks=SOURCE)
    t = TranslationFactory(article=article, state=State.IN_PROGRESS, filled=False, **kwargs)
    ids = [b["id"] for b in t.source_revision.blocks]
    return t, ids


def _request(t, by, block_ids=None, *, capture):
    with capture(execute=True):
        job = machine_drafts.machine_draft_request(translation=t, by=by, block_ids=block_ids)
    job.refresh_from_db()
    t.refresh_from_db()
    return job


def test_draft_all_fills_only_empty_blocks_and_keeps_typed_text(
    libre_server,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    t, (b1, b2, b3) = _job()
    t = editing.translation_save(
        translation=t, by=t.translator, based_on=t.edit_version, blocks={b2: {"text": "Typed by me."}}
    )
    job = _request(t, t.translator, capture=django_capture_on_commit_callbacks)
    assert (job.status, job.drafted, job.provider) == (MachineDraftJob.Status.DONE, 2, "LibreTranslate")
    assert t.block_text(b1) == "EN: " + SOURCE[0]
    assert t.block_text(b2) == "Typed by me."
    assert t.block_text(b3) == "EN: " + SOURCE[2]
    assert set(t.machine_drafts) == {b1, b3}
    assert t.machine_drafts[b1]["provider"] == "LibreTranslate"
    assert t.machine_drafts[b1]["distance"] == 0
    # Only the empty blocks were sent.
    assert libre_server.requests[0]["json"]["q"] == [SOURCE[0], SOURCE[2]]
    # One reversion version, by the translator, carrying the marks with the text.
    version = Version.objects.get_for_object(t).first()
    assert version.revision.user == t.translator
    assert "Machine draft (LibreTranslate) of 2 paragraphs" in version.revision.comment
    stored = json.loads(version.serialized_data)[0]["fields"]
    assert set(stored["machine_drafts"]) == {b1, b3}


def test_one_block_draft_fills_that_block_only(libre_server, django_capture_on_commit_callbacks):  # noqa: F811
    t, (b1, b2, b3) = _job()
    job = _request(t, t.translator, [b2], capture=django_capture_on_commit_callbacks)
    assert job.drafted == 1
    assert (t.block_text(b1), t.block_text(b2), t.block_text(b3)) == ("", "EN: " + SOURCE[1], "")


def test_text_typed_while_the_provider_worked_is_not_overwritten(libre_server):  # noqa: F811
    t, (b1, b2, _b3) = _job()

    class TypingMeanwhile:
        name, has_glossary = "Slowpoke", False

        def translate(self, *, texts, source, target, glossary):
            fresh = Translation.objects.get(pk=t.pk)
            editing.translation_save(
                translation=fresh, by=t.translator, based_on=fresh.edit_version, blocks={b1: {"text": "Mine."}}
            )
            return [f"MT {x}" for x in texts]

    drafted = machine_drafts.machine_draft_fill(translation=t, by=t.translator, provider=TypingMeanwhile())
    t.refresh_from_db()
    assert drafted == 2
    assert t.block_text(b1) == "Mine."
    assert t.block_text(b2) == "MT " + SOURCE[1]
    assert b1 not in t.machine_drafts


def test_edit_distance_is_kept_up_to_date_and_versioned(libre_server, django_capture_on_commit_callbacks):  # noqa: F811
    t, (b1, _b2, _b3) = _job()
    _request(t, t.translator, [b1], capture=django_capture_on_commit_callbacks)
    draft = t.block_text(b1)
    edited = draft.replace("EN: ", "") + "!"
    t = editing.translation_save(
        translation=t, by=t.translator, based_on=t.edit_version, blocks={b1: {"text": edited}}, as_version=True
    )
    mark = t.machine_drafts[b1]
    assert mark["draft"] == draft
    assert mark["distance"] == 5  # "EN: " removed (4), "!" added (1)
    assert mark["changed"] == round(100 * 5 / len(draft))
    stored = json.loads(Version.objects.get_for_object(t).first().serialized_data)[0]["fields"]
    assert stored["machine_drafts"][b1]["distance"] == 5
    # Emptying the box drops the mark: what is typed next did not begin as a machine draft.
    t = editing.translation_save(translation=t, by=t.translator, based_on=t.edit_version, blocks={b1: {"text": ""}})
    assert t.machine_drafts == {}


def test_provider_failure_gives_a_sentence_and_touches_nothing(
    libre_server,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    t, (b1, b2, _b3) = _job()
    t = editing.translation_save(translation=t, by=t.translator, based_on=t.edit_version, blocks={b2: {"text": "Mine"}})
    before = (t.edit_version, dict(t.blocks))
    libre_server.mode = "bad_key"
    job = _request(t, t.translator, capture=django_capture_on_commit_callbacks)
    assert job.status == MachineDraftJob.Status.FAILED
    assert job.message == "The machine translation service refused the desk's key. Nothing was changed; tell an editor."
    assert (t.edit_version, t.blocks) == before
    assert t.machine_drafts == {}


def test_task_is_idempotent(libre_server, django_capture_on_commit_callbacks):  # noqa: F811
    t, _ids = _job()
    job = _request(t, t.translator, capture=django_capture_on_commit_callbacks)
    versions = Version.objects.get_for_object(t).count()
    from translations import tasks

    assert tasks.machine_draft_run(job.pk) == job.drafted == 3  # a finished job is returned as it is
    job.status = MachineDraftJob.Status.QUEUED  # even a re-delivered, unfinished job drafts nothing twice
    job.save()
    assert tasks.machine_draft_run(job.pk) == 0
    assert Version.objects.get_for_object(t).count() == versions
    assert len(libre_server.requests) == 1


@pytest.mark.parametrize("who", ["other_translator", "editor", "reviewer"])
def test_only_the_assigned_translator_may_ask_from_the_editor(libre_server, who):  # noqa: F811
    t, _ids = _job()
    user = UserFactory(roles=[{"other_translator": "translator"}.get(who, who)])
    with pytest.raises(PermissionDenied):
        machine_drafts.machine_draft_request(translation=t, by=user)
    assert not MachineDraftJob.objects.exists()


def test_no_drafts_once_the_text_is_in_review(libre_server):  # noqa: F811
    t = TranslationFactory(state=State.IN_REVIEW)
    with pytest.raises(PermissionDenied):
        machine_drafts.machine_draft_request(translation=t, by=t.translator)


def test_request_without_a_provider_is_refused(settings):
    settings.DESK_MT_PROVIDER = ""
    t, _ids = _job()
    from translations.assist.machine import MachineError

    with pytest.raises(MachineError):
        machine_drafts.machine_draft_request(translation=t, by=t.translator)


def test_unchanged_machine_draft_is_a_check_warning_and_an_edited_one_is_not():
    block = {"id": "a", "kind": "paragraph", "text": "Пикет.", "html": "Пикет.", "attrs": {}}
    mark = {"draft": "Picket.", "provider": "DeepL", "distance": 0}
    same = checks.block_checks(block=block, entry={"text": "Picket."}, machine_mark=mark)
    assert [p.code for p in same] == ["machine_unchanged"]
    assert not same[0].is_error
    edited = checks.block_checks(block=block, entry={"text": "A picket."}, machine_mark=mark)
    assert "machine_unchanged" not in [p.code for p in edited]


def test_glossary_is_checked_when_the_provider_has_none(libre_server, django_capture_on_commit_callbacks):  # noqa: F811
    GlossaryTerm.objects.create(source_term="МИД", target_term="Foreign Ministry")
    t, (b1, _b2, _b3) = _job()
    _request(t, t.translator, [b1], capture=django_capture_on_commit_callbacks)
    assert "glossary_id" not in libre_server.requests[0]["json"]
    problems = checks.block_checks(
        block=t.source_revision.blocks[0],
        entry=t.blocks[b1],
        glossary=[("МИД", "Foreign Ministry")],
        machine_mark=t.machine_drafts[b1],
    )
    assert {"glossary", "machine_unchanged"} <= {p.code for p in problems}


def test_deepl_draft_uses_the_desk_glossary(deepl_server, django_capture_on_commit_callbacks):  # noqa: F811
    GlossaryTerm.objects.create(source_term="МИД", target_term="Foreign Ministry")
    t, (b1, _b2, _b3) = _job()
    _request(t, t.translator, [b1], capture=django_capture_on_commit_callbacks)
    assert t.block_text(b1) == "EN: Сотрудники Foreign Ministry вышли на пикет."
    assert t.machine_drafts[b1]["provider"] == "DeepL"
    assert deepl_server.deleted == ["g1"]


# --- Batch: board and command line -------------------------------------------------------------


def test_editor_pre_drafts_open_jobs_from_the_board(client, editor, libre_server, django_capture_on_commit_callbacks):  # noqa: F811
    open_job = TranslationFactory(article=ArticleFactory(blocks=SOURCE))
    busy = TranslationFactory(state=State.IN_PROGRESS, filled=False)
    client.force_login(editor)
    page = client.get("/desk/").content.decode()
    assert "Pre-draft open jobs with machine translation" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/desk/machine-drafts/")
    assert response.status_code == 302
    open_job.refresh_from_db()
    busy.refresh_from_db()
    assert open_job.block_text(open_job.source_revision.blocks[0]["id"]) == "EN: " + SOURCE[0]
    assert open_job.state == State.OPEN
    assert busy.machine_drafts == {}
    assert MachineDraftJob.objects.get().requested_by == editor


def test_translators_cannot_batch(client, volunteer, libre_server):  # noqa: F811
    TranslationFactory()
    client.force_login(volunteer)
    assert client.post("/desk/machine-drafts/").status_code == 403
    assert not MachineDraftJob.objects.exists()


def test_board_hides_batch_when_off(client, editor, settings):
    settings.DESK_MT_PROVIDER = ""
    client.force_login(editor)
    assert "Pre-draft open jobs" not in client.get("/desk/").content.decode()


def test_command_prints_the_json_contract(libre_server, capsys):  # noqa: F811
    UserFactory(username="boss", roles=["editor"])
    t = TranslationFactory(article=ArticleFactory(blocks=SOURCE))
    call_command("machine_draft", str(t.pk), "--by", "boss", "--json")
    assert json.loads(capsys.readouterr().out) == {"translation": t.pk, "drafted": 3, "provider": "libretranslate"}
    t.refresh_from_db()
    assert len(t.machine_drafts) == 3


@pytest.mark.parametrize("problem", ["no_provider", "provider_fails"])
def test_command_fails_with_one_line(libre_server, settings, capsys, problem):  # noqa: F811
    UserFactory(username="boss", roles=["editor"])
    t = TranslationFactory(article=ArticleFactory(blocks=SOURCE))
    if problem == "no_provider":
        settings.DESK_MT_PROVIDER = ""
    else:
        libre_server.mode = "quota"
    with pytest.raises(SystemExit) as e:
        call_command("machine_draft", str(t.pk), "--by", "boss", "--json")
    assert e.value.code == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1
    assert captured.err.startswith("Machine draft")
    t.refresh_from_db()
    assert t.blocks == {} and t.machine_drafts == {}


def test_a_draft_over_a_text_limit_fails_with_the_sentence_and_touches_nothing(
    libre_server,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    article = ArticleFactory(blocks=["Короткий абзац.", "д" * editing.TEXT_LIMITS["text"]])
    t = TranslationFactory(article=article, state=State.IN_PROGRESS, filled=False)
    before = (t.edit_version, dict(t.blocks))
    job = _request(t, t.translator, capture=django_capture_on_commit_callbacks)
    assert job.status == MachineDraftJob.Status.FAILED
    assert "it can be at most 20,000" in job.message and "Nothing was saved" in job.message
    assert (t.edit_version, t.blocks) == before
