"""Start-up and shut-down of everything the service holds: Redis (embedded or external), the embedder,
the cache, and (once configured) the LLM. `main.lifespan` calls these; nothing here runs at import."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import redis.asyncio as aioredis

from semcache.auth import KeyRing, load_keyring
from semcache.cache.availability import CacheGate
from semcache.cache.redis import RedisStore
from semcache.cache.schema import BASE_SCOPE_FIELDS, IndexSpec
from semcache.cache.semantic import SemanticCache
from semcache.cache.thresholds import RedisThresholds
from semcache.config import Settings
from semcache.embeddings.base import Embedder
from semcache.embeddings.factory import start_embedder
from semcache.embeddings.local import MODEL_ID_Q8, LocalEmbedder
from semcache.flight import SingleFlight
from semcache.llm.factory import LLMHandle, start_llm
from semcache.local.redis import EmbeddedRedis
from semcache.ratelimit import RateLimiter
from semcache.service import CompletionService
from semcache.telemetry.hub import TelemetryHub
from semcache.telemetry.prometheus import PromMetrics
from semcache.telemetry.quality import QualityConfig
from semcache.telemetry.streams import RedisTelemetry
from semcache.telemetry.verdicts import RedisVerdicts
from semcache.token_prices import DEFAULT_PRICES, Price, parse_prices
from semcache.verify.audit import Auditor
from semcache.verify.judge import AnswerJudge, EmbeddingJudge, LLMJudge
from semcache.verify.learning import Limits, Thresholds
from semcache.verify.reader import Reader, ReaderModel
from semcache.verify.verifier import build_verifier, learned_only

__all__ = ["Resources", "build_cache", "index_specs", "redis_client", "start", "start_reader", "stop"]

log = logging.getLogger(__name__)


@dataclass
class Resources:
    settings: Settings
    keyring: KeyRing
    redis: aioredis.Redis
    embedder: Embedder
    cache: SemanticCache
    vectors: SemanticCache
    gate: CacheGate
    service: CompletionService
    llm: LLMHandle
    telemetry: TelemetryHub
    rate_limiter: RateLimiter
    #: The cache, its entry store, the vector index and its store with every call through `gate`
    #: (`through(gate)`, cache/availability.py), wrapped once here rather than on each request.
    available_cache: SemanticCache
    available_store: RedisStore
    available_vectors: SemanticCache
    available_vector_store: RedisStore
    embedded_redis: EmbeddedRedis | None = None
    reader: Reader | None = None


def redis_client(settings: Settings, url: str) -> aioredis.Redis:
    kwargs: dict[str, object] = {}
    if settings.redis_url is not None and "@" not in url and url.startswith("rediss://"):
        # Azure Managed Redis with no password in the URL: authenticate with the managed identity.
        from semcache.azure_auth import redis_credential_provider

        kwargs["credential_provider"] = redis_credential_provider(settings)
    # Blocking pool: past REDIS_MAX_CONNECTIONS a command waits (up to REDIS_TIMEOUT_S) for a free
    # connection. redis-py's default pool raises "Too many connections" at once instead, which turned a
    # burst of concurrent requests into cache bypasses (seen at 64 in-process callers in `semcache bench`).
    pool = aioredis.BlockingConnectionPool.from_url(
        url,
        max_connections=settings.redis_max_connections,
        timeout=settings.redis_timeout_s,
        socket_timeout=settings.redis_timeout_s,
        socket_connect_timeout=settings.redis_timeout_s,
        health_check_interval=30,
        # RESP2 pinned: redis-py 8 defaults to RESP3, whose FT.* reply shapes differ by server version.
        protocol=2,
        **kwargs,
    )
    return aioredis.Redis.from_pool(pool)


def index_specs(settings: Settings, embedder: Embedder) -> tuple[IndexSpec, IndexSpec]:
    common = {
        "prefix": settings.cache_prefix,
        "fingerprint": embedder.fingerprint,
        "dims": embedder.dims,
        "m": settings.hnsw_m,
        "ef_construction": settings.hnsw_ef_construction,
        "ef_runtime": settings.ef_runtime,
    }
    cache = IndexSpec(scope_fields=(*BASE_SCOPE_FIELDS, *settings.extra_scope_fields), kind="cache", **common)  # type: ignore[arg-type]
    vectors = IndexSpec(scope_fields=("tenant",), kind="vector", **common)  # type: ignore[arg-type]
    return cache, vectors


def build_cache(
    store: RedisStore, embedder: Embedder, settings: Settings, reader: Reader | None = None
) -> SemanticCache:
    """The cache as the service configures it (the benchmarks build theirs here too, so they measure it)."""
    return SemanticCache(
        store,
        embedder,
        distance_threshold=settings.distance_threshold,
        top_k=settings.cache_top_k,
        # Verdicts (feedback, audits) stop a wrong entry being served even without the second stage.
        verifier=build_verifier(settings) or learned_only,
        reader=reader.score if reader is not None else None,
    )


async def start_reader(settings: Settings, embedder: Embedder) -> Reader | None:
    """The second stage's model when the settings read candidates (`Settings.reads`), loaded. It reads the
    hidden states of the int8 MiniLM: the local embedder's own model when that is the one it runs."""
    if not settings.reads:
        return None
    shared = embedder.model if isinstance(embedder, LocalEmbedder) and embedder.model.model_id == MODEL_ID_Q8 else None
    reader = Reader(ReaderModel(encoder=shared))
    await reader.start()
    return reader


