"""The container image: a slim Python base, a non-root user, the state and outputs folders as volumes,
`briefing schedule` by default. The Dockerfile is read with Docker's own parser (the `dockerfile` package), so
this runs without a Docker engine; where an engine answers, the image is also built and run."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Iterator
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath

import dockerfile
import pytest

from briefing.config import Settings

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = dockerfile.parse_file(str(ROOT / "Dockerfile"))
FINAL = COMMANDS[max(i for i, c in enumerate(COMMANDS) if c.cmd == "FROM") :]  # the image's own stage


def instructions(name: str) -> list[dockerfile.Command]:
    return [command for command in FINAL if command.cmd == name]


def env() -> dict[str, str]:
    values = [v for command in instructions("ENV") for v in command.value]
    return dict(zip(values[::2], values[1::2], strict=True))


def test_the_image_starts_from_a_slim_python_of_the_supported_version() -> None:
    assert FINAL[0].value[0] == "python:3.11-slim"


def test_the_image_runs_as_an_unprivileged_user() -> None:
    users = instructions("USER")
    assert users and users[-1].value[0] not in ("root", "0")
    assert FINAL.index(users[-1]) < FINAL.index(instructions("ENTRYPOINT")[0])


def test_state_and_outputs_are_volumes_where_the_default_config_puts_them() -> None:
    folder = PurePosixPath(env()["BRIEFING_CONFIG"]).parent
    defaults = Settings()
    expected = {str(folder / PurePosixPath(defaults.database).parent), str(folder / defaults.outputs)}
    assert set(instructions("VOLUME")[0].value) == expected


def test_the_default_command_is_briefing_schedule_in_exec_form() -> None:
    entry, command = instructions("ENTRYPOINT")[-1], instructions("CMD")[-1]
    assert (entry.json, command.json, entry.value + command.value) == (True, True, ("briefing", "schedule"))


def ignored(path: str, patterns: list[str]) -> bool:
    return any(fnmatch(path, pattern) or path.startswith(pattern.rstrip("/") + "/") for pattern in patterns)


def test_every_file_copied_into_the_image_exists_and_is_in_the_build_context() -> None:
    patterns = [line for line in (ROOT / ".dockerignore").read_text().splitlines() if line and line[0] != "#"]
    sources = [s for c in COMMANDS if c.cmd == "COPY" and not c.flags for s in c.value[:-1]]
    assert [s for s in sources if not (ROOT / s).exists() or ignored(s.rstrip("/"), patterns)] == []
    assert all(ignored(secret, patterns) for secret in (".git", ".venv", "feeds.yaml", "briefing.env", "state"))


def docker_engine() -> str | None:
    """Why the image cannot be built here, or None when a Docker engine answers."""
    if shutil.which("docker") is None:
        return "no docker client"
    info = subprocess.run(["docker", "info"], capture_output=True, text=True, check=False)
    return None if info.returncode == 0 else f"no Docker engine answers ({info.stderr.strip().splitlines()[-1]})"


@pytest.fixture(scope="module")
def image() -> Iterator[str]:
    reason = docker_engine()
    if reason:
        pytest.skip(f"the image is not built: {reason}; the Dockerfile is checked by the tests above")
    tag = f"briefing-test:{uuid.uuid4().hex[:12]}"
    subprocess.run(["docker", "build", "--quiet", "--tag", tag, str(ROOT)], check=True, capture_output=True)
    yield tag
    subprocess.run(["docker", "image", "rm", "--force", tag], check=False, capture_output=True)


@pytest.mark.slow
def test_the_built_image_runs_briefing_as_a_non_root_user(image: str) -> None:
    version = subprocess.run(["docker", "run", "--rm", image, "--version"], capture_output=True, text=True)
    user = subprocess.run(["docker", "run", "--rm", "--entrypoint", "id", image, "-u"], capture_output=True, text=True)
    assert (version.returncode, "briefing" in version.stdout, user.stdout.strip() != "0") == (0, True, True)
