"""The pieces that let several processes share one database, on SQLite and PostgreSQL:
the scheduler lease, the shared send pace, recorded webhook updates and their take-over."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot import inbound
from bot.jobs import leadership
from bot.pace import SharedPace
from models import InboundUpdate, SchedulerLease

T0 = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


async def test_one_lease_holder_and_take_over_after_expiry(db):
    assert await leadership.acquire(db, "p1", T0, seconds=40)
    assert not await leadership.acquire(db, "p2", T0 + timedelta(seconds=10), seconds=40)
    assert await leadership.acquire(db, "p1", T0 + timedelta(seconds=20), seconds=40)  # renew
    # p1 stops renewing (it died): its lease lapses 40 s after the last renewal.
    assert not await leadership.acquire(db, "p2", T0 + timedelta(seconds=59), seconds=40)
    assert await leadership.acquire(db, "p2", T0 + timedelta(seconds=61), seconds=40)
    assert not await leadership.acquire(db, "p1", T0 + timedelta(seconds=62), seconds=40)
    async with db.session() as s:
        assert (await s.get(SchedulerLease, "scheduler")).holder == "p2"
    await leadership.release(db, "p1")  # not the holder: nothing happens
    async with db.session() as s:
        assert await s.get(SchedulerLease, "scheduler") is not None
    await leadership.release(db, "p2")
    assert await leadership.acquire(db, "p1", T0 + timedelta(seconds=63), seconds=40)


async def test_concurrent_lease_claims_have_one_winner(db):
    results = await asyncio.gather(*[leadership.acquire(db, f"p{i}", T0, seconds=40)
                                     for i in range(6)])
    assert sorted(results) == [False] * 5 + [True]


async def test_two_paces_share_one_rate(db):
    """Two processes' senders reserving from one bucket get disjoint slots at the shared rate."""
    rate = 200.0
    a, b = SharedPace(db, rate), SharedPace(db, rate)
    batches: list[float] = []

    async def sender(pace: SharedPace) -> None:
        for _ in range(4):
            batches.append(await pace.reserve(10))
            for i in range(10):
                await pace.wait_slot(i)

    started = time.time()
    await asyncio.gather(sender(a), sender(b))
    elapsed = time.time() - started
    assert len(batches) == 8
    assert elapsed >= 79 / rate * 0.95  # 80 messages at 200/s need ~0.4 s, whoever sends them
    # Each batch of 10 owns [start, start + 10/rate): the two processes' batches never overlap,
    # so together they are scheduled at the rate, not twice it (the event loop's own
    # lateness may bunch a few sends; the schedule itself never does).
    batches.sort()
    gaps = [later - earlier for earlier, later in zip(batches, batches[1:], strict=False)]
    assert min(gaps) >= 10 / rate - 1e-6


async def test_a_late_sender_catches_up_without_a_burst(db):
    """One slow send (a database hiccup) puts the sender behind its schedule; the messages
    after it go out at most 5 % faster than the rate, never back to back (a burst would
    exceed Telegram's limit and earn 429s)."""
    rate = 50.0
    pace = SharedPace(db, rate)
    await pace.reserve(20)
    sent: list[float] = []
    for i in range(20):
        await pace.wait_slot(i)
        sent.append(time.monotonic())
        if i == 2:
            await asyncio.sleep(0.2)  # 10 slots' worth of lateness
    gaps = [later - earlier for earlier, later in zip(sent[3:], sent[4:], strict=False)]
    assert min(gaps) >= 1 / (rate * 1.05) - 0.002
    # without the bound, the ten overdue messages would have gone out at once
    assert sent[13] - sent[3] >= 10 / (rate * 1.05) - 0.01


def _payload(update_id: int, chat_id: int, text: str = "xin chào") -> dict:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": 0, "text": text,
        "chat": {"id": chat_id, "type": "private"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "Lan"}}}


async def test_recorded_updates_are_deduplicated_and_ordered_per_chat(db):
    assert await inbound.record(db, _payload(10, 1), "p1")
    assert not await inbound.record(db, _payload(10, 1), "p2")  # Telegram delivered it twice
    assert await inbound.record(db, _payload(11, 1), "p2")
    assert await inbound.record(db, _payload(12, 2), "p2")

    processor = inbound.ChatOrderProcessor(db, 4, ordered=True)
    order: list[int] = []

    async def handle(update_id: int, seconds: float) -> None:
        await asyncio.sleep(seconds)
        order.append(update_id)

    from telegram import Update

    updates = {i: Update.de_json(_payload(i, 1 if i < 12 else 2), None) for i in (10, 11, 12)}
    # Update 11 of chat 1 reaches its process first; it waits for 10 (another process).
    later = asyncio.create_task(processor.do_process_update(updates[11], handle(11, 0)))
    other_chat = asyncio.create_task(processor.do_process_update(updates[12], handle(12, 0)))
    await asyncio.sleep(0.2)
    assert order == [12]  # another chat is not held up
    await processor.do_process_update(updates[10], handle(10, 0.1))
    await later, other_chat
    assert order == [12, 10, 11]
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(InboundUpdate)) == 0