def _keyring(settings: Settings) -> KeyRing:
    keyring = load_keyring(settings)
    if keyring.open:
        log.warning(
            "no API keys configured: the service is open and every caller is tenant %r", settings.default_tenant
        )
    return keyring


async def _redis_url(settings: Settings) -> tuple[str, EmbeddedRedis | None]:
    """The external Redis's URL, or an embedded Redis started here (and the handle to stop it)."""
    if settings.redis_url is not None:
        return settings.redis_url.get_secret_value(), None
    embedded = EmbeddedRedis(settings.data_dir / "redis", port=settings.embedded_redis_port)
    # Not waiting for its data: a large cache takes a minute to load, and the service answers (bypassing
    # the cache) meanwhile. The watcher logs the loading progress.
    url = await embedded.start(wait_loaded=False)
    embedded.watch_loading()
    log.info("embedded Redis on %s (data in %s)", url, embedded.data_dir)
    return url, embedded


async def _start_models(
    settings: Settings, client: aioredis.Redis, embedded: EmbeddedRedis | None
) -> tuple[Embedder, LLMHandle]:
    """The embedder and the LLM; if either fails to start, what was opened before is closed again."""
    embedder: Embedder | None = None
    try:
        embedder = await start_embedder(settings)
        llm = await start_llm(settings)
    except BaseException:
        if embedder is not None:
            await embedder.aclose()
        await client.aclose()
        if embedded is not None:
            await embedded.stop()
        raise
    return embedder, llm


async def _open_gate(stores: list[RedisStore]) -> CacheGate:
    gate = CacheGate(stores)
    try:
        await gate.ensure()
    except Exception as e:  # an external Redis that is down must not stop the service: it degrades
        log.warning("cache not ready at start-up, serving without it until Redis answers: %s", e)
    return gate


def _telemetry(settings: Settings, client: aioredis.Redis) -> TelemetryHub:
    streams = None
    if settings.telemetry_enabled:
        streams = RedisTelemetry(
            client,
            prefix=settings.cache_prefix,
            maxlen=settings.telemetry_stream_maxlen,
            window=settings.telemetry_window,
        )
    # Verdicts are counted even with TELEMETRY_ENABLED=false: audits keep their per-entry budget there.
    hub = TelemetryHub(streams, PromMetrics(), RedisVerdicts(client, prefix=settings.cache_prefix))
    hub.thresholds = _thresholds(settings, client)
    hub.quality = QualityConfig(
        audit_rate=settings.cache_audit_rate,
        max_error=settings.cache_max_error,
        similarity_threshold=1.0 - settings.distance_threshold,
    )
    return hub


def _thresholds(settings: Settings, client: aioredis.Redis) -> Thresholds | None:
    """Per-namespace threshold learning (verify/learning.py), when the operator set its limits."""
    floor, ceiling = settings.cache_learn_similarity_min, settings.cache_learn_similarity_max
    if floor is None or ceiling is None or settings.cache_max_error is None:
        return None
    limits = Limits(floor, ceiling, settings.cache_learn_step, settings.cache_max_error)
    store = RedisThresholds(client, prefix=settings.cache_prefix)
    return Thresholds(store, limits, configured=1.0 - settings.distance_threshold)


