"""Events made at the same moment: each gets its own slug and join code, or a 409 naming the slug."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

from tests.helpers import Server


def _create(server: Server, body: dict[str, str]) -> tuple[int, dict]:
    with server.client() as anon:
        r = anon.post("/api/v1/events", json=body)
    return r.status_code, r.json()


def test_the_same_title_at_once_gives_each_its_own_slug(server: Server) -> None:
    title = f"District camp {uuid.uuid4().hex[:6]}"
    body = {"title": title, "start_date": "2099-03-14", "organizer_name": "O"}
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda _: _create(server, body), range(6)))
    assert [status for status, _ in answers] == [201] * 6, answers
    slugs = {made["event"]["slug"] for _, made in answers}
    codes = {made["event"]["join_code"] for _, made in answers}
    assert len(slugs) == 6 and len(codes) == 6


def test_the_same_slug_at_once_is_made_once_and_refused_with_409(server: Server) -> None:
    slug = f"same-{uuid.uuid4().hex[:8]}"
    body = {"title": "Same", "slug": slug, "start_date": "2099-03-14", "organizer_name": "O"}
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda _: _create(server, body), range(6)))
    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] + [409] * 5, answers
    refused = [made for status, made in answers if status == 409]
    assert all(r["error"] == "slug_taken" and r["field"] == "slug" for r in refused)
