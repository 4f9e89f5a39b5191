"""Every route that can write — each desk URL, each admin change and delete form, each
management command — is walked against jobs in every state, and none may change a job's
state or text, or the live article, without the workflow's event, revision and audit row.

The lists come from the resolver, the admin site and Django's command registry, so a route
added later is walked too (a new command must be added to ``COMMAND_CALLS``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command, get_commands
from django.db.models import Count
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from modeltranslation.utils import build_localized_fieldname
from reversion.models import Version

from newsroom.models import AuditEntry
from tests.admin_forms import admin_form_data
from tests.factories import ArticleFactory, TranslationFactory, UserFactory
from translations import editing, versions, workflow
from translations.models import Comment, State, Translation, WorkflowEvent
from translations.workflow import registry

LIVE_FIELDS = ("title", "lead", "body", "slug", "published_at")


def _patterns(patterns):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _patterns(p.url_patterns)
        elif isinstance(p, URLPattern) and p.name:
            yield p


def _snapshot() -> dict[int, dict[str, Any]]:
    """Per translation: state, text hash, live fields and how many events, versions and
    translation audit rows it has (four queries, whatever the number of jobs)."""
    rows = list(Translation.objects.select_related("article").annotate(n_events=Count("events", distinct=True)))
    ids = [str(t.pk) for t in rows]
    content_type = ContentType.objects.get_for_model(Translation)
    n_versions = dict(
        Version.objects.filter(content_type=content_type, object_id__in=ids)
        .values_list("object_id")
        .annotate(n=Count("pk"))
    )
    n_audits = dict(
        AuditEntry.objects.filter(target_id__in=ids, action__startswith="translation.")
        .values_list("target_id")
        .annotate(n=Count("pk"))
    )
    return {
        t.pk: {
            "state": t.state,
            "text": versions.working_copy_hash(t),
            "live": [getattr(t.article, build_localized_fieldname(f, t.language)) for f in LIVE_FIELDS],
            "events": t.n_events,
            "versions": n_versions.get(str(t.pk), 0),
            "audits": n_audits.get(str(t.pk), 0),
        }
        for t in rows
    }


def _assert_through_workflow(before: dict[int, dict[str, Any]], route: str) -> None:
    after = _snapshot()
    for pk, old in before.items():
        new = after.get(pk)
        assert new is not None, f"{route} deleted translation {pk}"
        state_changed = new["state"] != old["state"]
        new_event = new["events"] > old["events"]
        if state_changed:
            assert new_event and new["versions"] > old["versions"] and new["audits"] > old["audits"], (
                f"{route} moved translation {pk} {old['state']}→{new['state']} without event, revision and audit"
            )
        if new["text"] != old["text"] and old["state"] not in editing.EDITABLE_STATES:
            assert new_event, f"{route} changed the frozen text of translation {pk} ({old['state']})"
        if new["live"] != old["live"]:
            assert new_event, f"{route} changed the live article of translation {pk} without the workflow"


@pytest.fixture
def jobs(db, editor, reviewer, volunteer):
    jobs: dict[str, Translation] = {
        state: TranslationFactory(state=state, translator=volunteer) for state in State.values
    }
    # Corrections of a published story, held by the walking editor: one being edited, one in
    # review (the editor who opened it may not approve it, whatever the route).
    for key in ("correction_in_progress", "correction_in_review"):
        t = workflow.translation_publish(
            translation=TranslationFactory(state=State.APPROVED, translator=volunteer), by=UserFactory(roles=["editor"])
        )
        t = workflow.translation_correct(translation=t, by=editor, note="An earlier version misspelt a name.")
        t = editing.translation_save(translation=t, by=editor, based_on=t.edit_version, title="Corrected")
        if key == "correction_in_review":
            t = workflow.translation_submit(translation=t, by=editor)
        jobs[key] = t
    for t in jobs.values():
        Comment.objects.create(translation=t, author=reviewer, body="A comment")
    return jobs


def _desk_kwargs(pattern: URLPattern, t: Translation, action: str) -> dict[str, Any] | None:
    kwargs: dict[str, Any] = {}
    for name in pattern.pattern.regex.groupindex:
        if name in ("pk", "translation_pk"):
            kwargs[name] = t.pk
        elif name == "article_pk":
            kwargs[name] = t.article_id
        elif name == "version_id":
            version = Version.objects.get_for_object(t).first()
            if version is None:
                return None
            kwargs[name] = version.pk
        elif name == "action":
            kwargs[name] = action
        else:
            kwargs[name] = t.pk if "int" in type(pattern.pattern.converters.get(name)).__name__.lower() else "x"
    return kwargs


def _desk_post(t: Translation) -> dict[str, Any]:
    """A form that tries to change everything: text, credits, state, comments."""
    data = {
        "based_on": t.edit_version,
        "title": "Walked title",
        "lead": "Walked lead",
        "tags": "walked",
        "comment": "Walked comment",
        "body": "Walked body",
        "state": State.PUBLISHED,
        "when": "now",
        "confirm": "on",
        "credited": [c.pk for c in t.credits.all()],
        "op": "version",
    }
    for block in t.source_revision.blocks:
        data[f"block-{block['id']}-text"] = "Walked paragraph"
        data[f"text-{block['id']}"] = "Walked paragraph"
    return data


@pytest.mark.parametrize("role", ["editor", "volunteer"])
def test_no_desk_url_changes_state_or_text_around_the_workflow(jobs, editor, volunteer, role):
    client = Client()
    client.force_login({"editor": editor, "volunteer": volunteer}[role])
    _prefix, resolver = get_resolver().namespace_dict["desk"]
    walked = 0
    for pattern in _patterns(resolver.url_patterns):
        # A URL without a job in it is walked once; a job's URLs for a job in every state.
        targets = list(jobs.values()) if pattern.pattern.regex.groupindex else list(jobs.values())[:1]
        for t in targets:
            t.refresh_from_db()
            # Every verb of the workflow's registry, the list the transition view itself reads.
            for action in list(registry.REGISTRY) if "action" in pattern.pattern.regex.groupindex else [""]:
                kwargs = _desk_kwargs(pattern, t, action)
                if kwargs is None:
                    continue
                url = reverse(f"desk:{pattern.name}", kwargs=kwargs)
                before = _snapshot()
                if pattern.name == "autosave":
                    payload = {"based_on": t.edit_version, "title": "Walked", "blocks": {}, "tags": "x"}
                    client.post(url, json.dumps(payload), content_type="application/json")
                else:
                    client.post(url, _desk_post(t))
                _assert_through_workflow(before, f"POST {url} as {role}")
                walked += 1
    assert walked > 80


def _admin_post_data(response) -> dict[str, Any]:
    """The change form as posted back, every text changed (addresses kept valid)."""
    data = admin_form_data(response)
    form = response.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, str) and name not in ("slug", "email", "url", "site_url", "source_url"):
            data[name] = value + " walked"
    return data


def test_no_admin_form_changes_state_or_text_around_the_workflow(jobs):
    superuser = UserFactory(username="root", roles=["editor"], is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(superuser)
    ArticleFactory()
    walked = 0
    for model in admin.site._registry:
        opts = model._meta
        for obj in list(model.objects.all()[:3]):
            change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
            response = client.get(change)
            assert response.status_code == 200, change
            before = _snapshot()
            if response.context and "adminform" in response.context:
                data = _admin_post_data(response)
                data["_save"] = "Save"
                client.post(change, data)
            _assert_through_workflow(before, f"admin change {opts.label} {obj.pk}")
            before = _snapshot()
            client.post(reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[obj.pk]), {"post": "yes"})
            _assert_through_workflow(before, f"admin delete {opts.label} {obj.pk}")
            walked += 1
    for t in jobs.values():
        for version in Version.objects.get_for_object(t):
            url = reverse("admin:translations_translation_revision", args=[t.pk, version.pk])
            before = _snapshot()
            client.post(url, {"title": "reverted", "state": State.OPEN, "_save": "Save"})
            _assert_through_workflow(before, f"admin revert {url}")
            url = reverse("admin:translations_translation_recover", args=[version.pk])
            client.post(url, {"title": "recovered", "_save": "Save"})
            _assert_through_workflow(before, f"admin recover {url}")
    assert walked >= 10
    assert WorkflowEvent.objects.count() >= len(jobs)


# Every management command of the project, with a call that tries to write. Commands that
# only start servers or replace the whole database from a backup say why they are not walked.
COMMAND_CALLS: dict[str, list[Any] | str] = {
    "import_article": ["http://127.0.0.1:9/unreachable", "--json"],
    "poll_feed": ["http://127.0.0.1:9/feed.xml", "--list", "--json"],
    "load_demo": ["--force", "--quiet-accounts"],
    "delete_user": ["vol", "--by", "ed"],
    "import_archive": ["/nonexistent/archive.json", "--json"],
    "machine_draft": [str(10**9), "--json"],
    "fetch_source_pictures": [],
    "site_pages_render": ["--all"],
    "backup_db": "reads the database only (pg_dump); tested in tests/test_backup.py",
    "restore_db": "replaces the whole database from a backup; tested in tests/test_backup.py",
    "run_desk": "starts the servers; walked by the make run tests",
}


def test_every_project_command_is_walked():
    ours = {name for name, app in get_commands().items() if app in ("newsroom", "translations")}
    assert ours <= set(COMMAND_CALLS), f"add {ours - set(COMMAND_CALLS)} to COMMAND_CALLS"


@pytest.mark.parametrize("name", [n for n, call in COMMAND_CALLS.items() if isinstance(call, list)])
def test_no_command_changes_state_or_text_around_the_workflow(jobs, name, capsys):
    before = _snapshot()
    try:
        call_command(name, *COMMAND_CALLS[name])
    except SystemExit:
        pass
    except Exception as e:  # a refusal is fine; a write around the workflow is not
        if type(e).__name__ not in ("CommandError",):
            raise
    _assert_through_workflow(before, f"manage.py {name}")
