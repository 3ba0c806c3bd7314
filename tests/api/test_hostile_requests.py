"""Odd and malformed requests, sent by anyone (no token), to a node served on 127.0.0.1 as `solnet run`
serves it: each gets a plain answer (JSON under /api/), and the node's log holds no sender address,
no traceback and no more than one line per kind of failure a minute (node.http_failures).

Requests are written byte for byte on a socket: HTTP clients refuse to send most of them."""
from __future__ import annotations

import asyncio
import json
import logging
import re

import pytest
from aiohttp import web

from node.http_failures import error_response
from node.store.errors import REBUILD_ADVICE, DatabaseDamaged

# Heads HTTP forbids (RFC 9112 6.1, 6.3): aiohttp's parser refuses them before any handler runs.
MALFORMED = [
    b"GET /sync/v1 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n",
    b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
]
ROUNDS = 10


async def raw_request(port: int, head: bytes, body: bytes = b"") -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of the answer to bytes sent as they are; the server closes after."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head + body)
        await writer.drain()
        async with asyncio.timeout(10):
            answer = await reader.read()
    finally:
        writer.close()
    top, _, content = answer.partition(b"\r\n\r\n")
    status_line, *lines = top.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, content


def port_of(api) -> int:
    return int(api.base.rsplit(":", 1)[1])


def get(path: bytes, *headers: bytes) -> bytes:
    lines = b"".join(h + b"\r\n" for h in headers)
    return b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + lines + b"\r\n"


