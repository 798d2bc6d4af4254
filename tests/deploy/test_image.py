"""The container image and the compose file: built where a Docker daemon runs, read everywhere."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib

import pytest
import yaml

from tests.helpers import REPO

DOCKERFILE = (REPO / "Dockerfile").read_text()


def test_the_image_is_multi_stage_non_root_and_starts_with_the_shared_entrypoint() -> None:
    stages = re.findall(r"^FROM\s+\S+\s+AS\s+(\w+)", DOCKERFILE, re.MULTILINE)
    assert stages == ["build", "run"]
    run_stage = DOCKERFILE.split("AS run", 1)[1]
    assert re.search(r"^USER unconf$", run_stage, re.MULTILINE), "the service runs as a user without privileges"
    assert "--require-hashes -r /src/requirements.lock" in DOCKERFILE, "the image installs the locked versions"
    assert "deploy/entrypoint.sh" in DOCKERFILE and 'ENTRYPOINT ["unconf-entrypoint"]' in DOCKERFILE
    assert "HEALTHCHECK" in run_stage and "/readyz" in run_stage


def test_the_image_holds_every_package_and_its_compiled_translations() -> None:
    """A package missing from the image fails only when the image is built: read it here, everywhere."""
    include = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = [pattern.rstrip("*") for pattern in include]
    assert "rhythm" in packages and "newsletter" in packages
    for package in packages:
        assert f"COPY {package} /src/{package}\n" in DOCKERFILE, f"the image does not copy {package}/"
    assert "pybabel --quiet compile -D unconf -d /src/unconf/locale" in DOCKERFILE


def test_compose_runs_postgres_redis_the_app_and_caddy_with_health_checks() -> None:
    compose = yaml.safe_load((REPO / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "app", "caddy"}
    assert all("healthcheck" in service for service in services.values())
    app = services["app"]
    assert app["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }
    assert app["environment"]["UNCONF_REDIS_URL"].startswith("redis://")
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in services["caddy"]["volumes"]


def test_every_locked_requirement_is_pinned_with_a_hash() -> None:
    for name in ("requirements.lock", "requirements-dev.lock"):
        text = (REPO / name).read_text()
        entries = re.findall(
            r"^([A-Za-z0-9_.\-]+)==([^\s\\]+) \\\n((?:\s+--hash=sha256:[0-9a-f]{64}.*\n)+)", text, re.M
        )
        names = {n.lower().replace("_", "-") for n, _, _ in entries}
        assert {"litestar", "piccolo", "prometheus-client", "uvicorn"} <= names, name
        requirement_lines = [line for line in text.splitlines() if re.match(r"^[A-Za-z0-9]", line)]
        assert len(requirement_lines) == len(entries), f"{name}: every requirement has its hashes"


def _docker_ready() -> str | None:
    if shutil.which("docker") is None:
        return "the docker command is not installed"
    info = subprocess.run(["docker", "info"], capture_output=True, timeout=30)
    if info.returncode != 0:
        return "no Docker daemon is reachable (docker info failed)"
    base = subprocess.run(["docker", "image", "inspect", "python:3.11-slim-bookworm"], capture_output=True, timeout=30)
    if base.returncode != 0:
        pulled = subprocess.run(["docker", "pull", "python:3.11-slim-bookworm"], capture_output=True, timeout=600)
        if pulled.returncode != 0:
            return "the base image python:3.11-slim-bookworm is not available"
    return None


def test_the_image_builds_where_docker_runs() -> None:
    why = _docker_ready()
    if why is not None:
        pytest.skip(f"image not built: {why}")
    tag = "unconf:test"
    built = subprocess.run(["docker", "build", "-t", tag, str(REPO)], capture_output=True, timeout=1800)
    assert built.returncode == 0, built.stderr.decode()[-4000:]
    user = subprocess.run(["docker", "run", "--rm", "--entrypoint", "id", tag, "-u"], capture_output=True, timeout=120)
    assert user.stdout.strip() not in (b"", b"0"), "not root"
    migrate = subprocess.run(
        ["docker", "run", "--rm", "--entrypoint", "unconf", tag, "migrate", "--quiet"], capture_output=True, timeout=300
    )
    assert migrate.returncode == 0, migrate.stderr.decode()