async def test_updates_left_by_a_dead_process_are_taken_over(db):
    """A process's rows are taken over as soon as its liveness lease lapses — not after a
    fixed delay — and never while it lives."""
    from bot.jobs.leadership import acquire, process_lease, release

    class App:
        bot = None
        update_queue: asyncio.Queue = asyncio.Queue()
        bot_data = {"services": type("S", (), {"db": db})()}

    now = datetime.now(UTC)
    for holder in ("dying", "alive", "p2"):
        assert await acquire(db, holder, now, 40, name=process_lease(holder))
    assert await inbound.record(db, _payload(20, 5), "dying")
    assert await inbound.record(db, _payload(21, 6), "alive")
    assert await inbound.take_over_stale(App, "p2") == 0  # both holders are alive
    await release(db, "dying", name=process_lease("dying"))  # it stopped (or its lease lapsed)
    assert await inbound.take_over_stale(App, "p2") == 1
    taken = App.update_queue.get_nowait()
    assert taken.update_id == 20 and taken.message.text == "xin chào"
    async with db.session() as s:
        row = await s.get(InboundUpdate, 20)
        assert row.holder == "p2"  # now this process's; deleted when handled
    assert await inbound.take_over_stale(App, "p3") == 0  # not taken twice: p2 is alive


async def test_a_recorded_update_that_cannot_be_read_is_skipped_not_retried(db, caplog):
    """One bad row never stalls its chat nor makes the scheduler fail every minute."""
    class App:
        bot = None
        update_queue: asyncio.Queue = asyncio.Queue()
        bot_data = {"services": type("S", (), {"db": db})()}

    from bot.jobs.leadership import acquire, process_lease, release

    for alive in ("p2", "p3", "dead"):
        assert await acquire(db, alive, datetime.now(UTC), 40, name=process_lease(alive))
    await release(db, "dead", name=process_lease("dead"))  # it stopped
    assert await inbound.record(db, {"update_id": 30, "message": "not a message"}, "dead")
    assert await inbound.record(db, _payload(31, 7), "dead")
    with caplog.at_level("WARNING"):
        assert await inbound.take_over_stale(App, "p2") == 1  # the good one
    assert [r.getMessage() for r in caplog.records if "cannot be read" in r.getMessage()] == [
        "skipped a recorded update that cannot be read (update_id 30)"]
    async with db.session() as s:
        assert await s.get(InboundUpdate, 30) is None
    assert App.update_queue.get_nowait().update_id == 31
    assert await inbound.take_over_stale(App, "p3") == 0


async def test_waiting_for_a_chats_turn_holds_no_slot_and_a_dead_holders_update_goes_first(db):
    """Two processes, the other one dies while holding chat 1's oldest update: chats waiting
    behind it never block other chats (the waiting takes no working slot), and the dead
    process's update is taken over at once and handled before the chat's later ones."""
    from bot.jobs.leadership import acquire, process_lease, release

    order: list[int] = []

    class App:
        bot = None
        bot_data = {"process_id": "me"}

        async def process_update(self, update):
            order.append(update.update_id)

    now = datetime.now(UTC)
    for holder in ("me", "other"):
        assert await acquire(db, holder, now, 40, name=process_lease(holder))
    assert await inbound.record(db, _payload(50, 1, "số liệu cũ"), "other")  # being handled
    for update_id, chat in ((51, 1), (52, 2), (53, 3), (54, 4), (55, 5), (56, 1)):
        assert await inbound.record(db, _payload(update_id, chat), "me")
    # chats 2–5 also have an older update held by the other process
    for update_id, chat in ((40, 2), (41, 3), (42, 4), (43, 5)):
        assert await inbound.record(db, _payload(update_id, chat), "other")
    assert await inbound.record(db, _payload(60, 9), "me")  # an unrelated chat

    processor = inbound.ChatOrderProcessor(db, 2, ordered=True)  # two working slots
    processor.app = App()
    from telegram import Update

    async def handle(update_id: int) -> None:
        order.append(update_id)

    def run(update_id: int, chat: int):
        update = Update.de_json(_payload(update_id, chat), None)
        return asyncio.create_task(processor.process_update(update, handle(update_id)))

    waiting = [run(51, 1), run(52, 2), run(53, 3), run(54, 4), run(55, 5), run(56, 1)]
    await asyncio.sleep(0.3)
    started = time.monotonic()
    await asyncio.wait_for(run(60, 9), 1.0)  # answered within a second
    assert time.monotonic() - started < 1.0 and order == [60]
    # the other process dies: its updates are taken over here, each before its chat's next
    await release(db, "other", name=process_lease("other"))
    await asyncio.wait_for(asyncio.gather(*waiting), 10)
    assert order.index(50) < order.index(51) < order.index(56)
    for older, later in ((40, 52), (41, 53), (42, 54), (43, 55)):
        assert order.index(older) < order.index(later)
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(InboundUpdate)) == 0


async def test_a_process_that_has_not_written_its_first_lease_keeps_its_updates(db):
    """A process records updates a moment before its first liveness lease: another process
    must not take them over then (two processes started together answered the same update
    twice); one that stopped (its lease released) is taken over at once."""
    from bot.jobs.leadership import acquire, process_lease, release

    class App:
        bot = None
        update_queue: asyncio.Queue = asyncio.Queue()
        bot_data = {"services": type("S", (), {"db": db})()}

    now = datetime.now(UTC)
    for holder in ("me", "stopped"):
        assert await acquire(db, holder, now, 40, name=process_lease(holder))
    await release(db, "stopped", name=process_lease("stopped"))
    assert await inbound.record(db, _payload(70, 1), "starting")  # no lease yet
    assert await inbound.record(db, _payload(71, 2), "stopped")
    assert await inbound.take_over_stale(App, "me") == 1
    assert App.update_queue.get_nowait().update_id == 71
    async with db.session() as s:
        assert (await s.get(InboundUpdate, 70)).holder == "starting"
