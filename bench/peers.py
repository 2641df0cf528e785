"""The peers, called in-process the way their users call them, with our embedder and the same data.

- RedisVL `SemanticCache` on the same Redis, its default schema (FLAT vector index), a `CustomVectorizer`
  around our OnnxMiniLM (so no model is downloaded); `acheck` from asyncio, the embedding in a worker
  thread (`asyncio.to_thread`), as an async application wraps a synchronous model.
- GPTCache with its default data manager (sqlite + faiss), our OnnxMiniLM as `embedding_func`, and
  `gptcache.adapter.api.get/put`. It is synchronous, so concurrency is one thread per concurrent user.
Both get the semcache threshold (cosine distance) translated to their own scale.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.data import Matrix
from bench.ours import answer_for
from semcache.embeddings.local import LocalEmbedder, OnnxMiniLM


def redisvl_cache(name: str, redis_url: str, vectorizer: Any, distance_threshold: float) -> Any:
    """RedisVL's `SemanticCache` on a fresh index (its schema warnings silenced: they are about its defaults)."""
    from redisvl.extensions.cache.llm import SemanticCache  # type: ignore[import-untyped]  # no stubs shipped

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return SemanticCache(
            name=name, redis_url=redis_url, vectorizer=vectorizer, distance_threshold=distance_threshold, overwrite=True
        )


class RedisVLPeer:
    def __init__(self, redis_url: str, model: OnnxMiniLM, *, distance_threshold: float, name: str) -> None:
        from redisvl.utils.vectorize import CustomVectorizer  # type: ignore[import-untyped]  # no stubs shipped

        def embed(text: str) -> list[float]:
            return [float(x) for x in model.encode([text])[0]]

        def embed_many(texts: list[str]) -> list[list[float]]:
            return [[float(x) for x in row] for row in model.encode(texts)]

        async def aembed(text: str) -> list[float]:
            return await asyncio.to_thread(embed, text)

        self.vectorizer = CustomVectorizer(embed=embed, embed_many=embed_many, aembed=aembed)
        self.cache = redisvl_cache(name, redis_url, self.vectorizer, distance_threshold)
        self.index_name = name

    def use_embedder(self, embedder: LocalEmbedder) -> None:
        """Variant: RedisVL with semcache's embedder (model threads fed from one queue), to separate its share."""

        async def aembed(text: str) -> list[float]:
            return [float(x) for x in (await embedder.embed([text]))[0]]

        self.vectorizer._aembed_func = aembed  # CustomVectorizer keeps the callable here; no public setter

    async def fill(self, texts: Sequence[str], vectors: Matrix, start: int, end: int) -> None:
        from redisvl.extensions.cache.llm.schema import CacheEntry  # type: ignore[import-untyped]  # no stubs shipped

        aindex = await self.cache._get_async_index()  # the index `astore` itself loads into
        for lo in range(start, end, 500):
            records = [
                CacheEntry(
                    entry_id=self.cache._make_entry_id(texts[i], None),
                    prompt=texts[i],
                    response=answer_for(i),
                    prompt_vector=[float(x) for x in vectors[i]],
                ).to_dict(self.vectorizer.dtype)
                for i in range(lo, min(lo + 500, end))
            ]
            await aindex.load(data=records, id_field="entry_id")

    def call(self) -> Callable[[str], Awaitable[bool]]:
        from redisvl.exceptions import RedisSearchError  # type: ignore[import-untyped]  # no stubs shipped

        async def check(prompt: str) -> bool:
            try:
                return bool(await self.cache.acheck(prompt=prompt, num_results=1))
            except RedisSearchError:  # e.g. RediSearch's query timeout on a loaded machine: counts as a miss
                return False

        return check

    async def close(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            await self.cache.adelete()
            await self.cache.adisconnect()


class GPTCachePeer:
    def __init__(self, workdir: Path, model: OnnxMiniLM, *, distance_threshold: float) -> None:
        from gptcache import Cache, Config  # type: ignore[import-untyped]  # no stubs shipped
        from gptcache.manager import CacheBase, VectorBase, get_data_manager  # type: ignore[import-untyped]  # no stubs shipped
        from gptcache.processor.pre import get_prompt  # type: ignore[import-untyped]  # no stubs shipped
        from gptcache.similarity_evaluation.distance import SearchDistanceEvaluation  # type: ignore[import-untyped]  # no stubs shipped

        workdir.mkdir(parents=True, exist_ok=True)
        for old in workdir.glob("gptcache*"):
            old.unlink()

        def embedding_func(text: str, **_: Any) -> np.ndarray:
            return np.asarray(model.encode([text])[0], dtype=np.float32)

        self.data_manager = get_data_manager(
            CacheBase("sqlite", sql_url=f"sqlite:///{workdir}/gptcache.db"),
            VectorBase("faiss", dimension=384, index_path=str(workdir / "gptcache.faiss")),
            max_size=10_000_000,  # no eviction during the run
        )
        # faiss returns squared L2; for unit vectors that is 2 x cosine distance, and GPTCache's
        # SearchDistanceEvaluation scores max_distance - d against threshold x max_distance.
        max_distance = 4.0
        similarity = (max_distance - 2.0 * distance_threshold) / max_distance
        self.cache = Cache()
        self.cache.init(
            pre_embedding_func=get_prompt,
            embedding_func=embedding_func,
            data_manager=self.data_manager,
            similarity_evaluation=SearchDistanceEvaluation(max_distance=max_distance),
            config=Config(similarity_threshold=similarity),
        )

    def fill(self, texts: Sequence[str], vectors: Matrix, start: int, end: int) -> None:
        n = end - start
        self.data_manager.import_data(
            list(texts[start:end]),
            [answer_for(i) for i in range(start, end)],
            [vectors[i] for i in range(start, end)],
            [None] * n,
        )

    def call(self) -> Callable[[str], bool]:
        from gptcache.adapter.api import get  # type: ignore[import-untyped]  # no stubs shipped
        from sqlalchemy.exc import OperationalError

        def check(prompt: str) -> bool:
            try:
                return get(prompt, cache_obj=self.cache) is not None
            except OperationalError:  # "database is locked": its sqlite under concurrent users; counts as a miss
                return False

        return check

    def close(self) -> None:
        self.data_manager.close()
