"""How a person is named: in public (their credit choice) and on the desk (depends on who looks).

One rule, one function. :func:`public_name` is the name a person chose to be known by in
public; :func:`desk_name` is how the desk labels a person for a given viewer. Every desk page,
filter, comment, history entry, notification and email names people through :func:`desk_name`
(templates through the ``desk_name`` filter in ``translations/templatetags/people.py``).

The rule: a volunteer credited by pseudonym or anonymously keeps their real name
from everyone but the editors. Editors, and the person themself, see ``username (Real Name)``;
everyone else sees ``username (credit name)`` when the person is credited by a name (a
pseudonym, or the real name they chose to publish), otherwise just the username. A person
without a profile made no credit choice, so only the username is shown.

Callers that list many people should ``select_related("contributor")`` (or
``"…__contributor"``): the label reads the profile from the cached relation.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist

from translations import permissions
from translations.models import ANONYMOUS_CREDIT, Contributor, CreditMode, Role

#: The columns :func:`desk_name` reads of a person (``User.objects.select_related("contributor")
#: .only(*DESK_NAME_FIELDS)``): a list of hundreds of people loads only these.
DESK_NAME_FIELDS = ("username", "first_name", "last_name", "contributor__credit_mode", "contributor__pseudonym")


def _contributor(user: Any) -> Contributor | None:
    try:
        return user.contributor  # type: ignore[no-any-return]
    except ObjectDoesNotExist:
        return None


def public_name(user: Any, role: str = Role.TRANSLATOR) -> str:
    """How a person is named in public in ``role``: their credit choice, never a hidden real name.

    The one rule for the site, feeds, JSON-LD, the API, emails, credit snapshots and privacy:
    without a recorded choice (no profile) a person is "a volunteer translator" (or reviewer,
    editor), never their account name.
    """
    contributor = _contributor(user) if user is not None else None
    if contributor is None:
        return str(ANONYMOUS_CREDIT.get(role, ANONYMOUS_CREDIT[Role.TRANSLATOR]))
    return contributor.credit_name(role)


def can_see_real_name(*, person: Any, viewer: Any) -> bool:
    """Editors see everyone's real name; everyone sees their own."""
    if viewer is None:
        return False
    return permissions.is_editor(viewer) or (person.pk is not None and person.pk == getattr(viewer, "pk", None))


def desk_name(*, person: Any, viewer: Any) -> str:
    """The label of ``person`` on the desk as ``viewer`` may see it ("" for nobody)."""
    if person is None:
        return ""
    username = str(person.get_username())
    if can_see_real_name(person=person, viewer=viewer):
        name = person.get_full_name().strip()
    else:
        contributor = _contributor(person)
        is_named = contributor is not None and contributor.credit_mode != CreditMode.ANONYMOUS
        name = public_name(person).strip() if is_named else ""
    return f"{username} ({name})" if name and name != username else username


# --- Lists of people, named once -----------------------------------------------------------
# A filter of hundreds of desk members costs a model and a label per person on every board
# page. Their labels are kept per viewer (editors share one list: they see every real name)
# under a version that moves whenever any account, profile or role changes (:func:`connect`), so
# a withdrawn real name is gone from the next list; ``NAMES_SECONDS`` bounds a list's life.
PEOPLE_VERSION_KEY = "desk:people-version"
NAMES_SECONDS = 300


#: Saves that change nothing a list of names shows (a login stamps ``last_login``).
UNNAMED_FIELDS = frozenset({"last_login"})


def people_changed(*, update_fields: Any = None, **kwargs: Any) -> None:
    """An account, a profile or a role changed: every kept list of names is forgotten."""
    if update_fields and UNNAMED_FIELDS.issuperset(update_fields):
        return
    cache.set(PEOPLE_VERSION_KEY, uuid.uuid4().hex, None)


def desk_name_choices(*, people: Any, viewer: Any, name: str) -> list[tuple[str, str]]:
    """``(pk, desk_name)`` of each of ``people`` (a queryset, ``name`` telling it apart) as
    ``viewer`` may see them, for a select's choices."""
    version = cache.get(PEOPLE_VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        cache.add(PEOPLE_VERSION_KEY, version, None)
        version = cache.get(PEOPLE_VERSION_KEY) or version
    seen_by = "editors" if permissions.is_editor(viewer) else f"user-{getattr(viewer, 'pk', None)}"
    key = f"desk:names:{version}:{name}:{seen_by}"
    found: list[tuple[str, str]] | None = cache.get(key)
    if found is None:
        found = [(str(person.pk), desk_name(person=person, viewer=viewer)) for person in people]
        cache.set(key, found, NAMES_SECONDS)
    return found


def connect() -> None:
    """Forget the kept lists on any change to who a person is or what they may do."""
    from django.contrib.auth import get_user_model
    from django.db.models.signals import m2m_changed, post_delete, post_save

    User = get_user_model()
    for model in (User, Contributor):
        post_save.connect(people_changed, sender=model, dispatch_uid=f"people-changed-save-{model.__name__}")
        post_delete.connect(people_changed, sender=model, dispatch_uid=f"people-changed-delete-{model.__name__}")
    m2m_changed.connect(people_changed, sender=User.groups.through, dispatch_uid="people-changed-groups")
