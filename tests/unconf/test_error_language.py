"""The API's errors in the asker's language: the same `code` and `field` everywhere, the `detail` translated.

The same bad requests go to a real server in English, in Spanish and Arabic (``Accept-Language``) and in
French through the switcher's cookie (which beats the browser's header). Each answer's detail is compared
with the catalogue's own translation of the message, looked up here with ``i18n.use_locale``.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.helpers import REPO, EventHandle, Server, make_event
from unconf import i18n
from unconf.i18n import gettext as _
from unconf.i18n import ngettext, pgettext


@dataclass(frozen=True)
class Asker:
    name: str
    locale: str
    headers: dict[str, str]


ASKERS = [
    Asker("english", "en", {}),
    Asker("spanish", "es", {"Accept-Language": "es-ES,es;q=0.9"}),
    Asker("arabic", "ar", {"Accept-Language": "ar"}),
    # The switcher's choice wins over the browser's language.
    Asker("french by the switcher", "fr", {"Cookie": f"{i18n.LANGUAGE_COOKIE}=fr", "Accept-Language": "de"}),
]


@dataclass
class Scene:
    ev: EventHandle
    voter_token: str
    first: int
    second: int


@pytest.fixture(scope="module")
def scene(server: Server) -> Iterator[Scene]:
    """A voting event (one dot each) where a participant has spent their dot, and a quiet one in proposals."""
    ev = make_event(server, settings={"dots_per_participant": 1})
    ev.phase("proposals")
    author, _me = ev.join("Author")
    first = author.post(ev.url("/proposals"), json={"title": "Maker spaces"}).json()["id"]
    second = author.post(ev.url("/proposals"), json={"title": "Assessment"}).json()["id"]
    author.close()
    ev.phase("voting")
    with server.client() as anon:
        joined = anon.post(ev.url("/join"), json={"display_name": "Voter", "join_code": ev.join_code})
    assert joined.status_code == 201, joined.text
    token = joined.json()["token"]
    with server.client(token) as voter:
        assert voter.post(ev.url("/votes"), json={"proposal_id": first, "dots": 1}).status_code == 201
    yield Scene(ev=ev, voter_token=token, first=first, second=second)
    ev.organizer.close()


def in_locale(locale: str, text: Callable[[], str]) -> str:
    with i18n.use_locale(locale):
        return text()


def ask(
    server: Server,
    asker: Asker,
    method: str,
    path: str,
    *,
    token: str | None = None,
    content: bytes | None = None,
    json: object = None,
) -> httpx.Response:
    headers = dict(asker.headers)
    if content is not None:
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    with httpx.Client(base_url=server.base_url, timeout=60) as client:
        return client.request(method, path, headers=headers, content=content, json=json)


@dataclass(frozen=True)
class Case:
    name: str
    status: int
    code: str
    field: str | None
    request: Callable[[Server, Scene, Asker], httpx.Response]
    detail: Callable[[Scene], str]
    """The expected detail, built from the source message in whatever language is current."""


CASES = [
    Case(
        "unknown event",
        404,
        "not_found",
        "slug",
        lambda srv, sc, a: ask(srv, a, "GET", "/api/v1/events/no-such-edcamp"),
        lambda sc: _("no event {slug!r}").format(slug="no-such-edcamp"),
    ),
    Case(
        "a word where the dots go",
        400,
        "validation_failed",
        "dots",
        lambda srv, sc, a: ask(
            srv, a, "POST", sc.ev.url("/votes"), token=sc.voter_token, json={"proposal_id": sc.second, "dots": "two"}
        ),
        lambda sc: _("Expected `{expected}`, got `{got}`").format(expected="int", got="str"),
    ),
    Case(
        "a number written as a string",
        400,
        "validation_failed",
        "dots",
        lambda srv, sc, a: ask(
            srv, a, "POST", sc.ev.url("/votes"), token=sc.voter_token, json={"proposal_id": sc.second, "dots": "1"}
        ),
        lambda sc: _("{field}: {problem} (values are not converted between types)").format(
            field="dots", problem=_("Expected `{expected}`, got `{got}`").format(expected="int", got="str")
        ),
    ),
    Case(
        "a body that is not JSON",
        400,
        "invalid_body",
        "body",
        lambda srv, sc, a: ask(srv, a, "POST", sc.ev.url("/votes"), token=sc.voter_token, content=b'{"dots": '),
        lambda sc: _("Input data was truncated"),
    ),
    Case(
        "dots exhausted",
        409,
        "dots_exhausted",
        "dots",
        lambda srv, sc, a: ask(
            srv, a, "POST", sc.ev.url("/votes"), token=sc.voter_token, json={"proposal_id": sc.second, "dots": 1}
        ),
        lambda sc: ngettext(
            "not enough dots: you have {left} of {budget} left, so at most {left_here} on this proposal",
            "not enough dots: you have {left} of {budget} left, so at most {left_here} on this proposal",
            0,
        ).format(left=0, budget=1, left_here=0),
    ),
    Case(
        "the wrong phase",
        409,
        "wrong_phase",
        "phase",
        lambda srv, sc, a: ask(
            srv, a, "POST", sc.ev.url("/proposals"), token=sc.voter_token, json={"title": "Late idea"}
        ),
        lambda sc: _("cannot {action} while the event is in phase {phase!r} (possible in: {phases})").format(
            action=pgettext("cannot ... now", "propose a session"),
            phase=pgettext("event phase", "voting"),
            phases=pgettext("event phase", "proposals"),
        ),
    ),
    Case(
        "no token",
        401,
        "unauthorized",
        "authorization",
        lambda srv, sc, a: ask(srv, a, "POST", sc.ev.url("/votes"), json={"proposal_id": sc.second, "dots": 1}),
        lambda sc: _("join the event first: send 'Authorization: Bearer <token>'"),
    ),
    Case(
        "a participant on an organizer's route",
        403,
        "organizers_only",
        "authorization",
        lambda srv, sc, a: ask(srv, a, "POST", sc.ev.url("/phase"), token=sc.voter_token, json={"phase": "closed"}),
        lambda sc: _("only organizers may do this"),
    ),
    Case(
        "a token that is not valid",
        401,
        "unauthorized",
        "authorization",
        lambda srv, sc, a: ask(srv, a, "GET", sc.ev.url("/votes/me"), token="not-a-real-token"),
        lambda sc: _("the token is not valid"),
    ),
    Case(
        "an unknown route",
        404,
        "not_found",
        None,
        lambda srv, sc, a: ask(srv, a, "GET", "/api/v1/no-such-thing"),
        lambda sc: _("this route does not exist"),
    ),
    Case(
        "a method the route does not answer",
        405,
        "method_not_allowed",
        None,
        lambda srv, sc, a: ask(srv, a, "DELETE", sc.ev.url("/join")),
        lambda sc: _("this route does not answer this method"),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_detail_follows_the_language_and_the_code_and_field_do_not(
    server: Server, scene: Scene, case: Case
) -> None:
    english = in_locale("en", lambda: case.detail(scene))
    answers = {}
    for asker in ASKERS:
        r = case.request(server, scene, asker)
        assert r.status_code == case.status, (asker.name, r.text)
        body = r.json()
        assert (body["error"], body["field"]) == (case.code, case.field), (asker.name, body)
        expected = in_locale(asker.locale, lambda: case.detail(scene))
        assert body["detail"] == expected, (asker.name, body["detail"], expected)
        if asker.locale != "en":
            assert body["detail"] != english, (asker.name, "still in English", body["detail"])
        answers[asker.name] = body
    # Nothing but the words differ between languages: same members, same extras (a phase conflict's phase).
    shapes = {name: {k: v for k, v in body.items() if k != "detail"} for name, body in answers.items()}
    assert len({repr(sorted(shape.items())) for shape in shapes.values()}) == 1, shapes


def test_english_details_stay_the_source_text(server: Server, scene: Scene) -> None:
    """English is the source: the words clients and tests have always seen are unchanged."""
    english = ASKERS[0]
    r = ask(server, english, "GET", "/api/v1/events/no-such-edcamp")
    assert r.json()["detail"] == "no event 'no-such-edcamp'"
    r = ask(
        server, english, "POST", scene.ev.url("/votes"), token=scene.voter_token, json={"proposal_id": scene.second}
    )
    assert r.json()["detail"] == "not enough dots: you have 0 of 1 left, so at most 0 on this proposal"
    r = ask(
        server,
        english,
        "POST",
        scene.ev.url("/votes"),
        token=scene.voter_token,
        json={"proposal_id": scene.second, "dots": "two"},
    )
    assert r.json()["detail"] == "Expected `int`, got `str`"


def test_the_events_language_speaks_for_people_who_chose_none(server: Server) -> None:
    """No switcher, no Accept-Language: an event's own language decides its errors too."""
    ev = make_event(server, language="pt_BR")
    try:
        with server.client() as anon:
            r = anon.post(ev.url("/join"), json={"display_name": "Ana", "join_code": "WRONG1"})
            assert r.status_code == 403 and r.json()["error"] == "bad_join_code", r.text
            assert r.json()["detail"] == in_locale("pt_BR", lambda: _("the join code is not right for this event"))
            chosen = anon.post(
                ev.url("/join"),
                json={"display_name": "Ana", "join_code": "WRONG1"},
                headers={"Accept-Language": "de"},
            )
            assert chosen.json()["detail"] == in_locale("de", lambda: _("the join code is not right for this event"))
    finally:
        ev.organizer.close()


