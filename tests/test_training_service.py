"""bot.services.training's use cases, called directly: reading the answers of a course
declaration, a person's overview, declaring, and the verifier's decision."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from bot.demo import load_demo_province
from bot.services import training as rules
from bot.services.answers import Answer, AnswerError
from bot.services.identity import Actor
from bot.services.numbers import NotANumber
from bot.services.review import ReviewError
from models import Cadre
from models.enums import Role

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # Friday 20/11/2026, 09:00 in Hanoi
TODAY = date(2026, 11, 20)


def refused(read, answer: Answer) -> AnswerError:
    with pytest.raises(AnswerError) as caught:
        read(answer, TODAY)
    return caught.value


def test_reading_a_declaration():
    assert rules.read_title(Answer(text="Lớp QLNN"), TODAY) == {"title": "Lớp QLNN"}
    assert refused(rules.read_title, Answer(photo_id="P")).code == "ask_again"
    assert refused(rules.read_provider, Answer(text="x" * 256)).info == {"limit": 255}
    assert refused(rules.read_certificate_no, Answer(text="x" * 65)).info == {"limit": 64}
    assert rules.read_certificate_no(Answer(text="GCN-1"), TODAY) == {"certificate_no": "GCN-1"}


def test_reading_dates():
    assert rules.read_dates(Answer(text="3/11/2026 - 7/11/2026"), TODAY) == {
        "start": "2026-11-03", "end": "2026-11-07"}
    assert rules.read_dates(Answer(text="10/10/2026"), TODAY) == {"start": "2026-10-10",
                                                                  "end": "2026-10-10"}
    assert rules.read_dates(Answer(text="01/11/2026 đến 05/11/2026"), TODAY)["end"] == "2026-11-05"
    assert refused(rules.read_dates, Answer(text="hôm qua")).code == "dates_format"
    assert refused(rules.read_dates, Answer(text="31/02/2026")).code == "dates_format"
    for impossible in ("3/11/2026 - 31/12/2026", "7/11/2026 - 3/11/2026", "1/1/1999"):
        assert refused(rules.read_dates, Answer(text=impossible)).code == "dates_impossible"


def test_reading_hours_and_the_certificate():
    assert rules.read_hours(Answer(text="12,5"), TODAY) == {"hours": 12.5}
    error = refused(rules.read_hours, Answer(text="mười sáu"))
    assert error.code == "not_a_number" and isinstance(error.info["error"], NotANumber)
    assert refused(rules.read_hours, Answer(text="0")).code == "hours_range"
    assert refused(rules.read_hours, Answer(text="2001")).code == "hours_range"
    assert rules.read_certificate_file(Answer(photo_id="P"), TODAY) == {"file_id": "P",
                                                                        "file_kind": "photo"}
    pdf = Answer(document_id="D", mime_type="application/pdf", file_size=1024)
    assert rules.read_certificate_file(pdf, TODAY) == {"file_id": "D", "file_kind": "document"}
    assert rules.read_certificate_file(Answer(document_id="D", mime_type="image/png"),
                                       TODAY)["file_kind"] == "document"
    assert refused(rules.read_certificate_file, Answer(
        document_id="D", mime_type="application/x-msdownload")).code == "file_kind"
    assert refused(rules.read_certificate_file, Answer(text="ảnh")).code == "file_kind"
    assert refused(rules.read_certificate_file, Answer(
        document_id="D", mime_type="application/pdf", file_size=rules.MAX_FILE + 1)).code \
        == "file_too_large"


def test_reading_a_reason():
    assert rules.read_reason(Answer(text="Không có giấy chứng nhận"), TODAY) == {
        "reason": "Không có giấy chứng nhận"}
    assert refused(rules.read_reason, Answer(text=". ?")).code == "reason_required"
    assert refused(rules.read_reason, Answer(text="x" * 501)).code == "reason_too_long"


@pytest.fixture
async def people(db):
    """Actors of the demo province: Thảo, her evaluator Ánh, a peer, the board."""
    async with db.session() as s:
        await load_demo_province(s, NOW, link=False)
        cadres = {c.code: c for c in await s.scalars(select(Cadre))}
        cadres["XTH002"].telegram_chat_id = 802  # Ánh can be told

    def actor(code: str, *roles: Role) -> Actor:
        c = cadres[code]
        return Actor(c.id, c.code, c.full_name, c.unit_id, frozenset({Role.CADRE, *roles}))

    return {"thao": actor("XTH004"), "anh": actor("XTH002", Role.SUPERVISOR),
            "peer": actor("XTH005"), "board": actor("BTC002", Role.BOARD)}


COURSE = {"title": "Kỹ năng số", "category": "khcn_dmst_so", "start": "2026-11-03",
          "end": "2026-11-07", "hours": 16, "file_id": "P", "file_kind": "photo"}


async def test_declare_verify_and_reject(db, people):
    thao, anh, peer, board = people["thao"], people["anh"], people["peer"], people["board"]
    async with db.session() as s:
        before = await rules.overview(s, thao, TODAY)
        assert before.year == 2026 and before.obligations and before.records == []
        assert (before.waiting, before.is_board) == (0, False)
        declared = await rules.declare_course(s, thao, COURSE, NOW)
        assert (declared.record.status, declared.cadre_name) == ("claimed", "Đinh Thị Thảo")
        assert declared.evaluator_chat == 802
        record_id = declared.record.id
    async with db.session() as s:
        after = await rules.overview(s, thao, TODAY)
        digital = next(o for o in after.obligations if o.requirement.category == "khcn_dmst_so")
        assert (digital.hours_done, digital.hours_pending) == (0, 16)
        assert [r.title for r in after.records] == ["Kỹ năng số"]
        assert (await rules.overview(s, anh, TODAY)).waiting == 1
        assert (await rules.verifiable(s, anh, record_id)).id == record_id
        assert (await rules.verifiable(s, board, record_id)).id == record_id
        with pytest.raises(ReviewError):
            await rules.verifiable(s, peer, record_id)
        with pytest.raises(ReviewError):
            await rules.decide(s, peer, record_id, approve=True, reason=None, now=NOW)
        decision = await rules.decide(s, anh, record_id, approve=True, reason=None, now=NOW)
        assert (decision.approved, decision.record.status) == (True, "verified")
        assert (decision.pending.items, decision.pending.total) == ([], 0)
        assert decision.cadre_chat is None  # Thảo is not linked
    async with db.session() as s:
        with pytest.raises(ReviewError) as caught:
            await rules.decide(s, anh, record_id, approve=False, reason="Sai", now=NOW)
        assert caught.value.code == "already_decided"
        second = (await rules.declare_course(s, thao, {**COURSE, "title": "QLNN"}, NOW)).record
        rejected = await rules.decide(s, board, second.id, approve=False,
                                      reason=" Không có giấy chứng nhận ", now=NOW)
        assert (rejected.record.status, rejected.record.reject_reason) == (
            "rejected", "Không có giấy chứng nhận")


async def test_nobody_verifies_their_own_course(db, people):
    board = people["board"]
    async with db.session() as s:
        own = (await rules.declare_course(s, board, COURSE, NOW)).record
        assert (await rules.overview(s, board, TODAY)).waiting == 0
        with pytest.raises(ReviewError) as caught:
            await rules.decide(s, board, own.id, approve=True, reason=None, now=NOW)
        assert caught.value.code == "forbidden"
