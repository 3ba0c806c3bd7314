"""The dashboard's routes on the node's aiohttp app: pages, fragments for live refresh, the
server-sent event stream, publish forms, login, and the panic wipe.

Every response of the dashboard carries the secure headers (CSP without inline script or style,
no framing, no sniffing, no referrer). Every POST must carry the CSRF token of its session.
Who may do what is decided in node.dashboard.access; this module only applies it. Logging in takes
the node's passphrase or a one-time link from `solnet dashboard-link` (node.login_links).
"""
from __future__ import annotations

import asyncio
import functools
import mimetypes
import os
import re
import signal
import threading
import time
import types
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import jinja2
from markupsafe import Markup
from aiohttp import web

from crypto.errors import CryptoError
from crypto.keys import short_id
from events.errors import InvalidEvent
from events.kinds import KINDS
from node import audience, disk, login_links, past_action, public_site, publishing, references, render, stamped_ahead
from node.chain_gate import MOVED, NOT_CAUGHT_UP
from node.dashboard import access, event_names, forms, i18n, markup, pages, quiet_drawn, revoke, withdraw
from node.dashboard.routes import ROUTES
from node.dashboard.access import ADMIN, PUBLIC, KnownBrowsers, Sessions, Throttles, cookies_secure
from node.dashboard.options import DashboardOptions
from node.dashboard.public_cache import PublicCache
from node.home import HomeError
from node.http_failures import storage_trouble
from node.known_regions import NewRegion, unknown_region
from node.log import now_ms
from node.ports import StorageFailed, WebNode
from node.private import NOT_A_RECIPIENT, open_private_part, read_private
from node.published_steps import published_facts
from node.render import iso
from node.store import StoreError
from node.wipe import WipeReport, destroy_keys, destroy_marks, stop_one_shot_commands, wipe_data
from node.words import span, starts_in_the_past

HERE = Path(__file__).parent
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
SECURE_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
MAX_STREAMS = 32           # open live-update streams at once
WIPE_DB_WAIT_S = 10.0      # the panic wipe's wait for the database's part, once the keys are destroyed
WIPED_EXIT_S = 20.0        # after a panic wipe, the node's clean stop gets this long; then the process ends
STREAM_LIFETIME_S = 300.0  # a stream ends after this; the page opens a new one (bounded, never stale)
KEEPALIVE_S = 15.0
# How often a live stream looks again at what an open page shows that changes with no event stored:
# the peer links open, whether the node is cut off, a live alert's end (that one is looked at when due)
RECHECK_S = 5.0
ALERT_ENDS_EVERY_S = 2.0
QUIET_HEADER = "X-Solnet-Quiet"  # a live part's answer: what it was drawn with (quiet_drawn.py)
MAX_DRAWN = 8  # tokens read from a stream's address: a page has a live part or two
RETRY_MS = 3000
# Per-request state: the page context and the cookies to set (typed keys where aiohttp has them).
_RequestKey = getattr(web, "RequestKey", None)
DASH = _RequestKey("dash", dict) if _RequestKey else "dash"
DASH_COOKIES = _RequestKey("dash_cookies", dict) if _RequestKey else "dash_cookies"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# The page that says why a request failed on the database, by the store error's reason.
STORAGE_PAGES = {"database_damaged": "error.database_damaged", "disk_failing": "error.disk_failing",
                 "storage_full": "error.disk_full", "storage": "error.storage", "wipe_begun": "error.wipe_begun"}
# aiohttp's refusals said as pages (Dashboard.refusal_page): the catalog keys error.X and error.X_title
# (and error.too_many_fields, a 413 of a form within the size a request may carry).
REFUSAL_PAGES = {404: "no_page", 405: "wrong_method", 413: "too_large"}


def too_many_fields_text(most: int) -> str:
    """aiohttp's words of a 413 for a form's number of fields (web_request._too_many_fields, 3.14.4),
    the one sign that tells it from a 413 for a body's size (tests/dashboard/test_form_fields_bounded.py
    fails if a later aiohttp says it otherwise)."""
    return f"Maximum number of form fields {most} exceeded."
LOGIN_PATHS = ("/login", "/login/link")  # the pages whose forms a visitor not logged in sends (Dashboard.context)


class _Context(jinja2.runtime.Context):
    """jinja2's, calling a plain function or a Translator (`t(...)`) at once: jinja2 asks each
    callable whether it wants the context passed (its `__call__` too) at every call, about a third
    of the overview's rendering (thousands of `t`, `event_link`, `number` calls). The same outcome:
    neither wants it unless marked (jinja2.pass_context and the like), and those go jinja2's way."""

    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 (jinja2's own names)
        if type(__obj) in _PLAIN_CALLABLES and not hasattr(__obj, "jinja_pass_arg"):
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
            try:
                return __obj(*args, **kwargs)
            except StopIteration:
                return __self.environment.undefined("value was undefined because a callable raised a"
                                                    " StopIteration exception")
        return super().call(__obj, *args, **kwargs)


_PLAIN_CALLABLES = (types.FunctionType, i18n.Translator)


_DICT_ATTRIBUTES = frozenset(dir(dict))


class _Environment(jinja2.Environment):
    """jinja2's, with `item.field` of a plain dict looked up as its key at once: the pages' data are
    dicts, and jinja2 asks getattr first, whose AttributeError (every field of every item of a
    250 KB overview) was a tenth of its rendering. The same outcome: a dict has no attribute of
    its own besides its methods (those names still go to jinja2's way, `item.items` its method)."""

    context_class = _Context

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


def _environment() -> jinja2.Environment:
    # Autoescape everywhere: every text on these pages comes from signed events typed by people
    # of other groups (or by an infiltrator); none of it may become markup.
    # Optional event fields are simply absent: an absent value renders as nothing.
    env = _Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                       trim_blocks=True, lstrip_blocks=True)
    env.filters["iso"] = iso
    env.filters["fallback_time"] = i18n.fallback_time
    env.filters["public_time"] = public_site.public_time  # (public pages: no script to show the reader's time)
    env.filters["short"] = short_id  # (its first 12 hex digits and "…": what commands take)
    env.filters["hex"] = markup.hexed
    env.globals["text_lang"] = text_lang
    env.globals["group_list"] = group_list
    env.globals["and_list"] = render.and_list
    env.globals["groups_with_ids"] = groups_with_ids
    env.globals["event_name"] = event_names.event_name
    env.globals["item_name"] = event_names.item_name
    env.globals["said_on_page"] = forms.said_on_page  # (why an event has no effect: by its key, Said)
    for name, made in (("time_tag", markup.time_tag), ("lang_attr", markup.lang_attr), ("act_link", markup.act_link),
                       ("event_link", markup.event_link), ("told_apart", markup.told_apart)):
        env.globals[name] = made  # (templates/macros.html hands them on as its own)
    return env


@jinja2.pass_context
def text_lang(context: Any, item: dict[str, Any], own: Any = None) -> str | None:
    """The lang of `item`'s text (i18n.text_language): `own`, the item's own `languages` where they are
    its text's (a resource, a profile), else its group's profile's (`group_languages` of the page)."""
    return i18n.text_language(own, (context.get("group_languages") or {}).get(item.get("group")))


def group_list(ids: list[bytes], names: dict[bytes, str], conjunction: str = "and") -> str:
    """Groups by name (a short id for one without a profile yet), 'A, B and C' as every command says
    them (render.and_list; `conjunction`: the page's language's 'and', the catalogs' `list.and`)."""
    return render.and_list([names.get(g) or short_id(g) for g in ids], conjunction)


def groups_with_ids(ids: list[bytes], names: dict[bytes, str]) -> str:
    """Groups by name, each with its short id (what a command takes), comma-separated; a name
    already shown with its id (one like another's) keeps it once."""
    def one(g: bytes) -> str:
        name = names.get(g)
        return short_id(g) if not name else name if short_id(g) in name else f"{name} ({short_id(g)})"
    return ", ".join(one(g) for g in ids)


ENV = _environment()


def render_page(template: str, context: dict[str, Any]) -> str:
    """Render a template (pure: used by the routes and by the template tests)."""
    lang = context["t"].lang
    return ENV.get_template(template).render(
        money=lambda minor, cur: i18n.format_money(minor, cur, lang),
        number=lambda n: i18n.format_number(n, lang), **context)


