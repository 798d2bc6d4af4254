"""Who may call the rooms endpoints: registered with the role matrix, which then checks every role."""

from __future__ import annotations

from tests.unconf import test_role_matrix as matrix

E = "/api/v1/events/{slug}"
ROOMS_ACCESS: dict[tuple[str, str], str] = {
    ("GET", f"{E}/video"): matrix.ORGANIZER,
    ("PUT", f"{E}/video"): matrix.ORGANIZER,
    ("GET", f"{E}/video/links"): matrix.PUBLIC,
    ("GET", f"{E}/occupancy"): matrix.PUBLIC,
    ("POST", f"{E}/sessions/{{proposal_id}}/checkin"): matrix.MEMBER,
    ("POST", f"{E}/main/checkin"): matrix.MEMBER,
    ("GET", f"{E}/presence"): matrix.MEMBER,
    ("DELETE", f"{E}/presence"): matrix.MEMBER,
    ("GET", f"{E}/usage"): matrix.ORGANIZER,
    ("GET", f"{E}/usage.csv"): matrix.ORGANIZER,
    ("GET", f"{E}/sessions/{{proposal_id}}/notes"): matrix.PUBLIC,
    ("PUT", f"{E}/sessions/{{proposal_id}}/notes"): matrix.MEMBER,
    ("GET", f"{E}/sessions/{{proposal_id}}/notes/revisions"): matrix.PUBLIC,
    ("GET", f"{E}/sessions/{{proposal_id}}/notes/revisions/{{revision}}"): matrix.PUBLIC,
    ("GET", "/api/v1/tiers"): matrix.PUBLIC,
    ("POST", "/api/v1/edcamps"): matrix.ANYONE_CREATES,
}
matrix.EXTRA_ACCESS.update(ROOMS_ACCESS)


def test_rooms_endpoints_are_classified() -> None:
    assert set(ROOMS_ACCESS) <= set(matrix.EXTRA_ACCESS)
    assert all(path.startswith("/api/") for _, path in ROOMS_ACCESS)
