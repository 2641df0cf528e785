"""semcache.api.memo: a check's result is reused for its period, and concurrent callers share one run."""

from __future__ import annotations

import asyncio

from semcache.api.memo import Memo


async def test_one_run_per_period_and_callers_share_it() -> None:
    now = [0.0]
    runs = 0
    release = asyncio.Event()

    async def check() -> int:
        nonlocal runs
        runs += 1
        await release.wait()
        return runs

    memo: Memo[int] = Memo(10.0, clock=lambda: now[0])
    waiting = [asyncio.create_task(memo.get(check)) for _ in range(5)]
    await asyncio.sleep(0)
    release.set()
    assert await asyncio.gather(*waiting) == [1] * 5 and runs == 1
    now[0] = 9.9
    assert await memo.get(check) == 1
    now[0] = 10.0
    assert await memo.get(check) == 2 and runs == 2


async def test_a_result_keep_refuses_is_checked_again() -> None:
    results = iter([False, True, False])

    async def check() -> bool:
        return next(results)

    memo: Memo[bool] = Memo(10.0, clock=lambda: 0.0)
    assert await memo.get(check, keep=bool) is False
    assert await memo.get(check, keep=bool) is True  # the failure was not reused
    assert await memo.get(check, keep=bool) is True  # the success is
