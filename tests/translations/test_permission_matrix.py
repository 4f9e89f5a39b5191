"""Every desk URL × every role → the status the server must answer.

The URL list comes from the resolver (namespace ``desk``), so pages other engineers add are
covered too: for those we only know the floor (anonymous → login, no role → 403, members →
no server error); for the editors' desk pages the exact status per role is written below.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from reversion.models import Version

from tests.factories import ArticleFactory, TranslationFactory, UserFactory
from translations import editing, workflow
from translations.models import Comment, State

ROLES = ["anonymous", "norole", "volunteer", "translator", "reviewer", "editor"]


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix)
        elif isinstance(p, URLPattern) and p.name:
            yield p


def desk_patterns() -> list[URLPattern]:
    _prefix, resolver = get_resolver().namespace_dict["desk"]
    return sorted(_walk(resolver.url_patterns), key=lambda p: p.name)


DESK_NAMES = [p.name for p in desk_patterns()]

# The shared job: in review, translated by `translator` (a staff translator); the volunteer
# is a desk member with no business with it (404: outside translations_visible_to).
OK, REDIRECT, FORBIDDEN, MISSING, NOT_ALLOWED, BAD = 200, 302, 403, 404, 405, 400
MEMBERS = ["volunteer", "translator", "reviewer", "editor"]
# name: (method, {role: status}) for members; anonymous and no-role are checked for every URL.
EXPECTED: dict[str, tuple[str, dict[str, int]]] = {
    "home": ("get", {"volunteer": OK, "translator": OK, "reviewer": OK, "editor": OK}),
    "assign": ("get", {"volunteer": MISSING, "translator": FORBIDDEN, "reviewer": FORBIDDEN, "editor": OK}),
    "open_job": ("get", {"volunteer": FORBIDDEN, "translator": FORBIDDEN, "reviewer": FORBIDDEN, "editor": OK}),
    "review": ("get", {"volunteer": MISSING, "translator": OK, "reviewer": OK, "editor": OK}),
    "comment_add": ("post", {"volunteer": MISSING, "translator": REDIRECT, "reviewer": REDIRECT, "editor": REDIRECT}),
    "comment_resolve": (
        "post",
        {"volunteer": MISSING, "translator": REDIRECT, "reviewer": REDIRECT, "editor": REDIRECT},
    ),
    "history": ("get", {"volunteer": MISSING, "translator": OK, "reviewer": OK, "editor": OK}),
    # Restore asks first: the confirmation page (its own form posts ``confirm``).
    "restore_version": ("get", {"volunteer": MISSING, "translator": OK, "reviewer": FORBIDDEN, "editor": OK}),
    "follow_source": (
        "post",
        {"volunteer": MISSING, "translator": FORBIDDEN, "reviewer": REDIRECT, "editor": REDIRECT},
    ),
    "preview": ("get", {"volunteer": MISSING, "translator": FORBIDDEN, "reviewer": OK, "editor": OK}),
    "publish": ("post", {"volunteer": MISSING, "translator": FORBIDDEN, "reviewer": FORBIDDEN, "editor": BAD}),
    "audit": ("get", {"volunteer": FORBIDDEN, "translator": FORBIDDEN, "reviewer": FORBIDDEN, "editor": OK}),
    "stats": ("get", {"volunteer": FORBIDDEN, "translator": FORBIDDEN, "reviewer": FORBIDDEN, "editor": OK}),
    "transition": ("post", {"volunteer": MISSING, "translator": REDIRECT, "reviewer": REDIRECT, "editor": REDIRECT}),
    "roles": ("get", {"volunteer": FORBIDDEN, "translator": FORBIDDEN, "reviewer": FORBIDDEN, "editor": OK}),
    "invite": ("get", {"volunteer": FORBIDDEN, "translator": FORBIDDEN, "reviewer": FORBIDDEN, "editor": OK}),
    # No grant with the sample id: editors get a 404, everyone else is refused first.
    "role_grant_decide": (
        "post",
        {"volunteer": FORBIDDEN, "translator": FORBIDDEN, "reviewer": FORBIDDEN, "editor": MISSING},
    ),
}


@pytest.fixture
def world(db, editor, reviewer, translator, volunteer):
    t = TranslationFactory(state=State.IN_PROGRESS, translator=translator)
    t = editing.translation_save(
        translation=t, by=translator, based_on=t.edit_version, title="A title", as_version=True
    )
    t = workflow.translation_submit(translation=t, by=translator)
    comment = Comment.objects.create(translation=t, author=reviewer, body="Check this.")
    return {
        "users": {
            "anonymous": None,
            "norole": UserFactory(username="norole", roles=[]),
            "volunteer": volunteer,
            "translator": translator,
            "reviewer": reviewer,
            "editor": editor,
        },
        "translation": t,
        "article": ArticleFactory(),
        "comment": comment,
        "version": Version.objects.get_for_object(t).first(),
    }


def _kwargs(pattern: URLPattern, world) -> dict:
    """Sample kwargs for a pattern, by name where we know it, by kwarg name otherwise."""
    t = world["translation"]
    by_name = {
        "comment_resolve": {"pk": world["comment"].pk},
        "transition": {"pk": t.pk, "action": "approve"},
        "open_job": {"article_pk": world["article"].pk},
        "role_grant_decide": {"pk": 999_999, "decision": "confirm"},
    }
    if pattern.name in by_name:
        return by_name[pattern.name]
    samples = {
        "pk": t.pk,
        "translation_pk": t.pk,
        "article_pk": world["article"].pk,
        "version_id": world["version"].pk,
        "comment_pk": world["comment"].pk,
        "action": "approve",
    }
    names = list(pattern.pattern.regex.groupindex)
    converters = getattr(pattern.pattern, "converters", {})
    kwargs = {}
    for name in names:
        if name in samples:
            kwargs[name] = samples[name]
        elif type(converters.get(name)).__name__ == "IntConverter":
            kwargs[name] = t.pk
        else:
            kwargs[name] = "sample"
    return kwargs


def test_every_editorial_url_is_in_the_matrix():
    ours = {
        "home",
        "assign",
        "open_job",
        "review",
        "comment_add",
        "comment_resolve",
        "history",
        "restore_version",
        "follow_source",
        "preview",
        "publish",
        "audit",
        "stats",
        "transition",
    }
    assert ours <= set(DESK_NAMES)


@pytest.mark.parametrize("name", DESK_NAMES)
def test_desk_url_answers_each_role(world, name):
    pattern = next(p for p in desk_patterns() if p.name == name)
    url = reverse(f"desk:{name}", kwargs=_kwargs(pattern, world))
    method, expected = EXPECTED.get(name, ("get", {}))
    for role in ROLES:
        client = Client()
        user = world["users"][role]
        if user is not None:
            client.force_login(user)
        response = getattr(client, method)(url)
        if role == "anonymous":
            assert response.status_code == 302, (name, response.status_code)
            assert response["Location"].startswith(reverse("login")), response["Location"]
        elif role == "norole":
            assert response.status_code == 403, (name, response.status_code)
        elif name not in EXPECTED:  # someone else's page: members never get a server error
            assert response.status_code < 500, (name, role, response.status_code)
        else:
            assert response.status_code == expected[role], (name, role, response.status_code)
            if method == "post":  # POST-only actions refuse GET: back to the page they belong to
                refused = client.get(url)
                assert refused.status_code in (REDIRECT, NOT_ALLOWED), (name, role, refused.status_code)
                if refused.status_code == REDIRECT:
                    assert refused["Location"].startswith("/desk/") and refused["Location"] != url, (name, role)
