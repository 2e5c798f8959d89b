"""The access-control matrix (SPEC §10): every command, menu label, conversation step and
button the bot registers, tried by every kind of person, against one table of what each may
do. A handler, a button action or a flow the table does not name fails the test.

How a cell is checked. The province is set up once (a submitted report, a declared course,
a notice delivered, delegations) and saved; every cell starts from that saved database.
Commands and menu labels are sent by the actor. Buttons are first collected by walking the
bot's screens as the people they are made for ("the owner" of each button), then each
button's exact callback data is tapped by every actor — for anyone but its owner that is a
forged or replayed tap.

- ✓: the actor gets a screen (a message or an edit), not a refusal.
- ✗: the actor gets only a refusal — an alert or a one-line reply — and nothing stored
  changes (except their own conversation state).
In every cell, whatever the actor sees names no person they may not see (only themselves,
their evaluator, the cadres they evaluate or review as a delegate, or anyone for the board).

The table runs on SQLite only: it restores a file snapshot between cells; the rules it
checks live in the handlers and services, the same code on both backends.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler

from bot.demo import load_demo_province
from bot.policy import Policy
from bot.services import periods
from bot.services.calendar import WorkCalendar
from bot.services.identity import hash_invite
from handlers.flowrouter import ROUTES
from models import (
    Appeal,
    Base,
    Cadre,
    ChatImport,
    Delegation,
    Evaluation,
    InviteCode,
    OrgUnit,
    Period,
    ProductType,
    Task,
)
from tests.test_flow_chatfiles import XLSX, new_cadre, roster
from tests.test_flow_leave import declare as declare_leave
from tests.test_flow_notices import compose, drain
from tests.test_flow_report import fill_and_submit
from tests.test_flow_training import declare_course

pytestmark = pytest.mark.parametrize("db_target", ["sqlite"], indirect=True)

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # Friday 20/11/2026, 09:00 in Hanoi
TODAY = date(2026, 11, 20)

# -------------------------------------------------------------------------------- actors
# (roster code or None, Telegram id). The report, course and notices belong to "cadre".
ACTORS: dict[str, tuple[str | None, int]] = {
    "unlinked": (None, 9001),  # on no roster
    "deactivated": ("XTH008", 9002),  # linked once, then deactivated
    "cadre": ("XTH004", 9003),  # Đinh Thị Thảo, evaluated by XTH002
    "peer": ("XTH005", 9004),  # same commune, same evaluator
    "other_cadre": ("SNV003", 9005),  # another unit
    "evaluator": ("XTH002", 9006),  # Phan Thị Ngọc Ánh, evaluates the commune's staff
    "other_supervisor": ("SNV002", 9007),  # evaluates another unit
    "delegate": ("XTH003", 9008),  # Ánh's reviews are delegated to him this week
    "past_delegate": ("XTH006", 9009),  # Ánh's delegation to her ended yesterday
    "board": ("BTC002", 9010),  # Organization Board
}
NAMES = list(ACTORS)
SON = ("XTH009", 9011)  # another of Ánh's cadres, whose report waits for review
INVITE = ("XTH007", "MATRXABC23")  # an invite for a record nobody uses yet, as a forwarded link
# The people whose screens are walked to collect buttons (the owners of buttons).
OWNERS = ["cadre", "evaluator", "delegate", "board", "other_supervisor", "peer"]


def row(allowed: str) -> dict[str, bool]:
    """'cadre peer …' → a full row: those actors may, every other actor is refused."""
    names = allowed.split()
    unknown = set(names) - set(NAMES)
    assert not unknown, unknown
    return {name: name in names for name in NAMES}


EVERY_LINKED = "cadre peer other_cadre evaluator other_supervisor delegate past_delegate board"
SUPERVISORS = "evaluator other_supervisor delegate board"  # who sees the supervisor menus
# ------------------------------------------------------------------------------ the table
# Commands and menu labels: who gets the screen; the others get the onboarding, the
# "deactivated" answer or a refusal.
MESSAGES: dict[str, dict[str, bool]] = {
    "/start": row(EVERY_LINKED),
    # an invite link: whoever holds the code may use it (a linked person is asked first)
    f"/start {INVITE[1]}": row(" ".join(NAMES)),
    "/huy": row(EVERY_LINKED),
    "/trogiup": row(EVERY_LINKED),
    "❓ Trợ giúp": row(EVERY_LINKED),
    "/baocao": row(EVERY_LINKED),
    "📝 Báo cáo KPI": row(EVERY_LINKED),
    "/ketqua": row(EVERY_LINKED),
    "📊 Kết quả của tôi": row(EVERY_LINKED),
    "/boiduong": row(EVERY_LINKED),
    "📚 Bồi dưỡng": row(EVERY_LINKED),
    "/thongbao": row(EVERY_LINKED),
    "🔔 Thông báo": row(EVERY_LINKED),
    "/caidat": row(EVERY_LINKED),
    # the dashboard's button: the page itself re-authorises every call (tests/test_webapp_api)
    "/bangdieukhien": row(EVERY_LINKED),
    "🖥 Bảng điều khiển": row(EVERY_LINKED),
    "/pheduyet": row(SUPERVISORS),
    "✅ Phê duyệt": row(SUPERVISORS),
    # a delegate reviews reports; digests and targets stay with the evaluator
    "/tonghop": row("evaluator other_supervisor board"),
    "📈 Tổng hợp": row("evaluator other_supervisor board"),
    "/chitieu": row("evaluator other_supervisor"),  # the board is told to add a code

    "/chitieu XTH004": row("evaluator board"),
    "/suabaocao": row("board"),
    "/suabaocao XTH004 2026-11": row("board"),
    "/phananh": row("board"),  # the usage line
    "/phananh XTH004": row("board"),  # the people's feedback about Thảo
}

# Buttons, by "prefix:action" of their callback data (the owner in brackets): who may tap
# the owner's button. Rows marked "own data" act on whoever taps (a replay shows or changes
# only the tapper's own things, never the owner's).
CADRES = "cadre peer other_cadre evaluator other_supervisor delegate past_delegate board"
REVIEWERS = "evaluator delegate board"  # Thảo's and Sơn's evaluator, her delegate, the board
BUTTONS: dict[str, dict[str, bool]] = {
    # 📝 Báo cáo KPI — own data
    "kp:e": row("evaluator"),  # [evaluator] open a product of her own report
    "kp:g": row(CADRES),  # [evaluator] self-assessment of the general criteria: own data
    "kp:gc": row("evaluator"),  # [evaluator] a choice inside her own self-assessment
    "kp:sub": row(CADRES),  # [evaluator] send for approval: own data
    "kb:e": row("board"),  # [board] the board corrects someone's product
    # 📊 Kết quả của tôi — own data
    "rs:b": row(CADRES),
    "rs:c": row("cadre"),  # [cadre] chart of own scores: others have none to chart
    "rs:d": row("cadre"),  # [cadre] breakdown of a period of her own results
    "cb:l": row(CADRES),  # [cadre] her agency's published lists: own agency (none yet)
    "pa:nc": row("board"),  # [board] record feedback about Thảo
    # 🏖 nghỉ (from 📊 Kết quả của tôi) — own data
    "lv:m": row(CADRES),  # [cadre] own leaves
    "lv:new": row(CADRES),  # [cadre] declare a leave of one's own
    "lv:k": row("cadre"),  # [cadre] its kind: a step only the declaring chat is at
    "lv:x": row("cadre"),  # [cadre] withdraw her waiting leave
    # 🏖 đơn nghỉ chờ xác nhận (from ✅ Phê duyệt)
    "lv:p": row(SUPERVISORS),  # [evaluator] the leaves waiting: each sees their own queue
    "lv:ok": row(REVIEWERS),  # [evaluator] confirm Thảo's leave
    "lv:no": row(REVIEWERS),  # [evaluator] refuse it (asks the reason)
    # 📨 kiến nghị (from 📊 Kết quả của tôi) — own data
    "kn:m": row(CADRES),  # [cadre] own kiến nghị
    "kn:new": row("cadre"),  # [cadre] send one about her own evaluation of 12/2025
    "kn:x": row("cadre"),  # [cadre] give up her draft: a step only her chat is at
    # 📨 kiến nghị waiting for an answer (from ✅ Phê duyệt): Thảo's, addressed to the board
    "kn:p": row(SUPERVISORS),  # [board] the list: each sees their own queue
    "kn:v": row("board"),  # [board] Thảo's kiến nghị: nobody else may answer it
    "kn:f": row("board"),  # [board] the file sent with it
    "kn:k": row("board"),  # [board] keep (asks the reason)
    "kn:c": row("board"),  # [board] change (asks the new points of the month)
    # 📋 việc được giao (from 📝 Báo cáo KPI): Thảo's task
    "tk:m": row(CADRES),  # [cadre] own tasks
    "tk:o": row("cadre evaluator delegate board"),  # [cadre] her task: she, who accepts it
    "tk:d": row("cadre"),  # [cadre] report it done (asks the evidence)
    "tk:snd": row(""),  # [cadre] send it without evidence: asked for some first
    # 📋 giao việc (from ✅ Phê duyệt): Sơn's task waits for acceptance
    "tk:l": row(SUPERVISORS),  # [evaluator] the tasks: each sees their own
    "tk:ok": row(REVIEWERS),  # [evaluator] accept Sơn's task
    "tk:rt": row(REVIEWERS),  # [evaluator] return it (asks the reason)
    "tk:ex": row(REVIEWERS),  # [evaluator] extend a deadline (asks the new one)
    "tk:new": row(SUPERVISORS),  # [evaluator] assign a task to one's own people
    "tk:pg": row("evaluator"),  # [evaluator] steps of her own assignment
    "tk:pk": row("evaluator"),
    "tk:pu": row("evaluator"),
    "tk:x": row("evaluator"),
    # ✅ Phê duyệt
    "rv:p": row(SUPERVISORS),  # [evaluator] inbox page: each sees their own inbox
    "rv:rr": row("evaluator"),  # [evaluator] a ready-made reason in her own "return" step
    "rv:g": row(REVIEWERS),  # [evaluator] Sơn's report
    "rv:e": row(REVIEWERS),  # [evaluator] one product of it
    "rv:ok": row(REVIEWERS),  # [evaluator] approve it
    "rv:adj": row(REVIEWERS),  # [evaluator] adjust and approve
    "rv:rt": row(REVIEWERS),  # [evaluator] return it
    "rv:A": row(REVIEWERS),  # [evaluator] approve all
    "rv:AA": row(REVIEWERS),  # [evaluator] confirm approve all
    "rv:R": row(REVIEWERS),  # [evaluator] return all
    # ⭐ đánh giá (the evaluation) of Thảo's approved month
    "ra:s": row(REVIEWERS),
    "ra:c": row(REVIEWERS),
    "ra:e": row(REVIEWERS),
    "ra:k": row(REVIEWERS),
    "ra:ok": row(REVIEWERS),
    # 📅 xếp loại chất lượng năm (the annual rating)
    "ry:y": row(SUPERVISORS),  # [evaluator] the year's list: each sees their own cadres
    "ry:c": row(REVIEWERS),  # [evaluator] Thảo's year
    "ry:lv": row(REVIEWERS),  # [evaluator] record a leave of Thảo's
    "ry:lk": row(REVIEWERS),  # [evaluator] its kind
    # [evaluator] the sheets of the people one rates: own data (the board rates nobody here)
    "ry:mf": row("evaluator other_supervisor delegate"),
    "ry:ag": row("board"),  # [board] the agencies' lists
    "ry:a": row("board"),  # [board] one agency's list (its head or the board)
    "ry:fm": row("board"),  # [board] its forms
    "ry:f": row("board"),  # [board] the planning proposals
    # 🔁 Ủy quyền
    "dl:m": row(SUPERVISORS),  # [evaluator] delegation screen: each sees their own
    "dl:n": row(SUPERVISORS),  # [evaluator] start a new delegation of one's own
    "dl:pg": row(SUPERVISORS),  # [evaluator] a page of the people of one's own unit
    "dl:pk": row("evaluator"),  # [evaluator] a deputy picked in her own new delegation
    "dl:x": row("evaluator"),  # [evaluator] asks to revoke her delegation to Nam
    "dl:X": row("evaluator"),  # [evaluator] confirms it
    # 🎯 /chitieu
    "tg:l": row("evaluator other_supervisor"),  # [evaluator] list of one's own cadres
    "tg:c": row("evaluator board"),  # [evaluator] targets of one of Ánh's cadres
    "tg:p": row("evaluator board"),  # [evaluator] change one of them
    # 📚 Bồi dưỡng
    "tr:new": row(CADRES),  # [cadre] declare a course: own data
    "tr:req": row("board"),  # [board] the province's requirements
    "tr:v": row(SUPERVISORS),  # [evaluator] courses waiting: each sees their own queue
    "tr:vc": row("evaluator board"),  # [evaluator] Thảo's course in the list
    "tr:a": row("evaluator board"),  # [evaluator] verify Thảo's course
    "tr:x": row("evaluator board"),  # [evaluator] reject it
    # 🔔 Thông báo
    "nt:o": row("cadre"),  # [cadre] open the notice delivered to her
    "nt:a": row("cadre"),  # [cadre] acknowledge it: her delivery, not anyone else's
    "nt:new": row("board"),  # [board] compose
    "nt:sl": row("board"),  # [board] statistics list
    "nt:st": row("board"),  # [board] one notice's statistics
    "nt:fu": row("board"),  # [board] follow-up reminder
    # ⚙️ /caidat — own data
    "rm:t": row(CADRES),
    # 📈 Tổng hợp
    "dg:p": row("evaluator other_supervisor board"),  # [evaluator] digest of a period: own units
    "dg:pp": row(SUPERVISORS),  # [evaluator] choose a period
    "dg:x": row(SUPERVISORS),  # [evaluator] the Excel file offer for one's own digest
    "dg:u": row("board"),  # [board] drill down into a unit
    # 📂 Tệp Excel: each evaluator gets the file of their own team (own data), the board all
    "fx:m": row("evaluator other_supervisor board"),  # [evaluator] the files one may get
    "fx:g": row("evaluator other_supervisor board"),  # [evaluator] her team's evaluations
    # an invite link opened by a linked person
    "ob:mv": row(EVERY_LINKED),  # [cadre] move her account to the invite's record
    "ob:keep": row(EVERY_LINKED),  # [cadre] keep her record
}

# Buttons the saved province never shows (a step of a flow nobody is in, a list with nothing
# to close yet, …): each one's data is forged from the province's objects and tapped by
# everyone. Row: the data ({thao} Thảo, {son} Sơn, {nov} November, {entry} Thảo's approved
# product, {son_entry}/{son_version} Sơn's submitted one, {agency} Tân Hưng, {record}
# Thảo's course) and who may.
FORGED: dict[str, tuple[str, dict[str, bool]]] = {
    "kp:o": ("kp:o:{nov}", row(CADRES)),  # open a period: each sees their own sheet
    "kp:a": ("kp:a:{entry}:passed", row("")),  # steps of a product nobody is entering
    "kp:n": ("kp:n:{entry}:failed:0", row("")),
    "kp:s": ("kp:s:{entry}:note", row("")),
    "kp:y": ("kp:y:{entry}", row("")),
    "kp:r": ("kp:r:{entry}", row("")),  # Thảo's product is approved: not editable
    "kp:x": ("kp:x:{entry}:1", row("")),
    "kp:ok": ("kp:ok:{nov}", row(CADRES)),  # confirm sending: own data, each told what lacks
    "kp:gm": ("kp:gm:{nov}:0", row(CADRES)),  # a criterion one's self-assessment lacks: own
    "kb:a": ("kb:a:{entry}:passed", row("")),
    "kb:n": ("kb:n:{entry}:failed:0", row("")),
    "kb:s": ("kb:s:{entry}:note", row("")),
    "kb:y": ("kb:y:{entry}", row("")),
    "kb:x": ("kb:x:{entry}:1", row("")),
    "kb:r": ("kb:r:{entry}", row("board")),  # the board re-types a figure of anyone's report
    "rv:v": ("rv:v:{son}:{nov}", row(REVIEWERS)),  # the evidence of Sơn's report
    "rv:ex": ("rv:ex:{son_entry}:{son_version}:1", row("")),  # no exemption asked for
    # steps of an adjustment nobody is making: a figure, the figures again, confirm
    "rv:af": ("rv:af:{son_entry}:{son_version}:0", row("")),
    "rv:am": ("rv:am:{son_entry}:{son_version}", row("")),
    "rv:ao": ("rv:ao:{son_entry}:{son_version}", row("")),
    "rv:RA": ("rv:RA:{son}:{nov}", row("")),  # a "return all" nobody is confirming
    "ra:l": ("ra:l:{thao}:{nov}:0", row("")),  # a leader's e: Thảo is not a leader
    "ra:o": ("ra:o:{thao}:{nov}:0", row("")),  # a leader's đ
    "ry:ok": ("ry:ok:{thao}:2026:X", row("")),  # no period of Thảo's evaluated this year
    "ry:b": ("ry:b:{thao}:2026:T", row(REVIEWERS)),  # asks why (the proposal is refused then)
    "ry:x": ("ry:x:{agency}:2026:{thao}:T", row("")),  # nothing proposed in the agency yet
    "ry:cap": ("ry:cap:{agency}:2026:cm", row("board")),  # the cap (nobody over it)
    "ry:cl": ("ry:cl:{agency}:2026", row("")),  # nothing to close yet
    "ry:clok": ("ry:clok:{agency}:2026", row("")),
    # a month is never published, and no annual list is closed yet: refused for everyone
    "cb:v": ("cb:v:{nov}", row("")),
    "cb:x": ("cb:x:{nov}", row("")),
    "pa:nu": ("pa:nu:{agency}", row("board")),  # record feedback about a unit
    "pa:s": ("pa:s:0", row("")),  # steps of a feedback record nobody is typing
    "pa:k": ("pa:k", row("")),
    "dl:d": ("dl:d:7", row("")),  # a step of a delegation nobody is making
    "lv:sk": ("lv:sk", row("")),  # a step of a leave nobody is declaring
    "kn:sk": ("kn:sk", row("")),  # steps of a kiến nghị nobody is writing
    "kn:ok": ("kn:ok", row("")),
    # a new band: for an annual rating only (Thảo's kiến nghị is about a month)
    "kn:b": ("kn:b:{appeal}:X", row("")),
    "tr:m": ("tr:m", row(CADRES)),  # 📚 own obligations
    "tr:c": ("tr:c:0", row("")),  # steps of a course declaration nobody is making
    "tr:s": ("tr:s:4", row("")),
    "tr:ok": ("tr:ok", row("")),
    "tr:f": ("tr:f:{record}", row("evaluator board")),  # Thảo's certificate
    "tr:vp": ("tr:vp:1", row(SUPERVISORS)),  # a page of one's own courses waiting
    "nt:l": ("nt:l:0", row(CADRES)),  # own notices, a page
    "nt:noatt": ("nt:noatt", row("")),  # steps of a notice nobody is composing
    "nt:f": ("nt:f:l:xa", row("")),
    "nt:next": ("nt:next", row("")),
    "nt:next0": ("nt:next0", row("")),
    "nt:k": ("nt:k:1", row("")),
    "nt:now": ("nt:now", row("")),
    "nt:go": ("nt:go", row("")),
    "nt:cancel": ("nt:cancel", row("board")),  # the board cancels its own (empty) draft
    "tk:pr": ("tk:pr:0", row("")),  # steps of an assignment nobody is making
    "tk:q": ("tk:q:2", row("")),
    "tk:go": ("tk:go", row("")),
    "tk:dl": ("tk:dl:5", row("")),  # a quick deadline in an extension nobody is giving
    "rm:z": ("rm:z", row(CADRES)),  # ⏰ own reminders
    "rm:off": ("rm:off", row(CADRES)),
    # the roster the board sent to import, checked and pending ({import}): the crawl, which
    # starts from typed messages, never meets these buttons
    "im:ok": ("im:ok:{import}", row("board")),
    "im:ov": ("im:ov:{import}", row("board")),
    "im:x": ("im:x:{import}", row("board")),
    "im:k": ("im:k:{import}:r", row("board")),
}

# Conversation steps (flows that take typed text or files): the button or command that
# starts each. Who may be in a flow is who may tap its starting button; a step re-checks
# the rights before it stores anything.
FLOWS: dict[str, set[str]] = {
    "kpi": {"kp:e", "kp:g", "kp:gm", "kb:e", "kb:r"},
    "review": {"rv:adj", "rv:rt", "rv:R"},
    "rating": {"ra:s", "ra:c", "ra:e", "ra:k"},
    "annual": {"ry:lk", "ry:b"},
    "delegate": {"dl:n", "dl:pg"},
    "target": {"tg:p"},
    "course": {"tr:new", "tr:x"},
    "leave": {"lv:new", "lv:no"},
    "appeal": {"kn:new", "kn:k", "kn:c"},
    "task": {"tk:d", "tk:rt", "tk:ex", "tk:new"},
    "notice": {"nt:new"},
    "feedback": {"pa:nc", "pa:nu"},
}


# ------------------------------------------------------------------------------ helpers
@dataclass
class Screen:
    """What one person sees: their messages (text and edit count) and alerts."""

    messages: dict[int, tuple[str, int]]
    alerts: int


def seen(person) -> Screen:
    return Screen({m.message_id: (m.text or m.file_name or "", m.edits)
                   for m in person.fake.messages}, len(person.alerts))


def news(person, before: Screen) -> tuple[list[str], list[str]]:
    """(texts newly shown or edited, new alerts) since `before`."""
    texts = [text for mid, (text, edits) in seen(person).messages.items()
             if before.messages.get(mid) != (text, edits)]
    return texts, person.alerts[before.alerts:]


class Province:
    """The saved province every cell starts from."""

    def __init__(self, harness, tmp_path: Path) -> None:
        self.harness = harness
        self.path = Path(harness.db.url.split("///", 1)[1])
        self.saved = tmp_path / "saved.db"
        self.people = {}
        self.names: dict[str, str] = {}  # roster code → full name
        self.may_see: dict[str, set[str]] = {}  # actor → full names they may see

    async def save(self) -> None:
        await self.harness.db.engine.dispose()
        shutil.copyfile(self.path, self.saved)

    async def restore(self) -> None:
        await self.harness.db.engine.dispose()
        for suffix in ("-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(self.saved, self.path)

    async def stored(self) -> str:
        """A fingerprint of everything stored."""
        digest = hashlib.sha256()
        async with self.harness.db.session() as s:
            for table in sorted(Base.metadata.tables):
                if table in ("inbound_updates", "send_pace", "scheduler_leases"):
                    continue
                rows = (await s.execute(text(f"SELECT * FROM {table}"))).all()
                digest.update(repr((table, sorted(map(repr, rows)))).encode())
        return digest.hexdigest()

    def leaks(self, actor: str, texts: list[str]) -> list[str]:
        hidden = set(self.names.values()) - self.may_see[actor]
        return sorted({name for name in hidden for t in texts if name in t})


async def build(harness, clock, tmp_path) -> Province:
    clock.set(NOW)
    province = Province(harness, tmp_path)
    async with harness.db.session() as s:
        await load_demo_province(s, clock.now(), link=False)
        cadres = {c.code: c for c in await s.scalars(select(Cadre))}
        for code, tg in [*ACTORS.values(), SON]:
            if code:
                cadres[code].telegram_user_id = cadres[code].telegram_chat_id = tg
                cadres[code].linked_at = NOW
        evaluator = cadres["XTH002"]
        for delegate, starts, ends in [("XTH003", TODAY - timedelta(days=2), TODAY + timedelta(days=5)),
                                       ("XTH006", TODAY - timedelta(days=10), TODAY - timedelta(days=1))]:
            s.add(Delegation(delegator_id=evaluator.id, delegate_id=cadres[delegate].id,
                             starts_on=starts, ends_on=ends, created_at=NOW - timedelta(days=10)))
        province.names = {c.code: c.full_name for c in cadres.values()}
        by_id = {c.id: c for c in cadres.values()}

        def evaluatees(code: str) -> set[str]:
            return {c.full_name for c in cadres.values()
                    if c.evaluator_id == cadres[code].id}

        for name, (code, _tg) in ACTORS.items():
            if code is None:
                province.may_see[name] = set()
                continue
            me = cadres[code]
            names = {me.full_name}
            if me.evaluator_id:
                names.add(by_id[me.evaluator_id].full_name)
            names |= evaluatees(code)
            province.may_see[name] = names
        province.may_see["delegate"] |= evaluatees("XTH002") | {evaluator.full_name}
        province.may_see["evaluator"] |= {cadres["XTH003"].full_name, cadres["XTH006"].full_name}
        # an evaluator picks a deputy among the people of her unit and its sub-units
        units = {u.id: u.parent_id for u in await s.scalars(select(OrgUnit))}

        def under(unit_id, top) -> bool:
            while unit_id is not None and unit_id != top:
                unit_id = units.get(unit_id)
            return unit_id == top

        for name in ("evaluator", "other_supervisor"):
            me = cadres[ACTORS[name][0]]
            province.may_see[name] |= {c.full_name for c in cadres.values()
                                       if c.active and under(c.unit_id, me.unit_id)}
        province.may_see["board"] = set(province.names.values())
        # whoever holds an invite code may learn whose record it is for
        invited = cadres[INVITE[0]]
        s.add(InviteCode(cadre_id=invited.id, code_hash=hash_invite(INVITE[1]), created_at=NOW,
                         expires_at=NOW + timedelta(days=7)))
        for names in province.may_see.values():
            names.add(invited.full_name)
    for name, (_code, tg) in ACTORS.items():
        province.people[name] = harness.person(tg, name)
    people = province.people
    thao, anh, board = people["cadre"], people["evaluator"], people["board"]
    # Thảo's November report is approved and waits for her rating; Sơn's waits for review;
    # Thảo declared a course and a leave; the board sent a notice everyone received.
    son = harness.person(SON[1], "Sơn")
    for person in (thao, son):
        await person.send("📝 Báo cáo KPI")
        await fill_and_submit(person)
    await anh.send("✅ Phê duyệt")
    await anh.tap("Đinh Thị Thảo · Tháng 11/2026")
    await anh.tap("✅ Duyệt tất cả")
    await anh.tap("✅ Xác nhận duyệt")
    await thao.send("📚 Bồi dưỡng")
    await declare_course(thao, "Lớp QLNN")
    await declare_leave(thao, "Nghỉ phép", "23/11/2026", "27/11/2026")
    await compose(board)
    await board.tap_starting("➡️ Tiếp tục")
    await board.tap("✅ Nút «Đã nhận»")
    await board.tap("🚀 Gửi ngay")
    await board.tap("📤 Xác nhận gửi")
    await drain(harness)
    await board.send_document(file_name="can_bo.xlsx", content=roster(add=[new_cadre()]),
                              mime_type=XLSX)
    async with harness.db.session() as s:
        (await s.scalar(select(Cadre).where(Cadre.code == "XTH008"))).active = False
        # five colleagues already rated "Tốt" this month: the unit's quota allows one
        # "Xuất sắc", so Ánh's rating screen offers to confirm Thảo's computed band
        thao_row = await s.scalar(select(Cadre).where(Cadre.code == ACTORS["cadre"][0]))
        november = await s.scalar(select(Period.id).where(
            Period.kind == "month", Period.year == 2026, Period.number == 11))
        used = {code for code, _tg in [*ACTORS.values(), SON, INVITE] if code}
        for other in list(await s.scalars(select(Cadre).where(Cadre.code.not_in(used))
                                          .order_by(Cadre.id).limit(5))):
            s.add(Evaluation(cadre_id=other.id, period_id=november, unit_id=thao_row.unit_id,
                             status="rated", band="tot", computed_band="tot", total_score=85.0))
        # 📨 two of Thảo's months of last year, rated yesterday: she may still send a kiến
        # nghị about December; she sent one (with a photo) about November, addressed to the
        # board (as when the evaluator has no evaluator of her own)
        calendar = WorkCalendar(Policy().calendar)
        rated = {}
        for month in (11, 12):
            period = await periods.ensure_period(s, periods.PeriodType.MONTH, 2025, month,
                                                 calendar, Policy().calendar)
            rated[month] = Evaluation(
                cadre_id=thao_row.id, period_id=period.id, unit_id=thao_row.unit_id,
                status="rated", band="tot", computed_band="tot", total_score=80.0,
                task_score=56.0, general_score=24.0, rated_at=NOW - timedelta(days=1),
                criteria={"politics_ethics": 8, "responsibility": 8, "innovation": 8})
            s.add(rated[month])
        await s.flush()
        s.add(Appeal(cadre_id=thao_row.id, evaluation_id=rated[11].id, reason="Đề nghị xem xét",
                     file_id=harness.emulator.store_file(b"\x89PNG\r\n", "photos")[0],
                     file_kind="photo", sent_at=NOW, handler_id=None,
                     due_on=TODAY + timedelta(days=14), status="open", band_before="tot",
                     total_before=80.0))
        # 📋 tasks Ánh assigned, due in December: Thảo's to do, Sơn's delivered and waiting
        for code, status in ((ACTORS["cadre"][0], "assigned"), (SON[0], "delivered")):
            who = cadres[code]
            product = await s.scalar(select(ProductType).where(
                ProductType.position_id == who.position_id, ProductType.kind == "count")
                .order_by(ProductType.id).limit(1))
            s.add(Task(cadre_id=who.id, title=f"Việc của {code}", product_type_id=product.id,
                       units=1, expected_result="Báo cáo", authority_id=evaluator.id,
                       deadline=date(2026, 12, 4), status=status, version=1, returns=0,
                       delivered_at=NOW if status == "delivered" else None,
                       delivered_late=False if status == "delivered" else None,
                       assigned_by_id=evaluator.id, created_at=NOW))
    await province.save()
    return province


def registered(app) -> tuple[set[str], set[str], set[str]]:
    """(commands, menu labels, callback prefixes) of every handler the Application has."""
    commands, labels, prefixes = set(), set(), set()
    for handlers in app.handlers.values():
        for handler in handlers:
            if isinstance(handler, CommandHandler):
                commands |= set(handler.commands)
            elif isinstance(handler, CallbackQueryHandler) and handler.pattern is not None:
                head = handler.pattern.pattern.lstrip("^").split(":")[0]
                prefixes |= set(head.strip("()").split("|"))
            elif isinstance(handler, MessageHandler):
                labels |= _text_labels(handler.filters)
    return commands, labels, prefixes


def _text_labels(flt) -> set[str]:
    found = set(getattr(flt, "strings", None) or ())
    for part in ("base_filter", "and_filter", "or_filter", "f"):
        inner = getattr(flt, part, None)
        if inner is not None:
            found |= _text_labels(inner)
    return found


def buttons(person, before: Screen) -> list[str]:
    """Callback data of every button on messages shown or edited since `before`."""
    result = []
    for message in person.fake.messages:
        if before.messages.get(message.message_id) == (message.text or message.file_name or "",
                                                       message.edits):
            continue
        result += [b.callback_data for r in message.inline_buttons for b in r if b.callback_data]
    return result


@dataclass
class Found:
    """A button as its owner met it: sent `entry`, tapped `path`, then saw `data`."""

    owner: str
    entry: str
    path: list[str]
    data: str

    async def replay(self, province: Province) -> None:
        """Bring the owner back to the screen that offered the button."""
        owner = province.people[self.owner]
        await owner.send(self.entry)
        for data in self.path:
            await owner.tap_data(data)


# Screens whose content depends on who opens them: every owner walks through them.
NAVIGATION = {"ry:y", "tk:o"}  # a task: its cadre delivers it, its evaluator decides


async def crawl(province: Province, budget: int = 60) -> dict[str, Found]:
    """Walk each owner's screens from every entry point, tapping every button; the first
    button met per 'prefix:action', with the way to it."""
    found: dict[str, Found] = {}

    def owner_of(key: str) -> str:
        return found[key].owner

    for owner in OWNERS:
        person = province.people[owner]
        for entry in MESSAGES:
            await province.restore()
            before = seen(person)
            await person.send(entry)
            queue = [(data, []) for data in buttons(person, before)]
            taps, walked = 0, set()
            while queue and taps < budget:
                data, path = queue.pop(0)
                key = ":".join(data.split(":")[:2])
                # each owner walks through every kind of button once (the board's year
                # screen differs from an evaluator's); the first owner met names the row
                if key in walked or (key in found and owner_of(key) != owner
                                     and key not in NAVIGATION):
                    continue
                walked.add(key)
                found.setdefault(key, Found(owner, entry, path, data))
                mark = seen(person)
                await person.tap_data(data)
                taps += 1
                queue += [(more, [*path, data]) for more in buttons(person, mark)]
    return found


async def forged_ids(province: Province) -> dict[str, int]:
    from models import Entry, TrainingRecord

    await province.restore()
    async with province.harness.db.session() as s:
        codes = {c.code: c.id for c in await s.scalars(select(Cadre))}
        november = await s.scalar(select(Period.id).where(
            Period.kind == "month", Period.year == 2026, Period.number == 11))
        entry = await s.scalar(select(Entry).where(Entry.cadre_id == codes["XTH004"])
                               .order_by(Entry.id).limit(1))
        son_entry = await s.scalar(select(Entry).where(Entry.cadre_id == codes[SON[0]])
                                   .order_by(Entry.id).limit(1))
        return {"thao": codes["XTH004"], "son": codes[SON[0]], "nov": november,
                "entry": entry.id, "son_entry": son_entry.id, "son_version": son_entry.version,
                "agency": await s.scalar(select(OrgUnit.id).where(OrgUnit.code == "XTH")),
                "record": await s.scalar(select(TrainingRecord.id).where(
                    TrainingRecord.cadre_id == codes["XTH004"])),
                "import": await s.scalar(select(ChatImport.id)),
                "appeal": await s.scalar(select(Appeal.id))}


REFUSALS = ["chưa được liên kết", "Đây là Trợ lý Cán bộ", "chỉ dành cho", "Chỉ người đánh giá",
            "Chỉ Ban Tổ chức", "không phụ trách đánh giá", "hết hiệu lực", "đã được xử lý",
            "đã thay đổi kể từ", "Không thể điều chỉnh chỉ tiêu", "không thể sửa lúc này",
            "không xếp loại năm nay", "Chưa thể chốt danh sách", "không gửi đến anh/chị",
            "Đã hết thời hạn gửi kiến nghị", "đã gửi kiến nghị về", "đã được trả lời",
            "chưa được công khai",
            "ít nhất một minh chứng"]


def refused(texts: list[str], alerts: list[str]) -> bool:
    shown = [*texts, *alerts]
    return bool(shown) and all(any(r in t for r in REFUSALS) for t in shown)


async def flow_of(province: Province, person) -> str | None:
    async with province.harness.db.session() as s:
        return await s.scalar(text("SELECT flow FROM flow_states WHERE chat_id = :c"),
                              {"c": person.id})


def test_every_handler_and_flow_has_a_row(harness):
    from handlers.callbacks import all_actions

    commands, labels, prefixes = registered(harness.app)
    sent = {m if m in labels else m.split()[0] for m in MESSAGES}
    assert {f"/{c}" for c in commands} <= sent, "a command without a row in MESSAGES"
    assert labels <= sent, "a menu label without a row in MESSAGES"
    assert prefixes <= {key.split(":")[0] for key in [*BUTTONS, *FORGED]}, \
        "a button prefix without a row"
    # every action the code can put on a button has exactly one row
    assert all_actions() == set(BUTTONS) | set(FORGED), (
        f"without a row: {sorted(all_actions() - set(BUTTONS) - set(FORGED))}; "
        f"rows for nothing: {sorted((set(BUTTONS) | set(FORGED)) - all_actions())}")
    assert not set(BUTTONS) & set(FORGED)
    assert set(ROUTES) == set(FLOWS), "a conversation flow without a row in FLOWS"
    assert all(key in BUTTONS or key in FORGED for keys in FLOWS.values() for key in keys)


async def test_access_matrix(harness, clock, tmp_path):
    province = await build(harness, clock, tmp_path)
    found = await crawl(province)
    unknown = sorted(set(found) - set(BUTTONS))
    assert not unknown, f"buttons the table does not name: {unknown}"
    assert set(BUTTONS) <= set(found), f"rows never offered: {sorted(set(BUTTONS) - set(found))}"

    wrong: list[str] = []
    started: dict[str, set[str]] = {}
    cells = [(entry, None, allowed) for entry, allowed in MESSAGES.items()]
    cells += [(key, found[key], allowed) for key, allowed in BUTTONS.items()]
    ids = await forged_ids(province)
    cells += [(key, data.format(**ids), allowed) for key, (data, allowed) in FORGED.items()]
    for label, button, allowed in cells:
        for actor in NAMES:
            await province.restore()
            if isinstance(button, Found):
                await button.replay(province)
            person = province.people[actor]
            stored = await province.stored()
            flow_before = await flow_of(province, person)
            before = seen(person)
            if button is None:
                await person.send(label)
            else:
                await person.tap_data(button.data if isinstance(button, Found) else button)
            texts, alerts = news(person, before)
            if leaked := province.leaks(actor, [*texts, *alerts]):
                wrong.append(f"{label} × {actor}: shows {leaked}")
            if not texts and not alerts:
                wrong.append(f"{label} × {actor}: no answer at all")
            if allowed[actor]:
                if refused(texts, alerts):
                    wrong.append(f"{label} × {actor}: refused, should be allowed: {alerts or texts}")
                if (flow := await flow_of(province, person)) not in (None, flow_before):
                    started.setdefault(flow, set()).add(label)
            else:
                if not refused(texts, alerts):
                    wrong.append(f"{label} × {actor}: allowed, should be refused: "
                                 f"{[t[:60] for t in [*alerts, *texts]]}")
                if stored != await province.stored():
                    wrong.append(f"{label} × {actor}: refused but something stored changed")
    assert not wrong, "\n".join(wrong)
    for flow, keys in started.items():
        assert keys <= FLOWS[flow], f"flow {flow} started by {keys - FLOWS[flow]}"


async def test_forged_and_malformed_buttons_are_refused(harness, clock, tmp_path):
    """Any prefix with junk, huge or non-ASCII ids, a payload over 64 bytes, or a decision
    button of an older version of the report: a refusal, nothing stored, no error."""
    province = await build(harness, clock, tmp_path)
    found = await crawl(province)
    prefixes = registered(harness.app)[2]
    junk = ["", "zz", "o:abc", "e:١٢", "e: 1", "e:1_0", "e:99999999999999999999999",
            "e:-1", "g:0:0:0:0:0", "x" * 80]
    payloads = [f"{p}:{j}" for p in sorted(prefixes) for j in junk]
    entry_id, version = found["rv:ok"].data.split(":")[2:4]  # rv:ok:<entry>:<version>
    payloads += [f"rv:ok:{entry_id}:{int(version) - 1}", f"rv:ok:{entry_id}:{int(version) + 1}"]
    payloads.append(found["rv:AA"].data[:-4] + "0000")  # the report as it was: another hash
    for actor in ("cadre", "evaluator", "board"):
        person = province.people[actor]
        await province.restore()
        stored = await province.stored()
        for payload in payloads:
            before = seen(person)
            await person.tap_data(payload)
            texts, alerts = news(person, before)
            assert refused(texts, alerts), (actor, payload, texts, alerts)
            assert not texts, (actor, payload, texts)
        assert stored == await province.stored(), actor
