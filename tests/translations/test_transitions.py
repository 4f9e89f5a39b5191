"""A workflow verb is one class in one registry: the services, the shared transition view, the
translation page's buttons and the templates all take their verbs from it, so a verb added
there is reachable everywhere and a verb named anywhere else exists there."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from newsroom.models import AuditEntry
from tests.factories import TranslationFactory, UserFactory
from translations import permissions, workflow
from translations.models import State, Translation, WorkflowEvent
from translations.workflow import registry
from translations.workflow.base import JOB_PAGE, FreeText, Transition

TEMPLATES = Path(settings.BASE_DIR) / "templates"


@pytest.fixture
def jobs(db, volunteer, editor):
    """A job in every state held by the volunteer, an unclaimed open one, and a correction."""
    found = {state: TranslationFactory(state=state, translator=volunteer) for state in State.values}
    found["unclaimed"] = TranslationFactory(state=State.OPEN)
    published = workflow.translation_publish(
        translation=TranslationFactory(state=State.APPROVED, translator=volunteer), by=UserFactory(roles=["editor"])
    )
    found["correction"] = workflow.translation_correct(translation=published, by=editor, note="A name was misspelt.")
    return found


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_every_verb_a_template_posts_or_tests_for_is_registered():
    posted, tested = set(), set()
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        posted |= set(re.findall(r"\{% url 'desk:transition' [\w.]+ '(\w+)' %\}", text))
        tested |= set(re.findall(r'"(\w+)" in (?:row\.)?actions', text))
    assert posted and tested, "the patterns no longer match the templates: update this test"
    assert posted <= set(registry.REGISTRY), posted - set(registry.REGISTRY)
    assert tested <= set(registry.REGISTRY), tested - set(registry.REGISTRY)


def test_every_registered_verb_has_its_service_function_and_no_other_verb_has_one():
    services = {name.removeprefix("translation_") for name in workflow.__all__ if name.startswith("translation_")}
    # The workflow's writes no person's button takes (and the editor's save-then-submit).
    not_verbs = {"create", "archive_publish", "expire_claim", "problems", "save_and_submit"}
    assert services - not_verbs == set(registry.REGISTRY)


@pytest.mark.parametrize("name", list(registry.REGISTRY))
def test_every_registered_verb_has_a_button_where_it_can_be_taken(jobs, editor, reviewer, volunteer, name):
    verb = registry.REGISTRY[name]
    shown = 0
    for user in (editor, reviewer, volunteer):
        client = Client()
        client.force_login(user)
        for t in jobs.values():
            t.refresh_from_db()
            if not verb.is_available(user=user, translation=t):
                continue
            if verb.page == JOB_PAGE:
                args = [t.pk, verb.name] if verb.route == "desk:transition" else [t.pk]
                html = client.get(reverse("desk:translation", args=[t.pk])).content.decode()
                assert reverse(verb.route, args=args) in html, (name, t.state, user.username)
            else:
                assert client.get(reverse(verb.page, args=[t.pk])).status_code == 200, (name, verb.page)
            shown += 1
    assert shown, f"no job in the walk lets anyone take {name}: extend the fixture"


def test_the_shared_view_runs_no_verb_whose_own_page_carries_its_form(jobs, editor):
    client = Client()
    client.force_login(editor)
    for verb in registry.verbs():
        if verb.takes_transition_form:
            continue
        t = jobs[State.OPEN]
        response = client.post(reverse("desk:transition", args=[t.pk, verb.name]), {"comment": "x"})
        assert response.status_code == 403
        assert not WorkflowEvent.objects.filter(translation=t, action=verb.name).exists()


@dataclass(kw_only=True)
class FlagForLegal(Transition):
    """A verb that exists only in this test."""

    name = "flag_for_legal"
    from_states = frozenset({State.IN_PROGRESS})
    permission = staticmethod(permissions.can_manage)
    refusal = "Only editors can send a job to the lawyers."
    wrong_state = "Only a job in progress goes to the lawyers."
    event_comment = "Sent to the lawyers"
    success = "The lawyers will read it."
    label = "Send to the lawyers"
    free_text = FreeText(label="What should the lawyers check", required=True)

    comment: str

    def apply(self, t: Translation) -> Translation:
        return self.record(t, old_state=t.state, comment=self.comment)


def test_a_verb_registered_once_shows_on_the_job_page_and_runs_through_the_shared_view(jobs, editor, volunteer):
    t = jobs[State.IN_PROGRESS]
    url = reverse("desk:transition", args=[t.pk, FlagForLegal.name])
    ed, vol = Client(), Client()
    ed.force_login(editor)
    vol.force_login(volunteer)
    with registry.registered(FlagForLegal):
        html = ed.get(reverse("desk:translation", args=[t.pk])).content.decode()
        assert f'action="{url}"' in html
        assert "What should the lawyers check</label>" in html and "Send to the lawyers</button>" in html
        assert "Send to the lawyers" not in vol.get(reverse("desk:translation", args=[t.pk])).content.decode()
        assert FlagForLegal.name in workflow.available_actions(user=editor, translation=t)

        response = vol.post(url, {"comment": "Libel?"})
        assert _messages(response) == ["Only editors can send a job to the lawyers."]
        assert not WorkflowEvent.objects.filter(translation=t, action=FlagForLegal.name).exists()

        response = ed.post(url, {"comment": "Is paragraph 2 libel?"})
        assert response.status_code == 302
        assert _messages(response) == ["The lawyers will read it."]
        event = WorkflowEvent.objects.get(translation=t, action=FlagForLegal.name)
        assert (event.actor, event.comment, event.from_state, event.to_state) == (
            editor,
            "Is paragraph 2 libel?",
            State.IN_PROGRESS,
            State.IN_PROGRESS,
        )
        assert AuditEntry.objects.filter(action="translation.flag_for_legal", target_id=str(t.pk)).exists()
    assert ed.post(url, {"comment": "again"}).status_code == 403
    assert FlagForLegal.name not in registry.REGISTRY


def test_a_second_verb_with_a_registered_name_is_refused():
    @dataclass(kw_only=True)
    class Claim(FlagForLegal):
        name = "claim"

    with pytest.raises(ValueError, match="already registered"):
        registry.register(Claim)
    assert registry.REGISTRY["claim"] is not Claim


def test_the_wrong_state_and_refusal_sentences_come_from_the_verb(jobs, volunteer):
    t = jobs[State.IN_REVIEW]
    with pytest.raises(workflow.WorkflowError) as wrong:
        workflow.translation_release(translation=t, by=volunteer)
    assert wrong.value.message == registry.REGISTRY["release"].wrong_state
    with pytest.raises(PermissionDenied) as no:
        workflow.translation_spike(translation=t, by=volunteer)
    assert str(no.value) == registry.REGISTRY["spike"].refusal


# --- the editor's Submit button: save, then submit, as one service ---------------------------------


def test_save_and_submit_keeps_the_text_when_the_checks_refuse_it(db, volunteer):
    t = TranslationFactory(state=State.IN_PROGRESS, translator=volunteer)
    first = t.source_revision.blocks[0]["id"]
    with pytest.raises(workflow.SubmitRefused):
        workflow.translation_save_and_submit(
            translation=t,
            by=volunteer,
            text={"blocks": {first: {"text": ""}}, "title": "Kept"},
            based_on=t.edit_version,
        )
    t.refresh_from_db()
    assert (t.state, t.title, t.blocks[first]["text"]) == (State.IN_PROGRESS, "Kept", "")


def test_save_and_submit_saves_nothing_for_someone_who_may_not_submit(db, translator, volunteer):
    t = TranslationFactory(state=State.IN_PROGRESS, translator=volunteer)
    with pytest.raises(PermissionDenied):
        workflow.translation_save_and_submit(
            translation=t, by=translator, text={"title": "Not mine"}, based_on=t.edit_version
        )
    t.refresh_from_db()
    assert t.title != "Not mine" and t.state == State.IN_PROGRESS


def test_save_and_submit_refuses_an_unreadable_form_version_before_saving(db, volunteer):
    t = TranslationFactory(state=State.IN_PROGRESS, translator=volunteer)
    with pytest.raises(PermissionDenied, match="The form is incomplete"):
        workflow.translation_save_and_submit(translation=t, by=volunteer, text={"title": "Lost?"}, based_on=None)
    t.refresh_from_db()
    assert t.title != "Lost?"
