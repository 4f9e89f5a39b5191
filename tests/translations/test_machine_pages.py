"""Machine drafts on the pages: the editor's controls (with and without script), the reviewer's
marks, the desk stats and the public credit line in the page and its JSON-LD."""

from __future__ import annotations

import json
import re

import pytest
from django.core.cache import cache

from tests.factories import ArticleFactory, TranslationFactory, UserFactory
from tests.mt_fake import libre_server  # noqa: F401 - fixture
from translations import editing, machine_drafts, workflow
from translations.models import Credit, MachineDraftJob, Role, State

pytestmark = pytest.mark.django_db

SOURCE = ["Сотрудники МИД вышли на пикет.", "Второй абзац."]


def _in_progress():
    t = TranslationFactory(article=ArticleFactory(blocks=SOURCE), state=State.IN_PROGRESS, filled=False)
    Credit.objects.create(translation=t, user=t.translator, role=Role.TRANSLATOR)
    return t, [b["id"] for b in t.source_revision.blocks]


def test_editor_offers_machine_drafts_to_the_assigned_translator(client, libre_server):  # noqa: F811
    t, (b1, _b2) = _in_progress()
    client.force_login(t.translator)
    html = client.get(t.get_absolute_url()).content.decode()
    assert "Draft all empty blocks" in html
    assert f'form="machine-draft-form" name="block" value="{b1}"' in html
    assert "js/machine_draft.js" in html


def test_editor_shows_no_controls_when_off_or_to_others(client, settings, libre_server, editor):  # noqa: F811
    t, _ids = _in_progress()
    client.force_login(editor)
    assert "Draft all empty blocks" not in client.get(t.get_absolute_url()).content.decode()
    settings.DESK_MT_PROVIDER = ""
    client.force_login(t.translator)
    assert "Machine draft" not in client.get(t.get_absolute_url()).content.decode()


