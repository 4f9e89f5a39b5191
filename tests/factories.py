"""factory_boy factories. States are set directly here so tests can start anywhere;
the workflow itself is only exercised through ``translations.workflow``."""

from __future__ import annotations

import datetime as dt
import hashlib

import factory
import reversion
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from reversion.models import Version

from newsroom.models import Article, Outlet, SourceRevision
from translations.models import Contributor, Credit, CreditMode, Role, State, Translation, WorkflowEvent
from translations.versions import working_copy_hash

SUBMITTED_STATES = (State.IN_REVIEW, State.APPROVED, State.SCHEDULED, State.PUBLISHED)
APPROVED_STATES = (State.APPROVED, State.SCHEDULED, State.PUBLISHED)


def pin(translation: Translation, action: str, actor=None) -> WorkflowEvent:
    """Record ``action`` (submit, approve) as the workflow would: a revision of the current
    text and an event pinning it. For factories that start a translation past that step."""
    with reversion.create_revision():
        translation.save()
        reversion.set_user(actor)
        reversion.set_comment(f"factory: {action}")
    version = Version.objects.get_for_object(translation).first()
    return WorkflowEvent.objects.create(
        translation=translation,
        actor=actor,
        action=action,
        from_state=translation.state,
        to_state=translation.state,
        revision_id=version.revision_id,
        content_hash=working_copy_hash(translation),
    )


def make_blocks(texts: list[str], kind: str = "paragraph") -> list[dict]:
    return [
        {
            "id": f"p-{hashlib.sha1(text.encode()).hexdigest()[:10]}",
            "kind": kind,
            "text": text,
            "html": text,
            "attrs": {},
        }
        for text in texts
    ]


class ContributorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contributor
        django_get_or_create = ("user",)

    user = factory.SubFactory("tests.factories.UserFactory", contributor=None)
    credit_mode = CreditMode.REAL_NAME
    languages = factory.LazyFunction(lambda: ["ru", "en"])


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@desk.example")
    password = factory.django.Password("correct horse battery staple")
    contributor = factory.RelatedFactory(ContributorFactory, factory_related_name="user")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.set(Group.objects.filter(name__in=extracted))


class OutletFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Outlet
        django_get_or_create = ("slug",)

    name = "TUT.BY"
    slug = "tut-by"
    credit_name = "TUT.BY"
    site_url = "https://news.tut.by"
    language = "ru"


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article
        skip_postgeneration_save = True

    outlet = factory.SubFactory(OutletFactory)
    source_url = factory.Sequence(lambda n: f"https://news.tut.by/society/{700000 + n}.html")
    language = "ru"
    source_title = factory.Sequence(lambda n: f"Сотрудники МИД вышли на пикет {n}")
    authors = factory.LazyFunction(lambda: ["Алеся Шумейко"])
    source_published_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))

    @factory.post_generation
    def blocks(self, create, extracted, **kwargs):
        texts = extracted or ["Первый абзац про пикет 17 августа.", "Второй абзац: 1 200 человек.", "Третий абзац."]
        revision = SourceRevision.objects.create(
            article=self,
            number=1,
            fetched_at=timezone.now(),
            final_url=self.source_url,
            title=self.source_title,
            blocks=make_blocks(texts),
            word_count=SourceRevision.count_words(make_blocks(texts)),
        )
        self.current_revision = revision
        if create:
            self.save(update_fields=["current_revision"])


class TranslationFactory(factory.django.DjangoModelFactory):
    """A translation in any ``state``; worked-on states get a translator (and credit)."""

    class Meta:
        model = Translation
        skip_postgeneration_save = True

    article = factory.SubFactory(ArticleFactory)
    language = "en"
    state = State.OPEN
    source_revision = factory.LazyAttribute(lambda t: t.article.current_revision)
    title = factory.LazyAttribute(lambda t: "" if t.state == State.OPEN else "MFA employees picket against violence")
    translator = factory.Maybe(
        factory.LazyAttribute(lambda t: t.state not in (State.OPEN, State.SPIKED)),
        yes_declaration=factory.SubFactory(UserFactory, roles=["translator"]),
        no_declaration=None,
    )
    scheduled_for = factory.Maybe(
        factory.LazyAttribute(lambda t: t.state == State.SCHEDULED),
        yes_declaration=factory.LazyFunction(lambda: timezone.now() + dt.timedelta(hours=1)),
        no_declaration=None,
    )
    first_published_at = factory.Maybe(
        factory.LazyAttribute(lambda t: t.state == State.PUBLISHED),
        yes_declaration=factory.LazyFunction(timezone.now),
        no_declaration=None,
    )
    last_activity_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def filled(self, create, extracted, **kwargs):
        """Give every source block a target text unless ``filled=False``."""
        if extracted is False or self.state == State.OPEN:
            return
        self.blocks = {b["id"]: {"text": f"English for: {b['text']}"} for b in self.source_revision.blocks}
        if self.translator_id:
            Credit.objects.get_or_create(translation=self, user=self.translator, role=Role.TRANSLATOR)
        if create:
            self.save(update_fields=["blocks"])

    @factory.post_generation
    def pinned(self, create, extracted, **kwargs):
        """A translation past review has its submission (and approval) pinned, unless ``pinned=False``."""
        if not create or extracted is False:
            return
        if self.state in SUBMITTED_STATES:
            pin(self, "submit", self.translator)
        if self.state in APPROVED_STATES:
            pin(self, "approve")
