"""A small SSE reader for tests: (event, data, arrival time) from an httpx streaming response."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx


@dataclass
class Event:
    name: str
    data: dict[str, object]
    at: float


async def events(response: httpx.Response) -> AsyncIterator[Event]:
    name, data = "message", list[str]()
    async for line in response.aiter_lines():
        if line == "":
            if data:
                payload = "\n".join(data)
                yield Event(
                    name, json.loads(payload) if payload.startswith("{") else {"raw": payload}, time.perf_counter()
                )
            name, data = "message", []
        elif line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())


async def collect(client: httpx.AsyncClient, path: str, body: dict[str, object], **kwargs: object) -> list[Event]:
    async with client.stream("POST", path, json=body, **kwargs) as response:  # type: ignore[arg-type]
        assert response.status_code == 200, await response.aread()
        return [e async for e in events(response)]