class Dashboard:
    def __init__(self, node: WebNode, options: DashboardOptions, node_name: str) -> None:
        self.node = node
        self.options = options
        self.sessions = Sessions()
        self.known_browsers = KnownBrowsers(node.keys.device.derive)
        self.throttles = Throttles()
        self._login_lock = asyncio.Lock()
        self._streams = 0
        self._closing = asyncio.Event()
        # When the live alerts end, as of the newest stored event (its n): one read for every open stream
        self._alert_ends: tuple[int, float, list[int]] | None = None  # (n, when read: the loop's clock, ends)
        self._alert_ends_lock = asyncio.Lock()
        # Read once: nothing changes it while the node runs (init and join do not run beside it), and
        # every page needs it, also the one saying that the disk under the home fails (so a node reads
        # it at its start, node.dashboard.lazy, and hands it over).
        self.node_name = node_name
        self.static = {p.name: (p.read_bytes(), mimetypes.guess_type(p.name)[0] or "application/octet-stream")
                       for p in (HERE / "static").iterdir() if p.is_file()}
        self.public: PublicCache[public_site.PublicData] = PublicCache(
            lambda: node.db(public_site.public_data, node.log),
            lambda: (node.last_stored_n, node.log.trust_version))

    # --- request context ----------------------------------------------------------------------
    @staticmethod
    def _names(request: web.Request) -> access.CookieNames:
        return access.cookie_names(request.headers.get("Host", ""))

    def context(self, request: web.Request) -> dict[str, Any]:
        lang, remember = i18n.choose_language(request.query.get("lang"), request.cookies.get(i18n.COOKIE),
                                              request.headers.get("Accept-Language"))
        session_id = request.cookies.get(self._names(request).session)
        new_session = session_id is None or len(session_id) > 100
        if new_session:
            session_id = Sessions.new_id()
        logged_in = self.sessions.is_logged_in(session_id)
        role = access.role_of(logged_in, self.options.access)
        ctx = {
            "t": i18n.Translator(lang), "lang": lang, "role": role, "logged_in": logged_in,
            "is_admin": role == ADMIN, "csrf": self.sessions.csrf_token(session_id), "session_id": session_id,
            # The group's name and the count of events stored are the admin's: the login and error
            # pages answer anyone who knocks on the port (peers' too), and named who runs the node
            # there, or let them count every event stored, sealed ones too, as it came (until 2026-12-05).
            "node_name": self.node_name if logged_in else None, "path": request.path,
            "lang_links": {code: str(request.rel_url.update_query(lang=code)) for code in i18n.LANGUAGES},
            "since": self.node.last_stored_n if logged_in else None, "flash": None,
            "errors": {}, "general_error": None,  # a failed form: by field, and what concerns none
            # Said on every page the admin reads (templates/cut_off.html), not on the overview alone
            "cut_off": self._cut_off() if logged_in else None,
        }
        request[DASH] = ctx
        # A visitor not logged in is given a cookie by the login pages alone: their forms' CSRF token is
        # bound to the session (check_post). Every other answer (a 404 for /favicon.ico, which browsers
        # fetch by themselves, a mistyped /public, a static file, a redirect to the login) set a session
        # cookie, and a year-long "solnet_lang" with ?lang=, in the jar of someone who only read it.
        if logged_in or request.path in LOGIN_PATHS:
            request[DASH_COOKIES] = {**({self._names(request).session: session_id} if new_session else {}),
                                       **({i18n.COOKIE: lang} if remember else {})}
        else:
            request[DASH_COOKIES] = {}
        return ctx

    def respond(self, request: web.Request, template: str, ctx: dict[str, Any], status: int = 200) -> web.Response:
        response = web.Response(text=render_page(template, ctx), content_type="text/html", status=status)
        if ctx.get("quiet") and ctx.get("since") is not None:  # (the admin's): what a live part was drawn with,
            # for the stream it opens next (quiet_drawn.py)
            response.headers[QUIET_HEADER] = ctx["quiet"]
        return self.finish(request, response)

    def _quiet(self, facts: dict[str, Any], ends: list[int | None]) -> str:
        """The token of what a page is drawn with that changes while no event comes (quiet_drawn.py):
        `facts` the node's live facts read for it, `ends` when its live alerts end."""
        return quiet_drawn.token(facts["links"], facts.get("cut_off_since") is not None, ends)

    def finish(self, request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
        for name, value in SECURE_HEADERS.items():
            response.headers.setdefault(name, value)
        secure = cookies_secure(request.secure, request.headers)  # (behind a TLS reverse proxy too)
        for name, value in request.get(DASH_COOKIES, {}).items():
            if value is None:  # a cookie to forget (Max-Age=0)
                response.del_cookie(name, path="/", httponly=True, samesite="Strict", secure=secure)
                continue
            response.set_cookie(name, value, httponly=True, samesite="Strict", secure=secure, path="/",
                                max_age=None if name == self._names(request).session else 365 * 86400)
        return response

    def redirect(self, request: web.Request, location: str) -> web.StreamResponse:
        return self.finish(request, web.Response(status=303, headers={"Location": location}))

    def refuse(self, request: web.Request, ctx: dict[str, Any], status: int, message_key: str) -> web.Response:
        ctx = {**ctx, "title": ctx["t"]("error.title"), "message": ctx["t"](message_key)}
        return self.respond(request, "error.html", ctx, status)

    def refusal_page(self, request: web.Request, exc: web.HTTPException) -> web.Response:
        """aiohttp's own refusal `exc` (node.dashboard.lazy.REFUSALS) of a request outside the API,
        said as a page in the reader's language with the dashboard's landmarks and a way back, not in
        plain English text: an address with no page (mistyped, cut short, an old bookmark), a method the
        address does not take (/logout opened from the history: a form's address visited), and a form
        too large to read (a long text pasted into the private details)."""
        ctx = request.get(DASH) or self.context(request)
        if not ctx["logged_in"]:  # (no form on it: not even a 405 of /login gives a cookie)
            self._cookieless(request)
        t = ctx["t"]
        what = REFUSAL_PAGES[exc.status]
        if exc.status == 413 and exc.text == too_many_fields_text(request.client_max_fields):
            # refused for its number of fields (aiohttp's client_max_fields, 1,000), not its size:
            # "give a shorter text" was no help, its texts were short. Told by aiohttp's own refusal:
            # a Content-Length within the size was no sign of it (a chunked form has none)
            what = "too_many_fields"
        response = self.respond(request, "error.html", {**ctx, "title": t(f"error.{what}_title"),
                                                        "message": t(f"error.{what}")}, exc.status)
        if "Allow" in exc.headers:  # what the address does take (RFC 9110 asks it of a 405)
            response.headers["Allow"] = exc.headers["Allow"]
        return response

    def storage_safe(self, handler: Handler) -> Handler:
        """`handler`, whose failure on the database (damaged, a full disk, unusable) is said on a
        page in the reader's language, not by the last resort's JSON 500 meant for programs."""
        async def safe(request: web.Request) -> web.StreamResponse:
            started = time.perf_counter()
            try:
                response = await handler(request)
                # Server time, as the API gives it (its database work included), for the admin only:
                # bench/http_pages.py reads it (DESIGN: a page at 100k events under 100 ms).
                if (request.get(DASH) or {}).get("is_admin") and not response.prepared:
                    response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.2f}"
                return response
            except (StoreError, StorageFailed) as exc:
                if not isinstance(exc, StorageFailed):  # a publish told the node already
                    self.node.storage_failed(exc)
                if request.writer is not None and request.writer.output_size > 0:
                    raise  # a page or stream had started: only closing the connection is left
                status, reason = storage_trouble(exc)
                return self.refuse(request, request.get(DASH) or self.context(request), status, STORAGE_PAGES[reason])
        return safe

    def guard(self, request: web.Request, *, admin: bool = False, fragment: bool = False) -> web.StreamResponse | None:
        """None if the request may go on (the admin's); else the answer (login page, 401 or 403).
        Every page of the network's own is the admin's: a public visitor (--public-dashboard) gets
        the public pages only (/public/, node.public_site), which hold what groups chose to make
        public. The overview, event pages, groups and live updates show alerts not marked public
        (where a raid is), support requests (a minor in Calais), the member groups and the peers:
        the network's, not everyone's, the police's included."""
        ctx = request[DASH]
        if ctx["role"] == ADMIN:
            return None
        if admin and ctx["role"] == PUBLIC:
            return self.refuse(request, ctx, 403, "error.admin_only")
        if fragment:
            return self.refuse(request, ctx, 401, "error.login_needed")
        if ctx["role"] == PUBLIC and request.path == "/":
            self._cookieless(request)
            return self.redirect(request, "/public/" + (f"?lang={ctx['lang']}" if "lang" in request.query else ""))
        # The language asked for goes to the login page too (a redirect sets no cookie: the bookmark
        # /groups?lang=fr of a coordinator whose browser says English opened an English login page)
        asked = f"lang={ctx['lang']}&" if "lang" in request.query else ""
        return self.redirect(request, f"/login?{asked}next=" + quote(request.path_qs, safe=""))

    @staticmethod
    def _cookieless(request: web.Request) -> None:
        """No cookie for a public visitor (--public-dashboard): a reader of the public pages (a migrant
        checking where the police are) got a session cookie and, once a language was picked, a
        year-long "solnet_lang" on the phone, saying it had read a solnet node; the pages hold no form
        and the language is in their addresses (?lang=). A logged-in admin's cookies stay as they are."""
        request[DASH_COOKIES] = {}

    async def check_post(self, request: web.Request, *, admin: bool = False) -> tuple[Any, web.StreamResponse | None]:
        """The form, or the refusal: every POST needs its session's CSRF token (and, when the
        browser says where it comes from, this very origin); with `admin`, an admin too."""
        if admin and (refusal := self.guard(request, admin=True)) is not None:
            return None, refusal
        ctx = request[DASH]
        try:
            form = await request.post()
        except (ValueError, LookupError):  # not UTF-8, an unknown charset, not multipart as it says: the sender's
            return None, self.refuse(request, ctx, 400, "error.bad_form")
        origin = request.headers.get("Origin")
        # "null" is what browsers send under Referrer-Policy: no-referrer; the token decides then.
        if origin not in (None, "null") and origin not in (f"http://{request.host}", f"https://{request.host}"):
            return form, self.refuse(request, ctx, 403, "error.csrf")
        token = form.get("csrf")
        session_id = request.cookies.get(self._names(request).session)
        if not self.sessions.csrf_ok(session_id, token if isinstance(token, str) else None):
            return form, self.refuse(request, ctx, 403, "error.csrf")
        return form, None

    # --- pages ----------------------------------------------------------------------------------
    def opener(self, ctx: dict[str, Any]) -> audience.Opener | None:
        """What reads events for chosen groups on this page: the node's key, for its admin only (a
        public visitor never sees them)."""
        return audience.opener_of(self.node) if ctx["is_admin"] else None

    def _region(self, request: web.Request) -> str | None:
        region = request.query.get("region", "").strip().lower()
        return region[:40] or None

    async def _overview_ctx(self, request: web.Request) -> dict[str, Any]:
        ctx = request[DASH]
        region = self._region(request)
        peers = self.node.peer_views(now_ms())
        own = self._own_group() if ctx["is_admin"] else None  # only the admin acts for the group
        asked = {section: self._page_number(request, key) for section, key in pages.PAGED.items()}
        data = await self.node.db(pages.overview, self.node.log, region, now_ms(), own, peers, self.opener(ctx), asked)
        shown = {key: data[section]["page"] for section, key in pages.PAGED.items() if data[section]["page"] > 1}
        for section, key in pages.PAGED.items():  # each section's links on and back keep the others' pages
            data[section]["href"] = {n: "/?" + urlencode({**({"region": region} if region else {}), **shown, key: n})
                                     for n in (1, data[section]["next_page"]) if n}
        facts = self.node.live_facts()  # once: it asks the storage health and the clock doubt
        health = await self.node.db(pages.health, self.node.log, peers, facts.get("cut_off_since"))
        keys = self.node.keys
        health.update(await self.node.db(
            pages.own_group_problems, self.node.log, bytes(keys.device.public),
            bytes(keys.group.public) if keys.group else None) if ctx["is_admin"] else
            {"own_keys": [], "not_sent": {}, "revoked_by_ours": [], "own_name_like": [], "admitters_unnamed": [],
             "feeds_set_by": None})
        # A device of this group sealing what this node cannot read: in other hands? (node/hidden_own.py)
        health["hidden_own"] = pages.hidden_own(self.node.log, facts.get("hidden_own") or []) if ctx["is_admin"] else []
        health["events_per_s"] = facts["events_per_s"]
        # A write failed (a full disk): peers' events, raid alerts among them, are not stored until it ends
        problem = facts.get("storage_problem")
        health["storage"] = None if problem is None else {
            "full": bool(facts.get("storage_full")), "problem": problem, "needed_mb": max(1, facts.get("space_needed", 0) >> 20)}
        # A disk nearly full, before any write fails (said by `solnet status` too): MB free, or None
        free = disk.low_space(self.node.home.path) if problem is None else None
        health["disk_low_mb"] = None if free is None else free >> 20
        behind = facts.get("clock_behind_ms")
        health["clock_behind"] = span(behind) if behind else None
        health["own_refused"] = facts.get("own_events_refused")  # {"peers", "from_seq"}: a clock ahead?
        # {"events", "until", "held", "behind_ms"}: a clock set right, or (held: a peer took them) set back
        health["own_stamped_ahead"] = ahead = facts.get("own_stamped_ahead")
        if ahead and ahead.get("held"):
            health["own_stamped_ahead"] = {**ahead, "behind": span(ahead.get("behind_ms") or 0)}
        # stamped too far ahead for a rightly stamped event to let them in?
        health["own_stamped_far_ahead"] = bool(ahead) and not stamped_ahead.publishing_proves(ahead["until"], now_ms())
        health["key_elsewhere"] = facts.get("key_elsewhere") if ctx["is_admin"] else None  # {"when", "seq", "at"}: a copy?
        # the group key's event signed elsewhere, with the devices it certified and groups it admitted there
        health["group_key_elsewhere"] = facts.get("group_key_elsewhere") if ctx["is_admin"] else None
        # A peer's word that this device is linked twice there (a copy of this home?), said as its word
        told = facts.get("linked_twice_told") if ctx["is_admin"] else None
        health["linked_twice_told"] = {"at": told, "peer": facts.get("linked_twice_told_by") or "?"} if told else None
        if not ctx["is_admin"]:  # a member's device that may be copied (node/linked_twice.py) is for the admin
            for peer in health["peers"]:
                peer["linked_twice"] = None
        # The devices the warnings name that this node may revoke: linked to the revocation page (node/dashboard/revoke.py)
        health["revocable"] = await self._revocable(health) if ctx["is_admin"] else set()
        suffix = "?" + urlencode({**({"region": region} if region else {}), **shown}) if region or shown else ""
        # A typo ('calai') showed "No live alerts." and empty lists, as if all were calm there: said, with
        # the close ones, as `solnet view` and the API refuse it (node/known_regions.py)
        close = await self.node.db(unknown_region, self.node.log, region,
                                   lambda: self.node.home.config().region) if region else None
        # (from the facts the quiet token is drawn with)
        ctx["cut_off"] = self._cut_off_of(facts.get("cut_off_since"))
        return {**ctx, **data, "health": health, "region": region, "region_close": close, "title": ctx["t"]("overview.title"),
                "fragment": "/fragment/overview" + suffix,
                "quiet": self._quiet(facts, [a["expires"] for a in (*data["alerts"], *data["alerts_folded"])])}

    def _cut_off(self) -> dict[str, int] | None:
        """Since when (ms) and for how many minutes this node has heard from no peer, if it counts as
        cut off (node/cut_off.py); None if it does not."""
        return self._cut_off_of(self.node.cut_off_since())

    @staticmethod
    def _cut_off_of(since: int | None) -> dict[str, int] | None:
        """The banner's facts of a node cut off since `since` (the node's `cut_off_since`: node/cut_off.py,
        the rule `solnet status` follows too): since when, for how many minutes; None if it is not."""
        return None if since is None else {"since": since, "minutes": (now_ms() - since) // 60_000}

    @staticmethod
    def _page_number(request: web.Request, key: str) -> int:
        """The page of a section the query asks for (`?support_page=2`): 1 if none or not a number."""
        value = request.query.get(key, "")
        return max(1, min(int(value), 10_000)) if value.isdigit() and len(value) <= 6 else 1

    async def overview(self, request: web.Request) -> web.StreamResponse:
        self.context(request)
        if (refusal := self.guard(request)) is not None:
            return refusal
        return self.respond(request, "overview.html", await self._overview_ctx(request))

    async def overview_fragment(self, request: web.Request) -> web.StreamResponse:
        self.context(request)
        if (refusal := self.guard(request, fragment=True)) is not None:
            return refusal
        return self.respond(request, "overview_body.html", await self._overview_ctx(request))

    async def alerts_fragment(self, request: web.Request) -> web.StreamResponse:
        """The live alerts and all clears alone, for the pages without the overview's banner (a
        form being filled in): their script says a new alert as the overview does, at each change
        the live stream tells, and costs the node this much, not the whole overview."""
        ctx = self.context(request)
        if (refusal := self.guard(request, fragment=True)) is not None:
            return refusal
        data = await self.node.db(pages.alert_watch, self.node.log, now_ms())
        quiet = self._quiet(self.node.live_facts(), [a["expires"] for a in data["alerts"]])
        return self.respond(request, "alert_watch.html", {**ctx, **data, "quiet": quiet})

    async def _revocable(self, health: dict[str, Any]) -> set[str]:
        """Of the devices the overview's warnings name (in hex), those this node may revoke here."""
        named = [p["device"] for p in health["peers"] if p.get("linked_twice") and p.get("device")]
        named += [h["device_id"] for h in health["hidden_own"]] + [r["by_id"] for r in health["revoked_by_ours"]]
        named += (health.get("group_key_elsewhere") or {}).get("devices") or []
        named += [health["feeds_set_by"]["device"]] if health.get("feeds_set_by") else []
        if not named:
            return set()
        keys = self.node.keys
        found = await self.node.db(revoke.revocable, self.node.log, bytes(keys.group.public) if keys.group else None,
                                   bytes(keys.device.public), [bytes.fromhex(d) for d in set(named)])
        return {d.hex() for d in found}

    def _own_group(self) -> bytes | None:
        return pages.own_group(self.node.log, bytes(self.node.keys.device.public))

    async def _event_ctx(self, request: web.Request) -> dict[str, Any] | None:
        ctx = request[DASH]
        own = self._own_group() if ctx["is_admin"] else None
        event = await self.node.db(pages.event, self.node.log, bytes.fromhex(request.match_info["id"]), now_ms(),
                                   own, self.opener(ctx))
        if event is None:
            return None
        private_status = None
        private_text = None
        private_readers: list[str] = []
        if event["sealed"] is not None:
            if ctx["is_admin"]:  # decrypted in memory for this response only, never stored
                private_text, status = read_private(event["sealed"], self.node.keys.device_encryption)
                private_status = {NOT_A_RECIPIENT: "not_recipient"}.get(status, status)
                # who else reads it, as `solnet show` says (a share's page: the groups it was shared with, and
                # those that read the request already; a request's page says it of the request and its shares
                # together: pages.request_read_by)
                opened = (open_private_part(event["sealed"], self.node.keys.device_encryption)
                          if private_text and event["kind"] != "support.request" else None)
                if opened is not None and opened[1] and event["group"] is not None:
                    names = await self.node.db(references.group_names, self.node.log.store)
                    readers = await self.node.db(pages.part_readers_said, self.node.log, self.opener(ctx), event,
                                                 list(opened[1]))
                    private_readers = [names.get(g) or short_id(g) for g in readers]
            else:
                private_status = "hidden"
        # Never the kind alone: ten tabs all called "Alert" (event_names: its type, region and time);
        # nothing sealed either, as browsers keep titles in their history (event_names.page_title)
        title = event_names.page_title(ctx["t"], event["named"], event["id"], about=event["about"],
                                       chosen=event["for_chosen_groups"] or bool(event["shared_with"]),
                                       private=event["sealed"] is not None)
        # An alert's page shows it live (its update and all clear buttons) until it ends
        status = event["status"] if event["kind"] == "alert" else None
        ends = [status.get("expires") or event["expires"]] if status and status.get("status") == "live" else []
        # (this very device's: `solnet redact` signs with it, so another device's cannot be withdrawn here)
        withdrawable = ctx["is_admin"] and withdraw.refusal(event, bytes(self.node.keys.device.public)) is None
        return {**ctx, "event": event, "private_text": private_text, "private_status": private_status,
                "private_readers": private_readers, "withdrawable": withdrawable,
                "group_languages": await self.node.db(references.profile_languages, self.node.log.store),
                "title": title, "fragment": f"/fragment/event/{request.match_info['id']}",
                "quiet": self._quiet(self.node.live_facts(), ends)}

    async def event(self, request: web.Request) -> web.StreamResponse:
        ctx = self.context(request)
        if (refusal := self.guard(request)) is not None:
            return refusal
        page = await self._event_ctx(request)
        if page is None:
            return self.refuse(request, ctx, 404, "error.no_event")
        published = bool(request.query.get("published"))
        # On its way, unless no peer is linked now (a Pi whose peer is down)
        linked = bool(self.node.live_facts().get("links"))
        page["flash"] = None
        if published:
            page["flash"] = ctx["t"]("publish.done" if linked else "publish.done_no_link")
        elif request.query.get("withdrawn") and page["event"]["body"] != "present":  # (withdraw.submit)
            page["flash"] = ctx["t"]("withdraw.done" if linked else "withdraw.done_no_link")
        moved = None  # an update: the action as the lists read it now, its end moved with its start
        if published and page["event"]["kind"] == "action.update":
            moved = await self.node.db(past_action.as_moved, self.node.log, page["event"].get("raw") or {})
        page["flash_warning"] = None
        if published:  # what `solnet publish` and the API's `warnings` say besides (node/published_steps.py)
            facts = await self.node.db(published_facts, self.node.log, page["event"]["id"])
            said = [self._published_in_the_past(ctx, page["event"], moved), *self._steps_said(ctx, page["event"], facts)]
            page["flash_warning"] = Markup(" ").join(w for w in said if w) or None
        return self.respond(request, "event.html", page)

    @staticmethod
    def _steps_said(ctx: dict[str, Any], event: dict[str, Any], facts: dict[str, Any]) -> list[Markup]:
        """The step behind another device's, and the delivery recorded twice, in the page's language,
        times as every time of the page is (a <time> its script shows in the reader's zone)."""
        t, out = ctx["t"], []

        def when(ms: int) -> Markup:
            return Markup('<time datetime="{}">{}</time>').format(iso(ms), i18n.fallback_time(ms))

        if (b := facts.get("behind")) is not None:
            item = t("kind." + {"request": "support.request"}.get(b["item"], b["item"])).lower()
            said = Markup.escape(t("publish.step_behind", item="{item}", time="{time}", other="{other}",
                                   own_time="{own_time}"))
            out.append(said.format(item=item, time=when(b["at"]), other=b["other"].hex()[:12], own_time=when(b["own_at"])))
        if (w := facts.get("twice")) is not None:
            said = Markup.escape(t(f"publish.twice_{w['by']}", group="{group}", quantity="{quantity}", time="{time}",
                                   other="{other}", withdraw="{withdraw}"))
            out.append(said.format(group=w["group"] or "", quantity=str(w["quantity"]), time=when(w["at"]),
                                   other=w["other"].hex()[:12], withdraw=withdraw.link(t, event["id"])))
            if w["own_offer"]:
                out.append(Markup.escape(t("publish.twice_own_offer")))
        return out

    @staticmethod
    def _published_in_the_past(ctx: dict[str, Any], event: dict[str, Any],
                               moved: dict[str, Any] | None = None) -> str | None:
        """Just published: an action dated in the past is in no list of actions to come; said as
        `solnet publish` says it (node/words.py past_action; an update by node/past_action.py's rule)."""
        starts_at = (event.get("raw") or {}).get("starts_at")
        ends_at = (event.get("raw") or {}).get("ends_at")
        ends_at = ends_at if isinstance(ends_at, int) else None
        if event["kind"] not in ("action", "action.update") or not isinstance(starts_at, int):
            return None
        if not (starts_in_the_past(starts_at, now_ms(), ends_at) if event["kind"] == "action"
                else past_action.moves_into_the_past(starts_at, ends_at, moved, now_ms())):
            return None
        # The time as every time of the page is (a <time> the page's script shows in the reader's
        # zone): as text, it read "04:00 UTC" beside the form's "05:00 UTC+1". An update moving the
        # start there took the action out of every list (node/words.py moved_past).
        key = "publish.past_action" if event["kind"] == "action" else "publish.moved_past"
        said = Markup.escape(ctx["t"](key, time="{time}", withdraw="{withdraw}"))
        when = Markup('<time datetime="{}">{}</time>').format(iso(starts_at), i18n.fallback_time(starts_at))
        return said.format(time=when, withdraw=withdraw.link(ctx["t"], event["id"]))

    async def event_fragment(self, request: web.Request) -> web.StreamResponse:
        ctx = self.context(request)
        if (refusal := self.guard(request, fragment=True)) is not None:
            return refusal
        page = await self._event_ctx(request)
        if page is None:
            return self.refuse(request, ctx, 404, "error.no_event")
        return self.respond(request, "event_body.html", page)

    async def groups(self, request: web.Request) -> web.StreamResponse:
        ctx = self.context(request)
        if (refusal := self.guard(request)) is not None:
            return refusal
        data = await self.node.db(pages.groups, self.node.log, self.node.peer_views(now_ms()))
        own = bytes(self.node.keys.device.public)  # which device is this node's: not a seized phone's
        for d in (d for g in data for d in g["device_list"] if d["id"] == own):
            d["this_node"] = True
        names = {g["id"]: g["name"] for g in data}  # as shown: a name like another's carries its short id
        # A device this node may revoke (its group's, on the main node) offers it: node/dashboard/revoke.py
        keys = self.node.keys
        mine = [d["id"] for g in data for d in g["device_list"]] if keys.group is not None and ctx["is_admin"] else []
        revocable = await self.node.db(revoke.revocable, self.node.log, bytes(keys.group.public) if keys.group else None,
                                       own, mine) if mine else set()
        flash = None
        asked = request.query.get("revoked", "")
        # Said only where a revocation that counts cuts it off by now (a typed id of a device that
        # revoked itself far ahead, or of a fork, still signs): revoke.cut_off
        if re.fullmatch(r"[0-9a-f]{64}", asked) and await self.node.db(revoke.cut_off, self.node.log,
                                                                        bytes.fromhex(asked)):
            flash = ctx["t"]("revoke.done", device=short_id(bytes.fromhex(asked)))  # (revoke.submit)
        return self.respond(request, "groups.html", {**ctx, "groups": data, "names": names, "revocable": revocable,
                                                     "flash": flash, "title": ctx["t"]("groups.title")})

    # --- publishing -----------------------------------------------------------------------------
    async def publish_index(self, request: web.Request) -> web.StreamResponse:
        ctx = self.context(request)
        if (refusal := self.guard(request, admin=True)) is not None:
            return refusal
        return self.respond(request, "publish_index.html", {**ctx, "kinds": pages.PUBLISHABLE,
                                                             "title": ctx["t"]("publish.title")})

    async def _form_ctx(self, ctx: dict[str, Any], kind: str, values: dict[str, str],
                        errors: dict[str, str], general: str | None, chosen_to: list[str],
                        offer_offline: bool = False, offer_new_region: bool = False) -> dict[str, Any]:
        """The publish form's page. `offer_offline`: it was refused because the node has not caught
        up with the network (node/chain_gate.py): the page offers the override, never ticked.
        `offer_new_region`: its region is one no one follows (node/known_regions.py): the page asks
        whether it is a new region on purpose, unticked."""
        picker = forms.picks_groups(kind)
        device = bytes(self.node.keys.device.public)
        read_already: list[dict[str, Any]] = []  # a share's groups that read the request already: named, not offered
        if forms.shares_request(kind):
            groups, read_already = await self.node.db(pages.share_groups, self.node.log, device, self.opener(ctx),
                                                      values.get("request"))
            if not groups and "to" in errors:  # nothing to tick: the error says what the words beside it say
                errors = {**errors, "to": ctx["t"]("share.all_read" if read_already else "private.no_groups")}
        else:
            groups = await self.node.db(pages.recipient_groups, self.node.log, device) if picker else []
        return {**ctx, "kind": kind, "inputs": forms.inputs(kind), "values": values, "errors": errors,
                "general_error": general, "private": forms.has_private_part(kind), "groups": groups,
                "read_already": read_already,
                "audience": forms.takes_audience(kind), "share": forms.shares_request(kind),
                "case_notes": forms.takes_case_notes(kind),
                "chosen_to": chosen_to, "expiry": forms.needs_expiry(kind), "expiry_choices": forms.EXPIRY_CHOICES,
                "offer_offline": offer_offline, "offer_new_region": offer_new_region,
                "named_refs": await self.node.db(pages.form_references, self.node.log, kind, values),
                "public_update": kind == "alert.update"
                and await self.node.db(publishing.public_alert, self.node.log, values.get("alert")),
                "regions": (await self.node.db(pages.regions, self.node.log))[0], "node_zone": render.local_zone(),
                "title": ctx["t"]("publish.form_title", kind=ctx["t"](f"kind.{kind}"))}

    async def publish_form(self, request: web.Request) -> web.StreamResponse:
        ctx = self.context(request)
        if (refusal := self.guard(request, admin=True)) is not None:
            return refusal
        kind = request.match_info["kind"]
        if kind not in pages.PUBLISHABLE:
            return self.refuse(request, ctx, 404, "error.no_kind")
        values = forms.values_for(kind, request.query)
        if forms.needs_expiry(kind):
            values["expires_in"] = forms.DEFAULT_EXPIRY
        again = None  # "Post it again" of one of this group's alerts: its words, for a raid that goes on past its end
        if kind == "alert" and (asked := request.query.get("again")):
            own = self.node.log.trust.group_of(bytes(self.node.keys.device.public))
            again = await self.node.db(pages.alert_again, self.node.log, asked[:64], own)
        if again is not None:
            values.update(again[0])
            said = Markup.escape(ctx["t"]("publish.again", end="{end}")).format(end=markup.time_tag(again[1]))
            ctx = {**ctx, "flash": said}
        return self.respond(request, "publish_form.html", await self._form_ctx(ctx, kind, values, {}, None, []))

    async def publish_submit(self, request: web.Request) -> web.StreamResponse:
        ctx = self.context(request)
        if ctx["role"] != ADMIN and request.match_info["kind"] in pages.PUBLISHABLE and _from_this_site(request):
            return await self._log_in_to_send(request, ctx)
        form, refusal = await self.check_post(request, admin=True)
        if refusal is not None:
            return refusal
        kind = request.match_info["kind"]
        if kind not in pages.PUBLISHABLE:
            return self.refuse(request, ctx, 404, "error.no_kind")
        texts = {i.name: str(form.get(i.name, "")) for i in forms.inputs(kind)}
        expires_in = str(form.get("expires_in", "")) if forms.needs_expiry(kind) else None
        private = str(form.get("private", "")) if forms.has_private_part(kind) else None
        picker = forms.picks_groups(kind)
        to = [str(g) for g in form.getall("to", [])] if picker else []
        public_note = forms.takes_case_notes(kind) and form.get("public_note") == "yes"
        zone = str(form.get("time_zone", "")).strip()[:64] or None  # the browser's, set by static/app.js
        # Ticked on a form refused for not having caught up (offered only then): `solnet publish --offline`
        offline = form.get("offline") == "yes"
        new_region = form.get("new_region") == "yes"  # ticked where the form was refused for its region
        t = ctx["t"]
        chosen = str(form.get("audience", "network"))
        # What was typed, for a refused form to come back with (the expiry chosen too, where it came back
        # as the first choice after a refusal by the log; the override never: it is offered unticked)
        typed = {**texts, **({"expires_in": expires_in} if expires_in else {}), "private": private or "",
                 **({"public_note": "yes"} if public_note else {}), "audience": chosen}
        inputs = (kind, texts, zone, private or None, to, public_note)
        if forms.takes_audience(kind) and (chosen == "chosen") != bool(to):  # said before anything is parsed
            problem = t("error.audience_none" if chosen == "chosen" else "error.audience_ticked")
            errors = await self._every_problem(t, {"to": problem}, *inputs)
            page = await self._form_ctx(ctx, kind, typed, errors, None, to)
            return self.respond(request, "publish_form.html", page, 400)
        try:
            event = await self.node.publish(kind, texts, expires_in=expires_in, private=private or None, to=to,
                                            public_note=public_note, time_zone=zone, offline=offline,
                                            check_region=not new_region)
        except NewRegion as exc:  # a typo ('calis') or a new town: said at the field, with the close matches
            close = " / ".join(exc.close)
            said = t("error.new_region_close" if close else "error.new_region", region=exc.region, close=close)
            errors = await self._every_problem(t, {"region": said}, *inputs)
            page = await self._form_ctx(ctx, kind, typed, errors, None, to, offer_new_region=True)
            return self.respond(request, "publish_form.html", page, 400)
        except publishing.PublishError as exc:
            message = forms.refusal_words(exc, t)
            errors = {exc.field: message} if exc.field in forms.form_fields(kind) else {}
            if errors:  # and every other problem, at once: not one more attempt per field
                errors = await self._every_problem(t, errors, *inputs)
            page = await self._form_ctx(ctx, kind, typed, errors, None if errors else message, to)
            return self.respond(request, "publish_form.html", page, 400)
        except InvalidEvent as exc:
            held = exc.reason == NOT_CAUGHT_UP
            # Not caught up (node/chain_gate.py) is no revocation: a node back from a power cut whose peers are
            # down. The page offers the override (an alert must go out in a blackout), explained, never ticked.
            # (a home that syncs with no peer, restored or moved, waits for no peer: for its newest bundle)
            bundle = held and MOVED in exc.args[0]
            said = t("error.not_caught_up_bundle" if bundle else
                     "error.not_caught_up" if held else "error.refused_by_log")
            page = await self._form_ctx(ctx, kind, typed, {}, said, to, offer_offline=held)
            return self.respond(request, "publish_form.html", page, 400)
        except StorageFailed as exc:  # nothing was stored: keep what was typed, say why
            status, reason = storage_trouble(exc)
            page = await self._form_ctx(ctx, kind, typed, {}, t(STORAGE_PAGES[reason]), to)
            return self.respond(request, "publish_form.html", page, status)
        return self.redirect(request, f"/event/{event.id.hex()}?published=1")

    async def _every_problem(self, t: i18n.Translator, first: dict[str, str], kind: str, texts: dict[str, str],
                             zone: str | None, private: str | None, to: list[str], public_note: bool,
                             ) -> dict[str, str]:
        """The problem `first` (by input, as said) and every other input's of a refused form, in the form's
        order and the page's language (node.publishing.form_problems: each field's, those between fields,
        and between the fields and the private details, their recipients and the public note's tick).
        Only `first` if the
        others cannot be worked out (a bad time zone, a field the kind has not): the refusal says it."""
        try:
            problems = await self.node.db(functools.partial(
                publishing.form_problems, private=private, to=to, public_note=public_note),
                self.node.log, KINDS[kind], texts, zone)
        except publishing.PublishError:
            return first
        names = forms.form_fields(kind)
        others = {name: forms.refusal_words(problem, t) for name, problem in problems.items()
                  if name not in first and name in names}
        return forms.in_form_order(kind, first | others)

    async def _log_in_to_send(self, request: web.Request, ctx: dict[str, Any]) -> web.StreamResponse:
        """A publish form sent from a session the node no longer knows (it restarted: a power cut; or
        the session ended after hours open): nothing is published, and the login page says so and
        carries what was typed (hidden fields, never stored), so that logging in gives the form back
        as typed, to check and send. It was a redirect to the login page, then an empty form."""
        kind = request.match_info["kind"]
        try:
            form = await request.post()
        except (ValueError, LookupError):
            return self.refuse(request, ctx, 400, "error.bad_form")
        t = ctx["t"]
        if request.cookies.get(self._names(request).session) != ctx["session_id"]:  # a login form, here too
            request[DASH_COOKIES][self._names(request).session] = ctx["session_id"]
        return self.respond(request, "login.html", {
            **ctx, "title": t("login.title"), "next": f"/publish/{kind}", "carry": _carried(kind, form.items()),
            "flash_warning": t("login.unsent")}, 401)

    async def _form_after_login(self, request: web.Request, ctx: dict[str, Any], kind: str,
                                carry: list[tuple[str, str]]) -> web.StreamResponse:
        """The publish form as it was sent before logging in (`_log_in_to_send`), with this new
        session's token: not sent, for the coordinator to check first."""
        session = request[DASH_COOKIES][self._names(request).session]
        ctx = {**ctx, "logged_in": True, "role": ADMIN, "is_admin": True, "session_id": session,
               "csrf": self.sessions.csrf_token(session), "flash": ctx["t"]("login.resend")}
        values = {name: value for name, value in carry if name != "to"}
        page = await self._form_ctx(ctx, kind, values, {}, None, [value for name, value in carry if name == "to"])
        return self.respond(request, "publish_form.html", page)

    # --- login ----------------------------------------------------------------------------------
    async def login_form(self, request: web.Request) -> web.StreamResponse:
        ctx = self.context(request)
        # "You are logged out." only to a browser that is: this address opened again (the back
        # button, the history) by one logged in since told a live session it had ended
        left = request.query.get("left") == "1" and not ctx["logged_in"]
        if left:  # the logout forgot the language cookie: its ?lang= is for this page, not remembered
            request[DASH_COOKIES].pop(i18n.COOKIE, None)
        return self.respond(request, "login.html", {**ctx, "title": ctx["t"]("login.title"),
                                                    "next": safe_next(request.query.get("next")),
                                                    "flash": ctx["t"]("login.left") if left else None})

    async def login_link(self, request: web.Request) -> web.StreamResponse:
        """A one-time link from `solnet dashboard-link`, opened: a page whose button logs in with it
        (`login_link_submit`). Opening spends nothing and says nothing of whether the link is still
        good: link previewers and mail scanners fetch a link by themselves (GET or HEAD), and such a
        fetch spent it, was given the admin's session and the browser's year-long mark, and left the
        person it was for a refusal (until 2026-12-06). Only a link cut short is said at once (its
        form shows it, no secret does)."""
        ctx = self.context(request)
        token = request.query.get("token")
        if not login_links.well_formed(token):
            return self._link_refused(request, ctx, token)
        return self.respond(request, "login_link.html", {**ctx, "title": ctx["t"]("login.link_title"), "token": token})

    async def login_link_submit(self, request: web.Request) -> web.StreamResponse:
        """The button of a login link's page: log in with the link (spent), then go to the overview,
        so the token leaves the address bar. A form like every other (its session's CSRF token, this
        very origin): no other site's page can send a link it holds to log this browser in."""
        ctx = self.context(request)
        form, refusal = await self.check_post(request)
        if refusal is not None:
            return refusal
        token = form.get("token")
        token = token if isinstance(token, str) else None
        ok = await asyncio.get_running_loop().run_in_executor(None, login_links.redeem, self.node.home.path, token)
        if not ok:
            return self._link_refused(request, ctx, token)
        self._log_in(request)
        return self.redirect(request, "/")

    def _link_refused(self, request: web.Request, ctx: dict[str, Any], token: str | None) -> web.Response:
        """The login page, saying why a link did not log in."""
        t = ctx["t"]
        # A link cut short (or broken) when copied was never made here: "someone else may have used
        # it" would send its sender into a false alarm (a restart that ends every session).
        said = "login.link_refused" if login_links.well_formed(token) else "login.link_incomplete"
        return self.respond(request, "login.html", {**ctx, "title": t("login.title"), "next": "/",
                                                    "general_error": t(said)}, 403)

    def _log_in(self, request: web.Request) -> None:
        """This request proved it may be the admin: end its old session, start a logged-in one, and
        mark the browser as one that logged in here (its failed logins count apart: access.py)."""
        self.sessions.log_out(request.cookies.get(self._names(request).session))
        request[DASH_COOKIES][self._names(request).session] = self.sessions.log_in()
        if self._browser(request) is None:
            request[DASH_COOKIES][self._names(request).browser] = self.known_browsers.mark()

    def _browser(self, request: web.Request) -> str | None:
        """The id of this browser if it logged in here before (its mark), else None."""
        return self.known_browsers.browser(request.cookies.get(self._names(request).browser))

    async def login_submit(self, request: web.Request) -> web.StreamResponse:
        ctx = self.context(request)
        form, refusal = await self.check_post(request)
        if refusal is not None:
            return refusal
        t = ctx["t"]
        page = {**ctx, "title": t("login.title"), "next": safe_next(str(form.get("next", "")))}
        browser = self._browser(request)
        throttle = self.throttles.of(browser)  # browsers never seen here share one count (access.py)
        kind = page["next"].removeprefix("/publish/")
        carry = _carried(kind, [(k.removeprefix(CARRY), v) for k, v in form.items() if k.startswith(CARRY)]) \
            if kind in pages.PUBLISHABLE else []
        if carry:  # a form sent while logged out: still carried, still said
            page.update(carry=carry, flash_warning=t("login.unsent"))
        async with self._login_lock:  # one passphrase check at a time: each costs Argon2id time and memory
            wait = throttle.wait_s()
            if wait > 0:
                said = "login.throttled" if browser is not None else "login.throttled_unknown"
                refused = self.respond(request, "login.html",
                                       {**page, "general_error": t(said, seconds=int(wait) + 1)}, 429)
                refused.headers["Retry-After"] = str(int(wait) + 1)  # the wait the page says, for programs too
                return refused
            ok = await asyncio.get_running_loop().run_in_executor(None, self._passphrase_ok, str(form.get("passphrase", "")))
            if not ok:
                throttle.failed()
                return self.respond(request, "login.html", {**page, "errors": {"passphrase": t("login.wrong")}}, 401)
            throttle.succeeded()
        self._log_in(request)
        if carry:
            return await self._form_after_login(request, ctx, kind, carry)
        return self.redirect(request, page["next"])

    def _passphrase_ok(self, passphrase: str) -> bool:
        """The node's admin passphrase is its keystore passphrase: it must open the keystore and
        find this node's device key there."""
        if not passphrase:
            return False
        try:
            keys = self.node.home.keys(passphrase)
        except (HomeError, CryptoError):  # wrong passphrase, or no keystore left (wiped)
            return False
        return bytes(keys.device.public) == bytes(self.node.keys.device.public)

    async def logout(self, request: web.Request) -> web.StreamResponse:
        self.context(request)
        _, refusal = await self.check_post(request)
        if refusal is not None:
            return refusal
        self.sessions.log_out(request.cookies.get(self._names(request).session))
        request[DASH_COOKIES][self._names(request).session] = Sessions.new_id()
        # Logged out, the browser keeps no year-long trace of this node: neither its mark (access.py) nor
        # its language cookie, named "solnet_lang" whichever node set it (a laptop's cookie jar said for a
        # year that it had used a solnet dashboard, and in which language). The page after says "logged
        # out" in the language it was in (?lang=), without remembering it (login_form).
        for name in (self._names(request).browser, i18n.COOKIE):
            if name in request.cookies or name in request[DASH_COOKIES]:
                request[DASH_COOKIES][name] = None
        lang = request[DASH]["lang"]
        return _forgetting(self.redirect(request, f"/login?left=1&lang={lang}"))  # the login page says it

    # --- panic wipe -----------------------------------------------------------------------------
    async def wipe_form(self, request: web.Request) -> web.StreamResponse:
        ctx = self.context(request)
        if (refusal := self.guard(request, admin=True)) is not None:
            return refusal
        return self.respond(request, "wipe.html", {**ctx, "title": ctx["t"]("wipe.title")})

    async def wipe_submit(self, request: web.Request) -> web.StreamResponse:
        ctx = self.context(request)
        form, refusal = await self.check_post(request, admin=True)
        if refusal is not None:
            return refusal
        t = ctx["t"]
        if str(form.get("confirm", "")).strip().upper() != t("wipe.word").upper():
            return self.respond(request, "wipe.html", {  # the tick kept: retyped, the word must not wipe less
                **ctx, "title": t("wipe.title"), "everything": form.get("everything") == "yes",
                "errors": {"confirm": t("wipe.not_confirmed", word=t("wipe.word"))}}, 400)
        everything = form.get("everything") == "yes"
        await self.node.halt_network(forget_peers=True)  # nothing arrives or is saved while the wipe runs
        report = await self._wipe(everything)
        # The browser forgets this node as the node forgets its keys: its login, its year-long mark
        # (access.py), its language cookie and (_forgetting) what the page kept in its storage. They
        # stayed on the laptop a year after a panic wipe, named after the node's address.
        names = self._names(request)
        for name in (names.session, names.browser, i18n.COOKIE):
            if name in request.cookies or name in request[DASH_COOKIES]:
                request[DASH_COOKIES][name] = None
        response = self.respond(request, "wiped.html", {**ctx, "title": t("wiped.title"), "report": report,
                                                        "is_admin": False, "logged_in": False})
        asyncio.get_running_loop().call_later(0.5, self.options.on_wiped or _stop_this_process)
        return _forgetting(response)

    async def _wipe(self, everything: bool) -> WipeReport:
        """The keys first, off the database thread (at once, whatever is queued there or however
        long a failing disk holds a write); then the database's part on its thread, waited for at
        most WIPE_DB_WAIT_S: the page answers and the node stops even if the database never does."""
        started = asyncio.get_running_loop().time()
        report = WipeReport(everything=everything)
        # (the marks file of what the home signed is left to wipe_data, on the thread that writes it)
        await asyncio.get_running_loop().run_in_executor(
            None, functools.partial(destroy_keys, self.node.home, report, marks=False))
        # A `solnet sync`, `import` or `export` beside the node holds the keys or stores into the database
        await asyncio.get_running_loop().run_in_executor(None, stop_one_shot_commands, self.node.home, report)
        data = WipeReport(everything=everything)
        try:  # (its own report: a part that outlives the wait must not change the one shown)
            async with asyncio.timeout(WIPE_DB_WAIT_S):  # (not asyncio.wait_for: see node/net/links.py)
                await self.node.db(wipe_data, self.node.home, data)
        except TimeoutError:
            # (the marks file then, off that thread: a write it has under way may still land, but not the file)
            await asyncio.get_running_loop().run_in_executor(None, destroy_marks, self.node.home, report)
            report.everything = False
            report.failed.append(f"the database's private parts and peer list (the database did not answer within "
                                 f"{WIPE_DB_WAIT_S:.0f} s; once the node has stopped, run `solnet wipe` on it)")
        else:
            report.private_parts_dropped, report.peers_forgotten = data.private_parts_dropped, data.peers_forgotten
            report.files_destroyed += data.files_destroyed
            report.failed += data.failed
            report.everything = data.everything  # (a full disk: the whole database went, node/wipe.py)
        report.seconds = asyncio.get_running_loop().time() - started
        return report

    # --- public pages and feeds (node/public_site.py) ----------------------------------------------
    def _public_allowed(self, request: web.Request) -> web.StreamResponse | None:
        """None if public pages are served here (--public-dashboard, or the admin looks); else a 404."""
        ctx = self.context(request)
        if self.options.access.public or ctx["is_admin"]:
            return None
        return self.refuse(request, ctx, 404, "error.public_off")

    async def public_page(self, request: web.Request) -> web.StreamResponse:
        if (refusal := self._public_allowed(request)) is not None:
            return refusal
        self._cookieless(request)
        lang = request[DASH]["lang"]
        alerts_only = request.path.rstrip("/").endswith("alerts")
        # The language links from the path alone (the page takes no other parameter): a page kept
        # for each query string anyone makes up would be one made anew per request.
        links = {code: f"{request.path}?lang={code}" for code in i18n.LANGUAGES}
        served = {**SERVED_LINKS, "index": f"/public/?lang={lang}"}  # (no cookie keeps the language: the link does)

        as_of = public_site.as_of(self.node.live_facts().get("cut_off_since"), now_ms())

        async def make(data: public_site.PublicData) -> str:
            return render_public(data, lang, served, alerts_only=alerts_only, lang_links=links, as_of=as_of)

        html = await self.public.answer(("page", alerts_only, lang, as_of), make)
        return self.finish(request, web.Response(text=html, content_type="text/html"))

    async def public_feed(self, request: web.Request) -> web.StreamResponse:
        if (refusal := self._public_allowed(request)) is not None:
            return refusal
        self._cookieless(request)
        name = request.match_info.get("name", "calendar.ics")  # /public/calendar/REGION.ics names none
        region = request.match_info.get("region")
        # The feeds' own links are relative (from the site's root): never from the request's Host
        # header, which a client writes, so a shared cache that keeps one answer for every Host
        # (Cache-Control: public) cannot be made to hand readers links to another site.
        base = ""
        makers = {"alerts.atom": lambda data: public_site.alerts_atom(data, base),
                  "actions.atom": lambda data: public_site.actions_atom(data, base),
                  "fundraisers.atom": lambda data: public_site.fundraisers_atom(data, base),
                  "calendar.ics": lambda data: public_site.actions_ics(data, region)}
        if name not in makers:
            raise web.HTTPNotFound()

        async def make(data: public_site.PublicData) -> bytes:
            return await asyncio.get_running_loop().run_in_executor(None, makers[name], data)

        body = await self.public.answer(("feed", name, region), make)
        response = web.Response(body=body, content_type=FEED_TYPES[name.rsplit(".", 1)[1]], charset="utf-8")
        response.headers["Cache-Control"] = "public, max-age=60"
        return self.finish(request, response)

    # --- live updates ---------------------------------------------------------------------------
    async def live(self, request: web.Request) -> web.StreamResponse:
        self.context(request)
        if (refusal := self.guard(request, fragment=True)) is not None:
            return refusal
        if self._streams >= MAX_STREAMS:  # (the admin's only: a public visitor has no live updates)
            return self.finish(request, web.Response(status=503, text="too many live streams; retry later"))
        try:
            since = int(request.query.get("since", "0"))
        except ValueError:
            since = 0
        # What the page's live parts were drawn with (quiet_drawn.py), one token a part; none from a
        # page's script of before them: the state found at the stream's start is taken for it then.
        drawn = request.query.getall("quiet", [])[:MAX_DRAWN]
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream; charset=utf-8",  # its words: UTF-8
                                               "X-Accel-Buffering": "no"})
        self.finish(request, response)
        self._streams += 1
        try:
            await response.prepare(request)
            await response.write(f"retry: {RETRY_MS}\n\n".encode())
            clock = asyncio.get_running_loop().time
            deadline = clock() + STREAM_LIFETIME_S
            seen, next_end = await self._quiet_state()
            written = clock()
            links, cut_off, _ = seen
            if any(quiet_drawn.outdated(token, links, cut_off, now_ms()) for token in drawn):
                # Changed between the page's drawing and now (an alert ended while a phone loaded the
                # script, or between two streams): no later change would tell it.
                await response.write(b"event: recheck\ndata: quiet\n\n")
            # `solnet end-sessions` (a new passphrase) ends the stream too, within RECHECK_S: it went on
            # telling a stolen cookie's page of every change for up to STREAM_LIFETIME_S
            session = request[DASH]["session_id"]
            while not self._closing.is_set() and clock() < deadline and self.sessions.is_logged_in(session):
                wait = max(0.0, min(RECHECK_S, KEEPALIVE_S, deadline - clock()))
                if next_end is not None:  # woken when a live alert ends, not up to RECHECK_S later
                    wait = min(wait, max(0.0, (next_end - now_ms()) / 1000) + 0.01)
                n = await self._next_change(since, wait)
                state, next_end = await self._quiet_state()
                if n > since:
                    since = n
                    await response.write(f"event: change\ndata: {n}\n\n".encode())
                elif state != seen:
                    # No event came, yet what the page shows is no longer true (an alert ended, the
                    # links went): the page reads its parts again (it kept a raid alert "live" hours
                    # past its end, and never said the node was cut off, until an event came).
                    await response.write(b"event: recheck\ndata: quiet\n\n")
                elif clock() - written >= KEEPALIVE_S:
                    await response.write(b": keepalive\n\n")
                else:
                    continue
                seen, written = state, clock()
            if not self._closing.is_set() and self.sessions.is_logged_in(session):  # its planned end, not a failure:
                # the page reconnects without a word (a session ended: the stream closes, the page's next try is refused)
                await response.write(b"event: end\ndata: lifetime\n\n")
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self._streams -= 1
        return response

    async def _quiet_state(self) -> tuple[tuple[int, bool, tuple[int, ...]], int | None]:
        """What an open page shows that changes while no event is stored: the peer links open,
        whether the node counts as cut off, and when each alert still live at this moment ends; and
        when the next of them ends (ms; None: none). The live alerts' ends, not a count of those
        ended: the list read again after events came no longer holds an alert that ended, and a
        count of the ended ones in it went back to what the stream had seen, so an ended alert was
        never told (an event stored as the alert was about to end sufficed)."""
        now, n, clock = now_ms(), self.node.last_stored_n, asyncio.get_running_loop().time()
        async with self._alert_ends_lock:  # (the streams asking at once wait for one read)
            kept = self._alert_ends
            # Read again once events came, but not more often than ALERT_ENDS_EVERY_S: a sync stores
            # batches many times a second, and no alert ends seconds after it came.
            if kept is None or (kept[0] != n and clock - kept[1] >= ALERT_ENDS_EVERY_S):
                try:
                    ends = await self.node.db(pages.alert_ends, self.node.log, now)
                except (StoreError, StorageFailed):  # the pages say it; the stream goes on with what it knew
                    ends = kept[2] if kept is not None else []
                self._alert_ends = kept = (n, clock, ends)
        ends = kept[2]
        facts = self.node.live_facts()
        links, cut_off = facts["links"], facts.get("cut_off_since") is not None
        live = tuple(end for end in ends if end > now)
        return (links, cut_off, live), (live[0] if live else None)

    async def _next_change(self, since: int, timeout: float = KEEPALIVE_S) -> int:
        change = asyncio.ensure_future(self.node.wait_for_change(since, timeout))
        closing = asyncio.ensure_future(self._closing.wait())
        try:
            done, _ = await asyncio.wait({change, closing}, return_when=asyncio.FIRST_COMPLETED)
        finally:  # also when this handler is cancelled: no waiter is left behind
            change.cancel()
            closing.cancel()
        return change.result() if change in done else since

    async def on_shutdown(self, app: web.Application) -> None:
        self._closing.set()

    async def static_file(self, request: web.Request) -> web.StreamResponse:
        entry = self.static.get(request.match_info["name"])
        if entry is None:
            raise web.HTTPNotFound()
        body, content_type = entry
        response = web.Response(body=body, content_type=content_type)
        response.headers["Cache-Control"] = "no-cache"
        return self.finish(request, response)


