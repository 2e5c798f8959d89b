"""Counting the transactions each update begins (harness.transactions), with the gate's read
left open for the feature handler as ENGINEERING.md says ("one update is one transaction").

Today `handlers/gate.py` registers the gate with `stop_on_error`, which commits the gate's
read when the gate returns, so a feature handler marked `one_transaction` begins a second
one. `gate_shares_its_transaction` rebuilds the bot with the gate registered the intended
way (errors handled as before, the read left open), so a flow test can prove its handlers
join the update's transaction and send nothing while it is open (the harness refuses that).
Once the gate itself leaves the read open, the patch changes nothing and can go.
"""

from __future__ import annotations

import functools

from telegram.ext import ApplicationHandlerStop


def _leaves_transaction_open(callback):
    @functools.wraps(callback)
    async def wrapper(update, context) -> None:
        try:
            await callback(update, context)
        except ApplicationHandlerStop:
            await context.end_transaction()
            raise
        except Exception as exc:  # noqa: BLE001 - handed to the error handlers
            await context.end_transaction(exc)
            await context.application.process_error(update, exc)
            raise ApplicationHandlerStop from None

    return wrapper


async def gate_shares_its_transaction(harness, clock, monkeypatch) -> None:
    import handlers.gate

    monkeypatch.setattr(handlers.gate, "stop_on_error", _leaves_transaction_open)
    await harness.restart(clock)


def begun_since(harness, since: int) -> list[int]:
    """How many transactions each update since the `since`-th one began."""
    return [count for _update, count in harness.transactions[since:]]
