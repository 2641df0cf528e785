"""Warming and moving a cache: POST /cache/import, GET /cache/export and the `semcache import` / `export`
commands, against live services on the real embedded Redis (each service its own prefix: another 'instance')."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from semcache.cli import build_parser
from semcache.transfer_cli import run_export, run_import
from tests.conftest import ServiceFactory
from tests.support.live import LiveServer

FRANCE = "What is the capital of France?"
ADMIN = {"Authorization": "Bearer admin-key-1"}
ACME = {"Authorization": "Bearer key-aaaaaaaa"}
KEYS = {"SEMCACHE_API_KEYS": "key-aaaaaaaa=acme,key-bbbbbbbb=globex", "SEMCACHE_ADMIN_KEY": "admin-key-1"}


@pytest.fixture
async def client(service: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=service.url, timeout=60) as c:
        yield c


def jsonl(*rows: object) -> bytes:
    return "\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows).encode()


async def do_import(c: httpx.AsyncClient, body: bytes, headers: dict[str, str] | None = None) -> dict[str, object]:
    r = await c.post("/cache/import", content=body, headers={"content-type": "application/x-ndjson", **(headers or {})})
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def export(c: httpx.AsyncClient, headers: dict[str, str] | None = None, **params: str) -> list[dict[str, object]]:
    r = await c.get("/cache/export", params=params, headers=headers)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson"), r.text
    return [json.loads(line) for line in r.text.splitlines()]


async def test_import_reports_bad_lines_and_stores_good_ones(client: httpx.AsyncClient) -> None:
    body = jsonl(
        {"prompt": FRANCE, "response": "Paris.", "tags": ["docs-v1"], "scope": {"namespace": "geo"}, "ttl": 600},
        "{not json",
        {"prompt": "Who wrote Hamlet?"},
        {"prompt": "x", "response": "y", "tags": ["a} | @tenant:{*"]},
        {"prompt": "x", "response": "y", "scope": {"color": "red"}},
        {"prompt": "x", "response": "y", "sorce": "typo"},
        "",
        {"prompt": "How tall is Mount Everest?", "response": "8,849 m"},
    )
    report = await do_import(client, body)
    assert report["imported"] == 2 and report["reembedded"] == 2 and report["vectors_reused"] == 0
    refused = {r["line"]: r["reason"] for r in report["refused"]}  # type: ignore[attr-defined]
    assert sorted(refused) == [2, 3, 4, 5, 6]
    assert "json" in refused[2].lower() and "response" in refused[3] and "tag" in refused[4]
    assert "color" in refused[5] and "sorce" in refused[6]
    hit = (
        await client.post("/cache/search", json={"prompt": "What is France's capital?", "scope": {"namespace": "geo"}})
    ).json()
    assert hit["hit"] and hit["match"]["response"] == "Paris."
    page = (await client.get("/cache/entries", params={"tag": "docs-v1"})).json()
    assert page["total"] == 1 and 0 < page["entries"][0]["ttl_s"] <= 600
    r = await client.post("/cache/import", content=b"\xff\xfe", headers={"content-type": "application/x-ndjson"})
    assert r.status_code == 422
    r = await client.post("/cache/import", content=jsonl(*[{"prompt": "p", "response": "r"}] * 1001))
    assert r.status_code == 422 and "1000" in r.json()["error"]["message"]


async def test_export_then_import_moves_a_cache_with_or_without_vectors(
    client: httpx.AsyncClient, service_factory: ServiceFactory
) -> None:
    await do_import(
        client,
        jsonl(*[{"prompt": f"What is {n} plus {n}?", "response": str(2 * n), "tags": ["math"]} for n in range(30)]),
    )
    plain = await export(client)
    with_vectors = await export(client, vectors="true")
    assert len(plain) == 30 and "embedding" not in plain[0] and len(with_vectors[0]["embedding"]) == 384  # type: ignore[arg-type]
    assert plain[0]["tags"] == ["math"] and plain[0]["embedder"] == with_vectors[0]["embedder"]
    other = service_factory()  # another Redis prefix: another instance
    async with httpx.AsyncClient(base_url=other.url, timeout=60) as c2:
        report = await do_import(c2, "\n".join(json.dumps(line) for line in with_vectors).encode())
        assert report["imported"] == 30 and report["vectors_reused"] == 30 and report["reembedded"] == 0
        hit = (await c2.post("/cache/search", json={"prompt": "What is 7 plus 7?"})).json()
        assert hit["hit"] and hit["match"]["response"] == "14"
        # Vectors of another embedder are not reused: the prompt is embedded again.
        foreign = [{**line, "embedder": "some-other-model-384"} for line in with_vectors[:5]]
        report = await do_import(c2, "\n".join(json.dumps(line) for line in foreign).encode())
        assert report["reembedded"] == 5 and report["vectors_reused"] == 0


async def test_import_keeps_each_lines_metadata(client: httpx.AsyncClient) -> None:
    metadata = {"source": "faq", "_feedback": {"right": 2, "wrong": 1, "bar": 0.97, "obs": [[0.97, 0], [0.99, 1]]}}
    report = await do_import(client, jsonl({"prompt": FRANCE, "response": "Paris.", "metadata": metadata}))
    assert report["imported"] == 1
    [line] = await export(client)
    assert line["metadata"] == metadata
    detail = (await client.get(f"/cache/entries/{line['id']}")).json()
    assert detail["metadata"] == metadata


async def test_an_export_import_round_trip_keeps_the_feedback_in_metadata(
    client: httpx.AsyncClient, service_factory: ServiceFactory
) -> None:
    """The learned per-entry evidence (feedback reports, in metadata) moves with the cache."""
    stored = (await client.post("/cache/store", json={"prompt": FRANCE, "response": "Paris."})).json()
    r = await client.post("/cache/feedback", json={"id": stored["id"], "correct": False, "similarity": 0.96})
    assert r.status_code == 200, r.text
    [line] = await export(client, vectors="true")
    assert line["metadata"]["_feedback"]["wrong"] == 1  # type: ignore[index]
    other = service_factory()  # another Redis prefix: another instance
    async with httpx.AsyncClient(base_url=other.url, timeout=60) as c2:
        assert (await do_import(c2, jsonl(line)))["imported"] == 1
        [moved] = await export(c2, vectors="true")
    assert moved["metadata"] == line["metadata"]


async def test_tenants_import_and_export_only_their_own(service_factory: ServiceFactory) -> None:
    server = service_factory(**KEYS)
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as c:
        body = jsonl(
            {"prompt": FRANCE, "response": "acme's Paris"},
            {"prompt": FRANCE, "response": "globex's Paris", "scope": {"tenant": "globex"}},
        )
        report = await do_import(c, body, ACME)
        assert report["imported"] == 1 and "another tenant" in report["refused"][0]["reason"]  # type: ignore[index]
        report = await do_import(c, body, ADMIN)  # the admin keeps each line's tenant (default: its own)
        assert report["imported"] == 2
        mine = await export(c, ACME)
        assert [line["response"] for line in mine] == ["acme's Paris"]
        assert {line["scope"]["tenant"] for line in await export(c, ADMIN)} == {"acme", "globex", "default"}  # type: ignore[index]
        assert len(await export(c, ADMIN, tenant="globex")) == 1
        r = await c.get("/cache/export", params={"tenant": "globex"}, headers=ACME)
        assert r.status_code == 403
        assert (await c.get("/cache/export")).status_code == 401


async def test_cli_import_shows_progress_and_reports_refused_lines(
    client: httpx.AsyncClient, service: LiveServer, tmp_path: Path
) -> None:
    source = tmp_path / "warm.jsonl"
    rows = [json.dumps({"prompt": f"Question number {n}?", "response": f"Answer {n}."}) for n in range(25)]
    rows.insert(10, '{"prompt": "broken"')
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    args = build_parser().parse_args(["import", str(source), "--url", service.url, "--batch", "7"])
    progress = io.StringIO()
    assert await run_import(args, source.read_text().splitlines(), progress) == 3  # 3: some lines were refused
    text = progress.getvalue()
    assert "26/26 lines" in text and "imported 25 entries" in text and "line 11:" in text
    out = io.BytesIO()
    args = build_parser().parse_args(["export", "--url", service.url, "--vectors"])
    assert await run_export(args, out, io.StringIO()) == 0
    lines = out.getvalue().decode().splitlines()
    assert len(lines) == 25 and "embedding" in json.loads(lines[0])


async def test_cli_import_splits_batches_the_server_finds_too_large(
    service_factory: ServiceFactory, tmp_path: Path
) -> None:
    source = service_factory()
    target = service_factory(MAX_BODY_BYTES=20_000)
    async with httpx.AsyncClient(base_url=source.url, timeout=60) as c:
        await do_import(c, jsonl(*[{"prompt": f"What is {n} times {n}?", "response": str(n * n)} for n in range(12)]))
    out = io.BytesIO()
    args = build_parser().parse_args(["export", "--url", source.url, "--vectors"])
    assert await run_export(args, out, io.StringIO()) == 0
    dump = tmp_path / "dump.jsonl"
    dump.write_bytes(out.getvalue())
    assert len(out.getvalue()) > 20_000  # one request would be refused with 413
    args = build_parser().parse_args(["import", str(dump), "--url", target.url, "--max-bytes", "100000000"])
    progress = io.StringIO()
    assert await run_import(args, dump.read_text().splitlines(), progress) == 0, progress.getvalue()
    assert "imported 12 entries (0 embedded here), refused 0" in progress.getvalue()
    async with httpx.AsyncClient(base_url=target.url, timeout=60) as c:
        hit = (await c.post("/cache/search", json={"prompt": "What is 7 times 7?"})).json()
        assert hit["hit"] and hit["match"]["response"] == "49"