SERVED_LINKS = {"style": "/static/style.css", "alerts_atom": "/public/alerts.atom", "actions_atom": "/public/actions.atom",
                "funds_atom": "/public/fundraisers.atom", "calendar": "/public/calendar.ics",
                "region_calendar": "/public/calendar/REGION.ics", "index": "/public/",
                "login": "/login"}  # a coordinator sent here from / finds the way in (not in export-site's copy)
STATIC_LINKS = {"style": "style.css", "alerts_atom": "alerts.atom", "actions_atom": "actions.atom",
                "funds_atom": "fundraisers.atom", "calendar": "calendar.ics", "region_calendar": "calendar-REGION.ics",
                "index": "index.html"}
FEED_TYPES = {"atom": "application/atom+xml", "ics": "text/calendar"}


def render_public(data: Any, lang: str, links: dict[str, str], *, alerts_only: bool = False,
                  lang_links: dict[str, str] | None = None, as_of: int | None = None) -> str:
    """A public page (templates/public.html): the served one and the one `solnet export-site` writes.
    `as_of`: until when its facts were heard from the network (public_site.as_of; None: never)."""
    t = i18n.Translator(lang)
    title = t("public.alerts_page_title" if alerts_only else "public.title")
    return render_page("public.html", {"t": t, "lang": t.lang, "data": data, "links": links, "title": title,
                                       "alerts_only": alerts_only, "lang_links": lang_links or {}, "as_of": as_of,
                                       "group_languages": data.languages})  # (text_lang: the groups' texts)


