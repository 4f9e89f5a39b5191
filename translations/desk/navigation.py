"""The desk bar: which entries each role sees, decided here and nowhere else.

Translators and reviewers see a short flat list; editors, who have four kinds of work, see it
grouped (Work, Sources, People, Reports), each group a disclosure menu. Either way a role sees at
most ``MAX_TOP_LEVEL`` entries at the top level. A link the role may not use is left out (the
view behind it still refuses it: this only decides what is shown). The template draws the list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from translations import permissions
from translations.selectors import notifications_unread_count

MAX_TOP_LEVEL = 7


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    current: bool = False
    # For the entry whose number changes (notifications): the CSS marks it.
    badge: int = 0
    is_group = False  # a class attribute, not a field: the template tells links from groups


@dataclass(frozen=True)
class NavGroup:
    label: str
    links: list[NavLink] = field(default_factory=list)

    @property
    def current(self) -> bool:
        return any(link.current for link in self.links)

    is_group = True


def _is_current(url: str, path: str) -> bool:
    # The board lives at the desk's root, which every desk address starts with: exact match only.
    if url == reverse("desk:home"):
        return path == url
    return path == url or path.startswith(url)


def notifications_label(unread: int) -> str:
    if not unread:
        return _("Notifications")
    return ngettext("Notifications (%(n)d unread)", "Notifications (%(n)d unread)", unread) % {"n": unread}


def desk_nav(*, user: Any, path: str) -> list[NavLink | NavGroup]:
    """The entries of the desk bar for ``user`` on the page at ``path``, in order."""

    def link(label: str, name: str, **kwargs: Any) -> NavLink:
        url = reverse(name)
        return NavLink(label=label, url=url, current=_is_current(url, path), **kwargs)

    public = NavLink(label=_("Public site"), url=reverse("site:home"))
    if not permissions.is_desk_member(user):
        return [public]
    unread = notifications_unread_count(user=user)
    personal: list[NavLink | NavGroup] = [
        link(notifications_label(unread), "desk:notifications", badge=unread),
        link(_("Profile"), "desk:profile"),
        public,
    ]
    if permissions.is_editor(user):
        people = [link(_("Invite"), "desk:invite"), link(_("Roles"), "desk:roles")]
        if getattr(user, "is_staff", False):  # Django's admin lets in staff only
            people.append(NavLink(label=_("Admin"), url=reverse("admin:index")))
        return [
            NavGroup(
                _("Work"),
                [
                    link(_("Board"), "desk:home"),
                    link(_("My work"), "desk:mine"),
                    link(_("Open jobs"), "desk:jobs"),
                    link(_("Glossary"), "desk:glossary"),
                ],
            ),
            NavGroup(
                _("Sources"),
                [link(_("Inbox"), "desk:inbox"), link(_("Import"), "desk:import"), link(_("Feeds"), "desk:feeds")],
            ),
            NavGroup(_("People"), people),
            NavGroup(_("Reports"), [link(_("Stats"), "desk:stats"), link(_("Audit log"), "desk:audit")]),
            *personal,
        ]
    if permissions.is_reviewer(user):
        # Reviewers arrive at their review queue (My work), so it comes first.
        work = [link(_("My work"), "desk:mine"), link(_("Board"), "desk:home"), link(_("Open jobs"), "desk:jobs")]
    else:
        work = [link(_("Open jobs"), "desk:jobs"), link(_("My work"), "desk:mine"), link(_("Board"), "desk:home")]
    return [*work, link(_("Glossary"), "desk:glossary"), *personal]
