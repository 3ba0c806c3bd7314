"""`_OwnSteps` (sync/transport.py) counts the CPU time of a coroutine's own steps, not that of the
tasks that run while it waits: what a stranger's handshake is charged (node/hello_budget.py)."""
from __future__ import annotations

import asyncio
import time

import pytest

from sync.transport import _OwnSteps


def burn(seconds: float) -> None:
    until_cpu = time.thread_time() + seconds
    while time.thread_time() < until_cpu:
        pass


async def test_a_coroutines_own_steps_are_counted_and_not_the_others_tasks() -> None:
    waiting, go_on = asyncio.Event(), asyncio.Event()

    async def own() -> str:
        burn(0.03)
        waiting.set()
        await go_on.wait()  # while another task burns 0.3 s
        await asyncio.sleep(0)
        burn(0.03)
        return "done"

    async def other() -> None:
        await waiting.wait()
        burn(0.3)
        go_on.set()

    steps = _OwnSteps(own())
    result, _ = await asyncio.gather(steps, other())
    assert result == "done"
    assert 0.06 <= steps.cpu < 0.2, steps.cpu


async def test_a_cancellation_reaches_the_coroutine_and_its_steps_are_counted() -> None:
    cleaned = []

    async def own() -> None:
        try:
            burn(0.02)
            await asyncio.Event().wait()
        finally:
            burn(0.02)
            cleaned.append(True)

    steps = _OwnSteps(own())
    task = asyncio.ensure_future(steps)
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cleaned == [True] and steps.cpu >= 0.04
