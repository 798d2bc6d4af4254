"""Which language a page is in: the person's choice, else the browser's, else the event's; dates by Babel."""

from __future__ import annotations

import ast
import re
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from tests.helpers import Server, make_event
from tests.web.test_page_rules import browser_client, phone_for
from unconf import i18n
from web.common import FETCH_HEADER


def html_tag(page: str) -> str:
    match = re.search(r"<html[^>]*>", page)
    assert match, page[:200]
    return match.group(0)


# --- the rules, without a server ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("es-MX,es;q=0.9,en;q=0.8", "es"),
        ("pt-BR", "pt_BR"),
        ("pt-PT,pt;q=0.9", "pt_BR"),  # Portuguese readers get the Portuguese we have
        ("de;q=0.4, fr;q=0.7", "fr"),  # by quality, not by order
        ("ar-EG", "ar"),
        ("zh-CN, ja;q=0.8", None),  # none of ours: the event's default decides
        ("*", None),
        ("", None),
        ("en;q=0, es;q=0.1", "es"),  # q=0 means "not this one"
    ],
)
def test_accept_language_picks_the_best_of_our_languages(header: str, expected: str | None) -> None:
    assert i18n.from_accept_language(header) == expected


def test_the_persons_choice_beats_the_browser_and_the_browser_beats_the_event() -> None:
    chosen = i18n.negotiate("de", "fr-FR")
    assert (chosen.locale, chosen.chosen) == ("de", True)
    browser = i18n.negotiate(None, "fr-FR")
    assert (browser.locale, browser.chosen) == ("fr", True)
    nothing = i18n.negotiate("xx", "zh")
    assert (nothing.locale, nothing.chosen) == ("en", False)


def test_dates_and_times_read_as_each_language_writes_them() -> None:
    saturday = datetime(2026, 3, 14, 8, 15, tzinfo=UTC)
    madrid = ZoneInfo("Europe/Madrid")
    with i18n.use_locale("es"):
        assert i18n.format_day_time(saturday, madrid) == "sábado, 14 de marzo, 9:15"
        assert i18n.format_list(["Ana", "Luis", "Eva"]) == "Ana, Luis y Eva"
    with i18n.use_locale("de"):
        assert i18n.format_time(saturday, madrid) == "09:15"  # 24-hour clock, in the event's zone
        assert i18n.format_date(date(2026, 3, 14)) == "14. März 2026"
    with i18n.use_locale("en"):
        assert i18n.format_time(saturday, madrid) == "9:15\u202fAM"
    with i18n.use_locale("ar"):
        assert i18n.text_direction() == "rtl" and i18n.html_lang() == "ar"
    with i18n.use_locale("pt_BR"):
        assert i18n.html_lang() == "pt-BR" and i18n.text_direction() == "ltr"


def test_every_shipped_catalogue_loads_and_translates_the_switcher() -> None:
    for code in i18n.LANGUAGES:
        if code == "en":
            continue
        assert i18n.catalogue_path(code).exists(), code
        with i18n.use_locale(code):
            assert i18n.gettext("Language") != "Language", code


PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def read_catalogue(path: str | object, locale: str | None = None) -> Catalog:
    with open(str(path), "rb") as handle:
        return read_po(handle, locale=locale)


def test_every_marked_string_is_translated_in_every_language() -> None:
    """`make messages` then translate: no entry of the template missing, empty, fuzzy or with other placeholders."""
    template = [entry for entry in read_catalogue(i18n.LOCALE_DIR / "unconf.pot") if entry.id]
    assert len(template) > 300  # the pages are marked, not only the switcher
    for code in i18n.LANGUAGES:
        if code == "en":
            continue
        catalogue = read_catalogue(i18n.catalogue_path(code), locale=code)
        for entry in template:
            where = (code, entry.id)
            found = catalogue.get(entry.id, entry.context)
            assert found is not None, where
            assert "fuzzy" not in found.flags, where
            if isinstance(entry.id, tuple | list):
                forms = list(found.string)
                assert len(forms) == catalogue.num_plurals, where
                wanted = placeholders(entry.id[1])
            else:
                forms = [found.string]
                wanted = placeholders(entry.id)
            for form in forms:
                assert form, where
                assert placeholders(form) == wanted, (where, form)
                # New-style gettext always applies %-formatting: a lone % would break the page.
                assert "%" not in PLACEHOLDER.sub("", form.replace("%%", "")), (where, form)


