"""Page furniture recognised by what it is, in any language, not by a site's class names.

Three kinds got into stories when forms and `<noscript>` started to be read and the body grew
into sibling containers (issue 27), and each is recognised by its structure first:

- **service forms**: a form whose purpose is subscribing, logging in or searching: an input of
  type email/password/search, an input named or labelled for an address, a password or a
  query, `role=search`, or an `action` that says so. The box around such a form (its title
  and invitation) goes with it. A form that wraps the page (ASP.NET) has none of these at its
  own level of text and stays, and the walker never drops a form that holds the story;
- **gates**: a short box whose link is a call to log in or to subscribe (the link's address
  or its few words say so): "Already a subscriber? Log in", "subscribe to read on";
- **ranked lists**: a box titled "most read", "popular", "Самое читаемое", "Meistgelesen",
  "Najczęściej czytane", … whose items each link to another story.

`is_notice` then catches the same notices by their words (ru, be, uk, pl, de, en) where the
markup says nothing: `voting.Votes.filter` drops a short block that reads like one.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from .text import normalize_text
from .tree import raw_text

_SERVICE_INPUT_TYPES = {"email", "password", "search"}
# Words in an input's name/placeholder/autocomplete or a form's action (addresses are mostly
# Latin whatever the page's language; placeholders are in the page's language).
_SERVICE_WORDS = re.compile(
    r"(subscri|newsletter|mailing|mailchimp|list-manage|signup|sign[-_]?up|sign[-_]?in|log[-_]?in|logon|"
    r"register|password|passwd|e-?mail|search|suche|szukaj|poisk|query|"
    r"почт|пошт|поиск|пошук|подпис|падпіс|підпис|передплат|haslo|hasło|passwort|abonn|prenumer)",
    re.IGNORECASE,
)
_QUERY_NAMES = {"q", "s", "query", "search", "text", "email", "mail"}

# A call to log in or subscribe: a whole segment of the link's path ("/account/login",
# "/subscribe.php"), never a word inside a story's slug ("/210-arrested-…-register-371"), or
# the link's few words.
_GATE_SEGMENT = re.compile(
    r"(login|log-in|signin|sign-in|logon|auth|account|konto|anmelden|logowanie|zaloguj|"
    r"subscribe|subscription|subscriptions|abo|abonnement|prenumerata|podpiska|paywall|register)"
    r"([-_](in|up|now|page|form))?",
    re.IGNORECASE,
)
_GATE_WORDS = re.compile(
    r"^(log ?in|sign ?in|subscribe( now)?|войти|войдите|увайсці|увайдзіце|увійти|увійдіть|zaloguj( się)?|"
    r"anmelden|hier anmelden|jetzt abonnieren|abonnieren|подписаться|падпісацца|підписатися|"
    r"оформите подписку|аформіце падпіску|оформіть передплату|передплатити|wykup (subskrypcję|dostęp)|"
    r"kup dostęp|jetzt testen)$",
    re.IGNORECASE,
)

RANKED_TITLE = re.compile(
    r"^(most (read|popular|viewed|shared)|popular( now| today| this week)?|trending( now)?|top stories|"
    r"самое (читаемое|популярное|обсуждаемое)|популярное|самые читаемые|"
    r"самае (чытанае|папулярнае)|найбольш чытанае|папулярнае|"
    r"найпопулярніше|найчитаніше( за (тиждень|день|добу))?|популярне|"
    r"najczęściej (czytane|komentowane)|najpopularniejsze|popularne|"
    r"meistgelesen|am (häufigsten|meisten) gelesen|meistkommentiert|beliebt(este artikel)?)\b",
    re.IGNORECASE,
)

# Subscription, sign-up and paywall notices by their words (ru, be, uk, pl, de, en), matched
# against lower-cased text (`is_notice`): a case-blind search costs more on every block.
NOTICE_LINE = re.compile(
    r"(только (для )?подписчик|доступ\w* (только )?(по подписке|подписчикам)|оформите подписку|уже подписаны|"
    r"подпишитесь на (нашу )?рассылку|оставьте (свой )?(адрес электронной почты|e-?mail)|"
    r"толькі (для )?падпісчык|аформіце падпіску|ужо падпісаны|падпішыцеся на (нашу )?рассылку|"
    r"каб прачытаць (артыкул|матэрыял) цалкам|ужо маеце падпіску|"
    r"лише (для )?передплатник|оформіть передплату|вже маєте передплату|підпишіться на (нашу )?розсилку|"
    r"залиште (свою )?електронну адресу|доступн\w+ лише (для )?передплатник|"
    r"tylko dla (subskrybent|prenumerator)|dostępn\w+ (jest )?(tylko )?dla (subskrybent|prenumerator)|"
    r"wykup (subskrypcj|prenumerat|dostęp)|zapisz się do (naszego )?newslettera|masz już (konto|subskrypcj)|"
    r"podaj (swój )?adres e-?mail|"
    r"nur für abonnenten|jetzt abonnieren|bereits abonnent|abonnieren sie unseren newsletter|"
    r"sie haben bereits ein abo|lesen sie weiter mit|melden sie sich an und erhalten|"
    r"(for|only for) subscribers|subscribers only|already a subscriber|subscribe to (our|the) newsletter|"
    r"sign up (for|to) (our|the) newsletter|to continue reading,? (please )?(log in|subscribe|sign in)|"
    r"enter your e-?mail (address )?(to|and))",
)

_BOX_TAGS = {"div", "section", "aside", "p", "li", "ul", "ol", "form", "span", "strong", "footer", "header"}


def _size_at_most(el: Any, cap: int) -> int:
    """The element's raw text length, counted only as far as `cap` (a big container is big)."""
    size = 0
    for piece in el.itertext():
        size += len(piece.strip())
        if size > cap:
            return cap + 1
    return size


