"""``manage.py delete_user USERNAME --by EDITOR_USERNAME``: delete an account, keep its credits.

See ``translations/privacy.py`` for what is removed and what stays. A refusal exits 1 with one
line on stderr and changes nothing.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandParser

from newsroom.management.commands.backup_db import one_line
from translations import privacy


class Command(BaseCommand):
    help = "Delete a desk account and its private data; published credits stay as the person chose."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--by", required=True, help="username of the editor doing it (audit log)")

    def fail(self, message: object) -> NoReturn:
        self.stderr.write(one_line(message), style_func=lambda s: s)
        raise SystemExit(1)

    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            self.fail(f"No account is called {options['username']!r}.")
        editor = User.objects.filter(username=options["by"]).first()
        if editor is None:
            self.fail(f"No account is called {options['by']!r}.")
        try:
            counts = privacy.user_delete(user=user, by=editor)
        except PermissionDenied as exc:
            self.fail(str(exc) or "Only editors can delete accounts.")
        except privacy.UserDeleteRefused as exc:
            self.fail(exc.message)
        self.stdout.write(
            f"Deleted account {options['username']}: {counts['credits_kept']} credit(s) kept under the chosen name, "
            f"{counts['jobs_released']} job(s) back on the board."
        )
