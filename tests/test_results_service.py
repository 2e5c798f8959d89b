"""bot/services/results.py's Verdict: the one truth of a period's score that 📝 Báo cáo KPI,
📊 Kết quả của tôi and 🔎 Cách tính điểm all show (issue 22 item 1)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.services import review
from bot.services.results import results_of, verdict_of
from models import Cadre, Evaluation, Target
from models.enums import Band
from tests.test_review_service import KPI, NOW, TODAY, actor_of, entries_of, province


async def _sheet(s, thao_id, period_id):
    from models import Period

    return await KPI.sheet(s, await s.get(Cadre, thao_id), await s.get(Period, period_id),
                           create=False)


async def test_projected_until_rated_then_the_evaluated_result(db):
    thao_id, anh, period_id = await province(db)
    async with db.session() as s:
        first = (await entries_of(s, thao_id))[0]
        await review.approve_adjusted(s, KPI, actor=actor_of(anh), today=TODAY, now=NOW,
                                      entry_id=first.id, version=1,
                                      changes={"done": [110, "Sổ ghi 110"]})
    async with db.session() as s:
        projected = await verdict_of(s, await _sheet(s, thao_id, period_id))
        assert not projected.rated and projected.by is None
        assert projected.total == projected.recomputed
        changes = projected.adjustments[first.id]  # the quality figure came down with it
        assert [(c.figure, c.old, c.new, c.reason, c.by) for c in changes] == [
            ("done", 125, 110, "Sổ ghi 110", anh.full_name),
            ("passed", 125, 110, "Sổ ghi 110", anh.full_name)]

        evaluation = await s.scalar(select(Evaluation).where(Evaluation.cadre_id == thao_id))
        evaluation.status, evaluation.total_score, evaluation.general_score = "rated", 93.0, 23
        evaluation.band, evaluation.computed_band = "khong_hoan_thanh", "xuat_sac"
        evaluation.band_reason, evaluation.rated_by_id = "Kỷ luật khiển trách", anh.id
        evaluation.rated_at = NOW + timedelta(hours=1)
        await s.flush()
        rated = await verdict_of(s, await _sheet(s, thao_id, period_id))
        assert rated.rated and (rated.total, rated.band) == (93.0, Band.FAILED)
        assert rated.forced and rated.points_band == Band.EXCELLENT
        assert rated.by == anh.full_name and rated.reason == "Kỷ luật khiển trách"
        assert rated.general_changed and rated.self_general == 30
        assert rated.changed_since  # the stored 93 is not what the figures give

        results = await results_of(s, KPI, await s.get(Cadre, thao_id), TODAY)
        [period] = results.periods
        assert (period.total, period.band, period.rated) == (93.0, Band.FAILED, True)
        assert period.verdict == rated


async def test_the_evaluated_total_stands_when_a_target_changes_afterwards(db):
    thao_id, anh, period_id = await province(db)
    async with db.session() as s:
        sheet = await _sheet(s, thao_id, period_id)
        evaluation = await s.scalar(select(Evaluation).where(Evaluation.cadre_id == thao_id))
        evaluation.status, evaluation.total_score = "rated", sheet.score.total
        evaluation.band = evaluation.computed_band = sheet.score.band.value
        await s.flush()
        assert not (await verdict_of(s, sheet)).changed_since
        target = await s.scalar(select(Target).where(Target.cadre_id == thao_id,
                                                     Target.quantity == 120))
        target.quantity = 200
        await s.flush()
        after = await verdict_of(s, await _sheet(s, thao_id, period_id))
        assert after.changed_since and after.total == evaluation.total_score
        assert after.recomputed < after.total