# --- on a real server -----------------------------------------------------------------------------------


def test_pages_follow_accept_language_and_say_so_in_lang_and_dir(server: Server) -> None:
    ev = make_event(server)
    with httpx.Client(base_url=server.base_url, timeout=30) as anon:
        spanish = anon.get(f"/e/{ev.slug}/join", headers={"Accept-Language": "es-ES,es;q=0.9"})
        assert spanish.status_code == 200
        assert html_tag(spanish.text) == '<html lang="es" dir="ltr">'
        assert "Saltar al contenido" in spanish.text and 'name="language"' in spanish.text
        arabic = anon.get(f"/e/{ev.slug}/join", headers={"Accept-Language": "ar"})
        assert html_tag(arabic.text) == '<html lang="ar" dir="rtl">'
        english = anon.get(f"/e/{ev.slug}/join", headers={"Accept-Language": "en-GB"})
        assert html_tag(english.text) == '<html lang="en" dir="ltr">' and "Skip to content" in english.text


def test_the_switcher_remembers_a_choice_and_goes_back_to_the_page(server: Server) -> None:
    ev = make_event(server)
    with browser_client(server) as browser:
        r = browser.post("/language", data={"language": "fr", "next": f"/e/{ev.slug}/join"})
        assert r.status_code == 303 and r.headers["location"] == f"/e/{ev.slug}/join"
        assert "unconf_lang=fr" in r.headers["set-cookie"] and "Max-Age=31536000" in r.headers["set-cookie"]
        # The choice beats the browser's language from now on.
        page = browser.get(f"/e/{ev.slug}/join", headers={"Accept-Language": "de"})
        assert html_tag(page.text) == '<html lang="fr" dir="ltr">' and "Aller au contenu" in page.text
        # Without a "next", the form goes back to the page it came from, never to another site.
        back = browser.post(
            "/language", data={"language": "de"}, headers={"Referer": f"{server.base_url}/e/{ev.slug}/join?x=1"}
        )
        assert back.headers["location"] == f"/e/{ev.slug}/join?x=1"
        away = browser.post("/language", data={"language": "de", "next": "//evil.example/"})
        assert away.headers["location"] == "/"


def test_an_unknown_language_is_refused_with_the_field_named(server: Server) -> None:
    with browser_client(server) as browser:
        # A form gets the error page in words, a script the one error body; neither remembers anything.
        page = browser.post("/language", data={"language": "klingon"})
        assert page.status_code == 400 and "Choose one of: en, es, fr, de, pt_BR, ar." in page.text
        assert "set-cookie" not in page.headers
        r = browser.post("/language", data={"language": "klingon"}, headers={FETCH_HEADER: "1"})
        assert r.status_code == 400
        assert r.json()["error"] == "validation_failed" and r.json()["field"] == "language"
        assert "set-cookie" not in r.headers


