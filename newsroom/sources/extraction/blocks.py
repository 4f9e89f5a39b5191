"""Block kinds and stable block ids."""

from __future__ import annotations

import hashlib
from typing import Any

from .text import normalize_text

TEXT_KINDS = {"paragraph", "heading", "quote", "list_item"}
_ID_PREFIX = {"paragraph": "p", "heading": "h", "quote": "q", "list_item": "li", "image": "img", "embed": "em"}


def assign_ids(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[str, int] = {}
    for block in blocks:
        key = block["text"] if block["kind"] not in {"image", "embed"} else block["attrs"].get("src", "")
        digest = hashlib.sha1(f"{block['kind']}\x1f{normalize_text(key)}".encode(), usedforsecurity=False)
        base = f"{_ID_PREFIX[block['kind']]}-{digest.hexdigest()[:10]}"
        seen[base] = seen.get(base, 0) + 1
        block["id"] = base if seen[base] == 1 else f"{base}-{seen[base]}"
    return blocks
