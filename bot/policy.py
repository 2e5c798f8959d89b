"""The province's policy: scoring (Decree 335/2025/NĐ-CP defaults), calendar, reminders.

One configuration object, loaded from CADREBOT_POLICY_FILE (YAML or JSON) when set,
so a province can change bands, weights or caps without code changes.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field, model_validator


class Bands(BaseModel):
    """Lower bounds of the rating bands (Khánh Hòa, for example, uses 90/80/50)."""

    excellent: float = 90.0
    good: float = 70.0
    done: float = 50.0

    @model_validator(mode="after")
    def _ordered(self) -> Bands:
        if not 0 <= self.done <= self.good <= self.excellent <= 100:
            raise ValueError("bands must satisfy 0 ≤ done ≤ good ≤ excellent ≤ 100")
        return self


class Criterion(BaseModel):
    key: str
    max_points: float


class ScoringPolicy(BaseModel):
    task_points: float = 70.0
    general_points: float = 30.0
    quality_deduction_per_failure: float = 0.25
    timeliness_deduction_per_delay: float = 0.25
    # "converted": coefficient × assigned quantity (the decree's converted products);
    # "equal": every product type weighs the same.
    weighting: Literal["converted", "equal"] = "converted"
    general_criteria: list[Criterion] = Field(
        default_factory=lambda: [
            Criterion(key="political", max_points=7.5),
            Criterion(key="ethics", max_points=7.5),
            Criterion(key="style", max_points=7.5),
            Criterion(key="discipline", max_points=7.5),
        ]
    )
    bands: Bands = Field(default_factory=Bands)
    unit_result_all_done: float = 1.0
    unit_result_any_failed: float = 0.5
    excellent_cap_ratio: float = 0.20
    excellent_cap_ratio_outstanding: float = 0.25
    min_months_for_annual: int = 6
    annual_due_day: tuple[int, int] = (15, 12)  # (day, month)
    # Disciplines at or above this level force "Không hoàn thành" for the year.
    forcing_disciplines: list[str] = Field(
        default_factory=lambda: ["khien_trach", "canh_cao", "ha_bac_luong", "giang_chuc",
                                 "cach_chuc", "buoc_thoi_viec"]
    )
    flag_done_twice_in_planning: bool = True  # Hưng Yên
    flag_failed_twice: bool = True

    @model_validator(mode="after")
    def _criteria_sum(self) -> ScoringPolicy:
        total = sum(c.max_points for c in self.general_criteria)
        if abs(total - self.general_points) > 1e-6:
            raise ValueError("general criteria must add up to general_points")
        return self


class CalendarPolicy(BaseModel):
    submission_deadline_working_days: int = 3
    review_deadline_working_days: int = 7
    extra_days_off: list[date] = Field(default_factory=list)
    makeup_working_days: list[date] = Field(default_factory=list)


class ReminderPolicy(BaseModel):
    """When reminders go out (SPEC §5); steps are working days relative to the deadline."""

    entry_steps: dict[str, int] = Field(
        default_factory=lambda: {"before3": -3, "before1": -1, "due": 0, "after1": 1, "after3": 3})
    mandatory_steps: list[str] = Field(default_factory=lambda: ["after1", "after3"])
    relevance_days: int = 2  # a missed step is still sent this many working days late
    review_waiting_days: int = 2
    training_days_before: list[int] = Field(default_factory=lambda: [30, 7])
    notice_ack_days: int = 2
    work_start: str = "07:30"
    work_end: str = "17:00"
    digest_time: str = "08:00"
    digest_weekday: int = 0  # Monday; digests also go out the working day after a deadline
    digest_after_deadline: bool = True


class IndicatorTarget(BaseModel):
    """A resolution target the board watches (SPEC §7); `metric` names a computed indicator."""

    metric: Literal["trained_share", "young_leaders_share", "masters_leaders_share",
                    "commune_leaders_theory_share", "digital_trained_leaders_share",
                    "good_or_better_share", "on_time_share"]
    name: str
    target: float  # a share, 0–1
    deadline: str  # as the resolution writes it, e.g. "2030" or "31/12/2026"


def _default_targets() -> list[IndicatorTarget]:
    return [
        IndicatorTarget(metric="trained_share", name="Cán bộ được bồi dưỡng trong năm",
                        target=1.0, deadline="31/12/2026"),
        IndicatorTarget(metric="young_leaders_share",
                        name="Cán bộ lãnh đạo dưới 42 tuổi", target=0.15, deadline="2030"),
        IndicatorTarget(metric="masters_leaders_share",
                        name="Lãnh đạo có trình độ thạc sĩ trở lên", target=0.25, deadline="2030"),
        IndicatorTarget(metric="commune_leaders_theory_share",
                        name="Lãnh đạo cấp xã có lý luận chính trị cao cấp, cử nhân",
                        target=0.20, deadline="2030"),
        IndicatorTarget(metric="digital_trained_leaders_share",
                        name="Lãnh đạo được bồi dưỡng chuyển đổi số", target=0.10,
                        deadline="31/12/2026"),
        IndicatorTarget(metric="good_or_better_share",
                        name="Cán bộ xếp loại hoàn thành tốt trở lên", target=0.90,
                        deadline="cuối mỗi kỳ"),
        IndicatorTarget(metric="on_time_share", name="Báo cáo gửi đúng hạn", target=0.95,
                        deadline="cuối mỗi kỳ"),
    ]


class Policy(BaseModel):
    scoring: ScoringPolicy = Field(default_factory=ScoringPolicy)
    calendar: CalendarPolicy = Field(default_factory=CalendarPolicy)
    reminders: ReminderPolicy = Field(default_factory=ReminderPolicy)
    targets: list[IndicatorTarget] = Field(default_factory=_default_targets)


def load_policy(path: Path | None) -> Policy:
    if path is None:
        return Policy()
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return Policy.model_validate(data)
