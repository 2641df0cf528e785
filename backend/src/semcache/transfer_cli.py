"""`semcache import FILE.jsonl` and `semcache export`: clients of a running semcache's /cache/import and
/cache/export, so tenant rules, embedding and the index are the server's own. Import sends batches of lines,
shows progress on stderr and ends with a report of every refused line (numbered as in the file)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import IO, Any

import httpx

from semcache.transfer import MAX_LINES

__all__ = ["register", "run_export", "run_import"]

KEY_ENV = "SEMCACHE_KEY"


def _client(args: Any) -> httpx.AsyncClient:
    key = args.key or os.environ.get(KEY_ENV)
    headers = {"authorization": f"Bearer {key}"} if key else {}
    return httpx.AsyncClient(base_url=args.url.rstrip("/"), headers=headers, timeout=args.timeout)


def _progress(done: int, total: int, imported: int, refused: int, out: IO[str]) -> None:
    width = 30
    filled = width * done // max(total, 1)
    bar = "#" * filled + "-" * (width - filled)
    out.write(f"\r[{bar}] {done}/{total} lines, {imported} imported, {refused} refused")
    out.flush()


def _batches(lines: list[str], size: int, max_bytes: int) -> list[tuple[int, list[str]]]:
    """(first line number - 1, lines) per request: at most `size` lines and about `max_bytes` (the server's
    MAX_BODY_BYTES is 1 MB by default; an export with vectors is ~4 KB a line)."""
    batches: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start, used = 0, 0
    for number, line in enumerate(lines):
        cost = len(line.encode()) + 1
        if current and (len(current) >= size or used + cost > max_bytes):
            batches.append((start, current))
            start, current, used = number, [], 0
        current.append(line)
        used += cost
    if current:
        batches.append((start, current))
    return batches


async def _send(
    client: httpx.AsyncClient, offset: int, batch: list[str]
) -> tuple[list[dict[str, Any]], httpx.Response | None]:
    """Import one batch: (a report per request sent, the failing response if one failed). A batch the server
    finds too large (413) is split in two and sent again, down to single lines."""
    r = await client.post(
        "/cache/import", content="\n".join(batch).encode(), headers={"content-type": "application/x-ndjson"}
    )
    if r.status_code == 413 and len(batch) > 1:
        half = len(batch) // 2
        first, failed = await _send(client, offset, batch[:half])
        if failed is not None:
            return first, failed
        second, failed = await _send(client, offset + half, batch[half:])
        return first + second, failed
    if r.status_code != 200:
        return [], r
    report = r.json()
    report["offset"] = offset
    return [report], None


async def run_import(args: Any, lines: list[str], out: IO[str]) -> int:
    imported, refused, reembedded = 0, [], 0
    async with _client(args) as client:
        for offset, batch in _batches(lines, args.batch, args.max_bytes):
            reports, failed = await _send(client, offset, batch)
            for report in reports:
                imported += report["imported"]
                reembedded += report["reembedded"]
                refused += [(report["offset"] + item["line"], item["reason"]) for item in report["refused"]]
            if failed is not None:
                out.write(f"\nsemcache import: the server refused lines {offset + 1}-{offset + len(batch)}: "
                          f"HTTP {failed.status_code} {failed.text[:300]}\n")  # fmt: skip
                return 1
            _progress(offset + len(batch), len(lines), imported, len(refused), out)
    out.write(f"\nimported {imported} entries ({reembedded} embedded here), refused {len(refused)}\n")
    for number, reason in refused:
        out.write(f"  line {number}: {reason}\n")
    return 0 if not refused else 3


async def run_export(args: Any, target: IO[bytes], out: IO[str]) -> int:
    params: dict[str, str] = {"vectors": "true" if args.vectors else "false"}
    if args.tenant:
        params["tenant"] = args.tenant
    count = 0
    async with _client(args) as client, client.stream("GET", "/cache/export", params=params) as r:
        if r.status_code != 200:
            out.write(f"semcache export: HTTP {r.status_code} {(await r.aread())[:300]!r}\n")
            return 1
        async for line in r.aiter_lines():
            if line.startswith('{"error"'):  # the server could not finish (Redis failed mid-export)
                out.write(f"semcache export: {line}\nexported {count} entries before the failure\n")
                return 1
            if line:
                target.write(line.encode() + b"\n")
                count += 1
    out.write(f"exported {count} entries\n")
    return 0


def _import(args: Any) -> int:
    lines = Path(args.file).read_text(encoding="utf-8").splitlines()
    return asyncio.run(run_import(args, lines, sys.stderr))


def _export(args: Any) -> int:
    if args.output is None:
        return asyncio.run(run_export(args, sys.stdout.buffer, sys.stderr))
    with open(args.output, "wb") as target:
        return asyncio.run(run_export(args, target, sys.stderr))


def register(sub: Any) -> None:  # argparse's _SubParsersAction is private API; its type is not exported
    def common(p: Any) -> None:
        p.add_argument("--url", default="http://127.0.0.1:8000", help="the semcache server (default %(default)s)")
        p.add_argument("--key", help=f"API key (default ${KEY_ENV}; none for an open server)")
        p.add_argument("--timeout", type=float, default=300.0, help="seconds per request")

    imp = sub.add_parser("import", help="warm the cache from a JSONL file (prompt, response, scope, tags, ttl)")
    imp.add_argument("file", type=Path)
    imp.add_argument("--batch", type=int, default=500, choices=range(1, MAX_LINES + 1), metavar=f"1..{MAX_LINES}",
                     help="lines per request (default 500)")  # fmt: skip
    imp.add_argument("--max-bytes", type=int, default=900_000, help="bytes per request (default 900000; "
                     "below the server's MAX_BODY_BYTES)")  # fmt: skip
    common(imp)
    imp.set_defaults(func=_import)
    exp = sub.add_parser("export", help="write every entry as JSONL (to move a cache between Redis or embedders)")
    exp.add_argument("-o", "--output", type=Path, help="file (default stdout)")
    exp.add_argument(
        "--vectors", action="store_true", help="include embeddings (reused on import by the same embedder)"
    )
    exp.add_argument("--tenant", help="admin: one tenant only")
    common(exp)
    exp.set_defaults(func=_export)
