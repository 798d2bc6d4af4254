"""One error shape everywhere: the API, our pages' scripts, and the OpenAPI schema that documents it."""

from __future__ import annotations

import httpx
import msgspec

from tests.helpers import Server, make_event
from unconf.errors import ErrorBody


def test_page_scripts_get_the_api_error_body_with_its_field(server: Server) -> None:
    ev = make_event(server)
    ev.phase("proposals")
    proposal = ev.organizer.post(ev.url("/proposals"), json={"title": "Robots"}).json()
    with httpx.Client(base_url=server.base_url, headers={"Origin": server.base_url}, timeout=60) as phone:
        r = phone.post(f"/e/{ev.slug}/join", data={"display_name": "Pat", "code": ev.join_code})
        assert r.status_code == 303, r.text
        fetch = {"X-Unconf-Fetch": "1"}
        # A phase conflict says the phase, as the API does.
        r = phone.post(f"/e/{ev.slug}/vote", data={"proposal_id": str(proposal["id"])}, headers=fetch)
        body = r.json()
        assert r.status_code == 409 and body["field"] == "phase" and body["phase"] == "proposals", body
        ev.phase("voting")
        r = phone.post(f"/e/{ev.slug}/vote", data={"proposal_id": "999999"}, headers=fetch)
        assert r.status_code == 404 and r.headers["content-type"].startswith("application/json")
        assert r.json() == {"error": "not_found", "detail": r.json()["detail"], "field": "proposal_id"}
        # Errors that are not the rules' own name the field the API's way too: a body over the limit.
        big = {"proposal_id": "1", "pad": "x" * 2_000_000}
        r = phone.post(f"/e/{ev.slug}/vote", data=big, headers=fetch)
        assert r.status_code == 413 and r.json()["field"] == "body", r.text
    ev.organizer.close()


def test_the_openapi_error_schema_is_the_error_body(server: Server) -> None:
    schema = httpx.get(f"{server.base_url}/schema/openapi.json").json()
    documented = schema["components"]["schemas"]["ErrorBody"]
    _, components = msgspec.json.schema_components([ErrorBody], ref_template="#/components/schemas/{name}")
    assert documented == components["ErrorBody"]
    assert documented["required"] == ["error", "detail", "field"]
    # Every documented error answer points at that one component, file routes included.
    refs = {
        response["content"]["application/json"]["schema"]["$ref"]
        for item in schema["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict)
        for status, response in operation.get("responses", {}).items()
        if status.startswith(("4", "5")) and "application/json" in response.get("content", {})
    }
    assert refs == {"#/components/schemas/ErrorBody"}
