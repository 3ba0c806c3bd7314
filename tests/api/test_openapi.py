"""node/openapi.json describes exactly the API the node serves: every /api/ route registered in the
app is in the document with its methods, and every documented operation is served."""
from __future__ import annotations

import ast
import copy
import inspect
import json

from crypto.short_ids import MIN_ID_PREFIX_HEX
from events import errors as events_errors
from events.kinds import KINDS
from node import api as api_module
from node import api_body, http_failures
from node.api_body import BLANK, EXPIRES_RE, FORBIDDEN, FORMS, NUMERIC_TYPES, form_name
from events.sealed import MAX_TO
from node.audience import GROUP_PREFIX_MIN
from node.publishing import GROUP_TEXT_MAX, PUBLISHABLE_KINDS, SIGNERS, typed_fields
from node.render import MONEY_FIELDS
from node.views import VIEWS
from node.webapp import create_app
from openapi_items import item_schemas, view_response

METHODS = {"get", "post", "put", "patch", "delete"}


def served_operations(node) -> set[tuple[str, str]]:
    app = create_app(node)
    ops = set()
    for route in app.router.routes():
        path = route.resource.canonical if route.resource is not None else ""
        if path.startswith("/api/") and route.method.lower() in METHODS:
            ops.add((path, route.method.lower()))
    return ops


def documented_operations() -> set[tuple[str, str]]:
    doc = json.loads(api_module.OPENAPI_PATH.read_text(encoding="utf-8"))
    assert doc["openapi"].startswith("3.1")
    return {(path, method) for path, item in doc["paths"].items() for method in item if method in METHODS}


async def test_every_route_is_documented_and_every_documented_route_is_served(api):
    served = served_operations(api.node)
    documented = documented_operations()
    assert served, "no /api/ routes found: the check would prove nothing"
    assert served - documented == set(), "served but not in node/openapi.json"
    assert documented - served == set(), "documented but not served"


async def test_document_is_served_and_consistent(api):
    doc = await api.get("/api/v1/openapi.json", token=None)  # the document needs no token
    assert doc == json.loads(api_module.OPENAPI_PATH.read_text(encoding="utf-8"))
    refs = set()

    def walk(value):
        if isinstance(value, dict):
            if "$ref" in value:
                refs.add(value["$ref"])
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(doc)
    for ref in refs:  # every reference resolves
        node = doc
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
    for path, item in doc["paths"].items():
        for method, op in item.items():
            params = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert params == {seg[1:-1] for seg in path.split("/") if seg.startswith("{")}, (path, method)
            assert op["responses"], (path, method)


async def test_the_document_answers_only_what_it_declares_for_itself(served_api):
    """GET /api/v1/openapi.json declares 200 (and 405): a client's Range, If-None-Match, If-Match or
    If-Modified-Since gets the whole document, not an undeclared 206, 304, 412 or 416 with an empty
    body under application/json (it was served as a static file, with a file's conditional answers)."""
    whole = api_module.OPENAPI_PATH.read_bytes()
    declared = set(json.loads(whole)["paths"]["/api/v1/openapi.json"]["get"]["responses"])
    async with served_api.client.get(served_api.url("/api/v1/openapi.json")) as reply:
        assert reply.status == 200 and reply.content_type == "application/json" and await reply.read() == whole
        etag = reply.headers.get("ETag", '"any"')
    for headers in ({"Range": "bytes=0-9"}, {"Range": "bytes=999999999-"}, {"If-Match": '"not-this-one"'},
                    {"If-Unmodified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"}, {"If-None-Match": "*"},
                    {"If-None-Match": etag}, {"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"}):
        async with served_api.client.get(served_api.url("/api/v1/openapi.json"), headers=headers) as reply:
            assert str(reply.status) in declared, (headers, reply.status, declared)
            assert reply.status == 200 and await reply.read() == whole, headers


TIME_WORDS = ("a time: ISO 8601 such as 2031-06-01T18:00 (in the body's `time_zone`, else this node's time zone) "
              "or with a UTC offset; refused (422): a date without its time, and a time without an offset that "
              "the zone's clocks skip or show twice (the nights they change: give its offset)")


