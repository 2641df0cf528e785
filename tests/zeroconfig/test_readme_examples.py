"""The default path, as a new user meets it: `semcache serve` in an empty folder with no configuration at
all (embedded Redis, local embedder, local model, all started by the service itself), then the curl examples
of README.md and of the docs pages that hold runnable ones (tests/support/readme.py: PAGES), exactly as they
are written, page after page in page order, each checked against the output the page shows under it
(tests/support/readme.py says how a shown output reads).

The only change to a command is the address: localhost:8000 becomes this test's free port.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from semcache.local.process import free_port
from tests.support.readme import (
    Example,
    documented_examples,
    in_order,
    mismatches,
    parse_shown_json,
    shown_events,
    sse_event_names,
)

# The start-up bound below stays inside this test's own timeout, so a service that never comes up fails
# with its log instead of being cut off by pytest-timeout.
pytestmark = [pytest.mark.llm, pytest.mark.timeout(600)]

# The console script beside the interpreter running the tests (.venv/bin/semcache under make test).
SEMCACHE = Path(sys.executable).parent / "semcache"
START_TIMEOUT_S = 240.0  # a cold machine converts the int8 model and loads the GGUF on 2 shared cores


def clean_env(**extra: str) -> dict[str, str]:
    """Only what any shell has: no REDIS_URL, no LLM settings, nothing of the test run's own."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "USER")
    return {**{k: v for k, v in os.environ.items() if k in keep}, **extra}


class Served:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.log = folder / "serve.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [str(SEMCACHE), "serve", "--port", str(self.port)],
                cwd=self.folder,
                # An empty cache folder, as on a fresh machine: the first start converts the embedder.
                env=clean_env(XDG_CACHE_HOME=str(self.folder / "cache")),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"semcache serve exited:\n{self.log.read_text()[-3000:]}"
            try:  # serving at all (a degraded /health is the quick start example's to catch, with its output)
                httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=2)
                return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"semcache serve did not answer HTTP in {START_TIMEOUT_S:.0f} s:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    server = Served(tmp_path_factory.mktemp("zero-config"))
    try:
        server.start()
        yield server
    finally:
        server.stop()


def run(example: Example, port: int) -> str:
    done = subprocess.run(
        ["bash", "-c", example.for_port(port)],
        capture_output=True,
        text=True,
        timeout=300,
        env=clean_env(),
        check=False,
    )
    assert done.returncode == 0, (example.command, done.returncode, done.stderr[-2000:])
    return done.stdout


def check(example: Example, output: str) -> None:
    if example.shown.startswith("event:"):
        names = sse_event_names(output)
        assert in_order(shown_events(example.shown), names), (example.command, names)
        return
    actual = json.loads(output)
    if example.shown:
        wrong = mismatches(parse_shown_json(example.shown), actual)
        assert not wrong, f"{example.command}\nthe page shows: {example.shown}\ngot: {output[:1500]}\n" + "\n".join(
            wrong
        )
    else:  # no output shown: it must at least be an answer, not an error
        assert isinstance(actual, dict) and "error" not in actual, (example.command, output[:1500])
        assert all(v is not None for v in actual.values()), (example.command, output[:1500])


def test_the_documented_examples_run_as_written_on_a_service_with_no_configuration(served: Served) -> None:
    found = documented_examples()
    paths = {e.command.split("localhost:8000", 1)[1].split()[0].split("?")[0].strip("'") for e in found}
    # The blocks this test reads (README: quick start and use; api.md: entries and invalidation; ui.md: the
    # calculator); losing one is a failure.
    readme = {"/health", "/cache/store", "/cache/search", "/ask", "/ask/stream"}
    api = {"/cache/entries", "/cache/generations", "/cache/clear"}
    assert readme | api | {"/calculator/estimate"} <= paths, paths
    for tool in ("curl", "jq"):
        assert shutil.which(tool), f"the documented examples need {tool}"
    for example in found:
        check(example, run(example, served.port))
    # Everything ran inside the empty folder: the embedded Redis keeps its data in .semcache/redis.
    assert (served.folder / ".semcache" / "redis").is_dir()


def test_the_first_start_prints_only_semcache_lines(served: Served) -> None:
    """No third-party chatter (onnxruntime's quantizer logged ~48 INFO lines here once): every line is
    semcache's own, and the one-off model conversion says so in exactly one line."""
    lines = [line for line in served.log.read_text().splitlines() if line.strip()]
    foreign = [line for line in lines if not _ours(line)]
    assert not foreign, "\n".join(foreign[:20])
    converted = [line for line in lines if "converted the embedding model to int8" in line]
    assert len(converted) == 1, lines


def _ours(line: str) -> bool:
    if line.startswith("semcache: "):
        return True
    try:
        record = json.loads(line)
    except ValueError:
        return False
    return isinstance(record, dict) and str(record.get("logger", "")).startswith("semcache")
