"""bot.services.notices' use cases, called directly: reading a composer's answers, the
audience, sending a draft, a cadre's notices, acknowledging, statistics and the follow-up."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.demo import load_demo_province
from bot.services import notices as rules
from bot.services.answers import Answer, AnswerError
from bot.services.notices import Draft, NoticeError
from models import Cadre, NoticeDelivery, TrainingRequirement
from models.enums import DeliveryStatus

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # Friday 20/11/2026, 09:00 in Hanoi
TODAY = NOW.date()
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
LINKED = {"XTH004": 801, "XTH002": 802, "XTH005": 803, "SNV003": 804, "BTC002": 805}


def refused(read, *args) -> str:
    with pytest.raises(AnswerError) as caught:
        read(*args)
    return caught.value.code


def test_reading_the_composers_answers():
    assert rules.read_text(Answer(text="Họp <giao ban>")) == {"text": "Họp <giao ban>"}
    assert refused(rules.read_text, Answer()) == "text_missing"
    with pytest.raises(AnswerError) as caught:
        rules.read_text(Answer(text="x" * (rules.MAX_TEXT + 1)))
    assert (caught.value.code, caught.value.info) == ("too_long", {"limit": rules.MAX_TEXT})
    assert rules.read_attachment(Answer(photo_id="P")) == {"attachment_kind": "photo",
                                                           "attachment_file_id": "P"}
    assert rules.read_attachment(Answer(document_id="D"))["attachment_kind"] == "document"
    assert refused(rules.read_attachment, Answer(text="tệp")) == "attachment_missing"
    assert rules.read_codes(Answer(text="xth; SNV ,, ")) == ["xth", "SNV"]
    assert refused(rules.read_codes, Answer(text=" , ;")) == "codes_missing"


def test_reading_when_to_send():
    at = rules.read_when(Answer(text="25/11/2026 8h00"), HANOI, NOW)["at"]
    assert datetime.fromisoformat(at) == datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
    assert rules.read_when(Answer(text=" 1/12/2026 17:30 "), HANOI, NOW)["at"].startswith(
        "2026-12-01T17:30")
    assert refused(rules.read_when, Answer(text="31/02/2026 08:00"), HANOI, NOW) == "when_format"
    assert refused(rules.read_when, Answer(text="ngày mai"), HANOI, NOW) == "when_format"
    assert refused(rules.read_when, Answer(text="20/11/2026 09:00"), HANOI, NOW) == "when_past"


def test_the_draft_and_its_audience():
    assert rules.toggled({"levels": ["xa"]}, "levels", "xa") == {"levels": []}
    assert rules.toggled({}, "staff_types", "can_bo") == {"staff_types": ["can_bo"]}
    draft = Draft.of({"text": "Họp", "audience": {"young": True}})
    assert (draft.ack_kind, draft.at, draft.attachment_kind) == ("none", None, None)
    scheduled = Draft.of({"text": "Họp", "ack": "ack", "at": "2026-11-25T08:00:00+07:00"})
    assert scheduled.at == datetime(2026, 11, 25, 1, 0, tzinfo=UTC)


@pytest.fixture
async def province(db):
    async with db.session() as s:
        await load_demo_province(s, NOW, link=False)
        cadres = {c.code: c for c in await s.scalars(select(Cadre))}
        for code, chat in LINKED.items():
            cadres[code].telegram_user_id = cadres[code].telegram_chat_id = chat
        return {code: cadres[code].id for code in LINKED}


async def delivered(db, notice_id: int) -> None:
    """What the outbox does: every delivery sent."""
    async with db.session() as s:
        for delivery in await s.scalars(select(NoticeDelivery).where(
                NoticeDelivery.notice_id == notice_id)):
            await rules.mark(s, delivery.id, status=DeliveryStatus.SENT, now=NOW, message_id=1)


async def test_codes_are_taken_as_stored_and_unknown_ones_refused(db, province):
    async with db.session() as s:
        audience = await rules.with_codes(s, {"young": True}, "units", ["xth"])
        assert audience == {"young": True, "units": ["XTH"]}
        assert await rules.recipient_count(s, {"units": ["XTH"]}, TODAY) == 3
        with pytest.raises(NoticeError) as caught:
            await rules.with_codes(s, {}, "positions", ["MC-XA", "NOPE"])
        assert (caught.value.code, caught.value.info) == ("unknown_positions",
                                                          {"codes": ["NOPE"]})
        requirement = await s.scalar(select(TrainingRequirement.id).where(
            TrainingRequirement.code == "BD-VTVL"))
        assert await rules.requirement_code(s, requirement) == "BD-VTVL"
        with pytest.raises(NoticeError):
            await rules.requirement_code(s, 999_999)


async def test_send_read_acknowledge_and_follow_up(db, province):
    draft = Draft.of({"text": "Họp giao ban", "ack": "ack", "audience": {"units": ["XTH"]}})
    async with db.session() as s:
        queued = await rules.send_draft(s, draft, author_id=province["BTC002"], now=NOW,
                                        today=TODAY, status_chat=(805, 77))
        assert (queued.count, queued.stats.total, queued.stats.queued) == (3, 3, 3)
        assert (queued.notice.status, queued.notice.status_message_id) == ("sending", 77)
        notice_id = queued.notice.id
        # not sent yet: not in her list
        assert (await rules.received_by(s, province["XTH004"], 0)).items == []
    await delivered(db, notice_id)
    async with db.session() as s:
        inbox = await rules.received_by(s, province["XTH004"], 0)
        assert not inbox.more and [i.text for i in inbox.items] == ["Họp giao ban"]
        mine = inbox.items[0]
        assert (mine.ack_kind, mine.acknowledged_at, mine.at) == ("ack", None, NOW)
        opened = await rules.open_delivery(s, mine.delivery_id, province["XTH004"])
        assert (opened.notice.text, opened.acknowledged) == ("Họp giao ban", False)
        with pytest.raises(NoticeError):  # someone else's delivery
            await rules.open_delivery(s, mine.delivery_id, province["XTH005"])
        with pytest.raises(NoticeError):
            await rules.acknowledge(s, mine.delivery_id, province["XTH005"], NOW)
        first = await rules.acknowledge(s, mine.delivery_id, province["XTH004"], NOW)
        again = await rules.acknowledge(s, mine.delivery_id, province["XTH004"], NOW.replace(
            hour=5))
        assert (first.first, again.first, again.at, again.ack_kind) == (True, False, NOW, "ack")
        found = await rules.notice_stats(s, notice_id)
        assert found.stats.acknowledged == 1 and not found.may_follow_up  # still sending
        assert await rules.finish_done(s, NOW)
    async with db.session() as s:
        assert (await rules.notice_stats(s, notice_id)).may_follow_up
        assert [n.id for n in await rules.recent(s)] == [notice_id]
        assert await rules.remind(s, notice_id, NOW, TODAY, "🔁") == 2  # the two who did not
    async with db.session() as s:
        assert await rules.remind(s, notice_id, NOW, TODAY, "🔁") is None  # once only
        assert not (await rules.notice_stats(s, notice_id)).may_follow_up
        with pytest.raises(NoticeError):
            await rules.notice_stats(s, 999_999)


async def test_a_scheduled_draft_waits(db, province):
    draft = Draft.of({"text": "Hội nghị", "at": "2026-11-25T08:00:00+07:00"})
    async with db.session() as s:
        queued = await rules.send_draft(s, draft, author_id=None, now=NOW, today=TODAY,
                                        status_chat=None)
        assert queued.notice.status == "scheduled" and queued.count == len(LINKED)
