"""The desk per publishing language (German is on in the test settings, Polish is not)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import ArticleFactory, TranslationFactory, UserFactory
from translations import workflow
from translations.assist import glossary, memory
from translations.models import GlossaryTerm, State, Translation
from translations.workflow import WorkflowError


def test_editor_opens_a_job_into_an_enabled_language_only(editor):
    article = ArticleFactory()
    german = workflow.translation_create(article=article, by=editor, language="de")
    assert german.language == "de" and german.state == State.OPEN
    with pytest.raises(WorkflowError):
        workflow.translation_create(article=article, by=editor, language="pl")  # supported, not enabled
    assert list(Translation.objects.filter(article=article).values_list("language", flat=True)) == ["de"]


def test_open_job_form_offers_the_enabled_languages(client, editor):
    client.force_login(editor)
    article = ArticleFactory()
    html = client.get(reverse("desk:open_job", args=[article.pk])).content.decode()
    assert '<option value="de">Deutsch</option>' in html
    assert '<option value="pl"' not in html


def test_board_filters_by_target_language(client, editor):
    english = TranslationFactory(state=State.IN_PROGRESS, language="en")
    german = TranslationFactory(state=State.IN_PROGRESS, language="de")
    client.force_login(editor)
    html = client.get(reverse("desk:home"), {"target": "de"}).content.decode()
    assert german.article.source_title in html and english.article.source_title not in html


def test_job_board_offers_jobs_between_the_profiles_languages(client):
    english = TranslationFactory(language="en")
    german = TranslationFactory(language="de")
    belarusian = TranslationFactory(article=ArticleFactory(language="be"), language="de")
    person = UserFactory(username="gerda", roles=["translator"], contributor__languages=["ru", "de"])
    client.force_login(person)
    html = client.get(reverse("desk:jobs")).content.decode()
    assert german.article.source_title in html
    assert english.article.source_title not in html and belarusian.article.source_title not in html
    everything = client.get(reverse("desk:jobs"), {"every_language": "on"}).content.decode()
    assert all(t.article.source_title in everything for t in (english, german, belarusian))
    into_english = client.get(reverse("desk:jobs"), {"target": "en"}).content.decode()
    assert english.article.source_title in into_english and german.article.source_title not in into_english


def test_profile_lists_publishing_languages_to_translate_into(client):
    person = UserFactory(username="gerda", roles=["translator"], contributor__languages=["ru"])
    client.force_login(person)
    html = client.get(reverse("desk:profile")).content.decode()
    assert 'value="de"' in html and 'value="ru"' in html


def test_glossary_terms_belong_to_a_language_pair(client, editor):
    glossary.glossary_term_create(by=editor, source_term="МИД", target_term="MFA", source_language="ru")
    glossary.glossary_term_create(
        by=editor, source_term="МИД", target_term="Außenministerium", source_language="ru", target_language="de"
    )
    with pytest.raises(glossary.GlossaryError):
        glossary.glossary_term_create(
            by=editor, source_term="МИД", target_term="MSZ", source_language="ru", target_language="pl"
        )
    assert [t.target_term for t in glossary.glossary_terms(source_language="ru", target_language="de")] == [
        "Außenministerium"
    ]
    client.force_login(editor)
    html = client.get(reverse("desk:glossary"), {"target": "de"}).content.decode()
    assert "Außenministerium" in html and ">MFA<" not in html
    assert GlossaryTerm.objects.count() == 2


def test_german_editor_shows_german_glossary_and_checks(client, editor):
    glossary.glossary_term_create(by=editor, source_term="пикет", target_term="Mahnwache", source_language="ru")
    glossary.glossary_term_create(
        by=editor, source_term="пикет", target_term="Protestaktion", source_language="ru", target_language="de"
    )
    t = TranslationFactory(state=State.IN_PROGRESS, language="de", filled=False)
    bid = t.source_revision.blocks[0]["id"]
    t.blocks = {bid: {"text": "Eine Mahnwache am 17. August, 3.5 Stunden, “lang”."}}
    t.save()
    client.force_login(t.translator)
    html = client.get(reverse("desk:translation", args=[t.pk])).content.decode()
    assert "Protestaktion" in html
    assert "German writes decimals with “,”: 3,5." in html
    assert "German quotes with „…“" in html


def test_memory_is_kept_per_language_pair(db):
    t = TranslationFactory(state=State.APPROVED, language="de")
    stored = memory.memory_add_from(translation=t)
    assert stored and {(m.source_language, m.target_language) for m in stored} == {("ru", "de")}
    text = t.source_revision.blocks[0]["text"]
    german = memory.memory_suggestions(text=text, source_language="ru", target_language="de")
    assert [m.target_text for m in german] == [t.blocks[t.source_revision.blocks[0]["id"]]["text"]]
    assert memory.memory_suggestions(text=text, source_language="ru", target_language="en") == []
