"""Turn the bytes of a fetched news page into an article: metadata plus ordered body blocks.

Pure code: no network, no database, no Django (`newsroom.core.html` gives the allow-list). `importing.py` calls `extract_article()` with
what `fetching.fetch()` returned and stores the result; `blocks_from_pasted()` serves the manual
import form.

Pipeline, and why each step is there:

1. **Decode** (`decode_html`). Precedence, decided here because the fixtures ask for it:

   1. a byte-order mark always wins (WHATWG);
   2. the charset candidates are the HTTP header's, then the `<meta charset>` /
      `http-equiv` found in the first 1024 bytes;
   3. if the bytes are valid UTF-8 with non-ASCII in them and *any* candidate says UTF-8,
      UTF-8 wins: multi-byte UTF-8 sequences practically never occur by chance in a
      single-byte text, so validity is proof;
   4. otherwise the first candidate that decodes the bytes strictly (without a single
      error) wins. So a **wrong header loses to a correct meta**: windows-1251 bytes served
      as `charset=utf-8` fail strict UTF-8 decoding (that would give U+FFFD replacement
      characters), while the page's own `<meta charset="windows-1251">` decodes them cleanly.
      Browsers trust the header and show mojibake; an importer has no user to reload the
      page with another encoding, and a translator cannot work from replacement characters,
      so the declaration that demonstrably fits the bytes is taken;
   5. with no usable declaration, `charset_normalizer` guesses (KOI8-R, windows-1251, …);
      as the very last resort the first candidate (or UTF-8) with replacement characters.

   `iso-8859-1`/`ascii` labels are read as windows-1252, as browsers do.

2. **Sanitise with an HTML5 parser first** (nh3 = html5ever). libxml2's HTML parser, used by
   lxml and trafilatura, treats `<embed>` as a container and swallows the rest of the body;
   after nh3 there is no `<embed>`, no script handler, no `javascript:` URL, and the
   serialisation is well nested, so lxml rebuilds the same tree html5ever built. Classes and
   ids survive this first pass (they carry the boilerplate signals); scripts survive only
   because a Telegram widget is a `<script data-telegram-post>` and are never read as text.
   Metadata that lives in `<head>` (meta, link, JSON-LD, `<html lang>`) is read from an lxml
   parse of the original text: those elements are not affected by the `<embed>` problem.

3. **Locate the body with trafilatura** (`include_comments=False`, no metadata, so none of
   its date guessing): the paragraphs it keeps vote for their ancestors, and the deepest
   element holding most of that text is the body container. trafilatura is good at telling
   the story from the page around it, but it keeps promo/copyright lines next to the body,
   flattens embeds and captions and breaks drop caps, so its text is only used as a vote.

4. **Walk the container** and emit blocks (paragraph, heading, quote, list_item, image,
   embed) with general rules: clutter is recognised by class/id words (ads, banners,
   "read also", share, promo, donate, paywall, comments, tags, copyright, …), `hidden`,
   `aria-hidden` blocks, `display:none`; `nav`, `aside`, `form` and `footer` are not body.
   Each block's html is re-sanitised with the desk's one inline allow-list (`core/html.py`); links are resolved
   against the page URL (never against a `<base href>` planted in the body) and kept only
   for http(s).

Metadata is read, never guessed: JSON-LD (Yoast `@graph`, `@id` references), OpenGraph and
`article:*` metas, `itemprop`, `<time datetime>`, bylines. A timestamp without a UTC offset
is not used (it would need a guessed timezone); no date is ever taken from the text.

Modules, one concern each (layered, top to bottom; `pyproject.toml` holds the contract):
`article` (the pipeline) → `confidence` | `walker` → `voting` | `metadata` → `clutter` | `blocks` | `embeds`
→ `tree` | `sanitising` → `text` | `decoding`.

Block ids are `<kind prefix>-<10 hex of sha1(kind, normalised text or address)>`, with
`-2`, `-3` for repeats, so an unchanged paragraph keeps its id on re-import and a changed
one gets a new id. Stored text keeps no-break spaces (numbers like "1 390" stay together)
but collapses every other whitespace run; ids use the fully normalised text.
"""

from __future__ import annotations

from .article import ExtractedArticle, blocks_from_pasted, extract_article
from .confidence import Confidence
from .decoding import decode_html
from .text import normalize_text

__all__ = [
    "Confidence",
    "ExtractedArticle",
    "blocks_from_pasted",
    "decode_html",
    "extract_article",
    "normalize_text",
]
