"""The editorial core: outlets, their feeds, source articles and their revisions.

An :class:`Article` is one source story. Its *source* fields (``source_title``, the blocks of
its current :class:`SourceRevision`, …) are what the outlet published; its *live* fields
(``title``, ``lead``, ``body``, ``slug``, ``published_at``, ``seo_description``) are registered
with django-modeltranslation (``title_en``, …) and hold what readers see. Only
``newsroom/publishing.py`` writes the live fields.
"""

from __future__ import annotations

import contextvars
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from modeltranslation.utils import build_localized_fieldname

from newsroom import bylines


class Outlet(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    site_url = models.URLField(_("site"), max_length=500, blank=True)
    language = models.CharField(_("default language"), max_length=8, choices=settings.SOURCE_LANGUAGES, default="ru")
    credit_name = models.CharField(
        _("credit as"), max_length=200, help_text=_('How readers see the source credited, e.g. "TUT.BY".')
    )
    name_en = models.CharField(
        _("English name"),
        max_length=200,
        blank=True,
        help_text=_(
            'How English (and other Latin-script) bylines name the outlet, e.g. "Nasha Niva". '
            "Empty: the credit name, transliterated."
        ),
    )
    credit_terms = models.TextField(
        _("credit terms"), blank=True, help_text=_("What the outlet requires of a republication (link, wording).")
    )
    description = models.TextField(_("description"), blank=True)
    contact_email = models.EmailField(
        _("contact e-mail"),
        blank=True,
        help_text=_("Told once when one of the outlet's stories is published in translation (link and credits)."),
    )
    is_notice_opted_out = models.BooleanField(
        _("does not want these e-mails"), default=False, help_text=_("The outlet asked not to be told.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("site:outlet", kwargs={"slug": self.slug})

    def byline_name(self, language: str) -> str:
        """The outlet's name in a byline in ``language``: its English name, else transliterated."""
        return bylines.outlet_name_default(
            name_en=self.name_en, credit_name=self.credit_name, source_language=self.language, target_language=language
        )


# Spellings read ahead for many stories at once (NameSpelling.preloaded): {(name, language): spelling}
# and the (name, language) pairs it covers.
_spellings_preloaded: contextvars.ContextVar[tuple[set[tuple[str, str]], dict[tuple[str, str], str]] | None] = (
    contextvars.ContextVar("name_spellings_preloaded", default=None)
)


class NameSpelling(models.Model):
    """How the desk spells a source's name (a person, an outlet) in a publishing language: the
    translator's choice, remembered at publication (``publishing.article_publish``) and offered
    again on the next story: the byline's default, a quote's attribution and a picture's credit
    left empty all use it (``newsroom.bylines.name_spelling``), so one person has one spelling."""

    source_name = models.CharField(_("name in the source"), max_length=200)
    language = models.CharField(_("publishing language"), max_length=8)
    spelling = models.CharField(_("spelling"), max_length=200)
    chosen_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["source_name", "language"]
        constraints = [models.UniqueConstraint(fields=["source_name", "language"], name="name_spelling_unique")]

    def __str__(self) -> str:
        return f"{self.source_name} → {self.spelling} ({self.language})"

    @staticmethod
    def spellings(*, names: Iterable[str], language: str) -> dict[str, str]:
        """The remembered spellings of ``names`` in ``language`` (one query; {} for no names)."""
        wanted = {" ".join(n.split()) for n in names if n and n.strip()}
        if not wanted:
            return {}
        preloaded = _spellings_preloaded.get()
        if preloaded is not None and all((n, language) in preloaded[0] for n in wanted):
            return {n: preloaded[1][(n, language)] for n in wanted if (n, language) in preloaded[1]}
        rows = NameSpelling.objects.filter(source_name__in=wanted, language=language)
        return dict(rows.values_list("source_name", "spelling"))

    @staticmethod
    @contextmanager
    def preloaded(*, names: Iterable[str], languages: Iterable[str]) -> Iterator[dict[tuple[str, str], str]]:
        """Inside, :meth:`spellings` answers for ``names`` in ``languages`` from one query made
        here (the archive's bulk path); the dict yielded may be updated as spellings are chosen."""
        wanted = {" ".join(n.split()) for n in names if n and n.strip()}
        langs = set(languages)
        known: dict[tuple[str, str], str] = {}
        if wanted and langs:
            rows = NameSpelling.objects.filter(source_name__in=wanted, language__in=langs)
            known = {
                (name, lang): spelling
                for name, lang, spelling in rows.values_list("source_name", "language", "spelling")
            }
        token = _spellings_preloaded.set(({(n, lang) for n in wanted for lang in langs}, known))
        try:
            yield known
        finally:
            _spellings_preloaded.reset(token)


class Feed(models.Model):
    outlet = models.ForeignKey(Outlet, on_delete=models.CASCADE, related_name="feeds")
    url = models.URLField(_("feed URL"), max_length=1000, unique=True)
    title = models.CharField(_("title"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    auto_import = models.BooleanField(
        _("import new items"),
        default=False,
        help_text=_("Import new items at once instead of listing them in the inbox."),
    )
    poll_interval_minutes = models.PositiveIntegerField(_("poll every (minutes)"), default=30)
    etag = models.CharField(max_length=300, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    next_poll_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    consecutive_errors = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    progress_done = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["outlet__name", "url"]
        indexes = [models.Index(fields=["is_active", "next_poll_at"], name="feed_due")]
        constraints = [models.CheckConstraint(condition=Q(poll_interval_minutes__gte=1), name="feed_interval_positive")]

    def __str__(self) -> str:
        return self.title or self.url


class FeedItem(models.Model):
    """One item a feed listed: the desk's inbox of sources not yet imported."""

    class Status(models.TextChoices):
        NEW = "new", _("New")
        IMPORTED = "imported", _("Imported")
        REJECTED = "rejected", _("Rejected")
        FAILED = "failed", _("Import failed")

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="items")
    url = models.URLField(max_length=1000)
    guid = models.CharField(max_length=1000, blank=True)
    title = models.CharField(max_length=1000, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.NEW)
    error = models.TextField(blank=True)
    article = models.ForeignKey("Article", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    first_seen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-published_at", "-first_seen_at"]
        constraints = [
            models.UniqueConstraint(fields=["feed", "url"], name="feeditem_unique_url"),
            models.CheckConstraint(
                condition=Q(status__in=["new", "imported", "rejected", "failed"]), name="feeditem_status_known"
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.url


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=120, unique=True, allow_unicode=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("site:tag", kwargs={"slug": self.slug})


class BodyText(models.Func):
    """The plain text of a live body (a JSON list of blocks): their ``text`` joined by blank lines.

    ``newsroom_body_text(jsonb)`` is an IMMUTABLE SQL function created by migration
    ``0002_site_search`` so that it can feed a stored generated column and ``ts_headline``.
    """

    function = "newsroom_body_text"
    output_field = models.TextField()


# PostgreSQL's text-search configuration of each supported publishing language: its stemmer
# where PostgreSQL ships one (15 has none for Polish or Ukrainian), else 'simple'.
# Each is ``newsroom_<PostgreSQL's>``: the same with ``unaccent`` before the stemmer, so search
# is accent-insensitive ("cafe" finds "café"; migration 0020_search_unaccent).
SEARCH_CONFIGS: dict[str, str] = {
    "en": "newsroom_english",
    "de": "newsroom_german",
    "pl": "newsroom_simple",
    "uk": "newsroom_simple",
    "fr": "newsroom_french",
    "lt": "newsroom_lithuanian",
}
SEARCH_FIELDS = tuple(f"search_{code}" for code in SEARCH_CONFIGS)


def _search_document(code: str) -> models.Expression:
    """Title outranks lead, lead outranks body (weights A, B, C), stemmed in the language's own way."""
    config = SEARCH_CONFIGS[code]
    return (
        SearchVector(f"title_{code}", weight="A", config=config)
        + SearchVector(f"lead_{code}", weight="B", config=config)
        + SearchVector(BodyText(f"body_{code}"), weight="C", config=config)
    )


def _search_field(code: str) -> models.GeneratedField:
    return models.GeneratedField(
        expression=_search_document(code), output_field=SearchVectorField(), db_persist=True, editable=False
    )


class Article(models.Model):
    class Triage(models.TextChoices):
        NEW = "new", _("New")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    outlet = models.ForeignKey(Outlet, on_delete=models.PROTECT, related_name="articles", null=True, blank=True)
    source_url = models.URLField(_("source URL"), max_length=1000, unique=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.SOURCE_LANGUAGES)
    authors = ArrayField(models.CharField(max_length=200), default=list, blank=True)
    source_tags = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    source_title = models.CharField(_("original title"), max_length=1000)
    source_lead = models.TextField(_("original lead"), blank=True)
    source_published_at = models.DateTimeField(_("originally published"), null=True, blank=True)
    source_modified_at = models.DateTimeField(null=True, blank=True)
    is_paywalled = models.BooleanField(default=False)
    current_revision = models.ForeignKey(
        "SourceRevision", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles", help_text=_("Published (English) tags."))
    triage = models.CharField(_("triage"), max_length=10, choices=Triage, default=Triage.NEW)
    triage_reason = models.TextField(blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Live fields: registered with modeltranslation (title_en, …); written only by publishing.py.
    title = models.CharField(_("title"), max_length=1000, blank=True)
    lead = models.TextField(_("lead"), blank=True)
    body = models.JSONField(_("body"), default=list, blank=True)
    slug = models.SlugField(_("slug"), max_length=200, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    seo_description = models.CharField(_("SEO description"), max_length=300, blank=True)
    # The source authors' and the outlet's names as the translation's language writes them
    # (the approved byline of the translation; see newsroom/bylines.py for the defaults).
    byline = models.CharField(_("byline"), max_length=500, blank=True)
    byline_outlet = models.CharField(_("outlet in the byline"), max_length=200, blank=True)
    # The share of the published words that came from a machine draft unchanged (0–1), computed
    # at publication by newsroom/machine_assist.py; null: published before the rule, none stored.
    machine_share = models.FloatField(_("machine share"), null=True, blank=True, editable=False)
    is_featured = models.BooleanField(_("featured"), default=False)
    # Written by publishing.py with the live fields (per language too): the body rendered once
    # from the sanitised live blocks, and the stories shown under "Related stories", so a page
    # view neither renders every block nor searches the whole archive for related stories.
    body_html = models.TextField(_("body (rendered)"), blank=True, editable=False)
    related_ids = models.JSONField(_("related stories"), default=list, blank=True, editable=False)
    # The story's page rendered at publication (newsroom/site/rendering/): head, content and the
    # language links, with a stamp of the templates and settings they were rendered with. A page
    # view with a current stamp fills the site's frame from this one column; otherwise it renders.
    page = models.JSONField(_("page (rendered)"), default=dict, blank=True, editable=False)
    # What lists show of the story, rendered with its page and under the same stamp: its teasers,
    # its search teaser and its item in the read API's lists. A column of its own, small enough to
    # stay in the row: a list reads one value per story, where a key of ``page`` would make
    # PostgreSQL decompress the whole page (newsroom/site/rendering/stored.py, LISTED).
    listed = models.JSONField(_("listed (rendered)"), default=dict, blank=True, editable=False)
    # Full-text search over the live text of each supported language, kept by PostgreSQL itself.
    search_en = _search_field("en")
    search_de = _search_field("de")
    search_pl = _search_field("pl")
    search_uk = _search_field("uk")
    search_fr = _search_field("fr")
    search_lt = _search_field("lt")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(triage__in=["new", "accepted", "rejected"]), name="article_triage_known"
            ),
            *(
                models.UniqueConstraint(
                    fields=[f"slug_{code}"], condition=~Q(**{f"slug_{code}": ""}), name=f"article_unique_slug_{code}"
                )
                for code in settings.SUPPORTED_PUBLISHING_LANGUAGES
            ),
        ]
        indexes = [
            models.Index(fields=["triage", "-created_at"], name="article_inbox"),
            # The desk board's search (icontains → UPPER(...) LIKE) on Cyrillic titles.
            GinIndex(OpClass(Upper("source_title"), name="gin_trgm_ops"), name="article_source_title_trgm"),
            *(
                models.Index(fields=[f"-published_at_{code}"], name=f"article_live_{code}")
                for code in settings.SUPPORTED_PUBLISHING_LANGUAGES
            ),
            *(GinIndex(fields=[f"search_{code}"], name=f"article_search_{code}") for code in SEARCH_CONFIGS),
            # The home page's few featured stories, without walking every live one to find none.
            models.Index(fields=["is_featured"], condition=Q(is_featured=True), name="article_featured"),
        ]

    def __str__(self) -> str:
        return self.title or self.source_title

    def get_absolute_url(self) -> str:
        return reverse("site:article", kwargs={"slug": self.slug})

    @staticmethod
    def live_q(lang: str, prefix: str = "") -> Q:
        """The one rule for "live in ``lang``": published there and with a slug. ``prefix`` is
        the relation path when filtering other models (``"articles__"``): then it asks for one
        related story that is live."""
        published = f"{prefix}{build_localized_fieldname('published_at', lang)}"
        slug = f"{prefix}{build_localized_fieldname('slug', lang)}"
        # "slug > ''" rather than a negation: over a relation, Django turns a negated condition
        # into "no related row matches", while this asks for one related story that is live.
        return Q(**{f"{published}__isnull": False, f"{slug}__gt": ""})

    @property
    def source_name(self) -> str:
        """How the source is credited: the outlet's credit name, else the site's host name."""
        if self.outlet is not None:
            return self.outlet.credit_name
        return urlsplit(self.source_url).hostname or self.source_url

    def default_byline(self, language: str) -> tuple[str, str]:
        """The standard byline for ``language`` (authors, outlet), before anyone edits it."""
        authors = bylines.byline_default(
            authors=self.authors,
            source_language=self.language,
            target_language=language,
            spellings=NameSpelling.spellings(names=self.authors, language=language),
        )
        if self.outlet is not None:
            return authors, self.outlet.byline_name(language)
        host = urlsplit(self.source_url).hostname or self.source_url
        return authors, host

    def byline_for(self, language: str, *, authors: str, outlet: str) -> tuple[str, str]:
        """``authors`` and ``outlet`` as a byline in ``language``, the standard one filling the
        gaps (:func:`newsroom.bylines.byline_fallback`, the one rule)."""
        return bylines.byline_fallback(authors=authors, outlet=outlet, default=lambda: self.default_byline(language))

    def live_byline(self, language: str) -> tuple[str, str]:
        """The byline readers of ``language`` see (authors, outlet): the one publication wrote,
        else (a row written before bylines, missed by migration 0010) the standard one."""
        return self.byline_for(
            language,
            authors=getattr(self, build_localized_fieldname("byline", language)) or "",
            outlet=getattr(self, build_localized_fieldname("byline_outlet", language)) or "",
        )

    @property
    def blocks(self) -> list[dict[str, Any]]:
        return self.current_revision.blocks if self.current_revision else []


class SourceRevision(models.Model):
    """What the source said at one fetch: blocks plus the raw page kept for provenance."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    fetched_at = models.DateTimeField()
    final_url = models.URLField(max_length=1000, blank=True)
    http_headers = models.JSONField(default=dict, blank=True)
    raw_compressed = models.BinaryField(blank=True, editable=False)
    charset = models.CharField(max_length=40, blank=True)
    title = models.CharField(max_length=1000)
    lead = models.TextField(blank=True)
    blocks = models.JSONField(default=list)
    # Stored so the job board can filter and page by length in SQL (see ``count_words``).
    word_count = models.PositiveIntegerField(default=0)
    is_manual = models.BooleanField(default=False)
    # How sure the importer was of the text (``sources/extraction/confidence.py``): its score
    # (0-1), the agreement with trafilatura, the share from the voted core and whether the score
    # was under the line. None: pasted, or stored before the importer reported it.
    extraction_confidence = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["article", "-number"]
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="sourcerevision_unique_number")]

    def __str__(self) -> str:
        return f"{self.article_id} r{self.number}"

    @property
    def raw(self) -> bytes:
        return zlib.decompress(bytes(self.raw_compressed)) if self.raw_compressed else b""

    @property
    def is_extraction_doubtful(self) -> bool:
        """The importer was unsure of this text: the desk asks an editor to check it."""
        return bool((self.extraction_confidence or {}).get("is_low"))

    @staticmethod
    def count_words(blocks: list[dict[str, Any]]) -> int:
        """Words a translator has to translate: every block's text but embeds'."""
        return sum(len(str(b.get("text") or "").split()) for b in blocks if b.get("kind") != "embed")

    @staticmethod
    def compress(raw: bytes) -> bytes:
        return zlib.compress(raw, level=6)


class SourceImage(models.Model):
    """A picture of a source story, fetched once at import and served from our own origin.

    Image blocks point at it by id (``attrs["image"]``); ``attrs["src"]`` keeps the outlet's
    address for provenance only and is never sent to readers. The bytes were checked and
    re-encoded by Pillow (no EXIF, GPS or other metadata survives); ``renditions`` lists the
    WebP files on the default storage, narrowest first:
    ``[{"width": 480, "height": 320, "name": "images/ab/<sha256>/480.webp"}, …]``.
    """

    source_url = models.URLField(max_length=2000, db_index=True)
    sha256 = models.CharField(max_length=64, unique=True, help_text="Of the bytes as fetched.")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    renditions = models.JSONField(default=list)
    credit = models.CharField(
        max_length=300, blank=True, help_text="The photographer or agency, if the source named one."
    )
    fetched_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-fetched_at"]

    def __str__(self) -> str:
        return f"{self.sha256[:12]} ({self.width}×{self.height})"


class Correction(models.Model):
    """A dated note readers see on an article whose published translation was corrected."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="corrections")
    language = models.CharField(max_length=8)
    note = models.TextField()
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["published_at"]

    def __str__(self) -> str:
        return self.note[:60]


class AuditEntry(models.Model):
    """Every action taken on the desk: who, what, on which object, when and from where."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    action = models.CharField(max_length=60)
    target_type = models.CharField(max_length=60, blank=True)
    target_id = models.CharField(max_length=60, blank=True)
    target_repr = models.CharField(max_length=300, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["action", "-created_at"], name="audit_action")]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target_repr}"


class StoredListing(models.Model):
    """A listing's first page as readers get it, rendered when it changes, not per request.

    Written by ``newsroom.site`` when stories go live or are withdrawn in ``language`` (the
    same moment as the stories' stored pages), deleted when what its teasers show changes
    elsewhere (an outlet's name, a featured flag); read by the home page in one query. The
    ``stamp`` is ``newsroom.site.rendering.stored.page_stamp``: a row made by other templates is not served.
    """

    name = models.CharField(max_length=40)
    language = models.CharField(max_length=8)
    stamp = models.CharField(max_length=64)
    html = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "language"], name="storedlisting_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"


class SlugRedirect(models.Model):
    """An old slug of a published article, so links shared before a rename keep working."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="old_slugs")
    language = models.CharField(max_length=8)
    slug = models.SlugField(max_length=200)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["language", "slug"], name="slugredirect_unique")]

    def __str__(self) -> str:
        return self.slug


class DeskSession(models.Model):
    """One signed-in session as its owner sees it on Account → Sessions: the device (from the
    user agent), a coarse place (from the address, no geo database), when it began and was last
    used. Written only by ``newsroom/core/sessions.py``; a row whose session is gone is ended."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="desk_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    device = models.CharField(max_length=120)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "ended_at"], name="desk_session_user")]

    def __str__(self) -> str:
        return f"{self.device} ({self.created_at:%Y-%m-%d %H:%M})"
