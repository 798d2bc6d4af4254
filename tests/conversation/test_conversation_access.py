"""Who may call the conversation routes (API and pages): registered with the role matrix, which checks every role."""

from __future__ import annotations

from tests.unconf import test_role_matrix as matrix

E = "/api/v1/events/{slug}"
C = "/api/v1/communities/{community}"
P = "/e/{slug}"
CONVERSATION_ACCESS: dict[tuple[str, str], str] = {
    ("GET", f"{E}/proposals/{{proposal_id}}/chat"): matrix.MEMBER,
    ("POST", f"{E}/proposals/{{proposal_id}}/chat"): matrix.MEMBER,
    ("GET", f"{E}/chat"): matrix.MEMBER,
    ("POST", f"{E}/chat"): matrix.MEMBER,
    ("DELETE", f"{E}/chat/messages/{{message_id}}"): matrix.ORGANIZER,
    ("POST", f"{E}/chat/messages/{{message_id}}/report"): matrix.MEMBER,
    ("GET", f"{E}/notes-to/{{participant_id}}"): matrix.MEMBER,
    ("POST", f"{E}/notes-to/{{participant_id}}"): matrix.MEMBER,
    ("GET", f"{E}/inbox"): matrix.MEMBER,
    ("GET", f"{E}/inbox/{{thread_id}}"): matrix.MEMBER,
    ("POST", f"{E}/inbox/{{thread_id}}"): matrix.MEMBER,
    ("POST", f"{E}/inbox/notes/{{note_id}}/report"): matrix.MEMBER,
    ("GET", f"{E}/inbox/choices"): matrix.MEMBER,
    ("PATCH", f"{E}/inbox/choices"): matrix.MEMBER,
    ("GET", f"{E}/conversation/reports"): matrix.ORGANIZER,
    ("DELETE", f"{E}/conversation/notes/{{note_id}}"): matrix.ORGANIZER,
    ("GET", f"{E}/conversation/mutes"): matrix.ORGANIZER,
    ("POST", f"{E}/conversation/mutes"): matrix.ORGANIZER,
    ("DELETE", f"{E}/conversation/mutes/{{participant_id}}"): matrix.ORGANIZER,
    # A greeter's routes belong to no event: their member sign-in decides inside (tests/conversation/test_welcome).
    ("GET", f"{C}/greeter"): matrix.PUBLIC,
    ("PUT", f"{C}/greeter/message"): matrix.PUBLIC,
    ("POST", f"{C}/greeter/threads/{{thread_id}}"): matrix.PUBLIC,
    # pages
    ("POST", f"{P}/chat/{{topic}}"): matrix.MEMBER,
    ("GET", f"{P}/chat"): matrix.MEMBER,
    ("POST", f"{P}/chat/messages/{{message_id}}/remove"): matrix.ORGANIZER,
    ("POST", f"{P}/chat/messages/{{message_id}}/report"): matrix.MEMBER,
    ("GET", f"{P}/inbox"): matrix.MEMBER,
    ("POST", f"{P}/inbox/{{thread_id}}"): matrix.MEMBER,
    ("POST", f"{P}/inbox/choices"): matrix.MEMBER,
    ("POST", f"{P}/inbox/notes/{{note_id}}/report"): matrix.MEMBER,
    ("GET", f"{P}/people/{{participant_id}}/note"): matrix.MEMBER,
    ("POST", f"{P}/people/{{participant_id}}/note"): matrix.MEMBER,
    ("GET", f"{P}/organize/conversation"): matrix.ORGANIZER,
    ("POST", f"{P}/organize/conversation/notes/{{note_id}}/remove"): matrix.ORGANIZER,
    ("POST", f"{P}/organize/conversation/mutes"): matrix.ORGANIZER,
    ("GET", f"{P}/s/{{session}}/notes.md"): matrix.PUBLIC,
    # the greeter's page: their member sign-in (the community's cookie) decides inside
    ("GET", "/c/{community}/greeter"): matrix.PUBLIC,
    ("POST", "/c/{community}/greeter/message"): matrix.PUBLIC,
    ("POST", "/c/{community}/greeter/threads/{thread_id}"): matrix.PUBLIC,
}
# The community API this branch builds on (its own lines live in the matrix's ACCESS on the community branch;
# repeated here so this branch's matrix is complete on its own, harmless once both are merged).
COMMUNITY_ACCESS: dict[tuple[str, str], str] = {
    ("GET", f"{E}/community"): matrix.PUBLIC,
    ("POST", f"{E}/community"): matrix.ORGANIZER,
    ("POST", f"{E}/me/membership"): matrix.MEMBER,
    ("GET", f"{E}/me/profile"): matrix.MEMBER,
    ("PUT", f"{E}/me/profile"): matrix.MEMBER,
    ("GET", f"{E}/peers"): matrix.MEMBER,
    ("GET", f"{E}/blocks"): matrix.MEMBER,
    ("POST", f"{E}/blocks"): matrix.MEMBER,
    ("DELETE", f"{E}/blocks/{{participant_id}}"): matrix.MEMBER,
    ("GET", f"{E}/me/data"): matrix.MEMBER,
    ("POST", f"{E}/me/erase"): matrix.MEMBER,
    ("GET", C): matrix.PUBLIC,
    ("PATCH", C): matrix.PUBLIC,
    ("POST", f"{C}/events"): matrix.PUBLIC,
    ("GET", f"{C}/members"): matrix.PUBLIC,
    ("PUT", f"{C}/greeters/{{member_id}}"): matrix.PUBLIC,
    ("DELETE", f"{C}/greeters/{{member_id}}"): matrix.PUBLIC,
    ("POST", f"{C}/signin"): matrix.PUBLIC,
    ("POST", f"{C}/signin/redeem"): matrix.PUBLIC,
    ("GET", f"{C}/me"): matrix.PUBLIC,
    ("GET", f"{C}/me/profile"): matrix.PUBLIC,
    ("PUT", f"{C}/me/profile"): matrix.PUBLIC,
    ("GET", f"{C}/directory"): matrix.PUBLIC,
    ("POST", f"{C}/events/{{event}}/join"): matrix.PUBLIC,
    ("GET", f"{C}/me/data"): matrix.PUBLIC,
    ("POST", f"{C}/me/erase"): matrix.PUBLIC,
    ("POST", f"{C}/signout"): matrix.PUBLIC,
}
matrix.EXTRA_ACCESS.update(CONVERSATION_ACCESS)
matrix.EXTRA_ACCESS.update({k: v for k, v in COMMUNITY_ACCESS.items() if k not in matrix.ACCESS})


def test_conversation_routes_are_classified() -> None:
    assert set(CONVERSATION_ACCESS) <= set(matrix.EXTRA_ACCESS)
