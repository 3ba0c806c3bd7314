"""The dashboard's most repeated bits of markup, made in Python: a time, an event's link, a link
that acts on an item, and what tells two alike links apart. The overview calls them for every item
of every section (a thousand times a page at 100k events); as Jinja macros they were a quarter of
the page's rendering. Each writes exactly what its macro in templates/macros.html wrote, and escapes
every value as the templates' autoescape does (all text here comes from events typed by people of
other groups, or by an infiltrator: none of it may become markup)."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

import jinja2
from markupsafe import Markup, escape

from crypto.short_ids import short_id

from node.dashboard.event_names import item_name
from node.dashboard.i18n import fallback_time
from node.render import iso

_DASH = Markup("–")
_NOTHING = Markup("")


def hexed(b: Any) -> str:
    """An id as the pages write it in links (the `hex` filter)."""
    return b.hex() if isinstance(b, bytes) else str(b)


def time_tag(ms: Any) -> Markup:
    """A moment as <time>: UTC text that the page's script shows in the reader's time; '–' for none."""
    return _time_tag(ms) if ms else _DASH


@lru_cache(maxsize=4096)  # a page names the same few moments again and again (an offer's `until` in every match)
def _time_tag(ms: int) -> Markup:
    return Markup(f'<time datetime="{escape(iso(ms))}">{escape(fallback_time(ms))}</time>')


def lang_attr(code: Any) -> Markup:
    """` lang="xx"` for a text's known language (i18n.text_language), else nothing."""
    return Markup(f' lang="{escape(code)}"') if code else _NOTHING


def told_apart_of(t: Any, o: dict[str, Any]) -> Markup:
    """In a link that reads like another on the page (pages.tell_apart marks it), what tells it
    apart: when it was posted, and its short id where that is alike too."""
    said = ""
    if o.get("posted"):
        said = f'{said}, {escape(t("common.posted"))} {time_tag(o["posted"])}'
    if o.get("twin"):
        said = f'{said}, <span class="mono">{escape(short_id(o["id"]))}</span>'
    return Markup(said)


@jinja2.pass_context
def told_apart(context: Any, o: dict[str, Any]) -> Markup:
    return told_apart_of(context["t"], o)


@jinja2.pass_context
def event_link(context: Any, item: dict[str, Any], text: Any, lang: Any = None, cls: Any = None) -> Markup:
    """A link to an item's event page, its text in the item's own direction (dir="auto": a title in
    Arabic reads right to left) and language; what tells it from an alike one follows in the page's
    language, outside the element that carries the event's (a screen reader would read ", posted 5
    Dec" with an Arabic voice)."""
    told = told_apart_of(context["t"], item)
    head = f'<a class="{escape(cls)}"' if cls else "<a"
    head = f'{head} href="/event/{escape(hexed(item["id"]))}"'
    if told:
        return Markup(f"{head}><bdi{lang_attr(lang)}>{escape(text)}</bdi>{told}</a>")
    return Markup(f'{head} dir="auto"{lang_attr(lang)}>{escape(text)}</a>')


@jinja2.pass_context
def act_link(context: Any, href: Any, label: Any, kind: str, item: dict[str, Any]) -> Markup:
    """A link that acts on an item ("Cover this need"), named with what it acts on as its event's
    page is called (event_names.item_name), so that a list of the page's links tells them apart;
    the visible words first, as a person using voice control says them. The name is the link's
    aria-label, one phrase ("Post an update: raid, ..."): named from a hidden box after the seen
    words, chromium set the box apart with a space ("Post an update : raid"), and the seen words
    hidden from the reader beside a box saying them again were read twice by a browser without the
    page's style (a stylesheet that did not load from a slow node). What is lost: the item's words
    are not marked with their own language (a name is one string to a screen reader when it is
    focused or listed all the same)."""
    t = context["t"]
    name = f"{label}{t('common.colon')} {item_name(t, kind, item)}"
    return Markup(f'<a href="{escape(href)}" aria-label="{escape(name)}">{escape(label)}</a>')
