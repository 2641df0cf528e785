"""The default path, as a new user meets it: `semcache serve` in an empty folder with no configuration at
all (embedded Redis, local embedder, local model, all started by the service itself), then the curl examples
of README.md and of the docs pages that hold runnable ones (tests/support/readme.py: PAGES), exactly as they
are written, page after page in page order, each checked against the output the page shows under it
(tests/support/readme.py says how a shown output reads).

The only change to a command is the address: localhost:8000 becomes this test's free port.

It runs the source tree this test process imported (`python -m semcache.cli` with that tree on PYTHONPATH,
tests/support/served.py), not whatever `.venv/bin/semcache` was installed from: a tree under test (a planted
bug, another checkout) is what it checks.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator

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
from tests.support.served import Served, clean_env, tree_command

# The start-up bound below stays inside this test's own timeout, so a service that never comes up fails
# with its log instead of being cut off by pytest-timeout.
pytestmark = [pytest.mark.llm, pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("zero-config")
    command, tree = tree_command()
    # An empty cache folder, as on a fresh machine: the first start converts the embedder.
    env = clean_env(XDG_CACHE_HOME=str(folder / "cache"), **tree)
    server = Served(folder, [*command, "serve", "--port", str(port := free_port())], port=port, env=env)
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
    lines = [line for line in served.text().splitlines() if line.strip()]
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
