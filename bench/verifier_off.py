"""semcache's head-to-head at c=32 again with the verifier off (CACHE_VERIFY=false), against RedisVL in the
same turns: RedisVL verifies nothing, so issue #34 reports each ratio both ways. One more service process
and one more in-process cache per size, on the same Redis and index; only the c=32 semantic window is run."""

from __future__ import annotations

from typing import Any

from bench import ours as o
from bench.config import BenchConfig
from bench.services import start_service
from bench.turns import take_turns

__all__ = ["OFF", "measure_verifier_off"]

Result = dict[str, Any]
#: The one setting changed (docs/verification.md): no second stage, the threshold alone decides.
OFF = {"CACHE_VERIFY": "false"}
ROUNDS = 4


async def measure_verifier_off(
    env: dict[str, str], peers: dict[str, Any], semantic: list[str], cfg: BenchConfig, *, concurrency: int = 32
) -> Result:
    """Semantic hits/s at `concurrency`: semcache over HTTP and in-process with the verifier off, and RedisVL,
    taking turns on the same queries the main head-to-head asks (those semcache serves with the verifier on)."""
    off_env = {**env, **OFF}
    ours = await o.open_ours(off_env["REDIS_URL"], off_env)
    svc = await start_service(cfg.work_dir, off_env)
    pool = o.HttpPool("127.0.0.1", svc.port, concurrency)
    try:
        calls = {"http": o.search_call(pool, "semantic"), "inproc": o.inproc_call(ours, "semantic")}
        if "redisvl" in peers:
            calls["redisvl"] = peers["redisvl"].call()
        out = await take_turns(
            semantic,
            calls=calls,
            concurrency=concurrency,
            seconds=cfg.seconds_per_load,
            rounds=ROUNDS,
            max_requests=cfg.max_requests_per_load,
        )
    finally:
        await pool.close()
        svc.stop()
        await ours.close()
    return {"settings": OFF, **out}
