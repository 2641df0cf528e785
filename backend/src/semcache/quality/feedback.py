"""Per-entry thresholds learned from feedback (`POST /cache/feedback {id, correct, similarity?}`).

One threshold for every entry is the compromise `semcache eval` measures; an entry whose answer was
served wrongly once will be served wrongly again to the next query as close as that one (vCache,
arXiv 2502.03771, learns a threshold per cached embedding for the same reason). So each entry keeps its
verdicts in its own HASH, inside `metadata` under `_feedback` (returned by every search, so the verifier
needs no extra read):

- `right`, `wrong`: how many served hits a client confirmed or reported;
- `bar`: the highest similarity at which a hit on it was reported wrong. The verifier then serves it only
  to queries strictly closer than that; a wrong report without a similarity sets the bar to 1.0, so the
  entry answers verbatim repeats (the exact path) and nothing else;
- `obs`: the newest reports that came with a similarity, `[similarity, 1 or 0]`, which CACHE_MAX_ERROR's
  per-entry bound learns from (`verify/bound.py`).

Feedback never serves below the global threshold: right reports only help an entry past the error bound,
so a client cannot loosen the cache beyond what its operator configured for other users of its tenant.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from redis.exceptions import RedisError

from semcache.cache.redis import RedisStore
from semcache.errors import CacheUnavailableError
from semcache.verify import bound

KEY = "_feedback"

# Read-modify-write of the metadata JSON in one step, so concurrent reports never lose a count; a missing
# or expired entry is left alone (no TTL-less orphan).
_RECORD = """
local raw = redis.call('HGET', KEYS[1], 'metadata')
if not raw then return nil end
local ok, meta = pcall(cjson.decode, raw)
if not ok or type(meta) ~= 'table' then meta = {} end
local fb = meta['_feedback']
if type(fb) ~= 'table' then fb = {right = 0, wrong = 0} end
local s = tonumber(ARGV[2])
if s then
  local obs = fb['obs']
  if type(obs) ~= 'table' then obs = {} end
  table.insert(obs, {s, tonumber(ARGV[1])})
  while #obs > tonumber(ARGV[3]) do table.remove(obs, 1) end
  fb['obs'] = obs
end
if ARGV[1] == '1' then
  fb['right'] = (tonumber(fb['right']) or 0) + 1
else
  fb['wrong'] = (tonumber(fb['wrong']) or 0) + 1
  local at = s or 1.0
  if fb['bar'] == nil or at > tonumber(fb['bar']) then fb['bar'] = at end
end
meta['_feedback'] = fb
redis.call('HSET', KEYS[1], 'metadata', cjson.encode(meta))
return cjson.encode(fb)
"""


@dataclass(frozen=True)
class Feedback:
    right: int = 0
    wrong: int = 0
    bar: float | None = None
    observations: tuple[bound.Observation, ...] = ()


def read(metadata: Mapping[str, object]) -> Feedback:
    raw = metadata.get(KEY)
    if not isinstance(raw, Mapping):
        return Feedback()
    bar = raw.get("bar")
    return Feedback(
        _int(raw.get("right")),
        _int(raw.get("wrong")),
        float(bar) if isinstance(bar, int | float) else None,
        bound.observations(raw.get("obs")),
    )


def _int(value: object) -> int:
    return int(value) if isinstance(value, int | float) else 0


def updated(fb: Feedback, *, correct: bool, similarity: float | None) -> Feedback:
    """What `record` makes of the state, in Python: the offline replay (`online.py`) applies reports with it."""
    seen = fb.observations
    if similarity is not None:
        seen = (*seen, bound.Observation(similarity, correct))[-bound.MAX_OBSERVATIONS :]
    if correct:
        return Feedback(fb.right + 1, fb.wrong, fb.bar, seen)
    at = 1.0 if similarity is None else similarity
    return Feedback(fb.right, fb.wrong + 1, at if fb.bar is None else max(fb.bar, at), seen)


def as_metadata(fb: Feedback) -> dict[str, object]:
    """The state as `record` stores it under `KEY`."""
    body: dict[str, object] = {"right": fb.right, "wrong": fb.wrong, "bar": fb.bar}
    if fb.observations:
        body["obs"] = [[o.similarity, int(o.correct)] for o in fb.observations]
    return body


def refusal(metadata: Mapping[str, object], similarity: float) -> str | None:
    """Why an entry with this feedback must not be served at this similarity, or None."""
    fb = read(metadata)
    if fb.bar is not None and similarity <= fb.bar:
        return f"feedback: reported wrong at similarity {fb.bar:.3f}"
    return None


async def record(store: RedisStore, entry_id: str, *, correct: bool, similarity: float | None) -> Feedback | None:
    """Count a verdict on an entry (None: no such entry). `similarity` is the one the hit was served at."""
    args = ("1" if correct else "0", "" if similarity is None else repr(float(similarity)), bound.MAX_OBSERVATIONS)
    try:
        raw = await store.client.eval(_RECORD, 1, store.spec.entry_key(entry_id), *args)
    except RedisError as e:
        raise CacheUnavailableError(f"feedback write failed: {e}") from e
    if raw is None:
        return None
    text = raw.decode() if isinstance(raw, bytes) else str(raw)
    return read({KEY: json.loads(text)})
