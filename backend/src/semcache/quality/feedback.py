"""Per-entry thresholds learned from feedback (`POST /cache/feedback {id, correct, similarity?}`).

One threshold for every entry is the compromise `semcache eval` measures; an entry whose answer was
served wrongly once will be served wrongly again to the next query as close as that one (vCache,
arXiv 2502.03771, learns a threshold per cached embedding for the same reason). So each entry keeps its
verdicts in its own HASH, inside `metadata` under `_feedback` (returned by every search, so the verifier
needs no extra read):

- `right`, `wrong`: how many served hits a client confirmed or reported;
- `bar`: the highest similarity at which a hit on it was reported wrong. The verifier then serves it only
  to queries strictly closer than that; a wrong report without a similarity sets the bar to 1.0, so the
  entry answers verbatim repeats (the exact path) and nothing else.

Feedback only tightens: right reports are counted, never used to serve below the global threshold, so a
client cannot loosen the cache for other users of its tenant.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from redis.exceptions import RedisError

from semcache.cache.redis import RedisStore
from semcache.errors import CacheUnavailableError

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
if ARGV[1] == '1' then
  fb['right'] = (tonumber(fb['right']) or 0) + 1
else
  fb['wrong'] = (tonumber(fb['wrong']) or 0) + 1
  local s = tonumber(ARGV[2]) or 1.0
  if fb['bar'] == nil or s > tonumber(fb['bar']) then fb['bar'] = s end
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


def read(metadata: Mapping[str, object]) -> Feedback:
    raw = metadata.get(KEY)
    if not isinstance(raw, Mapping):
        return Feedback()
    bar = raw.get("bar")
    return Feedback(
        _int(raw.get("right")), _int(raw.get("wrong")), float(bar) if isinstance(bar, int | float) else None
    )


def _int(value: object) -> int:
    return int(value) if isinstance(value, int | float) else 0


def refusal(metadata: Mapping[str, object], similarity: float) -> str | None:
    """Why an entry with this feedback must not be served at this similarity, or None."""
    fb = read(metadata)
    if fb.bar is not None and similarity <= fb.bar:
        return f"feedback: reported wrong at similarity {fb.bar:.3f}"
    return None


async def record(store: RedisStore, entry_id: str, *, correct: bool, similarity: float | None) -> Feedback | None:
    """Count a verdict on an entry (None: no such entry). `similarity` is the one the hit was served at."""
    args = ("1" if correct else "0", "" if similarity is None else repr(float(similarity)))
    try:
        raw = await store.client.eval(_RECORD, 1, store.spec.entry_key(entry_id), *args)
    except RedisError as e:
        raise CacheUnavailableError(f"feedback write failed: {e}") from e
    if raw is None:
        return None
    text = raw.decode() if isinstance(raw, bytes) else str(raw)
    return read({KEY: json.loads(text)})
