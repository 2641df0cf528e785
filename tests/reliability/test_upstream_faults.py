"""Upstream LLM faults on the gateway (test_ask.py covers /ask/stream): 429, 500, a timeout, a stream cut
mid-way and a client hanging up. Each gets a clear error (or a retry), nothing is stored, and afterwards
no task, flight, upstream call or connection is left behind."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.conftest import ServiceFactory
from tests.reliability.conftest import task_count
from tests.support.live import LiveServer
from tests.support.upstream import Upstream
from tests.support.wait import drained, eventually

FAULTS = [
    ("Busy [[status:429]]", 429, "llm_rate_limited"),
    ("Broken [[status:500]]", 502, "llm_error"),
    ("Slow [[sleep:3]]", 504, "llm_timeout"),
]


def chat(prompt: str, *, stream: bool = False) -> dict[str, object]:
    return {"model": "m", "messages": [{"role": "user", "content": prompt}], "stream": stream}


def tcp_states_to(port: int) -> list[str]:
    """States of this host's client sockets whose peer is 127.0.0.1:port (the service's upstream pool),
    read from /proc like `ss` would."""
    states = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        remote, state = fields[2], fields[3]
        host, _, rport = remote.partition(":")
        if host == "0100007F" and int(rport, 16) == port:
            states.append({"01": "ESTABLISHED", "08": "CLOSE_WAIT", "06": "TIME_WAIT"}.get(state, state))
    return states


async def settled(server: LiveServer, upstream: Upstream) -> None:
    """Wait until the service has nothing pending: stores, flights, upstream calls."""
    service = server.app.state.resources.service
    await drained(server)
    await eventually(
        lambda: not service.background and not len(service.flights) and not upstream.state.in_flight,
        what="the service settling (no background task, flight or upstream call left)",
    )


async def _at_most(server: LiveServer, tasks: int) -> bool:
    return await task_count(server) <= tasks


async def stored(c: httpx.AsyncClient, prompt: str) -> bool:
    r = await c.post("/cache/search", json={"prompt": prompt, "scope": {"model": "m"}})
    return bool(r.json()["hit"])


async def fault_round(c: httpx.AsyncClient, upstream: Upstream, round_no: int) -> None:
    for base, status, code in FAULTS:
        prompt = f"{base} round {round_no}"
        r = await c.post("/v1/chat/completions", json=chat(prompt))
        assert r.status_code == status and r.json()["error"]["code"] == code, r.text
        assert r.headers["x-semcache-status"] == "ERROR"
        async with c.stream("POST", "/v1/chat/completions", json=chat(prompt, stream=True)) as s:
            assert s.status_code == status, await s.aread()
    # A stream cut mid-way: the client already has 200 and some text, so the error arrives in-stream.
    async with c.stream("POST", "/v1/chat/completions", json=chat(f"Cut me off [[cut]] {round_no}", stream=True)) as s:
        body = (await s.aread()).decode()
    assert s.status_code == 200 and '"error"' in body and "[DONE]" not in body
    # A client that hangs up after the first chunk.
    prompt = f"Count slowly [[slowchunks:0.2]] {round_no}"
    async with c.stream("POST", "/v1/chat/completions", json=chat(prompt, stream=True)) as s:
        async for line in s.aiter_lines():
            if '"content"' in line:
                break
    await eventually(lambda: upstream.state.cancelled > round_no, what="the hang-up cancelling the upstream call")
    assert upstream.state.cancelled == round_no + 1


async def test_upstream_faults_give_clear_errors_store_nothing_and_leak_nothing(
    service_factory: ServiceFactory, upstream: Upstream
) -> None:
    server = service_factory(LLM_TIMEOUT_S=1)
    upstream_port = int(upstream.url.rsplit(":", 1)[1].split("/")[0])
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as c:
        await c.post("/v1/chat/completions", json=chat("Warm up the pools"))
        await settled(server, upstream)
        tasks_before = await task_count(server)

        await fault_round(c, upstream, 0)
        await settled(server, upstream)
        sockets_after_one = tcp_states_to(upstream_port).count("ESTABLISHED")
        for round_no in (1, 2):
            await fault_round(c, upstream, round_no)
        await settled(server, upstream)

        for round_no in range(3):
            for prompt, _, _ in FAULTS:
                assert not await stored(c, f"{prompt} round {round_no}"), prompt
            assert not await stored(c, f"Cut me off [[cut]] {round_no}")
            assert not await stored(c, f"Count slowly [[slowchunks:0.2]] {round_no}")
        # The handlers of the last responses retire on the server's loop after the client has them.
        await eventually(
            lambda: _at_most(server, tasks_before + 1), what="the server's tasks going back to where they were"
        )
        tasks_after = await task_count(server)
        states = tcp_states_to(upstream_port)

    assert tasks_after <= tasks_before + 1, (tasks_before, tasks_after)  # +1: the counting task itself
    assert "CLOSE_WAIT" not in states, states  # a connection the upstream closed that we never did
    # Open connections do not grow with each round of faults (closed ones linger in TIME_WAIT: not ours).
    assert states.count("ESTABLISHED") <= max(sockets_after_one, 1) + 2, (sockets_after_one, states)


async def test_transient_500s_are_retried_and_the_answer_stored(
    service_factory: ServiceFactory, upstream: Upstream
) -> None:
    server = service_factory(LLM_MAX_RETRIES=2)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as c:
        r = await c.post("/v1/chat/completions", json=chat("Flaky twice [[fail:2]]"))
        assert r.status_code == 200 and r.headers["x-semcache-status"] == "MISS"
        assert upstream.state.calls_for("Flaky twice") == 3
        await settled(server, upstream)
        assert await stored(c, "Flaky twice [[fail:2]]")


async def test_a_hang_up_does_not_poison_the_next_identical_request(
    service_factory: ServiceFactory, upstream: Upstream
) -> None:
    """Regression: the leader's flight stayed registered after its client hung up, and every later
    identical request followed the dead stream: 200 with empty content, forever, no upstream call."""
    server = service_factory()
    prompt = "Count slowly to five please [[slowchunks:0.1]]"
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as c:
        async with c.stream("POST", "/v1/chat/completions", json=chat(prompt, stream=True)) as s:
            async for line in s.aiter_lines():
                if '"content"' in line:
                    break
        await settled(server, upstream)
        r = await c.post("/v1/chat/completions", json=chat(prompt))
    assert (
        r.status_code == 200
        and r.json()["choices"][0]["message"]["content"] == "Answer to: Count slowly to five please"
    )
    assert upstream.state.calls_for("Count slowly") == 2
