"""Credits as the workflow writes them: who is credited, and under which name at publication."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from newsroom.core.audit import audit_record
from translations import permissions
from translations.models import Credit, Role, State, Translation
from translations.people import names
from translations.workflow.base import WorkflowError


def snapshot_credits(t: Translation) -> None:
    """Each credit keeps the name its person chose at publication, even if they change it later."""
    for credit in t.credits.select_related("user", "user__contributor"):
        if credit.user is not None:
            credit.credit_name = names.public_name(credit.user, credit.role)
        credit.save(update_fields=["credit_name"])


def ensure_credit(t: Translation, user: Any, role: str) -> None:
    # Editors are recorded but not credited in public unless the editor says so at publication.
    Credit.objects.get_or_create(translation=t, user=user, role=role, defaults={"is_credited": role != Role.EDITOR})


@transaction.atomic
def credits_confirm(*, translation: Translation, by: Any, credited_ids: Iterable[int]) -> list[Credit]:
    """The editor confirms who is credited in public: credits in ``credited_ids`` are, others not.

    Callers: editors who may publish this translation. Writes ``Credit.is_credited`` and
    ``credit_name`` (snapshot of each person's choice) and an audit entry.
    """
    if not permissions.can_publish(user=by, translation=translation):
        raise PermissionDenied(_("Only an editor who did not translate this can confirm its credits."))
    if translation.state not in (State.APPROVED, State.SCHEDULED):
        raise WorkflowError(_("Credits are confirmed when an approved translation is published."))
    wanted = {int(i) for i in credited_ids}
    credits = list(
        Credit.objects.select_for_update(of=("self",))
        .filter(translation=translation)
        .select_related("user", "user__contributor")
    )
    if wanted - {c.pk for c in credits}:
        raise WorkflowError(_("Some credits do not belong to this translation."))
    for credit in credits:
        credit.is_credited = credit.pk in wanted
        if credit.user is not None:
            credit.credit_name = names.public_name(credit.user, credit.role)
        credit.save(update_fields=["is_credited", "credit_name"])
    audit_record(
        actor=by, action="translation.credits_confirm", target=translation, credited=",".join(map(str, sorted(wanted)))
    )
    return credits