def _auditor(settings: Settings, llm: LLMHandle, embedder: Embedder, gate: CacheGate, store: RedisStore,
             telemetry: TelemetryHub, prices: dict[str, Price]) -> Auditor | None:  # fmt: skip
    """Audits and miss comparisons (verify/audit.py); None when neither is asked for."""
    auditing = settings.cache_audit_rate > 0 or any(r > 0 for r in settings.audit_rates.values())
    if telemetry.verdicts is None or (not auditing and not settings.cache_audit_compare_misses):
        return None
    judge: AnswerJudge = (
        LLMJudge(llm.llm)
        if settings.cache_audit_judge == "llm"
        else EmbeddingJudge(embedder, settings.cache_audit_judge_cutoff)
    )
    return Auditor(
        llm=llm.llm,
        judge=judge,
        ledger=telemetry.verdicts,
        entries=store.through(gate),
        prices=prices,
        rate=settings.cache_audit_rate,
        rates=settings.audit_rates,
        max_per_entry=settings.cache_audit_max_per_entry,
        max_error=settings.cache_max_error,
        compare_misses=settings.cache_audit_compare_misses,
        max_chars=settings.max_response_chars,
        observe=telemetry.prometheus.verdict,
        alerts=telemetry.alerts,
        aliases=store.through(gate) if store.aliases_on else None,
        thresholds=telemetry.thresholds,
    )


def _service(
    settings: Settings, cache: SemanticCache, gate: CacheGate, llm: LLMHandle, telemetry: TelemetryHub,
    embedder: Embedder,
) -> CompletionService:  # fmt: skip
    prices = {**DEFAULT_PRICES, **parse_prices(settings.model_prices)}
    service = CompletionService(
        cache=cache,
        gate=gate,
        llm=llm.llm,
        settings=settings,
        telemetry=telemetry,
        prices=prices,
        flights=SingleFlight(cache.store, lock_ttl_s=settings.llm_timeout_s + 5),
        audits=_auditor(settings, llm, embedder, gate, cache.store, telemetry, prices),
    )
    log.info("LLM: %s model %s", llm.llm.provider, llm.llm.model)
    return service


async def start(settings: Settings) -> Resources:
    keyring = _keyring(settings)
    url, embedded = await _redis_url(settings)
    client = redis_client(settings, url)
    embedder, llm = await _start_models(settings, client, embedded)
    cache_spec, vector_spec = index_specs(settings, embedder)
    cache_store = RedisStore(client, cache_spec, sliding_ttl=settings.cache_ttl_sliding, ttl_max=settings.cache_ttl_max,
                             alias_cap=settings.cache_audit_aliases)  # fmt: skip
    vector_store = RedisStore(client, vector_spec)
    gate = await _open_gate([cache_store, vector_store])
    reader = await start_reader(settings, embedder)
    cache = build_cache(cache_store, embedder, settings, reader)
    telemetry = _telemetry(settings, client)
    gate.on_refused = telemetry.prometheus.refused_write
    vectors = SemanticCache(vector_store, embedder, distance_threshold=2.0, top_k=5)
    return Resources(
        settings=settings,
        keyring=keyring,
        redis=client,
        embedder=embedder,
        cache=cache,
        vectors=vectors,
        gate=gate,
        service=_service(settings, cache, gate, llm, telemetry, embedder),
        telemetry=telemetry,
        llm=llm,
        rate_limiter=RateLimiter(client, prefix=settings.cache_prefix, per_minute=settings.rate_limit_per_minute),
        available_cache=cache.through(gate),
        available_store=cache_store.through(gate),
        available_vectors=vectors.through(gate),
        available_vector_store=vector_store.through(gate),
        embedded_redis=embedded,
        reader=reader,
    )


async def stop(resources: Resources) -> None:
    await resources.service.drain()
    await resources.cache.drain()
    await resources.llm.aclose()
    await resources.embedder.aclose()
    if resources.reader is not None:
        await resources.reader.aclose()
    await resources.redis.aclose()
    if resources.embedded_redis is not None:
        await resources.embedded_redis.stop()
