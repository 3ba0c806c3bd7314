"""Languages of the dashboard: the message catalogs (English, French), the choice of language for
a request (?lang=, then the cookie, then Accept-Language) and locale-aware numbers and money.

Catalogs are flat JSON maps from a key ("nav.overview") to text with optional {name} fields;
both must hold the same keys (a test checks it). A text that counts has a singular form under
KEY.one, used when its number (the `count` field, else the first field given) is singular in
that language: 1 in English, 0 and 1 in French ("1 event behind", "0 événement de retard"). Dates are
not formatted here: pages carry
<time datetime=ISO> and the browser formats them in the page language (static/app.js); the
text inside the element is a language-neutral fallback (see `fallback_time`).
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from node import moments

LANGUAGES = ("en", "fr")
DEFAULT_LANGUAGE = "en"
COOKIE = "solnet_lang"
CATALOG_DIR = Path(__file__).parent / "catalogs"


@lru_cache(maxsize=None)
def catalog(lang: str) -> dict[str, str]:
    return json.loads((CATALOG_DIR / f"{lang}.json").read_text(encoding="utf-8"))


class Translator:
    """`t(key, **fields)` for one language. A missing key shows the key itself (a test makes sure
    no template uses one), so a forgotten string is visible but never breaks a page."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
        self.messages = catalog(self.lang)

    def __call__(self, key: str, **fields: Any) -> str:
        if fields and f"{key}.one" in self.messages:
            count = fields.get("count", next(iter(fields.values())))
            if is_singular(self.lang, count):
                key = f"{key}.one"
        text = self.messages.get(key, key)
        return text.format(**fields) if fields else text

    def has(self, key: str) -> bool:
        return key in self.messages

    def choice(self, value: str) -> str:
        """The label of an enum value (action type, goods category, urgency ...)."""
        key = f"choice.{value}"
        return self(key) if key in self.messages else value.replace("_", " ")


# ISO 639-1: the two-letter language codes a browser (and a screen reader) knows. An event's `languages`
# may hold other codes (three letters, or made up); those are shown, never put in a lang attribute.
ISO_639_1 = frozenset("""
aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz
ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik
io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml
mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd
se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi
vo wa wo xh yi yo za zh zu""".split())


def text_language(own: Any, group: Any = None) -> str | None:
    """The language a text is written in, when it is known and can be tagged (so that a screen
    reader reads French text as French on an English page), else None (the page's language applies).

    `own`: the `languages` of an event whose languages are those of its text (a resource is written
    in its languages; a group's profile names the languages the group writes and speaks); when it
    names several, which one a sentence is in is not known. `group`: the languages of the author
    group's profile, for any other text of the group. Neither is guessed from the text, and an
    action's or a support offer's `languages` are not used: they name the languages spoken there
    (an English title for an Arabic-speaking info night is English)."""
    said = own if isinstance(own, list) and own else group
    if isinstance(said, list) and len(said) == 1 and said[0] in ISO_639_1:
        return said[0]
    return None


def is_singular(lang: str, count: Any) -> bool:
    """Whether `count` (a number, or a number as format_number wrote it) takes the singular."""
    if isinstance(count, str):
        text = count.replace("\u202f", "").replace("\u00a0", "")
        text = text.replace(",", ".") if lang == "fr" else text.replace(",", "")
        try:
            count = float(text)
        except ValueError:
            return False
    if not isinstance(count, (int, float)):
        return False
    return 0 <= abs(count) < 2 if lang == "fr" else count == 1


def parse_accept_language(header: str | None) -> str | None:
    """The supported language the browser prefers most, or None."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:20]):  # bounded: a header can be long
        tag, _, params = part.strip().partition(";")
        q = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                q = float(params[2:])
            except ValueError:
                q = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and q > 0:
            ranked.append((-q, position, primary))
    return min(ranked)[2] if ranked else None


def choose_language(query: str | None, cookie: str | None, accept_language: str | None) -> tuple[str, bool]:
    """(language, remember): an explicit ?lang= wins and is remembered in the cookie; then the
    remembered choice; then the browser's Accept-Language; then English."""
    if query in LANGUAGES:
        return query, query != cookie
    if cookie in LANGUAGES:
        return cookie, False
    return parse_accept_language(accept_language) or DEFAULT_LANGUAGE, False


def format_number(value: int | float, lang: str, decimals: int = 0) -> str:
    text = f"{value:,.{decimals}f}"
    if lang == "fr":  # 1 234,50 (narrow no-break space between thousands)
        text = text.replace(",", "\u202f").replace(".", ",")
    return text


def format_money(minor: int, currency: str, lang: str) -> str:
    decimals = 0 if minor % 100 == 0 else 2
    return f"{format_number(minor / 100, lang, decimals)}\u00a0{currency}"


def fallback_time(ms: int | None) -> str:
    """The text inside <time> before the script formats it: UTC, the same in every language."""
    if ms is None:
        return ""
    return moments.utc(ms).strftime("%Y-%m-%d %H:%M UTC")
