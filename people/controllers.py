"""HTTP for registrant import, invitations and the participant export: thin, organizer-only except redeeming."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, MultipartBody, URLEncodedBody

from events.dependencies import EVENT_DEPENDENCIES
from events.schemas import Joined
from events.services import participant_private
from events.tables import Event
from people import services
from people.schemas import (
    ExportFormat,
    ImportForm,
    ImportReport,
    InvitationStatus,
    InviteLinks,
    InviteRequest,
    InvitesQueued,
    RedeemRequest,
    RevokeRequest,
)
from unconf.auth import same_origin, token_cookie
from unconf.errors import DomainError
from unconf.guards import requires_organizer
from unconf.i18n import gettext as _
from unconf.templates import template_environment

TEMPLATES = Path(__file__).parent / "templates"
PRIVATE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


async def _csv_input(form: ImportForm) -> bytes:
    upload = await form.file.read() if form.file is not None else None
    return await services.read_source(upload, form.url)


class RegistrantController(Controller):
    path = "/api/v1/events/{slug:str}"
    tags = ["people"]
    dependencies = EVENT_DEPENDENCIES
    guards = [requires_organizer]

    @post("/registrants/preview", status_code=200, summary="What importing this CSV would do (organizers)")
    async def preview(self, event: NamedDependency[Event], data: MultipartBody[ImportForm]) -> ImportReport:
        raw = await _csv_input(data)
        return await services.preview_import(
            event, raw, source=data.source, mapping=services.parse_mapping(data.mapping)
        )

    @post("/registrants/import", status_code=201, summary="Import registrants from a CSV, all or nothing (organizers)")
    async def run_import(self, event: NamedDependency[Event], data: MultipartBody[ImportForm]) -> ImportReport:
        raw = await _csv_input(data)
        return await services.run_import(event, raw, source=data.source, mapping=services.parse_mapping(data.mapping))

    @get(
        "/mailing-list.csv",
        summary="Participants with an email, as a CSV Mailchimp or Constant Contact imports (organizers)",
        media_type="text/csv",
    )
    async def export(
        self,
        event: NamedDependency[Event],
        format: FromQuery[ExportFormat] = "mailchimp",
    ) -> Response[bytes]:
        body, left_out = await services.export_csv(event, format)
        return Response(
            body,
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{services.csv_filename(event, format)}"',
                "X-Left-Out": str(left_out),
                **PRIVATE_HEADERS,
            },
        )


class InvitationController(Controller):
    path = "/api/v1/events/{slug:str}/invitations"
    tags = ["people"]
    dependencies = EVENT_DEPENDENCIES

    @get("/", summary="Who is invited, who has signed in with their link (organizers)", guards=[requires_organizer])
    async def list_invitations(self, event: NamedDependency[Event]) -> list[InvitationStatus]:
        return await services.invitation_statuses(event)

    @post(
        "/links",
        status_code=201,
        summary="Fresh personal links, shown once; earlier links stop working",
        guards=[requires_organizer],
    )
    async def make_links(self, event: NamedDependency[Event], data: JSONBody[InviteRequest]) -> Response[InviteLinks]:
        return Response(await services.invitation_links(event, data), status_code=201, headers=PRIVATE_HEADERS)

    @post(
        "/send",
        status_code=202,
        summary="Email each person their personal link (queued; organizers)",
        guards=[requires_organizer],
    )
    async def send(self, event: NamedDependency[Event], data: JSONBody[InviteRequest]) -> InvitesQueued:
        return await services.send_invitations(event, data)

    @post(
        "/{participant_id:int}/revoke",
        status_code=200,
        summary="Make a person's link unusable (organizers)",
        guards=[requires_organizer],
    )
    async def revoke(
        self,
        event: NamedDependency[Event],
        participant_id: FromPath[int],
        data: JSONBody[RevokeRequest | None] = None,
    ) -> InvitationStatus:
        return await services.revoke_invitation(event, participant_id, sign_out=bool(data and data.sign_out))

    @post("/redeem", status_code=201, summary="Exchange an invitation code for your personal token")
    async def redeem(self, event: NamedDependency[Event], data: JSONBody[RedeemRequest]) -> Response[Joined]:
        participant, token = await services.redeem(event, data.code)
        joined = Joined(participant=participant_private(participant), token=token)
        return Response(joined, status_code=201, cookies=[token_cookie(event.slug, token)], headers=PRIVATE_HEADERS)


def _page(
    title: str, *, event: Event | None = None, code: str | None = None, message: str = "", status: int = 200
) -> Response[str]:
    """The invitation page: the sign-in button when ``code`` is given, else ``message``."""
    template = template_environment(TEMPLATES).get_template("invitation.html")
    document = template.render(title=title, event=event, code=code, message=message)
    return Response(document, status_code=status, media_type=MediaType.HTML, headers=PRIVATE_HEADERS)


# Browser pages (HTML), kept out of the API schema like the other pages under /e/.
@get("/e/{slug:str}/invite", dependencies=EVENT_DEPENDENCIES, media_type=MediaType.HTML, include_in_schema=False)
async def invite_page(event: NamedDependency[Event], code: FromQuery[str] = "") -> Response[str]:
    """A button, not an automatic sign-in: mail scanners that open links must not use up the code."""
    return _page(_("Invitation: {title}").format(title=event.title), event=event, code=code[:200])


@post(
    "/e/{slug:str}/invite",
    dependencies=EVENT_DEPENDENCIES,
    media_type=MediaType.HTML,
    status_code=303,
    include_in_schema=False,
)
async def invite_submit(
    request: Request[Any, Any, Any], event: NamedDependency[Event], data: URLEncodedBody[RedeemRequest]
) -> Response[str]:
    if not same_origin(request):
        return _page(_("Invitation"), message=_("Open the invitation link itself to sign in."), status=403)
    try:
        _participant, token = await services.redeem(event, data.code)
    except DomainError as exc:
        return _page(_("Invitation"), message=exc.detail, status=exc.status_code)
    response: Response[str] = Response(
        "",
        status_code=303,
        headers={"Location": f"/e/{event.slug}/board", **PRIVATE_HEADERS},
        cookies=[token_cookie(event.slug, token)],
    )
    return response


PEOPLE_HANDLERS: list[Any] = [RegistrantController, InvitationController, invite_page, invite_submit]
