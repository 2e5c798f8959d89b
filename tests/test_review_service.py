"""✅ Phê duyệt's use cases called directly (bot/services/review.py): what each decides, what
it says to tell the cadre, what the evaluator sees next, and what it refuses."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.demo import load_demo_province
from bot.policy import Policy
from bot.services import review
from bot.services.calendar import WorkCalendar
from bot.services.identity import Actor
from bot.services.kpi import KpiService
from bot.services.review import ADJUST_STEPS, Decision, Inbox, Report, ReviewError
from models import AuditLog, Cadre, Entry, EntryAdjustment, Evaluation, Evidence
from models.enums import ProductKind, Role

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # Friday 20/11/2026, 09:00 in Hanoi
TODAY = NOW.date()
POLICY = Policy()
KPI = KpiService(POLICY, WorkCalendar(POLICY.calendar))


def actor_of(cadre: Cadre, *roles: Role) -> Actor:
    return Actor(cadre.id, cadre.code, cadre.full_name, cadre.unit_id,
                 frozenset(roles or (Role.SUPERVISOR,)))


async def province(db):
    """Thảo (XTH004, reachable on Telegram) sent November's three products to Ánh (XTH002),
    through KpiService.submit (the self-assessment first)."""
    async with db.session() as s:
        await load_demo_province(s, NOW, link=False)
        thao = await s.scalar(select(Cadre).where(Cadre.code == "XTH004"))
        anh = await s.scalar(select(Cadre).where(Cadre.code == "XTH002"))
        thao.telegram_chat_id = thao.telegram_user_id = 801
        period = await KPI.current_period(s, thao, TODAY)
        sheet = await KPI.sheet(s, thao, period)
        for line in sheet.lines:
            e = line.entry
            rate = line.product.kind == ProductKind.RATE
            e.quantity_done = 90 if rate else 125
            e.quantity_passed = e.quantity_on_time = e.quantity_done
        for criterion in POLICY.scoring.general_criteria:
            await KPI.save_self_assessment(s, thao, period, criterion.key, criterion.max_points)
        await KPI.submit(s, thao, period, NOW, TODAY)
        return thao.id, anh, period.id


async def entries_of(s, cadre_id: int) -> list[Entry]:
    return list(await s.scalars(select(Entry).where(Entry.cadre_id == cadre_id)
                                .order_by(Entry.product_type_id)))


def test_signature_follows_the_versions():
    first, second = Entry(id=1, version=1), Entry(id=2, version=1)
    sig = review.signature([first, second])
    assert len(sig) == 8 and sig == review.signature([second, first])
    second.version = 2
    assert review.signature([first, second]) != sig


def test_the_figures_offered_for_adjustment_per_reading_and_for_a_rate():
    names = {reading: [step.name for step in review.adjust_steps(reading, rate=False)]
             for reading in ("per_item", "per_type")}
    assert names == {"per_item": ["done", "passed", "failed", "delays"],
                     "per_type": ["done", "passed", "on_time", "failed", "delays"]}
    assert review.adjust_steps("per_item", rate=True) == (ADJUST_STEPS[0],)


def _entry(**figures) -> Entry:
    values = {"quantity_done": 125, "quantity_passed": 120, "quantity_on_time": 110,
              "failed_reviews": 0, "delays": 0, "status": "submitted", "version": 1}
    return Entry(**{**values, **figures})


def test_an_adjusted_figure_follows_the_cadres_rules_and_must_change_something():
    entry = _entry()
    done, passed, failed = (review.adjust_step(n) for n in ("done", "passed", "failed"))

    def problem(step, value, changes=None, kind="count", rate=False):
        found = review.check_adjusted(step, value, entry, changes or {}, kind, rate)
        return found.code if found else None

    assert problem(done, 130) is None
    assert problem(done, -1) == "negative"
    assert problem(done, 101, kind="rate", rate=True) == "percent_range"  # a percentage
    assert problem(passed, 126) == "over_done"  # more than the cadre's 125 done
    assert problem(passed, 101, {"done": [100, "Sổ ghi 100"]}) == "over_done"  # the adjusted
    assert problem(passed, 100, {"done": [100, "Sổ ghi 100"]}) == "unchanged"  # came down
    assert problem(failed, 1.5) == "count_range" and problem(failed, 100) == "count_range"
    assert problem(done, 125) == "unchanged"
    assert problem(done, 125, {"done": [100, "Sổ ghi 100"]}) is None  # back to the cadre's


def test_pending_changes_carry_their_reasons_and_what_comes_down_with_done():
    entry = _entry()
    changes = {"done": [100, "Sổ ghi 100"], "delays": [2, "Trễ hai hồ sơ"]}
    pending = review.pending_changes(entry, changes, "per_type", rate=False)
    assert [(c.figure, c.old, c.new, c.reason) for c in pending] == [
        ("done", 125, 100, "Sổ ghi 100"), ("passed", 120, 100, "Sổ ghi 100"),
        ("on_time", 110, 100, "Sổ ghi 100"), ("delays", 0, 2, "Trễ hai hồ sơ")]
    values = review.adjusted_values(entry, changes, rate=False)
    assert review.adjusted_fields(values) == {
        "quantity_done": 100, "quantity_passed": 100, "quantity_on_time": 100,
        "failed_reviews": 0, "delays": 2}
    rate = _entry(quantity_done=85, quantity_passed=85, quantity_on_time=85)
    assert review.adjusted_fields(review.adjusted_values(rate, {"done": [80, "Theo hệ thống"]},
                                                         rate=True)) == {
        "quantity_done": 80, "quantity_passed": 80, "quantity_on_time": 80,
        "failed_reviews": 0, "delays": 0}


def test_a_resubmission_shows_the_reason_and_the_figures_changed_since():
    entry = _entry(version=2, return_reason="Thiếu sổ theo dõi",
                   returned_figures={"version": 1, "at": NOW.isoformat(), "done": 130,
                                     "passed": 120, "on_time": 110, "failed": 0,
                                     "delays": 0})
    again = review.resubmission(entry, "per_item", rate=False)
    assert again.reason == "Thiếu sổ theo dõi" and again.at == NOW
    assert [(c.figure, c.old, c.new) for c in again.changes] == [("done", 130, 125)]
    entry.version = 1  # the returned version itself: nothing to show
    assert review.resubmission(entry, "per_item", rate=False) is None


async def test_open_inbox_and_report(db):
    thao_id, anh, period_id = await province(db)
    async with db.session() as s:
        inbox = await review.open_inbox(s, actor_of(anh), TODAY)
        assert (inbox.groups, inbox.entries, inbox.more, inbox.year) == (1, 3, False, 2026)
        assert inbox.items[0].cadre.id == thao_id and inbox.items[0].count == 3
        report = await review.open_report(s, KPI, actor_of(anh), TODAY, thao_id, period_id)
        assert len(report.submitted) == 3 and report.authority.on_behalf_of is None
        assert report.sig == review.signature([line.entry for line in report.submitted])
        with pytest.raises(ReviewError) as refused:
            await review.open_report(s, KPI, actor_of(anh), TODAY, thao_id, 999_999)
        assert refused.value.code == "not_found"


async def test_approve_report_tells_the_cadre_and_returns_to_the_inbox(db):
    thao_id, anh, period_id = await province(db)
    async with db.session() as s:
        report = await review.open_report(s, KPI, actor_of(anh), TODAY, thao_id, period_id)
        outcome = await review.approve_report(s, KPI, actor=actor_of(anh), today=TODAY, now=NOW,
                                              cadre_id=thao_id, period_id=period_id,
                                              sig=report.sig)
    assert outcome.approved and outcome.count == 3 and isinstance(outcome.next, Inbox)
    notice = outcome.notice
    assert notice.chat_id == 801 and notice.by == anh.full_name and notice.on_behalf_of is None
    assert len(notice.products) == 3 and notice.score is not None and notice.reason is None
    async with db.session() as s:
        assert {e.status for e in await entries_of(s, thao_id)} == {"approved"}
        assert await s.scalar(select(func.count()).select_from(AuditLog)
                              .where(AuditLog.action == "approve")) == 3
        with pytest.raises(ReviewError) as again:  # the same button twice
            await review.approve_report(s, KPI, actor=actor_of(anh), today=TODAY, now=NOW,
                                        cadre_id=thao_id, period_id=period_id, sig=report.sig)
        assert again.value.code == "already_decided" and again.value.info["at"] is not None


async def test_a_changed_report_is_not_approved_as_shown(db):
    thao_id, anh, period_id = await province(db)
    async with db.session() as s:
        with pytest.raises(ReviewError) as refused:
            await review.approve_report(s, KPI, actor=actor_of(anh), today=TODAY, now=NOW,
                                        cadre_id=thao_id, period_id=period_id, sig="00000000")
    assert refused.value.code == "changed"


async def test_return_one_keeps_the_report_open_and_says_why(db):
    thao_id, anh, period_id = await province(db)
    async with db.session() as s:
        first = (await entries_of(s, thao_id))[0]
        with pytest.raises(ReviewError) as empty:
            await review.return_entries(s, KPI, actor=actor_of(anh), today=TODAY, now=NOW,
                                        cadre_id=thao_id, period_id=period_id,
                                        decisions=[Decision(first.id, 1)], reason=" ? ")
        assert empty.value.code == "reason_required"
        outcome = await review.return_entries(s, KPI, actor=actor_of(anh), today=TODAY,
                                              now=NOW, cadre_id=thao_id, period_id=period_id,
                                              decisions=[Decision(first.id, 1)],
                                              reason=" Thiếu sổ theo dõi ")
    assert not outcome.approved and outcome.count == 1
    assert isinstance(outcome.next, Report) and len(outcome.next.submitted) == 2
    assert outcome.notice.reason == "Thiếu sổ theo dõi" and outcome.notice.score is None
    async with db.session() as s:
        assert (await entries_of(s, thao_id))[0].status == "returned"


async def test_entries_of_another_report_are_not_decided_through_this_one(db):
    thao_id, anh, period_id = await province(db)
    async with db.session() as s:
        first = (await entries_of(s, thao_id))[0]
        colleague = await s.scalar(select(Cadre).where(Cadre.evaluator_id == anh.id,
                                                       Cadre.id != thao_id))
        with pytest.raises(ReviewError) as refused:
            await review.return_entries(s, KPI, actor=actor_of(anh), today=TODAY, now=NOW,
                                        cadre_id=colleague.id, period_id=period_id,
                                        decisions=[Decision(first.id, 1)], reason="Sai số liệu")
    assert refused.value.code == "not_found"


async def test_approve_adjusted_keeps_the_cadres_figures_and_lists_the_changes(db):
    thao_id, anh, _period_id = await province(db)
    async with db.session() as s:
        first = (await entries_of(s, thao_id))[0]
        changes = {"done": [100, "Sổ ghi 100"], "passed": [95, "5 hồ sơ sai"],
                   "failed": [1, "Sai tên"]}
        with pytest.raises(ReviewError) as nothing:
            await review.approve_adjusted(s, KPI, actor=actor_of(anh), today=TODAY, now=NOW,
                                          entry_id=first.id, version=1, changes={})
        assert nothing.value.code == "nothing_adjusted"
        with pytest.raises(ReviewError) as no_reason:
            await review.approve_adjusted(s, KPI, actor=actor_of(anh), today=TODAY, now=NOW,
                                          entry_id=first.id, version=1,
                                          changes={"done": [100, "."]})
        assert no_reason.value.code == "not_found"
        outcome = await review.approve_adjusted(
            s, KPI, actor=actor_of(anh), today=TODAY, now=NOW, entry_id=first.id, version=1,
            changes=changes)
    changes = outcome.notice.products[0].changes
    assert [(c.figure, c.old, c.new, c.reason) for c in changes] == [
        ("done", 125, 100, "Sổ ghi 100"), ("passed", 125, 95, "5 hồ sơ sai"),
        ("failed", 0, 1, "Sai tên")]
    async with db.session() as s:
        stored = (await entries_of(s, thao_id))[0]
        assert (stored.quantity_done, stored.adj_quantity_done, stored.adjusted) == (125, 100, True)
        shown = await review.adjustments_of(s, [stored])
        assert [(c.figure, c.reason, c.by) for c in shown[stored.id]] == [
            ("done", "Sổ ghi 100", anh.full_name), ("passed", "5 hồ sơ sai", anh.full_name),
            ("failed", "Sai tên", anh.full_name)]
        # twice (a second device): one decision only, no second set of adjustments
        with pytest.raises(ReviewError) as again:
            await review.approve_adjusted(s, KPI, actor=actor_of(anh), today=TODAY, now=NOW,
                                          entry_id=stored.id, version=1,
                                          changes={"done": [90, "Sổ ghi 90"]})
        assert again.value.code == "already_decided"
        assert await s.scalar(select(func.count()).select_from(EntryAdjustment)) == 3
        assert await s.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "adjust")) == 3


async def test_an_entry_adjusted_before_reasons_were_kept_still_shows_old_to_new(db):
    thao_id, anh, _period_id = await province(db)
    async with db.session() as s:
        first = (await entries_of(s, thao_id))[0]
        first.status, first.adjusted, first.adj_quantity_done = "approved", True, 110
        first.adj_quantity_passed, first.adj_failed_reviews, first.adj_delays = 125, 0, 0
        first.decided_by_id, first.decided_version = anh.id, 1
        await s.flush()
        shown = await review.adjustments_of(s, [first])
    assert [(c.figure, c.old, c.new, c.reason, c.by) for c in shown[first.id]] == [
        ("done", 125, 110, None, anh.full_name)]


async def test_returning_keeps_the_figures_of_the_version_returned(db):
    thao_id, anh, period_id = await province(db)
    async with db.session() as s:
        decisions = [Decision(e.id, e.version) for e in await entries_of(s, thao_id)]
        await review.return_entries(s, KPI, actor=actor_of(anh), today=TODAY, now=NOW,
                                    cadre_id=thao_id, period_id=period_id,
                                    decisions=decisions, reason="Thiếu sổ theo dõi")
    async with db.session() as s:
        first = (await entries_of(s, thao_id))[0]
        assert first.returned_figures == {"version": 1, "at": NOW.isoformat(), "done": 125,
                                          "passed": 125, "on_time": 125, "failed": 0,
                                          "delays": 0}


async def test_only_the_evaluator_and_never_oneself(db):
    thao_id, anh, period_id = await province(db)
    async with db.session() as s:
        thao = await s.get(Cadre, thao_id)
        colleague = await s.scalar(select(Cadre).where(Cadre.evaluator_id == anh.id,
                                                       Cadre.id != thao_id))
        first = (await entries_of(s, thao_id))[0]
        for actor in (actor_of(colleague), actor_of(thao, Role.BOARD)):
            with pytest.raises(ReviewError) as refused:
                await review.approve_entry(s, KPI, actor=actor, today=TODAY, now=NOW,
                                           entry_id=first.id, version=1)
            assert refused.value.code == "forbidden"
        assert (await review.open_inbox(s, actor_of(colleague), TODAY)).groups == 0


async def test_exemption_and_evidence(db):
    thao_id, anh, period_id = await province(db)
    async with db.session() as s:
        first = (await entries_of(s, thao_id))[0]
        first.failed_reviews, first.exemption_status = 1, "claimed"
        first.exemption_note = "Mất điện"
        with pytest.raises(ReviewError) as pending:
            await review.approve_entry(s, KPI, actor=actor_of(anh), today=TODAY, now=NOW,
                                       entry_id=first.id, version=1)
        assert pending.value.code == "exemption_pending"
        with pytest.raises(ReviewError) as none:
            await review.evidence_of(s, actor_of(anh), TODAY, thao_id, period_id)
        assert none.value.code == "no_evidence"
    async with db.session() as s:
        report = await review.settle_exemption(s, KPI, actor=actor_of(anh), today=TODAY,
                                               now=NOW, entry_id=first.id, version=1,
                                               accept=True)
        assert report.sheet.lines[0].entry.exemption_status == "accepted"
        s.add(Evidence(entry_id=first.id, kind="link", url="https://a.example/1",
                       created_at=NOW))
        await s.flush()
        items = await review.evidence_of(s, actor_of(anh), TODAY, thao_id, period_id)
        assert [(i.kind, i.url) for i in items] == [("link", "https://a.example/1")]


async def test_to_rate_lists_a_fully_approved_unrated_period(db):
    thao_id, anh, period_id = await province(db)
    async with db.session() as s:
        assert await review.to_rate(s, actor_of(anh), TODAY) == []
        for entry in await entries_of(s, thao_id):
            entry.status = "approved"
        await s.flush()
        ready = await review.to_rate(s, actor_of(anh), TODAY)
        assert [(c.id, p.id) for c, p in ready] == [(thao_id, period_id)]
        evaluation = await s.scalar(select(Evaluation).where(Evaluation.cadre_id == thao_id))
        evaluation.status = "rated"
        await s.flush()
        assert await review.to_rate(s, actor_of(anh), TODAY) == []


async def test_the_planner_statistics_let_the_inbox_use_the_waiting_entries_index(db):
    """Without statistics SQLite guessed the partial index of waiting entries was large and
    scanned the roster for every inbox (12 ms instead of 0.1 ms at 50,000 cadres): the
    leader refreshes them at start and every few hours (bot/jobs/maintenance.py)."""
    from types import SimpleNamespace

    from sqlalchemy import text

    from bot.jobs import maintenance

    await province(db)
    app = SimpleNamespace(bot_data={"services": SimpleNamespace(db=db)})
    await maintenance.statistics(app, "holder")
    if db.engine.dialect.name != "sqlite":
        return  # PostgreSQL's autovacuum keeps its own
    async with db.session() as s:
        stat = await s.scalar(text(
            "SELECT stat FROM sqlite_stat1 WHERE idx = 'ix_entries_waiting'"))
        assert stat.split()[0] == "3"  # Thảo's three products wait
    first = app.bot_data[maintenance.LAST]
    await maintenance.statistics(app, "holder")
    assert app.bot_data[maintenance.LAST] == first  # not again within six hours
