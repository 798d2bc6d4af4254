"""Session notes: Markdown rendered safely, every save a revision, concurrent edits answered with 409."""

from __future__ import annotations

import httpx

from sessions.notes import render_markdown
from tests.conftest import Server
from tests.rooms.rooms_support import published


def test_markdown_is_rendered_without_raw_html_or_script_links() -> None:
    html = render_markdown(
        "# Plan\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) **ok** <img src=x onerror=y>"
    )
    assert "<h1>Plan</h1>" in html and "<strong>ok</strong>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<img" not in html and 'href="javascript:' not in html


def test_notes_keep_every_revision_and_refuse_stale_saves(server: Server) -> None:
    sc = published(server, sessions=2)
    try:
        pid = sc.agenda["sessions"][0]["proposal_id"]
        url = sc.ev.url(f"/sessions/{pid}/notes")
        (alice, _), (bob, _) = sc.people[0], sc.people[1]
        with server.client() as anon:
            empty = anon.get(url).json()
            assert empty["revision"] == 0 and empty["text"] == ""
            assert empty["notes_url"] == f"{server.base_url}/e/{sc.ev.slug}/s/{pid}/notes"
            assert anon.put(url, json={"base_revision": 0, "text": "hi"}).status_code == 401

        r = alice.put(url, json={"base_revision": 0, "text": "# Ideas\n\n- robots <b>now</b>"})
        assert r.status_code == 200, r.text
        assert r.json()["revision"] == 1 and "<h1>Ideas</h1>" in r.json()["html"]
        assert "&lt;b&gt;" in r.json()["html"] and r.json()["author"] == "Teacher 0"

        # Bob and Alice both edit revision 1: Bob saves first, Alice's save is refused with the current text.
        r = bob.put(url, json={"base_revision": 1, "text": "# Ideas\n\n- robots\n- gardens"})
        assert r.status_code == 200 and r.json()["revision"] == 2
        r = alice.put(url, json={"base_revision": 1, "text": "# Ideas\n\n- robots\n- podcasts"})
        assert r.status_code == 409
        body = r.json()
        assert body["error"] == "edit_conflict" and body["field"] == "base_revision" and body["detail"]
        assert body["current"]["revision"] == 2 and "gardens" in body["current"]["text"]
        # Alice merges and saves on top of revision 2.
        r = alice.put(url, json={"base_revision": 2, "text": "# Ideas\n\n- robots\n- gardens\n- podcasts"})
        assert r.status_code == 200 and r.json()["revision"] == 3

        revisions = alice.get(f"{url}/revisions").json()
        assert [rev["revision"] for rev in revisions] == [1, 2, 3]
        assert [rev["author"] for rev in revisions] == ["Teacher 0", "Teacher 1", "Teacher 0"]
        old = alice.get(f"{url}/revisions/2").json()
        assert old["revision"] == 2 and "podcasts" not in old["text"]
        assert alice.get(f"{url}/revisions/9").status_code == 404

        for body_, field in (
            ({"text": "x"}, "base_revision"),
            ({"base_revision": -1, "text": "x"}, "base_revision"),
            ({"base_revision": 3, "text": "x" * 50_001}, "text"),
            ({"base_revision": 3, "text": "a\x00b"}, "text"),
            ({"base_revision": 3, "text": "x", "extra": 1}, "extra"),
        ):
            r = alice.put(url, json=body_)
            assert r.status_code == 400 and r.json()["field"] == field, (body_, r.text)
        assert alice.put(sc.ev.url("/sessions/999999/notes"), json={"base_revision": 0, "text": "x"}).status_code == 404
    finally:
        sc.close()


def test_notes_page_edits_through_a_plain_form(server: Server) -> None:
    sc = published(server, sessions=2)
    try:
        slug = sc.ev.slug
        pid = sc.agenda["sessions"][0]["proposal_id"]
        client, _ = sc.people[0]
        token = client.headers["authorization"].split(" ", 1)[1]
        page_url = f"/e/{slug}/s/{pid}/notes"
        with httpx.Client(base_url=server.base_url, cookies={f"unconf_t_{slug}": token}, timeout=60) as browser:
            page = browser.get(page_url)
            assert page.status_code == 200 and 'name="base_revision" value="0"' in page.text
            assert f"/e/{slug}/s/{pid}/join" in page.text
            origin = {"origin": server.base_url}
            r = browser.post(page_url, data={"base_revision": "0", "text": "**first** <i>x</i>"}, headers=origin)
            assert r.status_code == 303 and r.headers["location"] == page_url
            page = browser.get(page_url)
            assert "<strong>first</strong>" in page.text and "&lt;i&gt;" in page.text
            # A stale form: 409, and the page keeps the person's own text next to the current notes.
            r = browser.post(page_url, data={"base_revision": "0", "text": "my lost words"}, headers=origin)
            assert r.status_code == 409 and "my lost words" in r.text and "Someone saved" in r.text
            r = browser.post(
                page_url, data={"base_revision": "0", "text": "x"}, headers={"origin": "https://evil.example"}
            )
            assert r.status_code == 403
        with server.client() as anon:
            assert anon.get(page_url).status_code == 200
            assert anon.get(f"/e/{slug}/s/999999/notes").status_code == 404
    finally:
        sc.close()


def test_concurrent_saves_on_one_base_keep_exactly_one(server: Server) -> None:
    """Eight people save on revision 0 at once: one wins, seven get 409 with the winner's text; none is lost."""
    from concurrent.futures import ThreadPoolExecutor

    sc = published(server, sessions=2)
    try:
        pid = sc.agenda["sessions"][0]["proposal_id"]
        url = sc.ev.url(f"/sessions/{pid}/notes")
        writers = [client for client, _ in sc.people][:4] * 2

        def save(i: int) -> httpx.Response:
            return writers[i].put(url, json={"base_revision": 0, "text": f"draft {i}"})

        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(save, range(8)))
        assert sorted(r.status_code for r in results) == [200] + [409] * 7
        winner = next(r for r in results if r.status_code == 200).json()
        for r in results:
            if r.status_code == 409:
                assert r.json()["current"]["text"] == winner["text"] and r.json()["current"]["revision"] == 1
        assert [rev["revision"] for rev in sc.people[0][0].get(f"{url}/revisions").json()] == [1]
    finally:
        sc.close()