# --- no message people read is left unmarked ---------------------------------------------------------------

PACKAGES = ("unconf", "events", "sessions", "voting", "agenda", "rooms", "people")
ERRORS = {
    "DomainError",
    "ValidationFailed",
    "Unauthorized",
    "Forbidden",
    "NotFound",
    "Conflict",
    "PhaseConflict",
    "DotsExhausted",
    "LimitExceeded",
    "PaymentRequired",
    "RateLimited",
    "AlreadyPublished",
    "DayRunning",
    "VideoUnavailable",
    "_fail",  # unconf.http's ValidationFailed for fetches
}


def _called(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _python_files() -> Iterator[Path]:
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            if "optimizer" in path.parts or "piccolo_migrations" in path.parts:
                continue
            if path == REPO / "unconf" / "cli.py":
                continue  # the command line writes to the operator's terminal (its own `_fail`), in English
            yield path


def test_every_error_people_read_is_marked_for_translation() -> None:
    """An error's words are ``_()`` / ``ngettext`` with named placeholders, never a bare or f-string."""
    unmarked = []
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _called(node)
            if name in ERRORS and node.args and isinstance(node.args[0], ast.Constant | ast.JoinedStr):
                unmarked.append(f"{path.relative_to(REPO)}:{node.lineno} {name}")
            if name in ("_", "gettext", "ngettext", "pgettext") and any(
                isinstance(arg, ast.JoinedStr) for arg in node.args
            ):
                unmarked.append(f"{path.relative_to(REPO)}:{node.lineno} f-string inside {name}()")
    assert not unmarked, "messages not marked for translation:\n" + "\n".join(unmarked)


def test_no_raise_with_an_f_string_message_reaches_people() -> None:
    """What remains of ``raise X(f"...")`` in these packages is for operators and developers, not people."""
    for_people = []
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                name = _called(node.exc)
                if node.exc.args and isinstance(node.exc.args[0], ast.JoinedStr) and name in ERRORS:
                    for_people.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert not for_people, for_people