def _box(el: Any, *, slack: int, cap: int) -> Any:
    """The smallest box around `el` that takes in its title and invitation: climb while the
    parent adds at most `slack` characters and stays under `cap`."""
    box, size = el, _size_at_most(el, cap)
    parent = el.getparent()
    while parent is not None and parent.tag in _BOX_TAGS:
        parent_size = _size_at_most(parent, cap)
        if parent_size > cap or parent_size > size + slack:
            break
        box, size = parent, parent_size
        parent = parent.getparent()
    return box


def is_service_form(form: Any) -> bool:
    """A form for subscribing, logging in or searching, by its inputs, role and action."""
    if (form.get("role") or "").lower() == "search":
        return True
    for field in form.iter("input"):
        kind = (field.get("type") or "text").lower()
        if kind in _SERVICE_INPUT_TYPES:
            return True
        name = (field.get("name") or "").lower()
        described = f"{name} {field.get('placeholder') or ''} {field.get('autocomplete') or ''}"
        if kind == "text" and (name in _QUERY_NAMES or _SERVICE_WORDS.search(described)):
            return True
    action = form.get("action") or ""
    try:
        parts = urlsplit(action)
    except ValueError:
        return False
    return bool(_SERVICE_WORDS.search(f"{parts.netloc} {parts.path} {parts.query}"))


def _is_gate_link(a: Any) -> bool:
    words = normalize_text(raw_text(a)).rstrip(".!→ ")
    if len(words) > 40:
        return False
    href = a.get("href") or ""
    try:
        parts = urlsplit(href)
    except ValueError:
        return False
    segments = (segment.rsplit(".", 1)[0] for segment in parts.path.split("/"))
    return any(_GATE_SEGMENT.fullmatch(segment) for segment in segments) or bool(words and _GATE_WORDS.match(words))


def _is_ranked_list(title: Any) -> Any:
    """The box a "most read" title heads, when it is a list of links to other stories (each
    item holds a link, a headline with or without its standfirst), or None."""
    box = title.getparent()
    for _ in range(2):
        if box is None:
            return None
        items = box.findall(".//li") or [child for child in box if child is not title]
        if len(items) >= 3 and all(item.find(".//a[@href]") is not None for item in items):
            return box
        box = box.getparent()
    return None


def furniture_boxes(root: Any) -> set[Any]:
    """The service forms, gates and ranked lists under `root`, each as its whole box."""
    found: set[Any] = set()
    for form in root.iter("form"):
        # a form holding much text wraps the page (ASP.NET) whatever search box it holds
        if _size_at_most(form, 600) <= 600 and is_service_form(form):
            found.add(_box(form, slack=200, cap=600))
    for a in root.iter("a"):
        if _is_gate_link(a):
            start = a.getparent()
            while start is not None and start.tag not in _BOX_TAGS:
                start = start.getparent()
            if start is not None and _size_at_most(start, 300) <= 300:
                found.add(_box(start, slack=200, cap=400))
    for el in root.iter("h2", "h3", "h4", "h5", "div", "span", "strong", "p"):
        text = el.text
        if not text or len(el) > 1 or len(text) > 60 or not RANKED_TITLE.match(text.strip()):
            continue
        box = _is_ranked_list(el)
        if box is not None:
            found.add(box)
    return found


def is_notice(text: str) -> bool:
    """A subscription, sign-up or paywall notice by its words."""
    return NOTICE_LINE.search(text.lower()) is not None