def field_description(f) -> str:
    """How node/openapi.json describes one typed field of a kind (what `solnet publish` accepts)."""
    words = {
        "text": f"text, at most {f.max_len} characters",
        "enum": "one of: " + ", ".join(f.choices),
        "int": f"a whole number from {f.minimum} to {f.maximum}",
        "time": TIME_WORDS,
        "id": "an event id: 64 hex characters or a unique prefix of at least 12",
        "key": "a device or group id: 64 hex characters",
        "languages": "language codes separated by commas, such as en, fr, ar",
        "url": "a web link starting with https://",
        "region": "a region name such as calais (letters, digits and -)",
        "currency": "a three-letter currency code such as EUR",
        "ids": "event ids separated by commas",
        "texts": "texts separated by commas",
        "urls": "web links starting with https://, separated by spaces or commas",
    }.get(f.type, f.type)
    if f.name in MONEY_FIELDS:  # typed in major units; `help` speaks of the stored minor units
        return "an amount such as 1500 or 12.50"
    return f"{f.help}; {words}" if f.help else words


SINCE = {"anyOf": [{"type": "string", "pattern": "^[0-9]{1,15}$", "description": "milliseconds since 1970"},
                   {"type": "string", "format": "date-time", "description": "RFC 3339, e.g. 2026-12-01T18:00:00Z"}]}