def post(path: bytes, body: bytes, token: str) -> bytes:
    return (b"POST " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n"
            + f"Authorization: Bearer {token}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)


def assert_log_is_clean(caplog: pytest.LogCaptureFixture) -> None:
    assert "127.0.0.1" not in caplog.text and "Traceback" not in caplog.text, caplog.text
    assert not [r for r in caplog.records if r.name.startswith("aiohttp") and r.levelno >= logging.INFO], caplog.text


async def test_malformed_requests_are_refused_with_one_line_and_no_address(served_api, caplog) -> None:
    caplog.set_level(logging.DEBUG)  # aiohttp's debug notes too: none may name the sender
    for _ in range(ROUNDS):
        for head in MALFORMED:
            status, _, _ = await raw_request(port_of(served_api), head)
            assert status == 400
    assert_log_is_clean(caplog)
    said = [r.getMessage() for r in caplog.records if "malformed" in r.getMessage()]
    assert len(said) == 1 and ": 1 (" in said[0] and "at most once every 60 s" in said[0], said
    # The node still answers, and the count waits for its minute (told at the latest when the node stops).
    assert (await served_api.get("/api/v1/status"))["node"]["running"]


# Requests aiohttp's parser refuses before any handler, as clients do send them (curl sends an address
# typed with é as raw UTF-8), with what the answer must say to change.
UNPARSED = [
    (b"GET /api/v1/events?region=\xc3\xa9vry HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "percent-encoded"),
    (b"GET /api/v1/events?kind=" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "8190 bytes"),
    (b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\nConnection: close\r\n\r\n",
     "8190 bytes"),
    (b"GE\x01T /api/v1/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "HTTP method"),
    (MALFORMED[2], "not well-formed HTTP"),
]


@pytest.mark.parametrize("head,says", UNPARSED)
async def test_a_request_the_parser_refuses_gets_the_apis_json_error_saying_what_to_change(served_api, head,
                                                                                           says) -> None:
    """node/openapi.json: errors are JSON "for every path under /api/ ... whatever the request held";
    aiohttp answered these in text/plain, quoting the bytes sent."""
    status, headers, body = await raw_request(port_of(served_api), head)
    assert status == 400 and headers["content-type"].startswith("application/json"), (headers, body)
    error = json.loads(body)["error"]
    assert error["code"] == "bad_request" and says in error["message"], error
    assert (await served_api.get("/api/v1/status"))["node"]["running"]


async def boom(request: web.Request) -> web.Response:
    raise RuntimeError("a bug of the test's: the handler fails")


async def boom_midway(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/plain"})
    await response.prepare(request)
    await response.write(b"started, then")
    raise RuntimeError("a bug of the test's: the handler fails after its answer began")


async def damaged(request: web.Request) -> web.Response:
    raise DatabaseDamaged("the database /home/x/solnet.db is damaged (database disk image is malformed). "
                          + REBUILD_ADVICE)


def faulty_routes(app: web.Application) -> None:
    app.router.add_get("/test/boom", boom)
    app.router.add_get("/test/boom-midway", boom_midway)
    app.router.add_get("/test/damaged", damaged)


async def test_a_handler_that_fails_gets_a_json_500_and_a_counted_line(serve_calais, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    async with serve_calais(faulty_routes) as api:
        caplog.clear()  # from here on, what requests made it say (it said its own address when it started)
        for _ in range(ROUNDS):
            status, headers, body = await raw_request(port_of(api), get(b"/test/boom"))
            assert (status, headers["content-type"].split(";")[0]) == (500, "application/json"), body
            error = json.loads(body)["error"]
            assert error["code"] == "internal" and "its log says why" in error["message"]
        for _ in range(ROUNDS):  # the answer had begun: the connection is closed, the rest is the same
            status, _, body = await raw_request(port_of(api), get(b"/test/boom-midway"))
            assert status == 200 and b"started, then" in body
        assert (await api.get("/api/v1/status"))["node"]["running"]
    assert_log_is_clean(caplog)
    said = [r.getMessage() for r in caplog.records if r.name == "solnet.node.http_failures"]
    boom_lines = [line for line in said if "/test/boom " in line]
    midway_lines = [line for line in said if "/test/boom-midway " in line]
    # Each said once at once (class, route and place), then its count when the node stopped.
    assert len(boom_lines) == 2 and "RuntimeError at test_hostile_requests.py:" in boom_lines[0], said
    assert ": 1 (" in boom_lines[0] and f": {ROUNDS - 1} (" in boom_lines[1], said
    assert len(midway_lines) == 2 and f": {ROUNDS - 1} (" in midway_lines[1], said
    assert "a bug of the test's" not in caplog.text  # an exception's words may quote input: not logged


async def test_a_token_that_is_not_utf8_is_a_wrong_token(served_api) -> None:
    for sent in (b"Bearer \xff\xfe", "Bearer caf\xe9".encode("latin-1"), b"Bearer " + served_api.token.encode()[:-1]
                 + b"\xff"):
        status, headers, body = await raw_request(port_of(served_api),
                                                  get(b"/api/v1/status", b"Authorization: " + sent))
        assert (status, json.loads(body)["error"]["code"]) == (403, "token_invalid"), body
    status, _, _ = await raw_request(port_of(served_api), get(b"/api/v1/status", b"Authorization: Bearer "
                                                             + served_api.token.encode()))
    assert status == 200


@pytest.mark.parametrize("path", [b"//api/v1/status", b"///api/v1/events", b"/api//v1/status", b"//api/v1/nothing"])
async def test_paths_with_repeated_slashes_under_the_api_get_json_errors(served_api, path) -> None:
    status, headers, body = await raw_request(port_of(served_api), get(path))
    assert (status, headers["content-type"].split(";")[0]) == (404, "application/json"), body
    assert json.loads(body)["error"]["code"] == "not_found"


@pytest.mark.parametrize("path, field", [
    (b"/api/v1/events?limit=5&limit=900", "limit"),  # which one counts would be every reader's guess
    (b"/api/v1/events?kind=alert&kind=bogus", "kind"),
    (b"/api/v1/events/%20abcdef", "id"),  # an id with a space is no id, as the spec's pattern says
    (b"/api/v1/events?author=%20abcdef%20", "author"),
])
async def test_a_parameter_given_twice_or_an_id_with_spaces_is_refused(served_api, path, field) -> None:
    status, _, body = await raw_request(port_of(served_api), get(path, b"Authorization: Bearer "
                                                                 + served_api.token.encode()))
    error = json.loads(body)["error"]
    assert (status, error["code"], error["field"]) == (400, "bad_parameter", field), body


@pytest.mark.parametrize("body, field", [
    (b'{"kind": "need", "fields": {"category": "tents", "quantity": "2", "region": "calais"}, "as": "group"}', "as"),
    (b'{"kind": "support.request", "fields": {"region": "calais", "type": "housing", "people": "2", '
     b'"urgency": "high"}, "to": ["Calais"], "private": "' + b"x" * 70_000 + b'"}', "private"),
])
async def test_a_refused_input_names_the_key_the_client_sent(served_api, body, field) -> None:
    status, _, answer = await raw_request(port_of(served_api), post(b"/api/v1/events", body, served_api.token))
    error = json.loads(answer)["error"]
    assert (status, error["code"], error["field"]) == (422, "invalid_field", field), answer


ACTION = b'"kind": "action", "fields": {"title": "Rally", "region": "calais", "starts_at": "2030-06-01T18:00Z", ' \
         b'"type": "protest"}'
SURROGATE_RE = re.compile("[\ud800-\udfff]")


def texts_of(value: object) -> list[str]:
    """Every key and text in a JSON value."""
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in [k, *texts_of(v)]]
    if isinstance(value, list):
        return [t for v in value for t in texts_of(v)]
    return [value] if isinstance(value, str) else []


@pytest.mark.parametrize("body, status, field", [
    (b'{"\\ud800": 1}', 400, None),
    (b'{' + ACTION + b', "\\udfff": "x"}', 400, None),
    (b'{"kind": "need", "fields": {"\\ud800x": "1"}}', 422, "fields"),
    (b'{"kind": "need", "fields": {"category": "tents", "quantity": "2", "region": "calais", "notes": "a\\ud800b"}}',
     422, "notes"),
    (b'{"kind": "need", "fields": {"category": "tents\\udc00", "quantity": "2", "region": "calais"}}', 422, "category"),
    # The first half of an emoji, without its second:
    (b'{' + ACTION.replace(b'"protest"', b'"protest\\ud83d"') + b'}', 422, "type"),
    (b'{' + ACTION + b', "time_zone": "\\ud800"}', 422, "time_zone"),
    (b'{' + ACTION + b', "private": "\\udfff"}', 422, "private"),
    (b'{' + ACTION + b', "to": ["calais", "\\ud800"]}', 422, "to"),
    (b'{' + ACTION + b', "expires_in": "\\ud800"}', 422, "expires_in"),
    (b'{"kind": "\xed\xa0\x80"}', 422, "kind"),  # the same surrogate, written in (invalid) UTF-8
])
async def test_text_that_is_not_unicode_is_refused_naming_where(served_api, body, status, field) -> None:
    before = await served_api.node.db(served_api.node.log.store.count)
    got, headers, answer = await raw_request(port_of(served_api), post(b"/api/v1/events", body, served_api.token))
    assert (got, headers["content-type"].split(";")[0]) == (status, "application/json"), answer
    error = json.loads(answer)["error"]
    assert error.get("field") == field and "surrogate" in error["message"], error
    assert not [text for text in texts_of(json.loads(answer)) if SURROGATE_RE.search(text)], answer  # none sent back
    assert await served_api.node.db(served_api.node.log.store.count) == before


@pytest.mark.parametrize("body, field", [
    # "to" twice: a checker in front that reads the first sees chosen groups, Python read the last
    (b'{' + ACTION + b', "to": ["Bristol"], "to": []}', "to"),
    (b'{"kind": "need", "fields": {"category": "tents", "quantity": "2", "region": "calais", "region": "dover"}}',
     "region"),
])
async def test_a_key_given_twice_is_refused(served_api, body, field) -> None:
    before = await served_api.node.db(served_api.node.log.store.count)
    got, _, answer = await raw_request(port_of(served_api), post(b"/api/v1/events", body, served_api.token))
    error = json.loads(answer)["error"]
    assert got == 400 and error["code"] == "bad_json" and error["field"] == field and "twice" in error["message"]
    assert await served_api.node.db(served_api.node.log.store.count) == before


async def test_a_body_not_in_utf8_is_refused(served_api) -> None:
    body = ('{' + ACTION.decode() + '}').encode("utf-16")
    got, _, answer = await raw_request(port_of(served_api), post(b"/api/v1/events", body, served_api.token))
    assert got == 400 and json.loads(answer)["error"]["code"] == "bad_json"


def test_an_error_answer_encodes_whatever_it_quotes() -> None:
    """A refusal may quote what was sent; whatever that holds, the answer is made (JSON in ASCII)."""
    response = error_response(400, "bad_parameter", "unknown parameter '\\ud800'", "\ud800")
    assert response.body is not None and json.loads(response.body)["error"]["field"] == "\ud800"


async def test_a_damaged_database_is_logged_with_what_to_do(serve_calais, caplog) -> None:
    """An SD card's bad sectors under a running node: every request that reads them fails; the log
    says what is wrong and what to do (once, then counted), not a class name and a line number."""
    caplog.set_level(logging.DEBUG)
    async with serve_calais(faulty_routes) as api:
        caplog.clear()
        for _ in range(ROUNDS):
            status, _, body = await raw_request(port_of(api), get(b"/test/damaged"))
            assert status == 500, body
    assert_log_is_clean(caplog)
    said = [r.getMessage() for r in caplog.records if r.name == "solnet.node.http_failures"]
    assert len(said) == 2 and "is damaged" in said[0] and "solnet join FILE" in said[0], said
    assert "answered 500" in said[0] and f": {ROUNDS - 1} (" in said[1], said


@pytest.mark.parametrize("path,content_type", [(b"/api/v1/events", b"application/json"),
                                                (b"/login", b"application/x-www-form-urlencoded")])
@pytest.mark.parametrize("encoding", [b"gzip", b"deflate"])
async def test_a_body_that_does_not_decompress_is_a_bad_request(served_api, caplog, path, content_type,
                                                                encoding) -> None:
    """A body said to be compressed that is not: a malformed request (400; a form of the dashboard's,
    which no browser compresses, is refused for its encoding: 415), not a failure of the node's
    (500, and an ERROR line in its log, for anyone to cause)."""
    body = b'{"kind": "alert"}'
    head = (b"POST " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: " + content_type
            + b"\r\nContent-Encoding: " + encoding + f"\r\nAuthorization: Bearer {served_api.token}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode())
    got, headers, answer = await raw_request(port_of(served_api), head, body)
    assert got == (400 if path.startswith(b"/api/") else 415), answer
    if path.startswith(b"/api/"):
        assert json.loads(answer)["error"]["code"] == "bad_request"
    assert "ERROR" not in [r.levelname for r in caplog.records], caplog.text
    assert_log_is_clean(caplog)


def _encoded_post(token: str, body: bytes, *headers: bytes) -> bytes:
    lines = b"".join(h + b"\r\n" for h in headers)
    return (b"POST /api/v1/events HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + lines
            + f"Authorization: Bearer {token}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)


@pytest.mark.parametrize("encoding", [b"br", b"zstd", b"x-unknown", b"gzip, br"])
async def test_a_body_in_an_encoding_the_api_does_not_read_is_refused_in_json(served_api, caplog, encoding) -> None:
    """Brotli (no library for it here), zstd, a made-up encoding: a JSON 415 that says to send the
    body uncompressed or gzip, never aiohttp's plain-text 400 nor a body read as if it were plain."""
    body = b'{"kind": "alert", "fields": {"region": "calais", "type": "raid", "text": "x"}}'
    status, headers, answer = await raw_request(port_of(served_api), _encoded_post(
        served_api.token, body, b"Content-Type: application/json", b"Content-Encoding: " + encoding))
    assert status == 415 and headers["content-type"].startswith("application/json"), answer
    assert json.loads(answer)["error"]["code"] == "unsupported_encoding"
    assert_log_is_clean(caplog)


@pytest.mark.parametrize("content_type", [b"application/json; charset=latin-1", b"application/json; charset=utf-16"])
async def test_a_json_body_in_another_charset_than_utf8_is_refused(served_api, content_type) -> None:
    body = b'{"kind": "alert", "fields": {"region": "calais", "type": "raid", "text": "caf\xe9"}}'
    status, _, answer = await raw_request(port_of(served_api), _encoded_post(
        served_api.token, body, b"Content-Type: " + content_type))
    assert status == 415, answer
    error = json.loads(answer)["error"]
    assert error["code"] == "unsupported_media_type" and "UTF-8" in error["message"]


async def test_utf8_said_in_any_case_and_identity_are_read(served_api) -> None:
    body = json.dumps({"kind": "alert", "fields": {"region": "calais", "type": "raid", "text": "café"}}).encode()
    status, _, answer = await raw_request(port_of(served_api), _encoded_post(
        served_api.token, body, b"Content-Type: application/json; charset=UTF-8", b"Content-Encoding: identity"))
    assert status == 201, answer


async def test_head_is_answered_like_get_without_a_body(served_api) -> None:
    head = (b"HEAD /api/v1/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            + f"Authorization: Bearer {served_api.token}\r\n\r\n".encode())
    status, headers, answer = await raw_request(port_of(served_api), head)
    assert status == 200 and headers["content-type"].startswith("application/json") and answer == b""
    stream = head.replace(b"/api/v1/status", b"/api/v1/alerts/stream")  # answered at once: no stream opens
    status, headers, answer = await raw_request(port_of(served_api), stream)
    assert status == 200 and headers["content-type"] == "text/event-stream; charset=utf-8" and answer == b""
    status, _, answer = await raw_request(port_of(served_api), b"HEAD /api/v1/status HTTP/1.1\r\nHost: x\r\n"
                                                               b"Connection: close\r\n\r\n")
    assert status == 401 and answer == b""


@pytest.mark.parametrize("encoding", [b"gzip", b"deflate"])
async def test_a_body_compressed_as_gzip_or_deflate_is_still_read(served_api, encoding) -> None:
    import zlib

    body = json.dumps({"kind": "alert", "fields": {"region": "calais", "type": "raid", "text": "x"}}).encode()
    packed = zlib.compress(body, wbits=31 if encoding == b"gzip" else 15)
    status, _, answer = await raw_request(port_of(served_api), _encoded_post(
        served_api.token, packed, b"Content-Type: application/json", b"Content-Encoding: " + encoding))
    assert status == 201, answer
    bomb = zlib.compress(b" " * (300 * 1024) + body, wbits=31)  # past the 256 KiB of a request once unpacked
    status, _, answer = await raw_request(port_of(served_api), _encoded_post(
        served_api.token, bomb, b"Content-Type: application/json", b"Content-Encoding: gzip"))
    assert status == 413 and json.loads(answer)["error"]["code"] == "too_large", answer


@pytest.mark.parametrize("content_type,body", [
    (b"application/x-www-form-urlencoded", b"passphrase=\xff\xfe"),  # not UTF-8
    (b"application/x-www-form-urlencoded; charset=bogus-9", b"passphrase=x"),  # a charset no one knows
    (b"multipart/form-data; boundary=zz", b"garbage"),  # no parts
    (b"multipart/form-data", b"garbage"),  # no boundary
    (b"multipart/form-data; boundary=zz", b'--zz\r\nContent-Disposition: form-data; name="passphrase"\r\n\r\n\xff\r\n--zz--\r\n'),
    (b"multipart/form-data; boundary=zz", b'--zz\r\nContent-Disposition: form-data; name="passphrase"\r\n'
                                          b'Content-Type: text/plain; charset=bogus\r\n\r\nx\r\n--zz--\r\n'),
])
async def test_a_form_that_does_not_read_as_text_is_a_bad_request(served_api, caplog, content_type, body) -> None:
    """A dashboard form (the login's, which anyone may post) that is not UTF-8, names an unknown
    charset or is not multipart as it says: 400 and a page saying so, not a failure of the node's
    (500 in JSON, and an ERROR line in its log, for anyone to cause)."""
    head = (b"POST /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: " + content_type
            + f"\r\nContent-Length: {len(body)}\r\n\r\n".encode())
    got, headers, answer = await raw_request(port_of(served_api), head, body)
    assert got == 400 and headers["content-type"].startswith("text/html"), (got, answer[:300])
    assert b"could not be read" in answer, answer[:300]
    assert "ERROR" not in [r.levelname for r in caplog.records], caplog.text
    assert_log_is_clean(caplog)


async def test_a_database_busy_for_a_moment_says_when_to_try_again(api, monkeypatch) -> None:
    """A read the database cannot serve just now (locked too long by another program) is a 503
    `storage` with Retry-After, the minute its message says; a damaged database gets none (its
    operator must rebuild it first)."""
    from node import api as api_module
    from node.store import Store, StoreError

    for failure, code, retry in ((StoreError("the database stayed locked"), "storage", str(api_module.RETRY_AFTER_S)),
                                 (DatabaseDamaged("the database file is damaged"), "database_damaged", None)):
        def failing(self, **_: object) -> None:
            raise failure
        monkeypatch.setattr(Store, "events_page", failing)
        async with api.client.get("/api/v1/events", headers={"Authorization": f"Bearer {api.token}"}) as reply:
            assert reply.status == 503 and (await reply.json())["error"]["code"] == code
            assert reply.headers.get("Retry-After") == retry, code


@pytest.mark.parametrize("method, path, allowed", [
    (b"PUT", b"/api/v1/events", "GET, HEAD, POST"),
    (b"DELETE", b"/api/v1/status", "GET, HEAD"),
    (b"OPTIONS", b"/api/v1/regions", "GET, HEAD"),
    (b"POST", b"/api/v1/events/" + b"ab" * 32, "GET, HEAD"),
])
async def test_a_method_a_route_does_not_take_is_told_which_it_takes(served_api, method, path, allowed) -> None:
    """A 405 said only "this route does not take that method": the methods it takes were in the Allow
    header alone, which a person reading the error does not see. The message names them too."""
    head = method + b" " + path + b" HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + served_api.token.encode() \
        + b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    status, headers, body = await raw_request(port_of(served_api), head)
    error = json.loads(body)["error"]
    assert (status, error["code"], headers["allow"]) == (405, "method_not_allowed", allowed.replace(" ", "")), body
    assert f"takes {allowed} only" in error["message"], error


@pytest.mark.parametrize("path, route", [
    (b"/api/v1/status/", "/api/v1/status"),
    (b"/api/v1/events/", "/api/v1/events"),
    (b"/api/v1/events/" + b"ab" * 32 + b"/?private=true", "/api/v1/events/" + "ab" * 32),
])
async def test_a_route_asked_with_a_trailing_slash_is_told_without_it(served_api, path, route) -> None:
    """/api/v1/status/ is no route (one URL per resource, as the document lists them), and its 404
    said only "no such API route": the error names the route meant, without the slash."""
    status, _, body = await raw_request(port_of(served_api), get(path, b"Authorization: Bearer "
                                                                 + served_api.token.encode()))
    error = json.loads(body)["error"]
    assert (status, error["code"]) == (404, "not_found"), body
    assert f"without the '/' at its end: {route}" in error["message"], error


@pytest.mark.parametrize("path", [b"/api/v1/nothing/", b"/api/v1/", b"/api/"])
async def test_a_missing_route_with_a_slash_names_no_route_that_does_not_exist(served_api, path) -> None:
    status, _, body = await raw_request(port_of(served_api), get(path, b"Authorization: Bearer "
                                                                 + served_api.token.encode()))
    error = json.loads(body)["error"]
    assert (status, error["code"]) == (404, "not_found") and "without the '/'" not in error["message"], body
    assert "GET /api/v1/openapi.json lists them" in error["message"], error


@pytest.mark.parametrize("content_type, said", [
    (b"Content-Type: application/json, text/plain\r\n", "'application/json, text/plain'"),  # read as octet-stream
    (b"", "none was sent"),
])
async def test_a_refused_content_type_is_quoted_as_it_was_sent(served_api, content_type, said) -> None:
    """The 415 quoted what aiohttp made of the header: "this one says 'application/octet-stream'" to a
    client that sent a list of types, or none at all. It quotes the header as sent, or says none was."""
    body = json.dumps({"kind": "alert", "fields": {"region": "calais", "type": "raid", "text": "t"}}).encode()
    head = (b"POST /api/v1/events HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + content_type
            + f"Authorization: Bearer {served_api.token}\r\nContent-Length: {len(body)}\r\n\r\n".encode())
    status, _, answer = await raw_request(port_of(served_api), head, body)
    error = json.loads(answer)["error"]
    assert (status, error["code"]) == (415, "unsupported_media_type"), answer
    assert said in error["message"] and "octet-stream" not in error["message"], error
