"""The providers against fake servers on 127.0.0.1 that speak each real API (tests/mt_fake.py)."""

from __future__ import annotations

import time

import pytest

from tests.mt_fake import DEEPL_KEY, LIBRE_KEY, deepl_server, libre_server  # noqa: F401 - fixtures
from translations.assist import machine


def test_machine_drafts_are_off_by_default(settings):
    settings.DESK_MT_PROVIDER = ""
    assert machine.provider_from_settings() is None
    with pytest.raises(machine.MachineError) as e:
        machine.provider_required()
    assert e.value.code == "not_configured"


def test_libretranslate_gets_its_real_fields_and_drafts_come_back_in_order(libre_server):  # noqa: F811
    provider = machine.provider_required()
    out = provider.translate(texts=["Первый.", "Второй."], source="ru", target="en", glossary={})
    assert out == ["EN: Первый.", "EN: Второй."]
    (request,) = libre_server.requests
    assert request["path"] == "/translate"
    assert request["json"] == {
        "q": ["Первый.", "Второй."],
        "source": "ru",
        "target": "en",
        "format": "text",
        "api_key": LIBRE_KEY,
    }


@pytest.mark.parametrize(
    ("mode", "code"),
    [
        ("bad_key", "bad_key"),
        ("quota", "busy"),
        ("busy", "busy"),
        ("junk", "junk"),
        ("huge", "junk"),
        ("slow", "timeout"),
        ("drip", "timeout"),
        ("redirect", "refused"),
    ],
)
def test_libretranslate_failures_are_one_sentence_and_bounded_in_time(libre_server, mode, code):  # noqa: F811
    libre_server.mode = mode
    started = time.monotonic()
    with pytest.raises(machine.MachineError) as e:
        machine.provider_required().translate(texts=["Текст."], source="ru", target="en", glossary={})
    assert e.value.code == code
    assert e.value.message.endswith(".")
    assert time.monotonic() - started < 2.5  # the timeout is 1 s; a drip or a hang cannot stretch it
    assert len(libre_server.requests) == 1  # no retries, no redirect followed


def test_libretranslate_refuses_text_over_the_size_cap(libre_server, settings):  # noqa: F811
    settings.DESK_MT_MAX_CHARS = 10
    with pytest.raises(machine.MachineError) as e:
        machine.provider_required().translate(texts=["x" * 11], source="ru", target="en", glossary={})
    assert e.value.code == "too_long"
    assert libre_server.requests == []


def test_deepl_client_sends_the_glossary_and_deletes_it_after(deepl_server):  # noqa: F811
    provider = machine.provider_required()
    assert provider.name == "DeepL"
    out = provider.translate(
        texts=["Сотрудники МИД вышли.", "Второй."], source="ru", target="en", glossary={"МИД": "Foreign Ministry"}
    )
    assert out == ["EN: Сотрудники Foreign Ministry вышли.", "EN: Второй."]
    paths = [(r["method"], r["path"]) for r in deepl_server.requests]
    assert paths == [("POST", "/v2/glossaries"), ("POST", "/v2/translate"), ("DELETE", "/v2/glossaries/g1")]
    translate = deepl_server.requests[1]
    assert translate["headers"]["Authorization"] == f"DeepL-Auth-Key {DEEPL_KEY}"
    assert translate["json"]["source_lang"] == "RU"
    assert translate["json"]["target_lang"] == "EN-GB"
    assert translate["json"]["glossary_id"] == "g1"
    assert deepl_server.glossaries["g1"] == {"МИД": "Foreign Ministry"}


@pytest.mark.parametrize(
    ("mode", "code"),
    [
        ("bad_key", "bad_key"),
        ("quota", "quota"),
        ("busy", "busy"),
        ("junk", "junk"),
        ("huge", "junk"),
        ("slow", "timeout"),
        ("drip", "timeout"),
        ("redirect", "junk"),
    ],
)
def test_deepl_failures_are_one_sentence_without_retries(deepl_server, mode, code):  # noqa: F811
    deepl_server.mode = mode
    started = time.monotonic()
    with pytest.raises(machine.MachineError) as e:
        machine.provider_required().translate(texts=["Текст."], source="ru", target="en", glossary={})
    assert e.value.code == code
    assert time.monotonic() - started < 2.5
    assert len(deepl_server.requests) == 1  # the client's own retries (5 by default) are off