def test_without_script_the_form_posts_and_the_draft_is_on_the_page(
    client,
    libre_server,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    t, (b1, b2) = _in_progress()
    client.force_login(t.translator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/desk/t/{t.pk}/machine-draft/", {"block": b1})
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert "Machine draft ready (LibreTranslate): 1 paragraph filled." in html
    assert re.search(rf'<textarea id="b-{b1}-text"[^>]*>EN: {SOURCE[0]}</textarea>', html)
    assert re.search(rf'<textarea id="b-{b2}-text"[^>]*></textarea>', html)
    assert "Began as a machine draft (LibreTranslate)" in html
    assert "This is still the machine draft, unchanged." in html


def test_failure_is_told_and_nothing_typed_is_touched(client, libre_server, django_capture_on_commit_callbacks):  # noqa: F811
    t, (b1, _b2) = _in_progress()
    libre_server.mode = "slow"
    client.force_login(t.translator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/desk/t/{t.pk}/machine-draft/", {"block": b1})
    html = client.get(t.get_absolute_url()).content.decode()
    assert "Machine draft failed:</strong> The machine translation service did not answer in time." in html
    t.refresh_from_db()
    assert t.blocks == {}


def test_script_endpoint_returns_a_job_and_its_status_gives_the_drafts(
    client,
    libre_server,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    t, (b1, b2) = _in_progress()
    client.force_login(t.translator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/desk/t/{t.pk}/machine-draft/", {}, HTTP_ACCEPT="application/json")
    assert response.status_code == 202
    status = client.get(response.json()["status_url"]).json()
    t.refresh_from_db()
    assert status["status"] == "done"
    assert status["blocks"] == {b1: "EN: " + SOURCE[0], b2: "EN: " + SOURCE[1]}
    assert status["edit_version"] == t.edit_version


def test_script_endpoint_refuses_others_with_json(client, libre_server, volunteer):  # noqa: F811
    t, _ids = _in_progress()
    client.force_login(volunteer)
    # Someone else's job in progress is not even visible to another translator.
    assert client.post(f"/desk/t/{t.pk}/machine-draft/", HTTP_ACCEPT="application/json").status_code == 404
    reviewer = UserFactory(roles=["reviewer"])
    client.force_login(reviewer)
    response = client.post(f"/desk/t/{t.pk}/machine-draft/", HTTP_ACCEPT="application/json")
    assert response.status_code == 403
    assert "Only the assigned translator" in response.json()["message"]
    assert not MachineDraftJob.objects.exists()


def test_job_status_of_another_translation_is_404(client, libre_server, django_capture_on_commit_callbacks):  # noqa: F811
    t, _ids = _in_progress()
    with django_capture_on_commit_callbacks(execute=True):
        job = machine_drafts.machine_draft_request(translation=t, by=t.translator)
    other, _ = _in_progress()
    client.force_login(other.translator)
    assert client.get(f"/desk/t/{other.pk}/machine-draft/{job.pk}/").status_code == 404


class EnglishMachine:
    """A provider whose drafts are English (the fake servers echo the Cyrillic source, which
    the language check rightly refuses to send for review)."""

    name = "Fake MT"
    has_glossary = False
    drafts = {SOURCE[0]: "Employees of the Ministry of Foreign Affairs came out to a picket line."}

    def translate(self, *, texts: list[str], source: str, target: str, glossary: dict[str, str]) -> list[str]:
        return [self.drafts.get(text, "A machine draft of the paragraph.") for text in texts]


def _drafted_and_published(editor, reviewer, django_capture_on_commit_callbacks, *, edit_first=True):
    t, (b1, b2) = _in_progress()
    machine_drafts.machine_draft_fill(translation=t, by=t.translator, block_ids=[b1], provider=EnglishMachine())
    t.refresh_from_db()
    t = editing.translation_save(
        translation=t,
        by=t.translator,
        based_on=t.edit_version,
        title="MFA staff picket",
        blocks={
            b1: {"text": "Foreign Ministry staff picketed." if edit_first else t.block_text(b1)},
            b2: {"text": "Two."},
        },
    )
    t = workflow.translation_submit(translation=t, by=t.translator)
    return t


def test_reviewer_sees_which_blocks_began_as_machine_drafts(
    client,
    editor,
    reviewer,
    libre_server,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    t = _drafted_and_published(editor, reviewer, django_capture_on_commit_callbacks)
    client.force_login(reviewer)
    html = client.get(f"/desk/t/{t.pk}/review/").content.decode()
    assert html.count("Began as a machine draft (Fake MT)") == 1
    mark = t.machine_drafts[t.source_revision.blocks[0]["id"]]
    assert f"changed {mark['changed']}% ({mark['distance']} characters edited)" in html


def test_public_page_and_json_ld_credit_machine_assistance(
    client,
    editor,
    reviewer,
    settings,
    libre_server,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    # The drafted paragraph is published as the machine wrote it: most of the words are its own.
    t = _drafted_and_published(editor, reviewer, django_capture_on_commit_callbacks, edit_first=False)
    t = workflow.translation_approve(translation=t, by=reviewer)
    name = t.translator.contributor.credit_name()
    client.force_login(editor)
    preview = client.get(f"/desk/t/{t.pk}/preview/").content.decode()
    assert f"The text was translated by {name} with machine assistance" in preview
    client.logout()
    workflow.translation_publish(translation=t, by=editor)
    t.article.refresh_from_db()
    html = client.get(f"/articles/{t.article.slug_en}/").content.decode()
    assert f"<p>The text was translated by {name} with machine assistance</p>" in html
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert ld["creditText"] == f"Translated by {name} with machine assistance"
    # The wording is a setting, and the line can be turned off.
    settings.DESK_MT_CREDIT_TEXT = "with help from a machine draft"
    cache.clear()  # the site caches whole pages; a changed setting shows once the cache is cleared
    assert "with help from a machine draft" in client.get(f"/articles/{t.article.slug_en}/").content.decode()
    settings.DESK_MT_CREDIT = False
    cache.clear()
    html = client.get(f"/articles/{t.article.slug_en}/").content.decode()
    assert "machine" not in html and "creditText" not in html


def test_public_page_without_machine_drafts_says_nothing_of_machines(client, editor, reviewer):
    t = TranslationFactory(state=State.APPROVED)
    workflow.translation_publish(translation=t, by=editor)
    t.article.refresh_from_db()
    html = client.get(f"/articles/{t.article.slug_en}/").content.decode()
    assert "The text was translated by" in html
    assert "machine assistance" not in html and "creditText" not in html


def test_stats_show_the_machine_drafted_share(
    client,
    editor,
    reviewer,
    libre_server,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    t = _drafted_and_published(editor, reviewer, django_capture_on_commit_callbacks, edit_first=False)
    workflow.translation_approve(translation=t, by=reviewer)
    workflow.translation_publish(translation=t, by=editor)
    t.refresh_from_db()
    machine_chars = len(t.block_text(t.source_revision.blocks[0]["id"]))
    all_chars = machine_chars + len("Two.")
    client.force_login(editor)
    html = client.get("/desk/stats/").content.decode()
    percent = round(100 * machine_chars / all_chars, 1)
    assert f"<strong>{percent}%</strong> began as a machine draft" in html
    assert f"({machine_chars} of {all_chars} characters, in 1 translation)" in html


def test_a_read_only_page_shows_no_stale_machine_draft_message(
    client,
    libre_server,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    t, (b1, _b2) = _in_progress()
    client.force_login(t.translator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/desk/t/{t.pk}/machine-draft/", {"block": b1})
    assert "Machine draft ready" in client.get(t.get_absolute_url()).content.decode()
    t.refresh_from_db()
    t = editing.translation_save(
        translation=t,
        by=t.translator,
        based_on=t.edit_version,
        # The fake server's draft is the Cyrillic source: the language check would refuse it.
        blocks={b1: {"text": "Foreign Ministry staff picketed."}, _b2: {"text": "Second."}},
        title="T",
    )
    workflow.translation_submit(translation=t, by=t.translator)
    html = client.get(t.get_absolute_url()).content.decode()  # in review: read-only for the translator
    assert "Machine draft ready" not in html
