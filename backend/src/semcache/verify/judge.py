"""The answer judge: is the answer the cache served the same as the one the LLM gives now?

Audits (`verify/audit.py`) and miss comparisons ask it. Two judges:
- `EmbeddingJudge` (default): the cache's own embedder on both answers, the same answer when their cosine
  similarity reaches CACHE_AUDIT_JUDGE_CUTOFF. No extra LLM call. Its cut-off and its measured error are in
  docs/audits.md (`tools/judge_fit.py` measures them); it cannot see a changed number or a negation inside an
  otherwise identical answer, which is why an LLM judge is offered;
- `LLMJudge` (CACHE_AUDIT_JUDGE=llm): asks the configured LLM to compare the two answers. One more call per
  verdict, and only as good as the model: the local demo model is too small for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from semcache.embeddings.base import Embedder
from semcache.llm.base import LLM
from semcache.schemas.openai import ChatMessage, ChatRequest

__all__ = ["JUDGE_PROMPT", "AnswerJudge", "EmbeddingJudge", "Judgement", "LLMJudge"]

JUDGE_PROMPT = (
    "You compare two answers to the same question. Reply with exactly one word: SAME if a user who "
    "asked the question would be served equally well by either answer (wording may differ), DIFFERENT if "
    "they give different facts, figures, steps or conclusions."
)


@dataclass(frozen=True)
class Judgement:
    same: bool
    score: float  # the judge's evidence: a cosine similarity, or 1.0 / 0.0 for the LLM's word


class AnswerJudge(Protocol):
    async def judge(self, stored: str, fresh: str) -> Judgement: ...


@dataclass(frozen=True)
class EmbeddingJudge:
    embedder: Embedder
    cutoff: float

    async def judge(self, stored: str, fresh: str) -> Judgement:
        if stored.strip() == fresh.strip():
            return Judgement(True, 1.0)
        a, b = await self.embedder.embed([stored, fresh])
        score = float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b) or 1.0))
        return Judgement(score >= self.cutoff, score)


@dataclass(frozen=True)
class LLMJudge:
    llm: LLM

    async def judge(self, stored: str, fresh: str) -> Judgement:
        request = ChatRequest(
            messages=[
                ChatMessage(role="system", content=JUDGE_PROMPT),
                ChatMessage(role="user", content=f"Answer A:\n{stored}\n\nAnswer B:\n{fresh}"),
            ],
            temperature=0.0,
            max_tokens=4,
        )
        reply = await self.llm.complete(request)
        word = (reply.choices[0].message.content or "").strip().upper() if reply.choices else ""
        same = word.startswith("SAME")
        return Judgement(same, 1.0 if same else 0.0)
