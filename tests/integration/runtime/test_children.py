"""A process semcache starts (the embedded Redis, the local model's server) that cannot come up says why at
once: the port it could not have, or its exit code and its own last log lines, instead of a silent wait."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from semcache.errors import LaunchError
from semcache.local.llm import LocalLLMServer
from semcache.local.redis import EmbeddedRedis


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A loopback port something else listens on, for as long as the test runs."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield int(s.getsockname()[1])


async def test_the_embedded_redis_on_a_taken_port_says_so_before_starting(tmp_path: Path, taken_port: int) -> None:
    server = EmbeddedRedis(tmp_path / "redis", port=taken_port)
    with pytest.raises(LaunchError, match=f"port {taken_port} on 127.0.0.1 is already in use"):
        await server.start()
    assert server.pid is None  # nothing was started


async def test_an_embedded_redis_that_exits_says_its_exit_code_and_last_log_lines(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path / "redis", extra_args=["--no-such-directive", "1"])
    with pytest.raises(LaunchError) as failed:
        await server.start()
    message = failed.value.message
    assert "exited with code 1" in message and "no-such-directive" in message, message


@pytest.mark.llm
async def test_the_local_model_on_a_taken_port_says_so_before_starting(tmp_path: Path, taken_port: int) -> None:
    server = LocalLLMServer(log_dir=tmp_path, port=taken_port)
    with pytest.raises(LaunchError, match=f"port {taken_port} on 127.0.0.1 is already in use"):
        await server.start()


@pytest.mark.llm
async def test_a_local_model_server_that_exits_says_its_exit_code_and_last_log_lines(tmp_path: Path) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"not a GGUF file")
    server = LocalLLMServer(log_dir=tmp_path, model_path=broken, threads=1)
    with pytest.raises(LaunchError) as failed:
        await server.start()
    message = failed.value.message
    assert "local LLM server exited with code" in message and "broken.gguf" in message, message
