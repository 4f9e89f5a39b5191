"""Keeps the stored pages (``newsroom.site.pages``) in step with what they show; connected in
``newsroom.apps``.

- ``pages.pages_changed`` (a publication, a correction, a withdrawal, a related list that
  changed): the pages are rendered again at once, in the publishing transaction.
- A credit, a profile, an account's names, a tag or an outlet saved (desk, admin, privacy tools): the
  pages of the stories that show them are forgotten and rendered per request meanwhile.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save

from newsroom.models import Article, Outlet, Tag
from newsroom.site import pages, views
from translations.models import Contributor, Credit, Translation


def _render(sender: Any, *, pks: Any, language: str, **kwargs: Any) -> None:
    views.article_pages_render(pks=pks, language=language)
    views.home_listing_render(language=language)


def _credited(user_id: int | None) -> None:
    if user_id is not None:
        pages.article_pages_forget(pks=Credit.objects.filter(user_id=user_id).values("translation__article_id"))


def _contributor_saved(sender: Any, instance: Contributor, created: bool = False, **kwargs: Any) -> None:
    if not created:  # a new profile is credited nowhere yet
        _credited(instance.user_id)


def _user_saved(sender: Any, instance: Any, created: bool = False, update_fields: Any = None, **kwargs: Any) -> None:
    if created or update_fields is not None and set(update_fields) <= {"last_login", "password"}:
        return  # a login changes nothing a page shows
    _credited(instance.pk)


def _credit_saved(sender: Any, instance: Credit, **kwargs: Any) -> None:
    if pages.pages_render_is_deferred():
        return  # a batch (import_archive): each story it publishes is rendered at its end
    pages.article_pages_forget(pks=Translation.objects.filter(pk=instance.translation_id).values("article_id"))


def _tag_saved(sender: Any, instance: Tag, created: bool = False, **kwargs: Any) -> None:
    if created:
        return  # a new tag is on no page yet
    pages.article_pages_forget(pks=Article.tags.through.objects.filter(tag_id=instance.pk).values("article_id"))


def _outlet_saved(
    sender: Any, instance: Outlet, created: bool = False, update_fields: Any = None, **kwargs: Any
) -> None:
    if created or (update_fields is not None and "credit_name" not in update_fields and "name" not in update_fields):
        return  # a new outlet has no stories yet; a feed poll's bookkeeping shows on no page
    pages.article_pages_forget(pks=Article.objects.filter(outlet_id=instance.pk).values("pk"))


def connect() -> None:
    pages.pages_changed.connect(_render, dispatch_uid="site-pages-render")
    for signal in (post_save, post_delete):  # a deleted account's profile goes first (translations.privacy)
        signal.connect(
            _contributor_saved, sender=Contributor, dispatch_uid=f"site-pages-contributor-{signal is post_save}"
        )
    post_save.connect(_user_saved, sender=get_user_model(), dispatch_uid="site-pages-user")
    for signal in (post_save, post_delete):
        signal.connect(_credit_saved, sender=Credit, dispatch_uid=f"site-pages-credit-{signal is post_save}")
        signal.connect(_tag_saved, sender=Tag, dispatch_uid=f"site-pages-tag-{signal is post_save}")
    post_save.connect(_outlet_saved, sender=Outlet, dispatch_uid="site-pages-outlet")
