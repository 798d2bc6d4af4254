"""Liveness: the process answers. Cheap on purpose: load balancers poll it, and benchmarks use it as the ceiling."""

from __future__ import annotations

from litestar import get
from litestar.response import Response


@get("/healthz", include_in_schema=False, cache=False, sync_to_thread=False)
def healthz() -> Response[bytes]:
    return Response(b"ok\n", media_type="text/plain", headers={"Cache-Control": "no-store"})