def test_the_events_language_applies_to_people_who_chose_none_and_always_to_the_board(server: Server) -> None:
    ev = make_event(server, language="es")
    assert ev.organizer.get(ev.url()).json()["language"] == "es"
    with httpx.Client(base_url=server.base_url, timeout=30) as anon:
        # No language asked for: the event's.
        assert html_tag(anon.get(f"/e/{ev.slug}/join").text) == '<html lang="es" dir="ltr">'
        # A browser that asks for one of ours gets it.
        assert 'lang="de"' in html_tag(anon.get(f"/e/{ev.slug}/join", headers={"Accept-Language": "de"}).text)
        # The projected board speaks the event's language whoever opens it.
        board = anon.get(f"/e/{ev.slug}/board", headers={"Accept-Language": "de"})
        assert html_tag(board.text) == '<html lang="es" dir="ltr">'
    # The organizer changes it; the next page follows (the cached event is dropped).
    r = ev.organizer.patch(ev.url(), json={"language": "ar"})
    assert r.status_code == 200 and r.json()["language"] == "ar"
    with httpx.Client(base_url=server.base_url, timeout=30) as anon:
        assert html_tag(anon.get(f"/e/{ev.slug}/board").text) == '<html lang="ar" dir="rtl">'
    bad = ev.organizer.patch(ev.url(), json={"language": "xx"})
    assert bad.status_code == 400 and bad.json()["field"] == "language"
    assert ev.organizer.get(ev.url()).json()["language"] == "ar"


def test_pages_kept_in_memory_are_kept_per_language(server: Server) -> None:
    ev = make_event(server)
    ev.phase("proposals")
    _, phone = phone_for(server, ev, "Pat")
    spanish = phone.get(f"/e/{ev.slug}/proposals", headers={"Accept-Language": "es"})
    english = phone.get(f"/e/{ev.slug}/proposals", headers={"Accept-Language": "en"})
    assert spanish.status_code == english.status_code == 200
    assert 'lang="es"' in html_tag(spanish.text) and 'lang="en"' in html_tag(english.text)
    assert spanish.headers["etag"] != english.headers["etag"]
    assert "Accept-Language" in english.headers["vary"]


TRANSLATED_PAGES = {
    # language: (join page, proposals page, "You" page): strings that must show, each page's English absent
    "es": (
        ("Tu nombre", "Sin cuenta ni contraseña"),
        ("Propón una sesión", "0 propuestas hasta ahora"),
        ("Tu perfil", "Tus datos"),
    ),
    "fr": (
        ("Votre nom", "Ni compte ni mot de passe"),
        ("Proposer une session", "Courte description"),
        ("Votre profil", "Vos données"),
    ),
    "de": (
        ("Dein Name", "Kein Konto, kein Passwort"),
        ("Eine Session vorschlagen", "Bisher 0 Vorschläge"),
        ("Dein Profil", "Deine Daten"),
    ),
    "pt_BR": (
        ("Seu nome", "Sem conta, sem senha"),
        ("Proponha uma sessão", "Descrição curta"),
        ("Seu perfil", "Seus dados"),
    ),
    "ar": (("اسمك", "لا حساب ولا كلمة مرور"), ("اقترح جلسة", "وصف قصير"), ("ملفك الشخصي", "بياناتك")),
}
ENGLISH = (
    (">Your name<", "No account, no password", ">Join code <", ">Join<"),
    (">Propose a session<", ">Short description <", "proposals so far", ">Propose<"),
    (">Your profile<", ">Your data<", ">Erase me<", ">Who sees it<"),
)


@pytest.mark.parametrize("language", ["en", *TRANSLATED_PAGES])
def test_the_participants_pages_speak_the_browsers_language(server: Server, language: str) -> None:
    ev = make_event(server)
    ev.phase("proposals")
    header = {"Accept-Language": i18n.html_lang(language)}
    with httpx.Client(base_url=server.base_url, timeout=30) as anon:
        join = anon.get(f"/e/{ev.slug}/join", headers=header)
    _, phone = phone_for(server, ev, "Pat")
    with phone:
        proposals = phone.get(f"/e/{ev.slug}/proposals", headers=header)
        you = phone.get(f"/e/{ev.slug}/me", headers=header)
    # English is the control: the very strings checked for absence are on its pages.
    expected = ENGLISH if language == "en" else TRANSLATED_PAGES[language]
    for page, shown, english in zip((join, proposals, you), expected, ENGLISH, strict=True):
        assert page.status_code == 200, page.text[:300]
        assert f'lang="{i18n.html_lang(language)}"' in html_tag(page.text)
        for text in shown:
            assert text in page.text, (language, text)
        for text in english if language != "en" else ():
            assert text not in page.text, (language, text)
    # The word the server compares is never translated: every language types "erase" to confirm.
    assert "<strong>erase</strong>" in you.text


