"""All configuration, from the environment (and an optional `.env`), in one class.

Every variable in docs/configuration.md's table is a field here. Nothing is read at import time:
callers build `Settings()` (or pass overrides) inside `create_app` / the CLI.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = [
    "DEFAULT_GUARDS",
    "DEFAULT_JUDGE_CUTOFF",
    "DEFAULT_SIMILARITY_THRESHOLD",
    "READER_SIMILARITY_THRESHOLD",
    "ReasoningEffort",
    "Settings",
    "parse_rates",
]

EmbeddingProvider = Literal["auto", "local", "openai", "azure"]
LLMProvider = Literal["auto", "local", "openai", "azure", "compatible"]
ReasoningEffort = Literal["none", "minimal", "low", "medium", "high", "xhigh"]

DEFAULT_SYSTEM_PROMPT = "You are a helpful assistant. Answer briefly and factually."
#: The lexical guards run before the pair model: those `semcache eval --cv files` keeps on top of it
#: (none since the similarity feature was rescaled: the model alone scored better on the other files).
DEFAULT_GUARDS = ""
#: The answer judge's cut-off on the cosine similarity of two answers (docs/audits.md: how it was fitted).
DEFAULT_JUDGE_CUTOFF = 0.75


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    # --- service -------------------------------------------------------------------------
    host: str = Field(default="127.0.0.1", alias="HOST")
    port: int = Field(default=8000, alias="PORT", ge=0, le=65535)
    data_dir: Path = Field(default=Path(".semcache"), alias="SEMCACHE_DATA_DIR")
    log_level: str = Field(default="INFO", alias="LOG_LEVEL")
    log_prompts: bool = Field(default=False, alias="LOG_PROMPTS")
    cors_origins: str = Field(default="", alias="CORS_ORIGINS")
    frontend_dir: Path | None = Field(default=None, alias="SEMCACHE_FRONTEND_DIR")

    # --- Redis ---------------------------------------------------------------------------
    redis_url: SecretStr | None = Field(default=None, alias="REDIS_URL")
    embedded_redis_port: int = Field(default=0, alias="EMBEDDED_REDIS_PORT", ge=0, le=65535)
    redis_timeout_s: float = Field(default=2.0, alias="REDIS_TIMEOUT_S", gt=0)
    redis_max_connections: int = Field(default=64, alias="REDIS_MAX_CONNECTIONS", ge=1, le=10_000)

    # --- cache ---------------------------------------------------------------------------
    cache_prefix: str = Field(default="semcache", alias="CACHE_PREFIX", pattern=r"^[A-Za-z0-9_-]{1,32}$")
    cache_ttl: int | None = Field(default=86_400, alias="CACHE_TTL", ge=1)
    cache_ttl_sliding: bool = Field(default=False, alias="CACHE_TTL_SLIDING")
    cache_ttl_max: int | None = Field(default=None, alias="CACHE_TTL_MAX", ge=1)
    semantic_similarity_threshold: float | None = Field(
        default=None, alias="SEMANTIC_SIMILARITY_THRESHOLD", ge=0.0, le=1.0
    )
    semantic_distance_threshold: float | None = Field(default=None, alias="SEMANTIC_DISTANCE_THRESHOLD", ge=0.0, le=2.0)
    cache_scope_fields: str = Field(default="", alias="CACHE_SCOPE_FIELDS")
    ef_runtime: int = Field(default=64, alias="EF_RUNTIME", ge=1, le=4096)
    hnsw_m: int = Field(default=16, alias="HNSW_M", ge=2, le=512)
    hnsw_ef_construction: int = Field(default=200, alias="HNSW_EF_CONSTRUCTION", ge=1, le=4096)
    cache_top_k: int = Field(default=3, alias="CACHE_TOP_K", ge=1, le=50)
    cache_max_messages: int = Field(default=8, alias="CACHE_MAX_MESSAGES", ge=1, le=100)
    cache_ignore_system_messages: bool = Field(default=True, alias="CACHE_IGNORE_SYSTEM_MESSAGES")
    cache_max_temperature: float = Field(default=1.0, alias="CACHE_MAX_TEMPERATURE", ge=0.0, le=2.0)
    max_prompt_chars: int = Field(default=32_000, alias="MAX_PROMPT_CHARS", ge=1)
    max_response_chars: int = Field(default=200_000, alias="MAX_RESPONSE_CHARS", ge=1)

    # --- embeddings ----------------------------------------------------------------------
    embedding_provider: EmbeddingProvider = Field(default="auto", alias="EMBEDDING_PROVIDER")
    embed_batch_max: int = Field(default=64, alias="EMBED_BATCH_MAX", ge=1, le=1024)
    embed_threads: int = Field(default=0, alias="EMBED_THREADS", ge=0, le=64)
    embed_int8: bool = Field(default=True, alias="EMBED_INT8")
    embed_model_path: Path | None = Field(default=None, alias="EMBED_MODEL_PATH")
    model_cache_dir: Path | None = Field(default=None, alias="MODEL_CACHE_DIR")
    openai_embedding_model: str = Field(default="text-embedding-3-small", alias="OPENAI_EMBEDDING_MODEL")
    embedding_dims: int | None = Field(default=None, alias="EMBEDDING_DIMS", ge=1, le=8192)

    # --- OpenAI / Azure OpenAI -----------------------------------------------------------
    openai_api_key: SecretStr | None = Field(default=None, alias="OPENAI_API_KEY")
    openai_base_url: str | None = Field(default=None, alias="OPENAI_BASE_URL")
    azure_openai_endpoint: str | None = Field(default=None, alias="AZURE_OPENAI_ENDPOINT")
    azure_openai_api_key: SecretStr | None = Field(default=None, alias="AZURE_OPENAI_API_KEY")
    # The first dated API version with GPT-5 class parameters (max_completion_tokens, reasoning_effort).
    azure_openai_api_version: str = Field(default="2025-04-01-preview", alias="AZURE_OPENAI_API_VERSION")
    azure_openai_embedding_model: str | None = Field(default=None, alias="AZURE_OPENAI_EMBEDDING_MODEL")
    azure_openai_gpt5_model: str | None = Field(default=None, alias="AZURE_OPENAI_GPT5_MODEL")
    azure_openai_chat_model: str | None = Field(default=None, alias="AZURE_OPENAI_CHAT_MODEL")
    azure_client_id: str | None = Field(default=None, alias="AZURE_CLIENT_ID")

    # --- LLM -----------------------------------------------------------------------------
    llm_provider: LLMProvider = Field(default="auto", alias="LLM_PROVIDER")
    llm_base_url: str | None = Field(default=None, alias="LLM_BASE_URL")
    llm_api_key: SecretStr | None = Field(default=None, alias="LLM_API_KEY")
    llm_model: str | None = Field(default=None, alias="LLM_MODEL")
    llm_system_prompt: str = Field(default=DEFAULT_SYSTEM_PROMPT, alias="LLM_SYSTEM_PROMPT")
    llm_temperature: float = Field(default=0.0, alias="LLM_TEMPERATURE", ge=0.0, le=2.0)
    llm_max_tokens: int = Field(default=256, alias="LLM_MAX_TOKENS", ge=1, le=32_768)
    llm_timeout_s: float = Field(default=60.0, alias="LLM_TIMEOUT_S", gt=0)
    llm_max_retries: int = Field(default=2, alias="LLM_MAX_RETRIES", ge=0, le=10)
    llm_extra_body: str | None = Field(default=None, alias="LLM_EXTRA_BODY")
    # GPT-5 class models: unset, the model's own default effort (llm/budget.py); checked per model at start.
    llm_reasoning_effort: ReasoningEffort | None = Field(default=None, alias="LLM_REASONING_EFFORT")
    # Reasoning tokens allowed on top of LLM_MAX_TOKENS (max_completion_tokens counts both); unset: by effort.
    llm_reasoning_budget: int | None = Field(default=None, alias="LLM_REASONING_BUDGET", ge=0, le=128_000)
    local_llm_port: int = Field(default=0, alias="LOCAL_LLM_PORT", ge=0, le=65535)
    local_llm_model_path: Path | None = Field(default=None, alias="LOCAL_LLM_MODEL_PATH")
    local_llm_threads: int = Field(default=0, alias="LOCAL_LLM_THREADS", ge=0, le=64)

    # --- tenants and keys ----------------------------------------------------------------
    semcache_api_keys: SecretStr | None = Field(default=None, alias="SEMCACHE_API_KEYS")
    semcache_api_keys_file: Path | None = Field(default=None, alias="SEMCACHE_API_KEYS_FILE")
    semcache_admin_key: SecretStr | None = Field(default=None, alias="SEMCACHE_ADMIN_KEY")
    default_tenant: str = Field(default="default", alias="DEFAULT_TENANT")
    rate_limit_per_minute: int = Field(default=0, alias="RATE_LIMIT_PER_MINUTE", ge=0)

    # --- telemetry -----------------------------------------------------------------------
    telemetry_enabled: bool = Field(default=True, alias="TELEMETRY_ENABLED")
    telemetry_stream_maxlen: int = Field(default=100_000, alias="TELEMETRY_STREAM_MAXLEN", ge=100)
    telemetry_window: int = Field(default=1_000, alias="TELEMETRY_WINDOW", ge=10, le=100_000)
    model_prices: str = Field(default="", alias="MODEL_PRICES")
    applicationinsights_connection_string: SecretStr | None = Field(
        default=None, alias="APPLICATIONINSIGHTS_CONNECTION_STRING"
    )

    # --- cache quality (issue 8 adds its fields here) -----------------------------------
    cache_verify: bool = Field(default=True, alias="CACHE_VERIFY")
    cache_verify_guards: str = Field(default=DEFAULT_GUARDS, alias="CACHE_VERIFY_GUARDS")
    cache_verify_max_edit: int = Field(default=1, alias="CACHE_VERIFY_MAX_EDIT", ge=0, le=20)
    cache_verify_nearest_only: bool = Field(default=True, alias="CACHE_VERIFY_NEAREST_ONLY")
    cache_verify_model: bool = Field(default=True, alias="CACHE_VERIFY_MODEL")
    # A pair model refitted on one's own labelled pairs (`semcache eval --cv files --fit-out FILE`) instead of
    # the shipped one; its fitted threshold is the default threshold (docs/verification.md).
    cache_verify_model_path: Path | None = Field(default=None, alias="CACHE_VERIFY_MODEL_PATH")
    # The trained second stage reads the nearest candidate word piece by word piece (verify/reader.py). Off by
    # default: under cross-validation by source it has not beaten the pair model (docs/verification.md).
    cache_verify_reader: bool = Field(default=False, alias="CACHE_VERIFY_READER")
    cache_verify_min_probability: float | None = Field(
        default=None, alias="CACHE_VERIFY_MIN_PROBABILITY", ge=0.0, le=1.0
    )
    # Unset: the static threshold and cut-off. Set: each entry is served only while its estimated chance
    # of a wrong answer stays within it (verify/bound.py), learning from /cache/feedback.
    cache_max_error: float | None = Field(default=None, alias="CACHE_MAX_ERROR", gt=0.0, lt=1.0)
    # Audits (docs/audits.md): this share of semantic hits is also answered by the LLM in the background and
    # the answers compared. Small by default: each audit is a full LLM call (seconds of CPU on the local model).
    cache_audit_rate: float = Field(default=0.02, alias="CACHE_AUDIT_RATE", ge=0.0, le=1.0)
    cache_audit_max_per_entry: int = Field(default=3, alias="CACHE_AUDIT_MAX_PER_ENTRY", ge=1, le=1_000)
    cache_audit_judge: Literal["embedding", "llm"] = Field(default="embedding", alias="CACHE_AUDIT_JUDGE")
    cache_audit_judge_cutoff: float = Field(
        default=DEFAULT_JUDGE_CUTOFF, alias="CACHE_AUDIT_JUDGE_CUTOFF", ge=0.0, le=1.0
    )
    cache_audit_compare_misses: bool = Field(default=True, alias="CACHE_AUDIT_COMPARE_MISSES")
    # Per namespace, overriding CACHE_AUDIT_RATE: "support=0.1,search=0" (the empty namespace is written "").
    cache_audit_rates: str = Field(default="", alias="CACHE_AUDIT_RATES")
    # A query whose answer an audit or miss comparison found equal to an entry's becomes an alias of it
    # (cache/aliases.py); at most this many per entry, 0 = none.
    cache_audit_aliases: int = Field(default=8, alias="CACHE_AUDIT_ALIASES", ge=0, le=1_000)
    # Per-namespace threshold learning (verify/learning.py): off unless both limits are set; the audits then
    # move each namespace's similarity threshold by CACHE_LEARN_STEP, never outside [MIN, MAX].
    cache_learn_similarity_min: float | None = Field(default=None, alias="CACHE_LEARN_SIMILARITY_MIN", ge=0.0, le=1.0)
    cache_learn_similarity_max: float | None = Field(default=None, alias="CACHE_LEARN_SIMILARITY_MAX", ge=0.0, le=1.0)
    cache_learn_step: float = Field(default=0.01, alias="CACHE_LEARN_STEP", gt=0.0, le=0.2)

    # --- limits and security (issue 10) --------------------------------------------------
    max_body_bytes: int = Field(default=1_048_576, alias="MAX_BODY_BYTES", ge=1024)

    @property
    def cors_origin_list(self) -> list[str]:
        """CORS_ORIGINS as a list; empty (the default) means no cross-origin browser access at all."""
        return [o.strip().rstrip("/") for o in self.cors_origins.split(",") if o.strip()]

    @field_validator("log_level")
    @classmethod
    def _known_log_level(cls, value: str) -> str:
        if value.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return value.upper()

    @field_validator("cache_audit_rates")
    @classmethod
    def _audit_rates(cls, value: str) -> str:
        parse_rates(value)  # a clear error at start-up, not at the first audit
        return value

    @cached_property
    def audit_rates(self) -> dict[str, float]:
        """CACHE_AUDIT_RATES as namespace -> rate."""
        return parse_rates(self.cache_audit_rates)

    def audit_rate_for(self, namespace: str) -> float:
        """The audit rate of a namespace: its own from CACHE_AUDIT_RATES, else CACHE_AUDIT_RATE."""
        return self.audit_rates.get(namespace, self.cache_audit_rate)

    @model_validator(mode="after")
    def _learning_limits(self) -> Settings:
        low, high = self.cache_learn_similarity_min, self.cache_learn_similarity_max
        if (low is None) != (high is None):
            raise ValueError("set both CACHE_LEARN_SIMILARITY_MIN and CACHE_LEARN_SIMILARITY_MAX, or neither")
        if low is not None and high is not None:
            if low > high:
                raise ValueError("CACHE_LEARN_SIMILARITY_MIN must not be above CACHE_LEARN_SIMILARITY_MAX")
            if self.cache_max_error is None:
                raise ValueError(
                    "threshold learning (CACHE_LEARN_SIMILARITY_MIN/MAX) needs CACHE_MAX_ERROR, its target"
                )
        return self

    @model_validator(mode="after")
    def _one_threshold(self) -> Settings:
        if self.semantic_similarity_threshold is not None and self.semantic_distance_threshold is not None:
            raise ValueError("set SEMANTIC_SIMILARITY_THRESHOLD or SEMANTIC_DISTANCE_THRESHOLD, not both")
        return self

    @cached_property
    def distance_threshold(self) -> float:
        """The server's threshold as Redis cosine distance (0 = identical, 2 = opposite)."""
        if self.semantic_distance_threshold is not None:
            return self.semantic_distance_threshold
        if self.semantic_similarity_threshold is not None:
            return 1.0 - self.semantic_similarity_threshold
        if self.cache_verify_model_path is not None:
            from semcache.verify.model import load  # the file is read here, when first asked, never at import

            return 1.0 - load(self.cache_verify_model_path).min_similarity
        return 1.0 - (READER_SIMILARITY_THRESHOLD if self.reads else DEFAULT_SIMILARITY_THRESHOLD)

    @property
    def reads(self) -> bool:
        """The second stage reads candidates: the pair model decides (CACHE_VERIFY, and CACHE_VERIFY_MODEL or
        CACHE_MAX_ERROR, whose prior it is) and takes the reader's logit (CACHE_VERIFY_READER)."""
        decides = self.cache_verify_model or self.cache_max_error is not None
        return self.cache_verify and decides and self.cache_verify_reader

    @cached_property
    def extra_scope_fields(self) -> tuple[str, ...]:
        names = [n.strip() for n in self.cache_scope_fields.split(",") if n.strip()]
        for name in names:
            if not name.isidentifier() or len(name) > 32:
                raise ValueError(f"CACHE_SCOPE_FIELDS: {name!r} is not a valid field name")
        return tuple(dict.fromkeys(names))

    @property
    def resolved_embedding_provider(self) -> Literal["local", "openai", "azure"]:
        if self.embedding_provider != "auto":
            return self.embedding_provider
        if self.azure_openai_endpoint and self.azure_openai_embedding_model:
            return "azure"
        if self.openai_api_key is not None:
            return "openai"
        return "local"

    @property
    def resolved_llm_provider(self) -> Literal["local", "openai", "azure", "compatible"]:
        if self.llm_provider != "auto":
            return self.llm_provider
        if self.llm_base_url:
            return "compatible"
        if self.azure_openai_endpoint and (self.azure_openai_gpt5_model or self.azure_openai_chat_model):
            return "azure"
        if self.openai_api_key is not None:
            return "openai"
        return "local"


def parse_rates(raw: str) -> dict[str, float]:
    """`"support=0.1,search=0"` -> {"support": 0.1, "search": 0.0}; ValueError says which item is wrong."""
    rates: dict[str, float] = {}
    for item in (i.strip() for i in raw.split(",")):
        if not item:
            continue
        name, sep, value = item.partition("=")
        name = name.strip().strip('"')
        try:
            rate = float(value) if sep else -1.0
        except ValueError:
            rate = -1.0
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"CACHE_AUDIT_RATES: {item!r} is not namespace=rate with a rate from 0 to 1")
        if name in rates:
            raise ValueError(f"CACHE_AUDIT_RATES: namespace {name!r} is given twice")
        rates[name] = rate
    return rates


#: Cosine similarity a semantic hit needs when neither threshold is set (see docs/quality.md).
DEFAULT_SIMILARITY_THRESHOLD = 0.93
#: The threshold when the reader decides (CACHE_VERIFY_READER=true): the operating point fitted with it
#: (`data/pair_model_reader.json`, docs/verification.md#the-reader-a-trained-second-stage-measured).
READER_SIMILARITY_THRESHOLD = 0.97
