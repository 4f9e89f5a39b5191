"""Each live story as IPTC ninjs 2.1, with the translation's provenance, in the read API."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema_rs
import pytest
from django.conf import settings

from newsroom.distribution.ninjs import MACHINE_NOTE, story_ninjs
from newsroom.models import Correction, SourceRevision
from tests.newsroom.test_site_pages import make_staff, publish_story
from translations.models import Contributor, CreditMode

# IPTC's published ninjs 2.1 schema, vendored byte for byte (tests/fixtures/ninjs/README.md says from where).
SCHEMA = json.loads((Path(__file__).parents[1] / "fixtures" / "ninjs" / "ninjs-schema_2.1.json").read_text())


@pytest.fixture
def staff(db):
    return make_staff()


# The schema's one reference outside itself (``places[].geojson``) names geojson.org. Tests stay
# offline, and the desk never sends a place, so that reference resolves to the schema that
# refuses everything: a document carrying a GeoJSON fails loudly instead of passing unchecked.
GEOJSON = "https://geojson.org/schema/GeoJSON.json"


def _validator() -> jsonschema_rs.Draft202012Validator:
    """The schema's own dialect (its ``$schema`` is 2020-12), ``uri`` and ``date-time`` checked."""
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    return jsonschema_rs.Draft202012Validator(
        SCHEMA, validate_formats=True, registry=jsonschema_rs.Registry([(GEOJSON, False)]), offline=True
    )


def test_a_live_story_is_valid_ninjs_with_its_provenance(staff, client):
    Contributor.objects.filter(user=staff["volunteer"]).update(credit_mode=CreditMode.PSEUDONYM, pseudonym="Vera P.")
    article = publish_story(staff)
    Correction.objects.create(
        article=article, language="en", note="A date was wrong.", published_at=article.published_at_en
    )

    response = client.get(f"/api/v1/stories/{article.pk}/ninjs?language=en")

    assert response.status_code == 200
    doc = response.json()
    _validator().validate(doc)
    assert doc["standard"]["version"] == "2.1" and doc["language"] == "en" and doc["pubstatus"] == "usable"
    assert doc["headlines"] == [{"role": "main", "value": "MFA employees picket against violence"}]
    revision = SourceRevision.objects.get(article=article)
    assert {"role": "source-version", "value": str(revision.number)} in doc["altids"]
    assert {"role": "source-uri", "value": article.source_url} in doc["altids"]
    assert doc["infosources"][0]["role"] == "originating" and doc["infosources"][0]["uri"] == article.source_url
    # Credited as each chose: the pseudonym, never the account's real name.
    assert {"name": "Vera P.", "rel": "translator"} in doc["people"]
    assert [p["rel"] for p in doc["people"]].count("reviewer") == 1
    assert "Papkouskaya" not in json.dumps(doc)
    corrections = [d["value"] for d in doc["descriptions"] if d["role"] == "correction"]
    assert len(corrections) == 1 and corrections[0].endswith("A date was wrong.")
    assert doc["version"] == "2"
    assert doc["bodies"][0]["contenttype"] == "text/html" and "English for" in doc["bodies"][0]["value"]
    assert "ednote" not in doc  # no machine draft in this one
    page = {"name": "page", "href": f"{settings.SITE_URL}/articles/{article.slug_en}/", "contenttype": "text/html"}
    assert [{k: r[k] for k in page} for r in doc["renditions"]] == [page]


def test_machine_assistance_is_said_and_an_anonymous_translator_stays_anonymous(staff):
    Contributor.objects.filter(user=staff["volunteer"]).update(credit_mode=CreditMode.ANONYMOUS)
    article = publish_story(staff)
    # The share stored at publication decides, as on the story's page (newsroom.machine_assist).
    article.machine_share_en = 0.5
    article.save()

    doc = story_ninjs(article=article, language="en")

    _validator().validate(doc)
    assert doc["ednote"] == MACHINE_NOTE
    translators = [p["name"] for p in doc["people"] if p["rel"] == "translator"]
    assert translators and "Papkouskaya" not in translators[0] and "Veranika" not in translators[0]


def test_the_schema_refuses_what_is_not_ninjs():
    with pytest.raises(jsonschema_rs.ValidationError):
        _validator().validate({"uri": "https://x.example/1", "credits": []})
    with pytest.raises(jsonschema_rs.ValidationError):
        _validator().validate({"uri": "https://x.example/1", "pubstatus": "live"})


def test_a_story_not_live_in_the_language_has_no_ninjs(staff, client):
    article = publish_story(staff)
    assert client.get(f"/api/v1/stories/{article.pk}/ninjs?language=de").status_code == 404
    assert client.get(f"/api/v1/stories/{article.pk + 1000}/ninjs").status_code == 404


def test_addresses_with_letters_beyond_ascii_are_sent_as_valid_uris(staff):
    """A source outlet's address and a tag may be written in Cyrillic (an IRI); ninjs wants URIs."""
    article = publish_story(staff, tags="Мінск", source_url="https://nashaniva.com/be/навіны/пікет?id=1")

    doc = story_ninjs(article=article, language="en")

    _validator().validate(doc)
    encoded = "https://nashaniva.com/be/%D0%BD%D0%B0%D0%B2%D1%96%D0%BD%D1%8B/%D0%BF%D1%96%D0%BA%D0%B5%D1%82?id=1"
    assert {"role": "source-uri", "value": encoded} in doc["altids"]
    assert doc["infosources"][0]["uri"] == encoded