ORGANIZER_PAGES = {
    # language: (board strings, console strings)
    "es": (
        ("Únete desde tu móvil", "Aún no hay propuestas. ¡Escanea el código y propón la primera sesión!"),
        ("Ajustes del evento", "Guardar los ajustes", "Franjas horarias (0)", "Imprimir y exportar"),
    ),
    "ar": (
        ("انضم من هاتفك", "لا مقترحات بعد. امسح الرمز واقترح أول جلسة!"),
        ("إعدادات الحدث", "حفظ الإعدادات", "الفترات الزمنية (0)", "الطباعة والتصدير"),
    ),
}
ORGANIZER_ENGLISH = (
    ("Join on your phone", "Scan the code and propose the first session"),
    ("Event settings", "Save the settings", "Time slots (0)", "Print and export"),
)


@pytest.mark.parametrize("language", list(ORGANIZER_PAGES))
def test_the_board_and_the_console_speak_the_events_language(server: Server, language: str) -> None:
    ev = make_event(server)
    ev.phase("proposals")
    # In English first: the very strings checked for absence below are there.
    with httpx.Client(base_url=server.base_url, timeout=30) as anon:
        board = anon.get(f"/e/{ev.slug}/board")
    with httpx.Client(base_url=server.base_url, timeout=30, cookies={f"unconf_t_{ev.slug}": ev.organizer_key}) as org:
        console = org.get(f"/e/{ev.slug}/organize")
    for page, english in zip((board, console), ORGANIZER_ENGLISH, strict=True):
        assert page.status_code == 200, page.text[:300]
        for text in english:
            assert text in page.text, text
    r = ev.organizer.patch(ev.url(), json={"language": language})
    assert r.status_code == 200 and r.json()["language"] == language
    wanted = f'<html lang="{i18n.html_lang(language)}" dir="{"rtl" if language == "ar" else "ltr"}">'
    with httpx.Client(base_url=server.base_url, timeout=30) as anon:
        board = anon.get(f"/e/{ev.slug}/board")
    with httpx.Client(base_url=server.base_url, timeout=30, cookies={f"unconf_t_{ev.slug}": ev.organizer_key}) as org:
        console = org.get(f"/e/{ev.slug}/organize")
    for page, shown, english in zip((board, console), ORGANIZER_PAGES[language], ORGANIZER_ENGLISH, strict=True):
        assert page.status_code == 200, page.text[:300]
        assert html_tag(page.text) == wanted
        for text in shown:
            assert text in page.text, (language, text)
        for text in english:
            assert text not in page.text, (language, text)


def _binds_underscore(function: ast.AST) -> bool:
    """``_`` assigned in this function's own scope (comprehensions have their own, so they are skipped)."""
    stack = list(ast.iter_child_nodes(function))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp | ast.Lambda):
            continue
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        if isinstance(node, ast.Name) and node.id == "_" and isinstance(node.ctx, ast.Store):
            return True
        stack.extend(ast.iter_child_nodes(node))
    return False


def test_no_function_hides_gettext_behind_a_local_underscore() -> None:
    """``_, x = ...`` in a function makes ``_`` local there, and every ``_("...")`` in it (or in a function
    nested in it) then fails with NameError: a 500 where a translated error was meant."""
    root = Path(__file__).resolve().parents[2]
    hidden = []
    for path in sorted(root.glob("*/**/*.py")):
        if path.parts[len(root.parts)] in {".venv", "tests", "benchmarks", "node_modules", ".cache"}:
            continue
        source = path.read_text(encoding="utf-8")
        if "gettext as _" not in source:
            continue
        for function in ast.walk(ast.parse(source)):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef) or not _binds_underscore(function):
                continue
            calls = [n for n in ast.walk(function) if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "_"]
            if calls:
                hidden.append(f"{path.relative_to(root)}:{function.lineno} {function.name}")
    assert not hidden, hidden
