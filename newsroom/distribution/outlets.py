"""Telling the source outlet: one e-mail when its story is first published in a language.

The outlet's contact and opt-out are set on the outlet (admin). The notice row is unique per
story and language, made in the publishing transaction; the task sends it on commit and marks
it sent under a row lock, so a retry or a second publication never mails twice.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import Error, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from modeltranslation.utils import build_localized_fieldname

from newsroom.core.mail import message_id, sent_mark_retried
from newsroom.core.queue import enqueue
from newsroom.distribution.models import OutletNotice
from newsroom.models import Article
from newsroom.site import selectors
from translations.public import Role, article_credits, public_credits


def outlet_notice_create(*, article: Article, language: str) -> OutletNotice | None:
    """Inside the publishing transaction, for a first publication: the notice, sent on commit
    (none when the outlet has no contact or opted out, or was already told)."""
    outlet = article.outlet
    if outlet is None or not outlet.contact_email or outlet.is_notice_opted_out:
        return None
    notice, created = OutletNotice.objects.get_or_create(
        article=article, language=language, defaults={"email": outlet.contact_email}
    )
    if not created:
        return None
    transaction.on_commit(lambda: enqueue("newsroom.distribution.tasks.outlet_notice_send", notice.pk))
    return notice


def outlet_notice_send(*, notice_id: int) -> bool:
    """Send the notice once (the task calls it); True when it was sent now.

    Its own step (``newsroom.core.mail``): claimed under its row lock (``SKIP LOCKED``: another
    sender has it and sends it), sent with a ``Message-ID`` derived from the notice, and marked
    in that transaction; a commit that fails after the send is followed by the mark alone."""
    left: list[bool] = []
    try:
        return _outlet_notice_send(notice_id=notice_id, left=left)
    except Error:
        if not left:
            raise
        sent_mark_retried(
            mark=lambda: OutletNotice.objects.filter(pk=notice_id, sent_at__isnull=True).update(sent_at=timezone.now()),
            what=f"Outlet notice {notice_id}",
        )
        return True


@transaction.atomic
def _outlet_notice_send(*, notice_id: int, left: list[bool]) -> bool:
    notice = (
        OutletNotice.objects.select_for_update(of=("self",), skip_locked=True)
        .select_related("article__outlet")
        .filter(pk=notice_id)
        .first()
    )
    if notice is None or notice.sent_at is not None:
        return False
    article, language = notice.article, notice.language
    title = getattr(article, build_localized_fieldname("title", language))
    if not getattr(article, build_localized_fieldname("published_at", language)):
        return False  # taken off the site before the notice left
    link = settings.SITE_URL + selectors.article_url(article, language)
    credits = public_credits(article, article_credits(article=article, lang=language))
    lines = [
        _("Your story “%(source)s” is now published in translation (%(language)s):")
        % {"source": article.source_title, "language": language},
        "",
        title,
        link,
        "",
    ]
    for role, label in ((Role.TRANSLATOR, _("Translated by")), (Role.REVIEWER, _("Reviewed by"))):
        names = [c["name"] for c in credits.get(role, [])]
        if names:
            lines.append(f"{label}: {', '.join(names)}")
    lines += ["", _("Original: %(url)s") % {"url": article.source_url}, "", settings.DESK_SITE_NAME]
    EmailMessage(
        _("Your story is published in translation: %(title)s") % {"title": title},
        "\n".join(lines),
        settings.DEFAULT_FROM_EMAIL,
        [notice.email],
        headers={"Message-ID": message_id(kind="outlet-notice", key=notice.pk)},
    ).send()
    left.append(True)
    notice.sent_at = timezone.now()
    notice.save(update_fields=["sent_at"])
    return True
