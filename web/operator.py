"""The instance operator's page: every event, its tier, limits and usage, behind ``UNCONF_ADMIN_TOKEN``.

Sign in once with the token; an HttpOnly, SameSite=Strict cookie scoped to ``/operator`` carries it.
Every button is a plain form post, checked for our own origin (CSRF), done by ``instance.services``
(the same rules as the operator API and ``unconf admin``), and answered with a redirect and a message.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.response import Redirect, Template

from events.tiers import TIERS
from instance import services
from instance.schemas import LimitsChange
from unconf import ratelimit
from unconf.auth import client_address, same_origin
from unconf.errors import DomainError, Forbidden, NotFound, ValidationFailed
from unconf.guards import (
    OPERATOR_COOKIE,
    OPERATOR_COOKIE_PATH,
    operator_token_matches,
    presented_operator_token,
    requires_operator_page,
)
from unconf.i18n import gettext as _
from unconf.i18n import ngettext
from unconf.security import NO_STORE
from unconf.settings import get_settings
from web.common import clear_flash, flash_cookie, form_fields, read_flash

PAGE = "/operator"
COOKIE_MAX_AGE = 60 * 60 * 12


def _configured() -> None:
    if not get_settings().admin_token_sha256:
        raise NotFound(_("this instance has no operator page (UNCONF_ADMIN_TOKEN is not set)"))


def _signed_in(request: Request[Any, Any, Any]) -> bool:
    token, _from_cookie = presented_operator_token(request)
    return operator_token_matches(token)


def _cookie(value: str, max_age: int) -> Cookie:
    return Cookie(
        key=OPERATOR_COOKIE,
        value=value,
        httponly=True,
        samesite="strict",
        secure=get_settings().public_url.startswith("https://"),
        max_age=max_age,
        path=OPERATOR_COOKIE_PATH,
    )


@get(PAGE, name="operator_page", cache_control=NO_STORE, include_in_schema=False)
async def operator_page(request: Request[Any, Any, Any]) -> Template:
    _configured()
    flash = read_flash(request)
    context: dict[str, Any] = {"flash": flash.lstrip("!"), "flash_error": flash.startswith("!")}
    cookies = [clear_flash()] if flash else []
    if not _signed_in(request):
        return Template(template_name="operator_signin.html", context=context, cookies=cookies)
    context |= {
        "events": await services.list_events(),
        "usage": await services.usage_across(),
        "tiers": list(TIERS),
    }
    return Template(template_name="operator.html", context=context, cookies=cookies)


@post(f"{PAGE}/signin", name="operator_signin", status_code=303, include_in_schema=False)
async def operator_signin(request: Request[Any, Any, Any]) -> Redirect:
    _configured()
    if not same_origin(request):
        raise Forbidden(_("this form must be sent from the operator page"), field="origin", code="cross_site")
    await ratelimit.check("operator_signin", address=client_address(request))
    token = (await form_fields(request)).get("token", "").strip()
    if not operator_token_matches(token):
        return Redirect(path=PAGE, status_code=303, cookies=[flash_cookie("!" + _("That is not the operator token."))])
    return Redirect(
        path=PAGE,
        status_code=303,
        cookies=[_cookie(token, COOKIE_MAX_AGE), flash_cookie(_("Signed in as the operator."))],
    )


@post(f"{PAGE}/signout", name="operator_signout", status_code=303, include_in_schema=False)
async def operator_signout(request: Request[Any, Any, Any]) -> Redirect:
    _configured()
    if not same_origin(request):
        raise Forbidden(_("this form must be sent from the operator page"), field="origin", code="cross_site")
    return Redirect(path=PAGE, status_code=303, cookies=[_cookie("", 0), flash_cookie(_("Signed out."))])


Action = Callable[[dict[str, str]], Awaitable[str]]


async def _run(request: Request[Any, Any, Any], action: Action) -> Redirect:
    """Do one thing for the operator the route's guard let in; back to the page with what happened."""
    fields = await form_fields(request)
    try:
        message = await action(fields)
    except DomainError as exc:
        message = "!" + exc.detail[0].upper() + exc.detail[1:] + "."
    return Redirect(path=PAGE, status_code=303, cookies=[flash_cookie(message)])


def _limit(fields: dict[str, str], name: str) -> int | None:
    raw = fields.get(name, "").strip()
    if not raw:
        return None  # empty: the tier's own limit
    if not raw.isdigit() or len(raw) > 7:
        what = _("the participant limit") if name == "max_participants" else _("the room limit")
        raise ValidationFailed(
            _("{what} must be a whole number, or empty for the tier's").format(what=what), field=name
        )
    return int(raw)


@post(
    f"{PAGE}/events/{{slug:str}}/limits",
    name="operator_limits",
    status_code=303,
    guards=[requires_operator_page],
    include_in_schema=False,
)
async def operator_limits(request: Request[Any, Any, Any], slug: str) -> Redirect:
    async def action(fields: dict[str, str]) -> str:
        tier = fields.get("tier", "")
        if tier not in TIERS:
            raise ValidationFailed(_("choose a tier ({tiers})").format(tiers=", ".join(TIERS)), field="tier")
        row = await services.change_limits(
            slug,
            LimitsChange(
                tier=tier,  # type: ignore[arg-type]
                max_participants=_limit(fields, "max_participants"),
                max_rooms=_limit(fields, "max_rooms"),
            ),
        )
        people = ngettext("{n} person", "{n} people", row.max_participants).format(n=row.max_participants)
        rooms = ngettext("{n} room", "{n} rooms", row.max_rooms).format(n=row.max_rooms)
        return _("{slug}: {tier} tier, at most {people} and {rooms}.").format(
            slug=row.slug, tier=row.tier, people=people, rooms=rooms
        )

    return await _run(request, action)


@post(
    f"{PAGE}/events/{{slug:str}}/suspend",
    name="operator_suspend",
    status_code=303,
    guards=[requires_operator_page],
    include_in_schema=False,
)
async def operator_suspend(request: Request[Any, Any, Any], slug: str) -> Redirect:
    async def action(fields: dict[str, str]) -> str:
        row = await services.set_suspended(slug, fields.get("suspend") == "1")
        if row.suspended:
            return _("{slug} is suspended.").format(slug=row.slug)
        return _("{slug} is running again.").format(slug=row.slug)

    return await _run(request, action)


@post(
    f"{PAGE}/events/{{slug:str}}/delete",
    name="operator_delete",
    status_code=303,
    guards=[requires_operator_page],
    include_in_schema=False,
)
async def operator_delete(request: Request[Any, Any, Any], slug: str) -> Redirect:
    async def action(fields: dict[str, str]) -> str:
        gone = await services.delete_event(slug, confirm=fields.get("confirm", "").strip())
        return ngettext(
            "Deleted {slug} with its {n} participant and all its data.",
            "Deleted {slug} with its {n} participants and all its data.",
            gone.participants,
        ).format(slug=gone.slug, n=gone.participants)

    return await _run(request, action)


@get(
    f"{PAGE}/usage.csv",
    name="operator_usage_csv",
    cache_control=NO_STORE,
    guards=[requires_operator_page],
    include_in_schema=False,
)
async def operator_usage_csv() -> Response[str]:
    return Response(
        services.usage_csv(await services.usage_across()),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="usage.csv"'},
    )


OPERATOR_PAGE_HANDLERS: list[Any] = [
    operator_page,
    operator_signin,
    operator_signout,
    operator_limits,
    operator_suspend,
    operator_delete,
    operator_usage_csv,
]