def field_schema(f) -> dict:
    """How a PublishRequest branch constrains one typed field, exactly as node.api_body checks it: text,
    or a JSON number for a numeric field (in range); an enum lists its choices; ids, keys, regions,
    currencies and numbers have their pattern; free text holds no control character. An optional
    field may be "" (not given); a required one may not be blank."""
    money = f.name in MONEY_FIELDS
    schema: dict = {"type": ["string", "number" if money else "integer"] if f.type in NUMERIC_TYPES else "string"}
    if f.type in NUMERIC_TYPES:
        scale = 100 if money else 1  # amounts are typed in major units, kept in minor ones
        schema.update(minimum=f.minimum / scale if money else f.minimum, maximum=f.maximum // scale)
    form = FORMS.get(form_name(f))
    if f.type == "enum":
        schema["enum"] = list(f.choices) + ([] if f.required else [""])
    elif form is not None:
        schema["pattern"] = f"^({form[0]})$" if f.required else f"^({form[0]})?$"
    elif f.type in ("text", "url"):
        return {"$ref": f"#/components/schemas/{'RequiredText' if f.required else 'Text'}",
                "description": field_description(f)}
    elif f.required:
        schema["pattern"] = f"[^{BLANK}]"
    schema["description"] = field_description(f)
    return schema


TEXTS = {  # free text, as node.publishing takes it: no control character; blank means "not given"
    "Text": {"type": "string", "pattern": f"^([{BLANK}]*|[^{FORBIDDEN}]*)$",
             "description": "text without control characters; a blank one is not given"},
    "RequiredText": {"type": "string", "pattern": f"^[^{FORBIDDEN}]*[^{FORBIDDEN}{BLANK}][^{FORBIDDEN}]*$",
                     "description": "text without control characters, not blank"},
}


def publish_branches() -> list[dict]:
    """One `oneOf` branch of PublishRequest per kind: its typed fields, the required ones present."""
    branches = []
    for name in PUBLISHABLE_KINDS:
        kind = KINDS[name]
        typed = typed_fields(kind)
        props = {f.name: field_schema(f) for f in kind.fields if f.name in typed}
        required = [f.name for f in kind.fields if f.required and f.name in typed]
        fields = {"type": "object", "properties": props, "additionalProperties": False,
                  **({"required": required} if required else {})}
        branches.append({"properties": {"kind": {"const": name}, "fields": fields},
                         **({"required": ["kind", "fields"]} if required else {})})
    return branches


def operation_parameter(doc: dict, path: str, method: str, name: str) -> dict:
    return next(p for p in doc["paths"][path][method]["parameters"] if p["name"] == name)


def _header(words: str, schema: dict) -> dict:
    return {"description": words, "schema": {"type": "string", **schema}}


# The headers every API answer carries (node.api, node.http_failures, node.cross_site), by what makes them
CACHE = {True: _header("no-cache: a cache may keep this document, but asks the node again before using it",
                       {"const": "no-cache"}),
         False: _header("no-store: never kept by a cache (an answer may hold private details, and it changes)",
                        {"const": "no-store"})}
EVERY_ANSWER = {
    "Server-Timing": _header("app;dur=MS: the milliseconds this node spent on the request, its database work "
                             "included (not on an alert stream, whose headers are sent before it ends)",
                             {"pattern": "^app;dur=[0-9]+[.][0-9]{2}$"}),
    "Cross-Origin-Resource-Policy": _header("same-origin: no page of another origin may load this answer",
                                            {"const": "same-origin"}),
}
STREAM = {"X-Accel-Buffering": _header("no: a proxy in front (nginx) passes each alert on at once, never holding "
                                       "it back to fill a buffer", {"const": "no"})}


def answer_headers(response: dict, document: bool = False, stream: bool = False) -> None:
    """Add to `response` (a response object) the headers every answer carries (and a stream's own)."""
    response["headers"] = {**response.get("headers", {}), "Cache-Control": CACHE[document], **EVERY_ANSWER,
                           **(STREAM if stream else {})}


def generate(doc: dict) -> dict:
    """`doc` with every part that is made from the code (events/kinds.py, node.publishing, node.api_body)
    written afresh: enums, patterns, the kinds' fields, the read models' items, and a relative server
    (the node's own address)."""
    doc["servers"] = [{"url": "/", "description": "the node that serves this document"}]
    request = doc["components"]["schemas"]["PublishRequest"]
    request["properties"]["kind"]["enum"] = list(PUBLISHABLE_KINDS)
    request["properties"]["as"]["enum"] = list(SIGNERS)
    request["properties"]["expires_in"]["pattern"] = f"^{EXPIRES_RE.pattern}$"
    request["properties"]["to"]["minItems"] = 1  # an empty list is refused: leave "to" out for every group
    request["properties"]["to"]["maxItems"] = MAX_TO
    request["properties"]["to"]["items"] = {
        "type": "string", "minLength": 1, "maxLength": GROUP_TEXT_MAX, "pattern": f"[^{BLANK}]",
        "description": "a group: its name, its id (64 hex characters) or a unique prefix of at least "
                       f"{GROUP_PREFIX_MIN} (its short id: fewer, another group's key can be made to start so)"}
    request["oneOf"] = publish_branches()
    doc["components"]["schemas"].update(TEXTS)
    operation_parameter(doc, "/api/v1/events", "get", "kind")["schema"]["enum"] = list(KINDS)
    operation_parameter(doc, "/api/v1/events", "get", "since")["schema"] = SINCE
    doc["components"]["schemas"]["View"]["properties"]["view"]["enum"] = list(VIEWS)
    # Each view's items, field by field (tests/api/openapi_items.py), named in its route's answer
    doc["components"]["schemas"].update(item_schemas())
    for name in VIEWS:
        doc["paths"][f"/api/v1/{name}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = \
            view_response(name)
    doc["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"] = {
        "type": "string", "enum": [*api_module.ERROR_CODES, *api_module.EVENT_REFUSALS],
        "description": "stable, for programs: " + "; ".join(f"{code}: {said}" for code, said in
                                                             api_module.ERROR_CODES.items())
                       + "; or why the node refused to publish an event (422): " + ", ".join(api_module.EVENT_REFUSALS)}
    # The headers an error comes with: the scheme to authenticate with, the methods a route takes
    doc["components"]["responses"]["Unauthorized"]["headers"] = {"WWW-Authenticate": {
        "description": "Bearer: send the admin token as 'Authorization: Bearer TOKEN'", "required": True,
        "schema": {"type": "string", "const": "Bearer"}}}
    doc["components"]["responses"]["MethodNotAllowed"]["headers"] = {"Allow": {
        "description": "the methods this route takes, e.g. GET,HEAD", "required": True, "schema": {"type": "string"}}}
    # Where `busy` is answered: the one route that says it (the other codes of 503, as on every route)
    unavailable = doc["components"]["responses"]["Unavailable"]
    unavailable["headers"] = {"Retry-After": {
        "description": f"with `busy` and `storage` only: the seconds to wait before trying again "
                       f"({api_module.RETRY_AFTER_S}); a damaged or failing disk needs its operator first",
        "schema": {"type": "integer", "minimum": 1}}}
    doc["paths"]["/api/v1/alerts/stream"]["get"]["responses"]["503"] = {
        "description": f"busy: this node already serves {api_module.MAX_ALERT_STREAMS} alert streams, its most; "
                       f"retry after the seconds Retry-After gives. Or, as on every route, {unavailable['description']}",
        "content": unavailable["content"], "headers": unavailable["headers"]}
    for response in doc["components"]["responses"].values():
        answer_headers(response)
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                if "$ref" not in response:
                    answer_headers(response, document=path.endswith("/openapi.json") and status == "200",
                                   stream=path.endswith("/stream") and status == "200")
    return doc


async def test_a_parameter_is_an_array_in_the_document_exactly_when_it_may_be_repeated(api):
    """A client generated from the document sends a repeated parameter only where its schema is an array
    (style form, exploded): the alert stream's `region` was a single string though "repeat the
    parameter for several" was how to follow two regions. Every other parameter given twice is refused."""
    doc = json.loads(api_module.OPENAPI_PATH.read_text(encoding="utf-8"))
    token = {"Authorization": f"Bearer {api.token}"}
    checked = 0
    for path, item in doc["paths"].items():
        for param in item.get("get", {}).get("parameters", []):
            if param["in"] != "query":
                continue
            route = path.replace("{id}", "a" * 64)  # (the parameters are checked before the event is looked up)
            name, twice = param["name"], f"{route}?{param['name']}=calais&{param['name']}=calais"
            async with api.client.head(api.url(twice), headers=token) as reply:  # (HEAD opens no stream)
                status = reply.status
            if param["schema"].get("type") == "array":
                assert param.get("style", "form") == "form" and param.get("explode", True), (path, name)
                assert status == 200, (path, name, status)
            else:
                assert status == 400, (path, name, status)
                async with api.client.get(api.url(twice), headers=token) as reply:
                    error = (await reply.json())["error"]
                    assert reply.status == 400 and error["field"] == name and "more than once" in error["message"], \
                        (path, name, error)
            checked += 1
    assert checked > 20


def test_generated_parts_match_the_code():
    """The document cannot drift from events/kinds.py and the API's own rules: each kind's branch lists
    exactly its fields, enums their choices, ids their hex form. (After changing a kind:
    `python tests/api/test_openapi.py` rewrites these parts.)"""
    doc = json.loads(api_module.OPENAPI_PATH.read_text(encoding="utf-8"))
    assert doc == generate(copy.deepcopy(doc))


API_MODULES = (api_module, api_body, http_failures)  # where the API's errors are made
# What a code is, where it is not written out: passed on from the error caught (a BodyError's code, an
# event refusal's reason, aiohttp's refusal and the storage trouble as the middleware names them).
PASSED_ON = {"exc.code", "exc.reason", "code"}


def raised_codes() -> tuple[dict[str, set[tuple[str, int | None]]], set[str]]:
    """Every error code the API's modules write out, each with where (function, HTTP status if
    written out), and the expressions that stand for a code passed on (read from the source)."""
    makers = {"ApiError", "BodyError", "error_response"}
    codes: dict[str, set[tuple[str, int | None]]] = {}
    passed: set[str] = set()
    for module in API_MODULES:
        tree = ast.parse(inspect.getsource(module))
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for call in ast.walk(function):
                if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in makers
                        and len(call.args) >= 2):
                    continue
                status, code = call.args[0], call.args[1]
                if isinstance(code, ast.Constant) and isinstance(code.value, str):
                    where = (function.name, status.value if isinstance(status, ast.Constant) else None)
                    codes.setdefault(code.value, set()).add(where)
                else:
                    passed.add(ast.unparse(code))
    for code, _ in api_module._HTTP_ERRORS.values():
        codes.setdefault(code, set()).add(("json_errors", None))
    for code in http_failures.STORAGE_MESSAGES:
        codes.setdefault(code, set()).add(("json_errors", None))
    codes.setdefault("http_error", set()).add(("json_errors", None))  # aiohttp's refusals of other statuses
    return codes, passed


async def test_every_error_code_the_api_can_answer_with_is_listed_where_it_is_answered(api):
    """The document's list of error codes cannot drift from the code (`busy` was missing): every code
    the API's modules write out is in the Error schema's enum, and each route that answers one
    itself documents that status (the 503 of the alert stream names `busy`); a code passed on from
    an error caught is one the list accounts for (an event refusal's reason: every one)."""
    doc = json.loads(api_module.OPENAPI_PATH.read_text(encoding="utf-8"))
    listed = doc["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]["enum"]
    codes, passed = raised_codes()
    assert len(codes) > 15 and "busy" in codes, codes
    assert set(codes) <= set(listed), f"answered but not in node/openapi.json: {sorted(set(codes) - set(listed))}"
    assert passed == PASSED_ON, f"a code passed on from elsewhere: list where it comes from in this test ({passed})"
    assert set(events_errors.REASONS) == {v for k, v in vars(events_errors).items()
                                          if k.isupper() and isinstance(v, str)}, "events/errors.py: REASONS"
    assert set(api_module.EVENT_REFUSALS) <= set(listed)
    assert not set(api_module.ERROR_CODES) & set(api_module.EVENT_REFUSALS)
    handlers = {route.handler.__name__: (route.resource.canonical, route.method.lower())
                for route in create_app(api.node).router.routes() if route.resource is not None
                and route.resource.canonical.startswith("/api/")}
    for code, places in codes.items():
        for function, status in places:
            if function in handlers and status is not None:
                path, method = handlers[function]
                assert str(status) in doc["paths"][path][method]["responses"], (code, path, method, status)
    stream_busy = doc["paths"]["/api/v1/alerts/stream"]["get"]["responses"]["503"]["description"]
    assert stream_busy.startswith("busy:"), stream_busy


def test_enums_and_hex_ids_are_in_the_schema_not_only_in_prose():
    doc = json.loads(api_module.OPENAPI_PATH.read_text(encoding="utf-8"))
    branches = {b["properties"]["kind"]["const"]: b["properties"]["fields"]["properties"]
                for b in doc["components"]["schemas"]["PublishRequest"]["oneOf"]}
    assert branches["action"]["type"]["enum"][:2] == ["protest", "direct_action"]
    assert branches["need"]["category"]["enum"][0] == "tents" and "" not in branches["need"]["category"]["enum"]
    assert branches["support.request"]["urgency"]["enum"] == ["low", "medium", "high"]
    assert branches["support.close"]["outcome"]["enum"] == ["resolved", "referred", "withdrawn", "unresolved"]
    assert branches["member.vouch"]["role"]["enum"] == ["group", "device", "accept"]
    assert branches["need.fulfil"]["need"]["pattern"] == "^([0-9a-fA-F]{12,64})$"
    assert branches["need.fulfil"]["quantity"]["type"] == ["string", "integer"]
    assert branches["action"]["title"]["$ref"] == "#/components/schemas/RequiredText"  # free text: never a number
    assert doc["servers"] == [{"url": "/", "description": "the node that serves this document"}]


def test_an_id_prefix_is_as_long_in_the_document_as_the_api_and_the_cli_ask():
    """One rule for a prefix of a key or event id (crypto/short_ids.py): the document said 4 for the
    `author` filter, where the CLI's --author asked 6."""
    doc = json.loads(api_module.OPENAPI_PATH.read_text(encoding="utf-8"))
    [author] = [p for p in doc["paths"]["/api/v1/events"]["get"]["parameters"] if p["name"] == "author"]
    assert author["schema"]["pattern"] == f"^[0-9a-fA-F]{{{MIN_ID_PREFIX_HEX},64}}$"
    assert f"at least {MIN_ID_PREFIX_HEX} characters" in author["description"]


if __name__ == "__main__":
    raw = api_module.OPENAPI_PATH.read_text(encoding="utf-8")
    doc = generate(json.loads(raw))
    api_module.OPENAPI_PATH.write_text(json.dumps(doc, indent=2 if raw.startswith('{\n  "') else 1,
                                                  ensure_ascii=False) + "\n", encoding="utf-8")
