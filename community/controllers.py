"""HTTP for communities, members, profiles, blocks, peers and personal data: thin handlers over the services.

Event routes use the event's guards (the caller's personal token). Community routes are not an
event's: a member proves themself with the token their sign-in link gave them (Bearer header or
the community's HttpOnly cookie), and the community's organizers with an organizer key of one of
its events; those checks live in the services, so the routes themselves are public.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from community import services
from community.schemas import (
    BlockOut,
    BlockRequest,
    CommunityCreate,
    CommunityOut,
    CommunityPatch,
    DirectoryEntry,
    Erased,
    JoinedNext,
    MemberListEntry,
    MemberOut,
    MembershipRequest,
    Peer,
    PersonProfile,
    ProfileIn,
    ProfileOut,
    SignedIn,
    SigninQueued,
    SigninRedeem,
    SigninRequest,
)
from community.tables import Community, Member
from events import services as event_services
from events.dependencies import EVENT_DEPENDENCIES
from events.schemas import EventCreate, EventCreated
from events.tables import Event, Participant
from unconf import personal_data, ratelimit
from unconf.auth import SAFE_METHODS, TOKEN_MAX_AGE, client_address, same_origin, token_cookie
from unconf.errors import Forbidden, NotFound
from unconf.guards import requires_organizer, requires_participant
from unconf.i18n import gettext as _
from unconf.i18n import gettext_noop
from unconf.security import NO_STORE
from unconf.settings import get_settings

PRIVATE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
SIGNIN_ANSWER = gettext_noop("if this address is a member's, a sign-in link is on its way")


class EraseRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Erasing cannot be undone: the caller says so in the body."""

    confirm: Literal["erase"]


def member_cookie(community_slug: str, token: str) -> Cookie:
    return Cookie(
        key=services.member_cookie_name(community_slug),
        value=token,
        httponly=True,
        samesite="lax",
        secure=get_settings().public_url.startswith("https://"),
        max_age=TOKEN_MAX_AGE,
        path="/",
    )


def bearer(request: Request[Any, Any, Any]) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


async def signed_in_member(request: Request[Any, Any, Any], community: Community) -> Member:
    """The member behind the Bearer token or the community's cookie (cookie writes only from our pages)."""
    token = bearer(request)
    if token is None:
        token = request.cookies.get(services.member_cookie_name(community.slug))
        if token and request.method not in SAFE_METHODS and not same_origin(request):
            raise Forbidden(_("cross-site request refused: send it from the community's pages"), code="csrf_refused")
    return await services.member_from_token(community, token)


def download(data: dict[str, Any], name: str) -> Response[dict[str, Any]]:
    return Response(
        data,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"', **PRIVATE_HEADERS},
    )


