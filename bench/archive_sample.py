"""A synthetic archive for ``import_archive`` (benchmarks only): ``stories(n)`` is deterministic.

Realistic shape: eight paragraphs of ~50 words, three tags from a pool of 300 (a few common,
most rare), 6 outlets, 60 translators (real names, pseudonyms and anonymous), 15 reviewers,
publication times spread over ten years.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

WORDS = (
    "the minister said protest court prison journalist regime election opposition police detained "
    "city street people workers factory strike sanctions economy ruble price hospital doctor "
    "school teacher student union church border Lithuania Poland Russia Ukraine war refugees "
    "independent media editor website blocked foreign agent extremist material arrested fined "
    "released exile family letter support volunteers community village harvest winter energy"
).split()
OUTLETS = [("Zerkalo", "https://zerkalo.io/"), ("Nasha Niva", "https://nashaniva.com/"),
           ("Belsat", "https://belsat.eu/"), ("Euroradio", "https://euroradio.fm/"),
           ("Reform.by", "https://reform.news/"), ("Onliner", "https://people.onliner.by/")]  # fmt: skip
CREDITS = ["real", "real", "pseudonym", "anonymous"]


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def stories(n: int, *, seed: int = 14) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    tags = [f"Topic {i}" for i in range(300)]
    translators = []
    for i in range(60):
        credit = CREDITS[i % len(CREDITS)]
        person: dict[str, Any] = {"name": f"Translator {i} Surname", "credit": credit}
        if credit == "pseudonym":
            person["pseudonym"] = f"Pen Name {i}"
        translators.append(person)
    start = dt.datetime(2015, 1, 1, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=3)))
    step = dt.timedelta(days=3650) / max(n, 1)
    out = []
    for i in range(n):
        outlet_name, site = OUTLETS[i % len(OUTLETS)]
        published = start + step * i
        out.append(
            {
                "source_url": f"{site}news/{i}/",
                "source_title": f"Новость номер {i}",
                "source_language": "ru",
                "outlet": {"name": outlet_name, "site_url": site},
                "authors": [f"Author {i % 97}"],
                "source_published": (published - dt.timedelta(hours=5)).isoformat(),
                "title": f"{_sentence(rng, 7)[:-1]} ({i})",
                "lead": _sentence(rng, 25),
                "paragraphs": [" ".join(_sentence(rng, 10) for _ in range(5)) for _ in range(8)],
                "tags": sorted({tags[min(int(rng.paretovariate(1.2)) - 1, 299)], *rng.sample(tags, 2)}),
                "published": published.isoformat(),
                "translator": translators[rng.randrange(len(translators))],
                "reviewer": {"name": f"Reviewer {rng.randrange(15)} Surname"},
            }
        )
    return out


def write(path: Path, n: int) -> Path:
    path.write_text(json.dumps(stories(n), ensure_ascii=False))
    return path
