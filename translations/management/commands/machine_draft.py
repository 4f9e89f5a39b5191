"""``manage.py machine_draft PK [--by EDITOR] [--json]``: pre-draft one open job from the shell.

Fills every empty block of translation PK with a machine draft, now (not through Celery),
as an editor: ``--by`` names one, otherwise the oldest active superuser acts. With ``--json``
stdout is exactly one JSON object ``{"translation": PK, "drafted": N, "provider": "..."}``.
No provider configured, a provider failure, an unknown job or a refusal exits with status 1,
one human-readable line on stderr and nothing written.
"""

from __future__ import annotations

import json
from typing import Any, NoReturn

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandParser

from translations import machine_drafts
from translations.assist import machine
from translations.models import Translation


def one_line(message: object) -> str:
    return " ".join(str(message).split()) or "failed"


class Command(BaseCommand):
    help = "Fill the empty blocks of an open job with machine drafts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("pk", type=int)
        parser.add_argument("--by", help="user name of the editor on whose behalf the drafts are written")
        parser.add_argument("--json", action="store_true", help="print the result as one JSON object")

    def fail(self, message: object) -> NoReturn:
        self.stderr.write(one_line(message), style_func=lambda s: s)
        raise SystemExit(1)

    def handle(self, *args: Any, **options: Any) -> None:
        provider = machine.provider_from_settings()
        if provider is None:
            self.fail("Machine draft refused: no provider is configured (set DESK_MT_PROVIDER).")
        translation = Translation.objects.filter(pk=options["pk"]).first()
        if translation is None:
            self.fail(f"Machine draft refused: there is no translation {options['pk']}.")
        users = get_user_model().objects.filter(is_active=True)
        by = (
            users.filter(username=options["by"]).first()
            if options["by"]
            else users.filter(is_superuser=True).order_by("date_joined", "pk").first()
        )
        if by is None:
            self.fail("Machine draft refused: name an active editor with --by.")
        try:
            drafted = machine_drafts.machine_draft_fill(translation=translation, by=by, provider=provider)
        except machine.MachineError as exc:
            self.fail(f"Machine draft failed: {exc.message}")
        except PermissionDenied as exc:
            self.fail(f"Machine draft refused: {exc}")
        except Exception as exc:  # the contract: one line, no traceback
            self.fail(f"Machine draft failed: {exc.__class__.__name__}: {exc}")
        if options["json"]:
            key = str(settings.DESK_MT_PROVIDER).strip().lower()
            self.stdout.write(json.dumps({"translation": translation.pk, "drafted": drafted, "provider": key}))
        else:
            self.stdout.write(f"Translation {translation.pk}: {drafted} block(s) drafted by {provider.name}.")