CARRY = "carry."  # the prefix of a publish form's fields carried through the login page


def _carried(kind: str, items: Any) -> list[tuple[str, str]]:
    """The (name, text) pairs of a publish form for `kind` worth carrying through the login page: its
    own fields only (not its token)."""
    names = forms.form_fields(kind) | {"audience"}
    return [(str(k), v) for k, v in items if k in names and isinstance(v, str)]


def _from_this_site(request: web.Request) -> bool:
    """Whether the browser says this request comes from this site's own page (Sec-Fetch-Site, or
    Origin): a form of another site is never carried into this one's login page."""
    fetched = request.headers.get("Sec-Fetch-Site")
    if fetched is not None:
        return fetched == "same-origin"
    return request.headers.get("Origin") in (f"http://{request.host}", f"https://{request.host}")


def safe_next(value: str | None) -> str:
    """Where to go after logging in: a path on this site, else the overview. Only a single leading
    "/" (never "//": another host), no backslash (some browsers read it as "/"), and nothing but
    printable ASCII: browsers drop tabs and newlines from a URL, so "/<TAB>/evil.example/" would leave
    the site, and a control character in a Location header makes aiohttp fail the response."""
    if (not value or not value.startswith("/") or value.startswith("//") or "\\" in value
            or not all("!" <= c <= "~" for c in value)):
        return "/"
    return value


