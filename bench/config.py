"""How big and how long a run is. Every loop is bounded in requests and in seconds."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class BenchConfig:
    sizes: tuple[int, ...] = (1_000, 10_000, 100_000)
    latency_requests: int = 1_000  # sequential requests per latency figure
    concurrency: tuple[int, ...] = (1, 8, 32, 64)
    seconds_per_load: float = 6.0  # one closed-loop throughput window
    max_requests_per_load: int = 20_000
    miss_requests: int = 100
    upstream_delay_ms: float = 50.0
    recall_queries: int = 300
    profile_seconds: float = 8.0
    peers: bool = True
    ablation: bool = True  # the service without uvloop/httptools, for the before/after
    batching: bool = True  # the model's texts/s by batch size, the embedder's by concurrency (bench/batching.py)
    mix: bool = True  # the realistic mix (exact / paraphrase / miss interleaved) at the largest size
    mix_concurrency: int = 32
    mix_misses: int = 4_000  # candidate miss prompts (those far from the cache and from each other are used)
    hf_max_size: int = 10_000  # default against default (RedisVL + sentence-transformers) up to this size
    verifier_off: bool = True  # the c=32 head-to-head again with CACHE_VERIFY=false, one more service per size
    out_dir: Path = Path("docs")
    work_dir: Path = Path(".semcache/bench")
    env_overrides: dict[str, str] = field(default_factory=dict)

    @property
    def largest(self) -> int:
        return max(self.sizes)


def smoke(out_dir: Path, work_dir: Path) -> BenchConfig:
    """Seconds, for CI: every code path once, figures meaningless."""
    return BenchConfig(
        sizes=(150,),
        latency_requests=10,
        concurrency=(1, 8),
        seconds_per_load=0.5,
        max_requests_per_load=200,
        miss_requests=4,
        upstream_delay_ms=5.0,
        recall_queries=20,
        profile_seconds=0.0,
        peers=True,
        ablation=False,
        mix_concurrency=8,
        mix_misses=60,
        out_dir=out_dir,
        work_dir=work_dir,
    )
