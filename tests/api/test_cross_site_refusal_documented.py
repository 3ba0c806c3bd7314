"""What another site's page gets from the API is in node/openapi.json. Since e822bb3 a request that a
browser says another site's page made is refused 403 with the plain text `Forbidden` before any
handler (node/cross_site.py), the document and its own route included, where the document said
that every error under /api/ is a JSON `{"error": ...}` and that its own route answers only 200 and
405: a developer trying the API from a page of their own (another port of localhost) read a token
problem in its 403, or a JSON parse error."""
from __future__ import annotations

import json

import node.api as api_module

FROM_ANOTHER_PAGE = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty"}


def _response(doc: dict, answer: dict) -> dict:
    while "$ref" in answer:
        answer = doc["components"]["responses"][answer["$ref"].rsplit("/", 1)[1]]
    return answer


async def test_every_routes_answer_to_another_sites_page_is_the_documented_one(api):
    doc = json.loads(api_module.OPENAPI_PATH.read_text(encoding="utf-8"))
    assert "another site's page" in doc["info"]["description"] and "Forbidden" in doc["info"]["description"]
    for path, operations in doc["paths"].items():
        concrete = path.replace("{id}", "0" * 64)
        declared = operations["get"]["responses"]
        assert "403" in declared, path
        documented = _response(doc, declared["403"])["content"]
        headers = {**FROM_ANOTHER_PAGE, "Authorization": f"Bearer {api.token}"}
        async with api.client.get(api.url(concrete), headers=headers) as reply:
            body = await reply.text()
            assert reply.status == 403, (path, reply.status)
            assert reply.content_type in documented, (path, reply.content_type, list(documented))
            schema = documented[reply.content_type]["schema"]
            assert body == schema.get("const", body), (path, body)
