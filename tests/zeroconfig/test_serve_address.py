"""The address semcache serves on, as the README tells a user to choose it: `make run PORT=...`, and
`semcache serve` with PORT and HOST in the environment (containers and PaaS set them). semcache's own
/health must answer on that port, and the processes it starts (the local model, the embedded Redis) must
listen on loopback only, whatever PORT/HOST said: make exports its command-line variables, and the local
model's server reads PORT and HOST from its environment over its flags (issue 32)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from semcache.local.process import free_port
from tests.support.served import REPOSITORY, Served, clean_env, tree_command
from tests.support.sockets import Process, descendants

pytestmark = [pytest.mark.llm, pytest.mark.timeout(600)]


@pytest.fixture
def started() -> Iterator[list[Served]]:
    """Stops what a test started, whether it passed or not."""
    servers: list[Served] = []
    try:
        yield servers
    finally:
        for server in servers:
            server.stop()


def start(servers: list[Served], server: Served) -> Served:
    servers.append(server)
    server.start()
    return server


def children(server: Served) -> tuple[Process, Process, Process]:
    """semcache serve (the parent of the other two), its local model server and its embedded Redis."""
    assert server.process is not None
    tree = descendants(server.process.pid)

    def one(fragment: str) -> Process:
        found = [p for p in tree if fragment in p.cmdline]
        assert len(found) == 1, (fragment, tree)
        return found[0]

    model, redis = one("llama_cpp.server"), one("redis-server")
    root = Process(server.process.pid, 0, " ".join(server.command))  # semcache itself, unless make started it
    serve = [p for p in [root, *tree] if p.pid == model.parent]
    assert serve and redis.parent == model.parent, tree
    return serve[0], model, redis


def check_children_on_loopback(server: Served) -> None:
    _, model, redis = children(server)
    for child in (model, redis):
        listens = child.listens()
        assert listens, f"{child.cmdline} listens nowhere"
        assert all(host == "127.0.0.1" for host, _ in listens), (child.cmdline, listens)
        assert all(port != server.port for _, port in listens), (child.cmdline, listens)


def test_make_run_with_port_serves_semcache_there_and_its_children_on_loopback(
    tmp_path: Path, started: list[Served]
) -> None:
    """README: "`make run HOST=0.0.0.0 PORT=8080` changes the address" (PORT alone here: the host stays
    loopback). `-o .venv/.stamps/run` only keeps make from reinstalling what this test runs from."""
    if Path(sys.executable).parent != REPOSITORY / ".venv" / "bin":
        pytest.skip("make run serves from the repository's .venv, which is not the one running these tests")
    port = free_port()
    command = ["make", "--no-print-directory", "-o", ".venv/.stamps/run", "run", f"PORT={port}"]
    env = clean_env(SEMCACHE_DATA_DIR=str(tmp_path / "data"))
    server = start(started, Served(tmp_path, command, port=port, env=env, cwd=REPOSITORY))
    serve, _, _ = children(server)
    assert serve.listens() == [("127.0.0.1", port)]
    check_children_on_loopback(server)
    assert f"starting on http://127.0.0.1:{port}" in server.text()


def test_serve_takes_port_and_host_from_the_environment_and_keeps_its_children_on_loopback(
    tmp_path: Path, started: list[Served]
) -> None:
    port = free_port()
    command, tree = tree_command()
    env = clean_env(PORT=str(port), HOST="0.0.0.0", **tree)  # what a container sets
    server = start(started, Served(tmp_path, [*command, "serve"], port=port, env=env))
    serve, _, _ = children(server)
    assert serve.listens() == [("0.0.0.0", port)]
    check_children_on_loopback(server)
    assert (
        f"starting on http://0.0.0.0:{port} (host from HOST in the environment, port from PORT in the environment)"
        in server.text()
    )


@pytest.mark.parametrize(
    ("variables", "flags"),
    [
        ({}, ""),
        ({"PORT": "8080"}, " --port 8080"),
        ({"HOST": "0.0.0.0", "PORT": "8080"}, " --host 0.0.0.0 --port 8080"),
    ],
)
def test_make_run_passes_only_the_address_it_was_given(variables: dict[str, str], flags: str) -> None:
    """Without HOST/PORT, `make run` leaves them to `semcache serve` (the environment, .env, or 127.0.0.1:8000),
    as the README's quick start runs it; given on the command line or in the environment, they become flags."""
    for how in ("command line", "environment"):
        args = [f"{k}={v}" for k, v in variables.items()] if how == "command line" else []
        env = clean_env(**variables) if how == "environment" else clean_env()
        dry = ["make", "--no-print-directory", "-n", "-o", ".venv/.stamps/run", "run", *args]
        done = subprocess.run(dry, cwd=REPOSITORY, env=env, capture_output=True, text=True, check=True)
        assert done.stdout.split() == f".venv/bin/semcache serve{flags}".split(), (how, done.stdout)