class EventCommunityController(Controller):
    """The caller's side of community life within one event."""

    path = "/api/v1/events/{slug:str}"
    tags = ["community"]
    dependencies = EVENT_DEPENDENCIES

    @get("/community", summary="The community this event belongs to")
    async def read(self, event: NamedDependency[Event]) -> CommunityOut:
        community = await services.community_of_event(event.id)
        if community is None:
            raise NotFound(_("this event belongs to no community"), field="community")
        return await services.community_out(community)

    @post(
        "/community",
        status_code=201,
        guards=[requires_organizer],
        summary="Make a community for this event (organizers)",
    )
    async def create(self, event: NamedDependency[Event], data: JSONBody[CommunityCreate]) -> CommunityOut:
        return await services.community_out(await services.create_for_event(event, data))

    @post(
        "/me/membership",
        status_code=201,
        guards=[requires_participant],
        summary="Stay as a member of the event's community: a sign-in link goes to this email",
    )
    async def stay(
        self,
        event: NamedDependency[Event],
        participant: NamedDependency[Participant],
        data: JSONBody[MembershipRequest],
    ) -> MemberOut:
        member, sent = await services.stay_as_member(event, participant, data.email)
        return await services.member_out(member, signin_sent=sent)

    @get("/me/profile", guards=[requires_participant], summary="Your profile (your membership's, if you are a member)")
    async def my_profile(self, participant: NamedDependency[Participant]) -> ProfileOut:
        return await services.participant_profile(participant.id)

    @put("/me/profile", guards=[requires_participant], summary="Set your profile; every field is optional")
    async def set_profile(self, participant: NamedDependency[Participant], data: JSONBody[ProfileIn]) -> ProfileOut:
        return await services.save_profile(data, participant_id=participant.id)

    @get("/peers", guards=[requires_participant], summary="Up to 10 people who share your interests, best first")
    async def peers(self, event: NamedDependency[Event], participant: NamedDependency[Participant]) -> list[Peer]:
        return await services.peers(event, participant)

    @get(
        "/people/{participant_id:int}/profile",
        guards=[requires_participant],
        summary="Someone's profile, if they show it to you (never an email)",
    )
    async def profile_of(
        self, event: NamedDependency[Event], participant: NamedDependency[Participant], participant_id: FromPath[int]
    ) -> PersonProfile:
        return await services.visible_profile(event, participant, participant_id)

    @get("/blocks", guards=[requires_participant], summary="The people you blocked")
    async def blocks(self, participant: NamedDependency[Participant]) -> list[BlockOut]:
        return await services.my_blocks(participant)

    @post(
        "/blocks", status_code=201, guards=[requires_participant], summary="Block someone: you never reach each other"
    )
    async def block(
        self, event: NamedDependency[Event], participant: NamedDependency[Participant], data: JSONBody[BlockRequest]
    ) -> BlockOut:
        return await services.block(event, participant, data.participant_id)

    @delete("/blocks/{participant_id:int}", status_code=204, guards=[requires_participant], summary="Unblock someone")
    async def unblock(self, participant: NamedDependency[Participant], participant_id: FromPath[int]) -> None:
        await services.unblock(participant, participant_id)

    @get(
        "/me/data",
        guards=[requires_participant],
        summary="Everything unconf holds about you, as a JSON file",
        media_type="application/json",
    )
    async def my_data(
        self, event: NamedDependency[Event], participant: NamedDependency[Participant]
    ) -> Response[dict[str, Any]]:
        person = await services.person_of(participant)
        return download(await personal_data.collect(person), f"unconf-{event.slug}-my-data.json")

    @post(
        "/me/erase",
        status_code=200,
        guards=[requires_participant],
        cache_control=NO_STORE,
        summary="Erase yourself: profile and memberships go, your votes stay as anonymous tallies",
    )
    async def erase(self, participant: NamedDependency[Participant], data: JSONBody[EraseRequest]) -> Response[Erased]:
        person = await services.person_of(participant)
        await personal_data.erase(person)
        body = Erased(
            participant_ids=list(person.participant_ids),
            member_ids=list(person.member_ids),
            detail=_("erased: your votes stay only as anonymous tallies"),
        )
        return Response(body, headers=PRIVATE_HEADERS)


