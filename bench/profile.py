"""Where a semantic hit's time goes in the service process, from a py-spy sampling profile.

py-spy samples every active thread (idle ones are left out), so shares are of busy thread-time: the
embedder's worker thread and the event loop thread both count. Each stack is charged to the innermost
frame of a known library; the event loop only gets stacks nothing more specific claims.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

CATEGORIES = (
    ("embedding (onnxruntime + tokenizer)", ("onnxruntime", "tokenizers", "embeddings/local.py")),
    ("embedding hand-off (model threads' queue)", ("embeddings/workers.py", "embeddings/batching.py")),
    ("redis client (redis-py)", ("redis/",)),
    ("pydantic (validation, JSON)", ("pydantic",)),
    ("HTTP server (uvicorn, h11/httptools)", ("uvicorn", "h11", "httptools")),
    ("framework (fastapi, starlette)", ("fastapi", "starlette")),
    ("event loop (asyncio / uvloop)", ("asyncio", "uvloop", "selectors")),
    ("semcache own code", ("semcache/",)),
)
LOOP = "event loop (asyncio / uvloop)"
LOOP_C = ("Runner.run (asyncio/runners.py", "run_until_complete", "run_forever")
#: Innermost frames of a thread that is waiting, not working. py-spy's own idle detection missed these
#: here (thread-pool workers parked on a Condition), so they are dropped before shares are taken.
IDLE = (
    "Condition.wait",
    "_worker (concurrent/futures/thread.py",
    "select (selectors.py",
    "Event.wait",
    "_wait_for_work (",  # an embedder model thread with nothing queued
)


def _label(frames: list[str]) -> str:
    if any(marker in frames[-1] for marker in LOOP_C):  # inside uvloop's C code: I/O or waiting, not Python
        return LOOP
    # The event loop is on every stack of the loop thread: it only gets what nothing more specific claims.
    for loop_pass in (False, True):
        for frame in reversed(frames):
            for name, keys in CATEGORIES:
                if (name == LOOP) == loop_pass and any(k in frame for k in keys):
                    return name
    return "other"


def categorize(collapsed: str) -> dict[str, float]:
    """Pure: py-spy's raw (collapsed) output -> share of samples per category, in percent."""
    counts: Counter[str] = Counter()
    for line in collapsed.splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack or not n.isdigit():
            continue
        frames = stack.split(";")
        if any(marker in frames[-1] for marker in IDLE):
            continue
        counts[_label(frames)] += int(n)
    total = sum(counts.values()) or 1
    return {k: round(100.0 * v / total, 1) for k, v in counts.most_common()}


def start(pid: int, out: Path, *, seconds: float, rate: int = 200) -> subprocess.Popen[bytes] | None:
    """Run py-spy against `pid` in the background (None when it is not installed)."""
    exe = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(exe).exists():
        return None
    cmd = [exe, "record", "-p", str(pid), "-d", str(max(1, int(seconds))), "-r", str(rate), "-f", "raw", "-o", str(out)]
    cmd.append("--nonblocking")  # never pause the service: a paused service measured 10x fewer requests/s
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
