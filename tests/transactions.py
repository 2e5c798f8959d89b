"""Counting the transactions each update begins (harness.transactions): the gate's read is
left open for the feature handler, so one update is one transaction (ENGINEERING.md)."""

from __future__ import annotations


def begun_since(harness, since: int) -> list[int]:
    """How many transactions each update since the `since`-th one began."""
    return [count for _update, count in harness.transactions[since:]]
