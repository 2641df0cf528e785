"""A minimal asyncio HTTP/1.1 keep-alive client for the load generator.

Why not httpx: on a 2-core machine the client competes with the server for CPU, and httpx spends several
times more CPU per request than this (pooling, header models, decoding). What is measured here is the
server; the client should cost as little as possible. It only speaks what the benchmark needs: POST of a
JSON body, a Content-Length or chunked response, and the time the first body byte arrived (for TTFT).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    first_byte_s: float  # perf_counter when the first body chunk with content arrived
    done_s: float


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None or self._writer.is_closing():
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        return self._reader, self._writer

    async def post(self, path: str, body: bytes, *, first_marker: bytes = b"") -> Reply:
        """POST and read the whole reply. `first_marker`: the first body byte that counts for first_byte_s
        is the one that completes this marker (e.g. a content delta in an SSE stream)."""
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        reused = self._writer is not None
        reader, writer = await self._open()
        writer.write(head + body)
        status_line = await reader.readline()
        if not status_line and reused:
            # The server closed this idle keep-alive connection (uvicorn does after 5 s; on a loaded machine a
            # pool connection can sit that long): send once more on a new one, as HTTP clients do.
            await self.close()
            reader, writer = await self._open()
            writer.write(head + body)
            status_line = await reader.readline()
        if not status_line:
            await self.close()
            raise ConnectionError("server closed the connection")
        status = int(status_line.split()[1])
        headers: dict[str, str] = {}
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        first = 0.0
        if "content-length" in headers:
            data = await reader.readexactly(int(headers["content-length"]))
            first = time.perf_counter()
        else:
            parts: list[bytes] = []
            while True:
                size = int((await reader.readline()).strip() or b"0", 16)
                if size == 0:
                    await reader.readline()
                    break
                chunk = await reader.readexactly(size + 2)
                parts.append(chunk[:-2])
                if not first and (not first_marker or first_marker in b"".join(parts)):
                    first = time.perf_counter()
            data = b"".join(parts)
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return Reply(status, headers, data, first, time.perf_counter())

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            try:
                await self._writer.wait_closed()
            except (ConnectionError, OSError):
                pass
        self._reader = self._writer = None
