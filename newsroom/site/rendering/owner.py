"""The one owner of what follows a change readers can see: every rendering and forgetting rule.

``newsroom.publishing`` writes a story's live fields and sends one signal,
``publishing.live_changed`` (published, corrected, unpublished); it knows nothing of the site.
This module receives it and everything else that changes what a reader page shows (a credit, a
profile, an account's names, a tag, an outlet, a story featured in the admin, an account
deleted), and decides what is rendered again at once and what is forgotten:

- **live text** (published / corrected): the body is rendered and stored with the story's
  related list, the story offers itself to its neighbours' lists, the stored pages of the story,
  of the neighbours whose list changed and (when its title or slug may have changed) of the
  stories listing it are rendered again with the home listing, and the story's cached pages,
  the listings, the feeds and the API answers are forgotten;
- **unpublished**: the stored pages of the story and of the stories listing it are rendered again
  (it gets none), and every cached page is forgotten;
- **a person's credit** (:func:`person_credit_changed`: credit choice, pseudonym, public page,
  names, account deleted): the stored pages of every story crediting them and the stored
  listings are forgotten (rendered per request until rendered again) and every cached page and
  API answer is forgotten, at once and again when the transaction commits, so by the time the
  save answers nobody is served the old name;
- a credit row, a tag or an outlet saved: the stored pages showing it are forgotten, and the
  cached pages;
- a story featured (:func:`listings_changed`): the stored listings and cached pages are forgotten.

Each rule also purges, after the commit, exactly the matching keys at the edge caches
(``newsroom.site.edge``; :func:`live_keys` for live text): the story, the listings it is in, the
people it credits, a person's key on a credit change.

:func:`batch` is the one "do it once at the end" context: inside it the related lists, page
renders and cache forgetting are collected and done once when it ends (``import_archive``
opens it once per transaction; :func:`batch_savepoint` undoes what a failed story offered).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save
from django.utils import translation
from modeltranslation.utils import build_localized_fieldname

from newsroom import publishing
from newsroom.models import Article, Outlet, Tag
from newsroom.site import edge
from newsroom.site.cache import site_cache_forget_articles, site_cache_invalidate
from newsroom.site.rendering import batch as batching
from newsroom.site.rendering import render, stored
from newsroom.site.rendering.related import (
    listing_ids,
    related_ids,
    related_lists_write,
    related_offer,
    related_publish_many,
)
from translations.public import article_credits, credited_article_ids, translation_article_ids

# A batch that changed more stories than this forgets every cached page at once.
FORGET_ALL_AFTER = 50

# --------------------------------------------------------------------------- live text


def live_changed(sender: Any, *, article: Article, language: str, kind: publishing.LiveChange, **kwargs: Any) -> None:
    """Receiver of ``publishing.live_changed`` (inside the publishing transaction)."""
    batch = batching.current.get()
    if batch is not None:
        if kind == publishing.LiveChange.PUBLISHED:  # rendered with the batch's others (_published_flush)
            batch.published.setdefault(language, {})[article.pk] = article
            return
        _published_flush(batch)  # what follows reads the lists the earlier publications made
    if kind == publishing.LiveChange.UNPUBLISHED:
        _pages_stale(pks={article.pk, *listing_ids(article=article, language=language)}, language=language)
        site_cache_invalidate()
        _edge_purge(live_keys(article=article, language=language, pks=[article.pk]))
        return
    article_live_render(article=article, language=language, republished=kind == publishing.LiveChange.CORRECTED)


def article_live_render(*, article: Article, language: str, republished: bool = False) -> None:
    """After the live fields of ``article`` in ``language`` were written (caller holds the lock).

    Stores the body rendered from the live blocks and the related stories, so that a page
    view costs the same whatever the size of the archive, then renders the stored pages that
    show it and forgets only this story's cached pages, the listings and the feeds; other
    stories stay cached. ``republished``: its title or slug may have changed since it was
    last live, so the pages listing it are rendered again too.
    """
    body = getattr(article, build_localized_fieldname("body", language)) or []
    related = related_ids(article=article, language=language)
    with translation.override(language):  # the body's own words ("Translator's note") in its language
        rendered = render.body_render(body=body)
    Article.objects.filter(pk=article.pk).update(
        **{
            build_localized_fieldname("body_html", language): rendered,
            build_localized_fieldname("related_ids", language): related,
        }
    )
    batch = batching.current.get()
    if batch is not None:  # its own list is now the stored one; its publication time is known
        batch.lists.get(language, {}).pop(article.pk, None)
        batch.times.setdefault(language, {})[article.pk] = getattr(
            article, build_localized_fieldname("published_at", language)
        )
    changed = related_offer(article=article, language=language, neighbours=related)
    # Its own page, the pages whose related list now names it and, when its title or slug may
    # have changed, every page that lists it.
    if republished and batch is not None:
        related_lists_write(batch)  # listing_ids reads the stored lists
    listing = listing_ids(article=article, language=language) if republished else []
    _pages_stale(pks={article.pk, *changed, *listing}, language=language)
    if batch is not None:
        batch.forget[article.pk] = article
    else:
        site_cache_forget_articles([article])
    # (the pages listing it carry its own key: only the neighbours whose list now names it are added)
    _edge_purge(live_keys(article=article, language=language, pks=[article.pk, *changed]))


def live_keys(*, article: Article, language: str, pks: Iterable[int]) -> set[str]:
    """The edge keys a change of ``article``'s live text in ``language`` touches: the stories
    ``pks`` (it, and the neighbours whose related list changed; every page showing a story
    carries its key), every listing it is in (home, archive, its month, its tags, its outlet,
    the feeds, the sitemap, the API's lists) and the people it credits (their pages list it).
    Empty when no edge is configured (no queries)."""
    if not edge.is_enabled():
        return set()
    keys = {edge.story(pk) for pk in pks}
    keys |= {edge.home(language), edge.archive(language), edge.feeds(language), edge.api(language), edge.SITEMAP}
    published = getattr(article, build_localized_fieldname("published_at", language), None)
    if published is not None:  # (withdrawn: its month page carries its story key)
        keys.add(edge.month(language, published))
    keys |= {edge.tag(pk, language) for pk in article.tags.values_list("pk", flat=True)}
    if article.outlet_id:
        keys.add(edge.outlet(article.outlet_id, language))
    keys |= {edge.person(c.user_id) for c in article_credits(article=article, lang=language) if c.user_id}
    return keys


def _edge_purge(keys: Iterable[str]) -> None:
    """Purge ``keys`` at the edges after the commit (at a batch's end inside one). Called after
    the page cache's own forgetting, so its on-commit callback runs first and the edge's next
    fetch gets the new page."""
    batch = batching.current.get()
    if batch is not None:
        batch.purge.update(keys)
        return
    edge.edge_purge(keys=keys)


def _pages_stale(*, pks: Iterable[int], language: str) -> None:
    """Render the stored pages of ``pks`` in ``language`` and the home listing (at a batch's end inside one)."""
    batch = batching.current.get()
    if batch is not None:
        batch.pages.setdefault(language, set()).update(pks)
        return
    _pages_render(pks=set(pks), language=language)


def _pages_render(*, pks: set[int], language: str) -> None:
    render.article_pages_render(pks=pks, language=language)
    render.home_listing_render(language=language)


def live_changed_many(
    sender: Any, *, articles: list[Article], language: str, kind: publishing.LiveChange, **kwargs: Any
) -> None:
    """Receiver of ``publishing.live_changed_many``: new stories published together, their rows
    not written yet. Inside :func:`batch` only (``import_archive`` opens it): their bodies,
    related lists and pages are set on the rows in memory, which publishing then writes once;
    the neighbours' lists and pages and the home listing follow at the batch's end."""
    batch = batching.current.get()
    if batch is None or kind != publishing.LiveChange.PUBLISHED:
        raise RuntimeError("Stories published together are rendered inside rendering.owner.batch() only.")
    _published_flush(batch)  # publications before these come first
    _published_render(batch, articles=articles, language=language, written=False)


def _published_flush(batch: batching.Batch) -> None:
    """Render the first publications ``batch`` kept (rows written), in their order."""
    published, batch.published = batch.published, {}
    for language, kept in published.items():
        _published_render(batch, articles=list(kept.values()), language=language, written=True)


def _published_render(batch: batching.Batch, *, articles: list[Article], language: str, written: bool) -> None:
    """First publications in ``language``, in order, with the outcome of :func:`article_live_render`
    for each in turn: bodies rendered, related lists and offers worked out together
    (``related_publish_many``) and pages rendered, set on the rows and written in one statement
    per hundred stories (or left to publishing when the rows are not ``written`` yet); the
    pages of the neighbours whose list changed are rendered at the batch's end."""
    own, changed = related_publish_many(articles=articles, language=language, batch=batch)
    body_html = build_localized_fieldname("body_html", language)
    related_field = build_localized_fieldname("related_ids", language)
    with translation.override(language):
        for article in articles:
            body = getattr(article, build_localized_fieldname("body", language)) or []
            setattr(article, body_html, render.body_render(body=body))
            setattr(article, related_field, own[article.pk])
    # Their pages now (their related stories are live and tagged, their credits written), each
    # row written once with its body and list.
    render.article_pages_store(stories=articles, language=language, fields=(body_html, related_field), write=written)
    mine = {article.pk for article in articles}
    batch.pages.setdefault(language, set()).update(set(changed) - mine)
    batch.forget.update((article.pk, article) for article in articles)
    if edge.is_enabled():  # what each one-by-one publication would purge, sent once at the batch's end
        for article in articles:
            batch.purge.update(live_keys(article=article, language=language, pks=[article.pk]))
        batch.purge.update(edge.story(pk) for pk in changed)


# --------------------------------------------------------------------------- the batch


@contextmanager
def batch() -> Iterator[None]:
    """Many publications in one transaction (``import_archive``), with the same outcome as one
    by one but less work: the related lists each publication offers its neighbours are kept in
    memory and written once at the end, the stored pages touched are rendered once per language,
    and the site cache forgets the stories' pages once. Use inside ``transaction.atomic()``;
    wrap each publication that may fail alone in :func:`batch_savepoint`. Nothing is written or
    forgotten if the block raises. Inside an open batch, joins it.
    """
    if batching.current.get() is not None:
        yield
        return
    pending = batching.Batch()
    token = batching.current.set(pending)
    try:
        yield
        _published_flush(pending)
    finally:
        batching.current.reset(token)
    related_lists_write(pending)
    for language, pks in pending.pages.items():  # from the written lists
        _pages_render(pks=pks, language=language)
    if len(pending.forget) > FORGET_ALL_AFTER:  # an archive load: one bump instead of a key per story
        site_cache_invalidate()
    elif pending.forget:
        site_cache_forget_articles(list(pending.forget.values()))
    if pending.purge:
        edge.edge_purge(keys=pending.purge)


@contextmanager
def batch_savepoint() -> Iterator[None]:
    """Inside :func:`batch`: undo what the block offered to its neighbours' related lists if it
    raises (the caller rolls its savepoint back). A no-op outside."""
    pending = batching.current.get()
    if pending is None:
        yield
        return
    saved = {language: dict(lists) for language, lists in pending.lists.items()}
    published = {language: dict(kept) for language, kept in pending.published.items()}
    try:
        yield
    except BaseException:
        pending.lists, pending.published = saved, published
        raise


def batch_is_open() -> bool:
    return batching.current.get() is not None


# --------------------------------------------------------------------------- other changes


def person_credit_changed(*, user_id: int) -> None:
    """A person's public naming changed (credit choice, pseudonym, public page or slug, names,
    or the account is being deleted): forget everything that may name them.

    The stored pages of every story crediting them and the stored listings are forgotten (they
    are rendered per request with the new choice until rendered again), and every cached page,
    feed, sitemap and API answer is forgotten at once and again when the surrounding
    transaction commits. Call it inside the transaction that saves the change (the Contributor
    and user ``post_save`` receivers do; the profile service may call it too).
    """
    stored.article_pages_forget(pks=credited_article_ids(user_id=user_id))
    site_cache_invalidate()
    # Every answer naming them carries their key (story pages, feeds, API answers, their own
    # page); ``people``: the lists of who has a public page. A hard purge: never served stale.
    edge.edge_purge(keys={edge.person(user_id), edge.PEOPLE})


def listings_changed() -> None:
    """Something every listing shows changed outside publishing (a story featured in the admin)."""
    stored.listings_forget()
    site_cache_invalidate()
    edge.edge_purge(keys={edge.home(code) for code in settings.PUBLISHING_LANGUAGES})


def _stories_forget(pks: Any, *, listings: Iterable[str] = ()) -> None:
    """Forget the stored pages of the stories ``pks`` (ids or a values queryset) and every cached
    page, and purge their keys and ``listings`` at the edges."""
    stored.article_pages_forget(pks=pks)
    site_cache_invalidate()
    if edge.is_enabled():
        ids = Article.objects.filter(pk__in=pks).values_list("pk", flat=True)
        edge.edge_purge(keys={*(edge.story(pk) for pk in ids), *listings})


def _contributor_saved(sender: Any, instance: Any, created: bool = False, **kwargs: Any) -> None:
    if not created:  # a new profile is credited nowhere yet
        person_credit_changed(user_id=instance.user_id)


def _user_saved(sender: Any, instance: Any, created: bool = False, update_fields: Any = None, **kwargs: Any) -> None:
    if created or update_fields is not None and set(update_fields) <= {"last_login", "password"}:
        return  # a login changes nothing a page shows
    person_credit_changed(user_id=instance.pk)


def _credit_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    if batch_is_open():
        return  # a batch (import_archive): each story it publishes is rendered at its end
    ids = translation_article_ids(translation_id=instance.translation_id)
    stored.article_pages_forget(pks=ids)
    # The story's cached pages and every listing (a translator's page lists her credited stories,
    # kept per listings version): a withdrawn credit is gone from the next request.
    stories = list(Article.objects.filter(pk__in=ids))
    site_cache_forget_articles(stories)
    if edge.is_enabled():  # the names on that story's page (and its API answers)
        edge.edge_purge(keys={edge.story(story.pk) for story in stories})


def _tag_saved(sender: Any, instance: Tag, created: bool = False, **kwargs: Any) -> None:
    if created:
        return  # a new tag is on no page yet
    listings = [key for code in settings.PUBLISHING_LANGUAGES for key in (edge.tag(instance.pk, code), edge.api(code))]
    _stories_forget(
        Article.tags.through.objects.filter(tag_id=instance.pk).values("article_id"),
        listings=[*listings, edge.SITEMAP],  # its name, and its slug in the sitemap
    )


# What readers see of an outlet: its names (on every teaser of its stories) and, on its own page,
# its address, its site and its description.
SHOWN_OUTLET_FIELDS = {"credit_name", "name", "name_en", "slug", "site_url", "description"}


def _outlet_saved(
    sender: Any, instance: Outlet, created: bool = False, update_fields: Any = None, **kwargs: Any
) -> None:
    if created or (update_fields is not None and not SHOWN_OUTLET_FIELDS & set(update_fields)):
        return  # a new outlet has no stories yet; a feed poll's bookkeeping shows on no page
    codes = settings.PUBLISHING_LANGUAGES
    _stories_forget(
        Article.objects.filter(outlet_id=instance.pk).values("pk"),
        # its name is on every teaser: the home listing's too (the partial listings carry story keys)
        listings=[key for code in codes for key in (edge.outlet(instance.pk, code), edge.api(code), edge.home(code))],
    )


def connect() -> None:
    """Connect the receivers (``newsroom.apps``). The desk's models are looked up by name: the
    reader site never imports the desk's working copies."""
    contributor = apps.get_model("translations", "Contributor")
    credit = apps.get_model("translations", "Credit")
    publishing.live_changed.connect(live_changed, dispatch_uid="site-live-changed")
    publishing.live_changed_many.connect(live_changed_many, dispatch_uid="site-live-changed-many")
    for signal in (post_save, post_delete):  # a deleted account's profile goes first (translations.privacy)
        signal.connect(
            _contributor_saved, sender=contributor, dispatch_uid=f"site-pages-contributor-{signal is post_save}"
        )
        signal.connect(_credit_saved, sender=credit, dispatch_uid=f"site-pages-credit-{signal is post_save}")
        signal.connect(_tag_saved, sender=Tag, dispatch_uid=f"site-pages-tag-{signal is post_save}")
        # (its page keeps the outlet per listings version: a deleted one starts a new version too)
        signal.connect(_outlet_saved, sender=Outlet, dispatch_uid=f"site-pages-outlet-{signal is post_save}")
    post_save.connect(_user_saved, sender=get_user_model(), dispatch_uid="site-pages-user")