def _stop_this_process() -> None:
    """After a panic wipe: SIGTERM to this process (`solnet run` stops cleanly), and an immediate
    exit if it still runs WIPED_EXIT_S later. The clean stop waits for the database thread, and a
    database that hangs (what the wipe's bounded wait is for) would keep the process, and the keys
    in its memory, alive as long as it hangs."""
    timer = threading.Timer(WIPED_EXIT_S, os._exit, (0,))
    timer.daemon = True
    timer.start()
    os.kill(os.getpid(), signal.SIGTERM)


def _forgetting(response: web.StreamResponse) -> web.StreamResponse:
    """`response`, telling the browser to drop what this node's pages kept in its storage (static/app.js
    keeps the alert notification choices, the regions watched among them, in localStorage): after a
    logout or a panic wipe, the laptop keeps no trace of them. Browsers heed it on loopback, onion
    services and HTTPS (secure contexts); cookies are deleted one by one (`finish`), so that the
    logins of other nodes on the same host stay."""
    response.headers["Clear-Site-Data"] = '"storage"'
    return response


def handlers(dash: Dashboard) -> dict[str, Handler]:
    """The dashboard's handlers by their names in node.dashboard.routes.ROUTES (which node.dashboard.lazy adds to the
    node's app), each saying a database failure as a page."""
    named: dict[str, Handler] = {
        "withdraw_form": functools.partial(withdraw.form, dash), "withdraw_submit": functools.partial(withdraw.submit, dash),
        "revoke_form": functools.partial(revoke.form, dash), "revoke_submit": functools.partial(revoke.submit, dash),
    }
    return {name: dash.storage_safe(named.get(name) or getattr(dash, name)) for _method, _path, name in ROUTES}
