"""HTTP for dot voting: thin, the rules live in services."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from unconf import ratelimit
from unconf.auth import EVENT_DEPENDENCIES, client_address
from unconf.tables import Event, Participant
from voting import services
from voting.schemas import MyVotes, VoteCast, VoteOut


class VoteController(Controller):
    path = "/api/v1/events/{slug:str}/votes"
    tags = ["voting"]
    dependencies = EVENT_DEPENDENCIES

    @post("/", status_code=201, summary="Put a number of my dots on a proposal (0 takes them back)")
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
