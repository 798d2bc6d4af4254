"""The language switcher on every page: the person's choice, remembered on this browser."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from litestar import Request, post
from litestar.datastructures import Cookie
from litestar.response import Redirect

from community.services import MEMBER_COOKIE_PREFIX, remember_member_language
from events.services import remember_language
from unconf import i18n
from unconf.auth import COOKIE_PREFIX
from unconf.errors import ValidationFailed
from unconf.settings import get_settings
from web.common import PAGE_EXCEPTION_HANDLERS, form_fields

ONE_YEAR = 365 * 24 * 3600


def safe_return_path(value: str | None) -> str:
    """Only a path on this site (``/e/x/vote``), never another site (``//evil``, ``https://...``)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value or len(value) > 500:
        return "/"
    return value


@post(
    "/language",
    name="choose_language",
    status_code=303,
    include_in_schema=False,
    exception_handlers=PAGE_EXCEPTION_HANDLERS,
)
async def choose_language(request: Request[Any, Any, Any]) -> Redirect:
    """Remember the chosen language and go back to the page it was chosen on."""
    fields = await form_fields(request)
    language = i18n.supported(fields.get("language"))
    if language is None:
        raise ValidationFailed(
            i18n.gettext("choose one of: {languages}").format(languages=", ".join(i18n.LANGUAGES)),
            field="language",
        )
    cookie = Cookie(
        key=i18n.LANGUAGE_COOKIE,
        value=language,
        max_age=ONE_YEAR,
        path="/",
        samesite="lax",
        httponly=True,
        secure=get_settings().public_url.startswith("https://"),
    )
    # Someone signed in here (a participant's or a member's cookie) gets their mail and calendars in it too.
    tokens = {
        name: value for name, value in request.cookies.items() if name.startswith((COOKIE_PREFIX, MEMBER_COOKIE_PREFIX))
    }
    await remember_language([v for k, v in tokens.items() if k.startswith(COOKIE_PREFIX)], language)
    await remember_member_language([v for k, v in tokens.items() if k.startswith(MEMBER_COOKIE_PREFIX)], language)
    back = fields.get("next") or _same_site_referer(request)
    return Redirect(path=safe_return_path(back), status_code=303, cookies=[cookie])


def _same_site_referer(request: Request[Any, Any, Any]) -> str | None:
    """The page the form was sent from (our Referrer-Policy sends it only within the site)."""
    referer = request.headers.get("referer")
    if not referer:
        return None
    parsed = urlparse(referer)
    if parsed.netloc and parsed.netloc != request.headers.get("host", ""):
        return None
    return parsed.path + (f"?{parsed.query}" if parsed.query else "")


LANGUAGE_PAGE_HANDLERS: list[Any] = [choose_language]
