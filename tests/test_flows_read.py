"""The chat's flow as the gate read it spares the later set/clear of the same transaction a
query — and only when that read is still true."""

from __future__ import annotations

from sqlalchemy import event, select

from bot.services import flows
from bot.services.flows import Flow
from models import FlowState


async def test_a_flow_read_as_absent_is_set_and_cleared_without_looking_again(db, clock):
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement.split()[0])

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        async with db.session() as s:
            flows.remember_read(s, 7, None)  # the gate found no flow for chat 7
            assert await flows.clear_flow(s, 7) is False
            assert statements == []  # nothing to delete: no statement
            await flows.set_flow(s, 7, Flow("kpi", "done"), clock.now())
            await s.flush()
            assert statements == ["INSERT"]  # no SELECT first
            assert await flows.clear_flow(s, 7) is True  # added since: really deleted
            await flows.set_flow(s, 7, Flow("kpi", "again"), clock.now())
        async with db.session() as s:
            row = await s.get(FlowState, 7)
            assert (row.flow, row.step) == ("kpi", "again")
            flows.remember_read(s, 7, row)  # a flow read as present is deleted as before
            statements.clear()
            assert await flows.clear_flow(s, 7) is True
            assert statements == ["DELETE"]
        async with db.session() as s:  # no read remembered: looked up as before
            assert await flows.clear_flow(s, 7) is False
            assert await s.scalar(select(FlowState).where(FlowState.chat_id == 7)) is None
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)
