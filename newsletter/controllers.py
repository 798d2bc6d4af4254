"""HTTP for preferences, the newsletter and the ladder: thin handlers over the services.

Like the community's own routes, these belong to no event: a member proves themself with their sign-in
token (Bearer or the community's cookie) and organizers with an organizer key of one of its events;
the checks live in the services, so the routes themselves are public.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, patch, post, put
from litestar.params import FromPath, JSONBody

from community import services as community_services
from community.controllers import bearer, signed_in_member
from newsletter import services
from newsletter.schemas import (
    LadderOut,
    NewsletterItemIn,
    NewsletterItemOut,
    NewsletterOut,
    PreferencesIn,
    PreferencesOut,
    RungCount,
)


class NewsletterController(Controller):
    path = "/api/v1/communities/{community:str}"
    tags = ["newsletter"]

    @get("/me/preferences", summary="Your notification preferences and digest (members)")
    async def my_preferences(self, request: Request[Any, Any, Any], community: FromPath[str]) -> PreferencesOut:
        found = await community_services.get_community(community)
        return await services.preferences(await signed_in_member(request, found))

    @put("/me/preferences", summary="Choose your digest (daily, weekly, none) and each kind's channels (members)")
    async def set_preferences(
        self, request: Request[Any, Any, Any], community: FromPath[str], data: JSONBody[PreferencesIn]
    ) -> PreferencesOut:
        found = await community_services.get_community(community)
        return await services.save_preferences(await signed_in_member(request, found), data)

    @get("/me/ladder", summary="Your next step and the steps you have taken (members)")
    async def my_ladder(self, request: Request[Any, Any, Any], community: FromPath[str]) -> LadderOut:
        found = await community_services.get_community(community)
        return await services.ladder(found, await signed_in_member(request, found))

    @get("/ladder", summary="How many members stand on each rung (its organizers)")
    async def ladder(self, request: Request[Any, Any, Any], community: FromPath[str]) -> list[RungCount]:
        found = await community_services.get_community(community)
        await community_services.community_organizer(found, bearer(request))
        return await services.rung_counts(found)

    @get("/newsletter", summary="This week's announcements and the issues that went out (members)")
    async def read_newsletter(self, request: Request[Any, Any, Any], community: FromPath[str]) -> NewsletterOut:
        found = await community_services.get_community(community)
        return await services.newsletter(found, await signed_in_member(request, found))

    @post("/newsletter", status_code=201, summary="Add your announcement to this week's newsletter (one a week)")
    async def add_item(
        self, request: Request[Any, Any, Any], community: FromPath[str], data: JSONBody[NewsletterItemIn]
    ) -> NewsletterItemOut:
        found = await community_services.get_community(community)
        return await services.add_item(found, await signed_in_member(request, found), data.text)

    @patch("/newsletter/items/{item_id:int}", summary="Edit an announcement (its organizers)")
    async def edit_item(
        self,
        request: Request[Any, Any, Any],
        community: FromPath[str],
        item_id: FromPath[int],
        data: JSONBody[NewsletterItemIn],
    ) -> NewsletterItemOut:
        found = await community_services.get_community(community)
        await community_services.community_organizer(found, bearer(request))
        return await services.edit_item(found, item_id, data.text)

    @delete("/newsletter/items/{item_id:int}", status_code=204, summary="Remove an announcement (its organizers)")
    async def remove_item(
        self, request: Request[Any, Any, Any], community: FromPath[str], item_id: FromPath[int]
    ) -> None:
        found = await community_services.get_community(community)
        await community_services.community_organizer(found, bearer(request))
        await services.remove_item(found, item_id)


NEWSLETTER_HANDLERS: list[Any] = [NewsletterController]
