"""Reading an lxml tree: which tags are blocks, an element's visible text, data-table cells."""

from __future__ import annotations

from typing import Any

BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "center", "dd", "details", "div", "dl", "dt",
    "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr",
    "iframe", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "td", "tfoot",
    "th", "thead", "tr", "ul", "summary", "caption", "noscript", "form",
}  # fmt: skip


def tag_name(el: Any) -> str:
    return el.tag if isinstance(el.tag, str) else ""


def own_text(el: Any) -> str:
    """The text of an element outside its block children (loose text and inline children)."""
    parts = [el.text or ""]
    for child in el:
        if tag_name(child) and tag_name(child) not in BLOCK_TAGS and tag_name(child) != "script":
            parts.append(raw_text(child))
        parts.append(child.tail or "")
    return " ".join(parts)


def has_block_child(el: Any) -> bool:
    return any(tag_name(c) in BLOCK_TAGS for c in el)


def raw_text(el: Any) -> str:
    """Visible text of an element: scripts skipped, `<br>` as a line break."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        tag = tag_name(node)
        if tag == "br":
            parts.append("\n")
        elif tag and tag not in {"script"}:
            if tag in BLOCK_TAGS and parts:
                parts.append(" ")
            if node.text:
                parts.append(node.text)
            for child in node:
                walk(child)
                if child.tail:
                    parts.append(child.tail)
            if tag in BLOCK_TAGS:
                parts.append(" ")

    if el.text:
        parts.append(el.text)
    for child in el:
        walk(child)
        if child.tail:
            parts.append(child.tail)
    return "".join(parts)


def data_cell(el: Any) -> bool:
    """A cell of a data table (rows of several cells, no nested tables), not page layout."""
    row = el.getparent()
    if row is None or tag_name(row) != "tr" or sum(1 for c in row if tag_name(c) in {"td", "th"}) < 2:
        return False
    table = next((a for a in el.iterancestors() if tag_name(a) == "table"), None)
    return table is not None and table.find(".//table") is None
