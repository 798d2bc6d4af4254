"""HTTP for proposals: thin, the rules live in services."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from events.dependencies import EVENT_DEPENDENCIES
from events.tables import Event, Participant
from sessions import services, volunteers
from sessions.schemas import InvitationOut, ProposalCreate, ProposalOut, ProposalPatch
from unconf import ratelimit
from unconf.auth import client_address
from unconf.guards import requires_participant


class ProposalController(Controller):
    path = "/api/v1/events/{slug:str}/proposals"
    tags = ["proposals"]
    dependencies = EVENT_DEPENDENCIES

    @get("/", summary="All proposals with their live dot tallies")
    async def list_proposals(self, event: NamedDependency[Event]) -> list[ProposalOut]:
        return await services.cached_proposals(event)

    @post(
        "/",
        status_code=201,
        summary="Propose a session (you facilitate it unless you say otherwise)",
        guards=[requires_participant],
    )
    async def create_proposal(
        self,
        request: Request[Any, Any, Any],
        event: NamedDependency[Event],
        participant: NamedDependency[Participant],
        data: JSONBody[ProposalCreate],
    ) -> ProposalOut:
        await ratelimit.check("propose", address=client_address(request), participant=participant.id)
        return await services.create_proposal(event, participant, data)

    @get("/{proposal_id:int}", summary="One proposal")
    async def read_proposal(self, event: NamedDependency[Event], proposal_id: FromPath[int]) -> ProposalOut:
        return await services.read_proposal(event, proposal_id)

    @put(
        "/{proposal_id:int}/volunteer",
        summary="Offer (or withdraw) to help facilitate a session or take its notes",
        guards=[requires_participant],
    )
    async def volunteer(
        self,
        event: NamedDependency[Event],
        participant: NamedDependency[Participant],
        proposal_id: FromPath[int],
        data: JSONBody[volunteers.VolunteerSet],
    ) -> volunteers.MyOffers:
        return await volunteers.set_offer(event, participant, proposal_id, data)

    @patch(
        "/{proposal_id:int}", summary="Edit a proposal (its facilitators or organizers)", guards=[requires_participant]
    )
    async def update_proposal(
        self,
        event: NamedDependency[Event],
        participant: NamedDependency[Participant],
        proposal_id: FromPath[int],
        data: JSONBody[ProposalPatch],
    ) -> ProposalOut:
        return await services.update_proposal(event, proposal_id, participant, data)

    @post(
        "/{proposal_id:int}/withdraw",
        status_code=200,
        summary="Withdraw a proposal; its dots go back",
        guards=[requires_participant],
    )
    async def withdraw_proposal(
        self, event: NamedDependency[Event], participant: NamedDependency[Participant], proposal_id: FromPath[int]
    ) -> ProposalOut:
        return await services.withdraw_proposal(event, proposal_id, participant)

    @get("/invitations", summary="Your open invitations to facilitate a proposal", guards=[requires_participant])
    async def my_invitations(
        self, event: NamedDependency[Event], participant: NamedDependency[Participant]
    ) -> list[InvitationOut]:
        return await services.my_invitations(event, participant)

    @post(
        "/{proposal_id:int}/invitation/accept",
        status_code=200,
        summary="Accept an invitation to facilitate: you facilitate the proposal from now on",
        guards=[requires_participant],
    )
    async def accept_invitation(
        self, event: NamedDependency[Event], participant: NamedDependency[Participant], proposal_id: FromPath[int]
    ) -> InvitationOut:
        return await services.answer_invitation(event, proposal_id, participant, accept=True)

    @post(
        "/{proposal_id:int}/invitation/decline",
        status_code=200,
        summary="Decline an invitation to facilitate",
        guards=[requires_participant],
    )
    async def decline_invitation(
        self, event: NamedDependency[Event], participant: NamedDependency[Participant], proposal_id: FromPath[int]
    ) -> InvitationOut:
        return await services.answer_invitation(event, proposal_id, participant, accept=False)
