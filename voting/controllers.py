"""HTTP for dot voting: thin, the rules live in services."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from events import services as event_services
from events.dependencies import CACHED_EVENT, EVENT_DEPENDENCIES
from events.schemas import Me
from events.tables import Event, Participant
from sessions.schemas import MergeRequest, ProposalOut
from unconf import ratelimit
from unconf.auth import client_address
from unconf.guards import requires_organizer, requires_participant
from voting import services
from voting.schemas import MyVotes, VoteCast, VoteOut


class VoteController(Controller):
    path = "/api/v1/events/{slug:str}/votes"
    tags = ["voting"]
    dependencies = EVENT_DEPENDENCIES
    guards = [requires_participant]

    @post(
        "/",
        status_code=201,
        summary="Put a number of my dots on a proposal (0 takes them back)",
        opt={CACHED_EVENT: True},  # cast_vote reads the phase, budget and proposal again under its lock
    )
    async def cast_vote(
        self,
        request: Request[Any, Any, Any],
        event: NamedDependency[Event],
        participant: NamedDependency[Participant],
        data: JSONBody[VoteCast],
    ) -> VoteOut:
        await ratelimit.check("vote", address=client_address(request), participant=participant.id)
        return await services.cast_vote(event, participant, data)

    @get("/me", summary="My dots: where they are and how many are left")
    async def my_votes(self, event: NamedDependency[Event], participant: NamedDependency[Participant]) -> MyVotes:
        return await services.my_votes(event, participant)


class MeController(Controller):
    """Who I am in this event and my dots left: lives with voting, which alone counts dots."""

    path = "/api/v1/events/{slug:str}/me"
    tags = ["events"]
    dependencies = EVENT_DEPENDENCIES
    guards = [requires_participant]

    @get("/", summary="Who I am in this event and how many dots I have left")
    async def read_me(self, event: NamedDependency[Event], participant: NamedDependency[Participant]) -> Me:
        spent = await services.dots_spent(participant.id)
        return Me(
            participant=event_services.participant_private(participant),
            event=event_services.event_out(event, with_join_code=True),
            dots_left=max(0, event.dots_per_participant - spent),
        )


class MergeController(Controller):
    """Merging twins moves dots, so the route lives with voting (the path stays under proposals)."""

    path = "/api/v1/events/{slug:str}/proposals"
    tags = ["proposals"]
    dependencies = EVENT_DEPENDENCIES
    guards = [requires_organizer]

    @post("/{proposal_id:int}/merge", status_code=200, summary="Merge a twin into another proposal (organizers)")
    async def merge_proposal(
        self,
        event: NamedDependency[Event],
        proposal_id: FromPath[int],
        data: JSONBody[MergeRequest],
    ) -> ProposalOut:
        return await services.merge_proposals(event, proposal_id, data)