class CommunityController(Controller):
    """A community's own API: public reads, members (their sign-in token), organizers (an organizer key)."""

    path = "/api/v1/communities/{community:str}"
    tags = ["community"]

    @get("/", summary="A community and its events")
    async def read(self, community: FromPath[str]) -> CommunityOut:
        return await services.community_out(await services.get_community(community))

    @patch("/", summary="Change a community's name or welcome settings (its organizers)")
    async def update(
        self, request: Request[Any, Any, Any], community: FromPath[str], data: JSONBody[CommunityPatch]
    ) -> CommunityOut:
        found = await services.get_community(community)
        await services.community_organizer(found, bearer(request))
        return await services.community_out(await services.update_community(found, data))

    @post("/events", status_code=201, cache_control=NO_STORE, summary="The community's next event (its organizers)")
    async def next_event(
        self, request: Request[Any, Any, Any], community: FromPath[str], data: JSONBody[EventCreate]
    ) -> EventCreated:
        found = await services.get_community(community)
        await services.community_organizer(found, bearer(request))
        await ratelimit.check("create_event", address=client_address(request))

        async def link(event: Event) -> None:
            await services.link_event(found, event)

        event, organizer, key, _ = await event_services.create_event_with(data, link)
        join_link, board_url = event_services.links(event.slug, event.join_code)
        return EventCreated(
            event=event_services.event_out(event, with_join_code=True),
            organizer=event_services.participant_private(organizer),
            organizer_key=key,
            join_link=join_link,
            board_url=board_url,
        )

    @get("/members", summary="Members by name, to mark greeters (its organizers; never an email)")
    async def members(self, request: Request[Any, Any, Any], community: FromPath[str]) -> list[MemberListEntry]:
        found = await services.get_community(community)
        await services.community_organizer(found, bearer(request))
        return await services.members_for_organizers(found)

    @put("/greeters/{member_id:int}", summary="Mark a member as a volunteer greeter (its organizers)")
    async def add_greeter(
        self, request: Request[Any, Any, Any], community: FromPath[str], member_id: FromPath[int]
    ) -> MemberListEntry:
        found = await services.get_community(community)
        await services.community_organizer(found, bearer(request))
        return await services.set_greeter(found, member_id, True)

    @delete("/greeters/{member_id:int}", status_code=200, summary="A member greets no more (its organizers)")
    async def remove_greeter(
        self, request: Request[Any, Any, Any], community: FromPath[str], member_id: FromPath[int]
    ) -> MemberListEntry:
        found = await services.get_community(community)
        await services.community_organizer(found, bearer(request))
        return await services.set_greeter(found, member_id, False)

    @post("/signin", status_code=202, summary="Email me a sign-in link (the answer is the same for any address)")
    async def signin(
        self, request: Request[Any, Any, Any], community: FromPath[str], data: JSONBody[SigninRequest]
    ) -> SigninQueued:
        found = await services.get_community(community)
        await ratelimit.check("member_signin", address=client_address(request))
        await services.request_signin(found, data.email)
        return SigninQueued(detail=_(SIGNIN_ANSWER))

    @post("/signin/redeem", status_code=201, summary="Trade a sign-in code for your member token")
    async def redeem(self, community: FromPath[str], data: JSONBody[SigninRedeem]) -> Response[SignedIn]:
        found = await services.get_community(community)
        member, token = await services.redeem_signin(found, data.code)
        body = SignedIn(member=await services.member_out(member), token=token)
        return Response(body, status_code=201, cookies=[member_cookie(found.slug, token)], headers=PRIVATE_HEADERS)

    @get("/me", summary="Your membership (members)")
    async def me(self, request: Request[Any, Any, Any], community: FromPath[str]) -> MemberOut:
        found = await services.get_community(community)
        return await services.member_out(await signed_in_member(request, found))

    @get("/me/profile", summary="Your profile (members)")
    async def my_profile(self, request: Request[Any, Any, Any], community: FromPath[str]) -> ProfileOut:
        found = await services.get_community(community)
        member = await signed_in_member(request, found)
        return await services.member_profile(member.id)

    @put("/me/profile", summary="Set your profile; every field is optional (members)")
    async def set_profile(
        self, request: Request[Any, Any, Any], community: FromPath[str], data: JSONBody[ProfileIn]
    ) -> ProfileOut:
        found = await services.get_community(community)
        member = await signed_in_member(request, found)
        return await services.save_profile(data, member_id=member.id)

    @get("/directory", summary="Members who stay listed, by tag and city (members)")
    async def directory(
        self,
        request: Request[Any, Any, Any],
        community: FromPath[str],
        tag: FromQuery[str] = "",
        city: FromQuery[str] = "",
    ) -> list[DirectoryEntry]:
        found = await services.get_community(community)
        member = await signed_in_member(request, found)
        return await services.directory(found, member, tag=tag[:80], city=city[:160])

    @post(
        "/events/{event:str}/join",
        status_code=201,
        cache_control=NO_STORE,
        summary="Join one of the community's events in one tap (members)",
    )
    async def join(
        self, request: Request[Any, Any, Any], community: FromPath[str], event: FromPath[str]
    ) -> Response[JoinedNext]:
        found = await services.get_community(community)
        member = await signed_in_member(request, found)
        joined_event, participant, token = await services.join_with_membership(found, member, event)
        body = JoinedNext(event=joined_event.slug, participant_id=participant.id, token=token)
        return Response(
            body, status_code=201, cookies=[token_cookie(joined_event.slug, token)], headers=PRIVATE_HEADERS
        )

    @get(
        "/me/data", summary="Everything unconf holds about you, as a JSON file (members)", media_type="application/json"
    )
    async def my_data(self, request: Request[Any, Any, Any], community: FromPath[str]) -> Response[dict[str, Any]]:
        found = await services.get_community(community)
        member = await signed_in_member(request, found)
        person = await services.person_of_member(member)
        return download(await personal_data.collect(person), f"unconf-{found.slug}-my-data.json")

    @post(
        "/me/erase",
        status_code=200,
        cache_control=NO_STORE,
        summary="Erase yourself from the community and its events (members)",
    )
    async def erase(
        self, request: Request[Any, Any, Any], community: FromPath[str], data: JSONBody[EraseRequest]
    ) -> Response[Erased]:
        found = await services.get_community(community)
        member = await signed_in_member(request, found)
        person = await services.person_of_member(member)
        await personal_data.erase(person)
        body = Erased(
            participant_ids=list(person.participant_ids),
            member_ids=list(person.member_ids),
            detail=_("erased: your votes stay only as anonymous tallies"),
        )
        response = Response(body, headers=PRIVATE_HEADERS)
        response.delete_cookie(services.member_cookie_name(found.slug), path="/")
        return response

    @post("/signout", status_code=204, summary="Sign out as a member on every device (members)")
    async def signout(self, request: Request[Any, Any, Any], community: FromPath[str]) -> Response[None]:
        found = await services.get_community(community)
        member = await signed_in_member(request, found)
        await services.sign_out_member(member)
        response: Response[None] = Response(None, status_code=204)
        response.delete_cookie(services.member_cookie_name(found.slug), path="/")
        return response


COMMUNITY_HANDLERS: list[Any] = [EventCommunityController, CommunityController]
