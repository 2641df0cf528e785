"""What happened to entries, written back to them: hits (with the sliding TTL), misses, and verdicts.

Each is one round trip, and none creates a key: a script on a missing or expired entry leaves it alone
(HINCRBY or HSET on it would create a TTL-less orphan).
"""

from __future__ import annotations

import time

from semcache.cache.codec import json_object
from semcache.cache.keyspace import Keyspace, unavailable_on

__all__ = ["Counters"]

# One hit, counted where it happened: the entry's own counters and, with a sliding TTL, its expiry renewed
# to the TTL it was stored with, but never past created_at + CACHE_TTL_MAX. One call, off the request's path
# (SemanticCache counts hits in the background), so sliding adds no round trip to a hit.
_HIT = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HINCRBY', KEYS[1], 'hits', 1)
redis.call('HSET', KEYS[1], 'last_hit_at', ARGV[1], 'last_similarity', ARGV[2])
if ARGV[3] == '1' then
  local ttl = tonumber(redis.call('HGET', KEYS[1], 'ttl') or '')
  if ttl and ttl > 0 then
    local cap = tonumber(ARGV[4]) or 0
    if cap > 0 then
      local created = tonumber(redis.call('HGET', KEYS[1], 'created_at') or '') or 0
      ttl = math.min(ttl, math.floor(created + cap - tonumber(ARGV[1])))
    end
    if ttl > redis.call('TTL', KEYS[1]) then redis.call('EXPIRE', KEYS[1], ttl) end
  end
end
return 1
"""

# A verdict on a served hit (verify/feedback.py says what it means): read-modify-write of the metadata
# JSON in one step, so concurrent reports never lose a count. ARGV: 1 right / 0 wrong, the similarity the
# hit was served at (or ""), how many observations to keep.
_VERDICT = """
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


class Counters:
    def __init__(self, keyspace: Keyspace, *, sliding_ttl: bool = False, ttl_max: int | None = None) -> None:
        self._ks = keyspace
        self.sliding_ttl = sliding_ttl
        self.ttl_max = ttl_max

    async def record_hit(self, entry_id: str, similarity: float = 1.0) -> None:
        with unavailable_on("hit count failed"):
            async with self._ks.client.pipeline(transaction=False) as pipe:
                pipe.hincrby(self._ks.spec.stats_key, "hits", 1)
                pipe.eval(
                    _HIT,
                    1,
                    self._ks.spec.entry_key(entry_id),
                    f"{time.time():.6f}",
                    f"{similarity:.6f}",
                    "1" if self.sliding_ttl else "0",
                    self.ttl_max or 0,
                )
                await pipe.execute()

    async def record_miss(self) -> None:
        with unavailable_on("miss count failed"):
            await self._ks.client.hincrby(self._ks.spec.stats_key, "misses", 1)

    async def record_verdict(
        self, entry_id: str, *, correct: bool, similarity: float | None, keep: int
    ) -> dict[str, object] | None:
        """Count a verdict on an entry, keeping its newest `keep` observations with a similarity; the entry's
        feedback state as stored afterwards, or None when there is no such entry."""
        args = ("1" if correct else "0", "" if similarity is None else repr(float(similarity)), keep)
        with unavailable_on("feedback write failed"):
            raw = await self._ks.client.eval(_VERDICT, 1, self._ks.spec.entry_key(entry_id), *args)
        return None if raw is None else json_object(raw)
