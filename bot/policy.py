"""The province's policy: scoring (Decree 335/2025/NĐ-CP defaults), calendar, reminders.

One configuration object, loaded from CADREBOT_POLICY_FILE (YAML or JSON) when set,
so a province can change bands, weights or caps without code changes.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.i18n import _
from models.enums import LeaveKind


class Bands(BaseModel):
    """Lower bounds of the rating bands (Khánh Hòa, for example, uses 90/80/50)."""

    model_config = ConfigDict(extra="forbid")

    excellent: float = 90.0
    good: float = 70.0
    done: float = 50.0

    @model_validator(mode="after")
    def _ordered(self) -> Bands:
        if not 0 <= self.done <= self.good <= self.excellent <= 100:
            raise ValueError(_("bands must satisfy 0 ≤ done ≤ good ≤ excellent ≤ 100"))
        return self


class Criterion(BaseModel):
    """One general criterion (Decree 335: at most 30 points in all, LAW L2). `name` and
    `description` are for a province's own criteria; the built-in keys have Vietnamese text
    in the catalogue."""

    model_config = ConfigDict(extra="forbid")

    key: str
    max_points: float = Field(gt=0)
    name: str | None = None
    description: str | None = None


class AbilityLevel(BaseModel):
    """One level of a leader's đ or e, as the evaluator chooses it: the share of the
    component and the condition that earns it (shown on the screen where it is chosen)."""

    model_config = ConfigDict(extra="forbid")

    value: float = Field(ge=0, le=1)
    condition: str


def _decree_criteria() -> list[Criterion]:
    # Decree 335/2025/NĐ-CP, general criteria (LAW L2, confirmed by press). The split of
    # the 30 points among the three is not in the pages read: 10 each is a policy default.
    return [Criterion(key="politics_ethics", max_points=10.0),
            Criterion(key="responsibility", max_points=10.0),
            Criterion(key="innovation", max_points=10.0)]


def _organising_levels() -> list[AbilityLevel]:
    # đ, "khả năng tổ chức triển khai thực hiện nhiệm vụ" (LAW L5, partly confirmed): the
    # 100% condition is the decree's; the lower levels were not retrieved, so they are the
    # province's to set here.
    return [
        AbilityLevel(value=1.0, condition="Tổ chức triển khai hoàn thành 100% nhiệm vụ theo kế "
                                          "hoạch, bảo đảm tiến độ, chất lượng, có đổi mới, sáng tạo"),
        AbilityLevel(value=0.75, condition="Hoàn thành các nhiệm vụ theo kế hoạch, có nhiệm vụ "
                                           "chậm tiến độ hoặc chưa bảo đảm chất lượng"),
        AbilityLevel(value=0.5, condition="Còn nhiệm vụ theo kế hoạch chưa hoàn thành"),
        AbilityLevel(value=0.0, condition="Không tổ chức triển khai được nhiệm vụ được giao"),
    ]


def _rallying_levels() -> list[AbilityLevel]:
    # e, "năng lực tập hợp, đoàn kết công chức thuộc phạm vi quản lý" (LAW L5: its levels
    # are unconfirmed): a policy setting.
    return [
        AbilityLevel(value=1.0, condition="Tập hợp, đoàn kết tốt công chức thuộc phạm vi quản "
                                          "lý; nội bộ đoàn kết, thống nhất"),
        AbilityLevel(value=0.75, condition="Tập hợp, đoàn kết được công chức; còn biểu hiện "
                                           "chưa thống nhất nhưng đã được khắc phục"),
        AbilityLevel(value=0.5, condition="Nội bộ có biểu hiện mất đoàn kết chưa được khắc phục"),
        AbilityLevel(value=0.0, condition="Để xảy ra mất đoàn kết nghiêm trọng trong phạm vi "
                                          "quản lý"),
    ]


class ScoringPolicy(BaseModel):
    """Decree 335/2025/NĐ-CP (in force 01/01/2026) unless a field says otherwise; the LAW
    rows (../shared/LAW.md) say what is confirmed."""

    model_config = ConfigDict(extra="forbid")

    task_points: float = 70.0  # "tiêu chí kết quả thực hiện nhiệm vụ" ≤ 70 (LAW L2)
    general_points: float = 30.0  # general criteria ≤ 30 (LAW L2)
    # Art. 14 (LAW L3): "mỗi lần đánh giá chưa đạt bị trừ 25% điểm chất lượng của sản
    # phẩm/công việc đó"; each delay the same off the progress point of that item.
    quality_deduction_per_failure: float = Field(0.25, ge=0, le=1)
    timeliness_deduction_per_delay: float = Field(0.25, ge=0, le=1)
    # How those deductions are read: "per_item" (the decree: 25% of the point of the item a
    # failed review or delay concerns, b = (passed − 0,25 × failed)/n, c = (done − 0,25 ×
    # delays)/n) or "per_type" (25% off the whole product type's b, and c from the on-time
    # count; the reading of the first version, kept for a province that chose it).
    deduction_reading: Literal["per_item", "per_type"] = "per_item"
    # "converted": coefficient × assigned quantity (the decree's converted products);
    # "equal": every product type weighs the same.
    weighting: Literal["converted", "equal"] = "converted"
    general_criteria: list[Criterion] = Field(default_factory=_decree_criteria)
    bands: Bands = Field(default_factory=Bands)  # LAW L6
    # Leaders' d (LAW L5, confirmed): 100% when everyone managed is at "Hoàn thành nhiệm vụ"
    # or above, 50% when anyone is "Không hoàn thành".
    unit_result_all_done: float = Field(1.0, ge=0, le=1)
    unit_result_any_failed: float = Field(0.5, ge=0, le=1)
    organising_levels: list[AbilityLevel] = Field(default_factory=_organising_levels)
    rallying_levels: list[AbilityLevel] = Field(default_factory=_rallying_levels)
    # "Hoàn thành xuất sắc" ≤ 20% of those rated "Hoàn thành tốt", within one agency and
    # each group with similar duties (LAW L7, confirmed). The exception for agencies with
    # outstanding results exists but its figure was not retrieved: None = no exception
    # until the province sets one.
    excellent_cap_ratio: float = Field(0.20, ge=0, le=1)
    excellent_cap_ratio_outstanding: float | None = Field(None, ge=0, le=1)
    # What the 20% is taken of: "good" — those rated "Hoàn thành tốt" (the decree's words);
    # "good_or_better" — "tốt" and "xuất sắc" together, as some provinces read it.
    excellent_cap_base: Literal["good", "good_or_better"] = "good"
    # Decree 90/2020 (amended by 48/2023) practice, not found in 335 (LAW L9): fewer months
    # worked in the year than this → evaluated, not rated. A toggle, on by default.
    not_rated_under_min_months: bool = True
    min_months_for_annual: int = Field(6, ge=0, le=12)
    # Confirmed leave of these kinds is not time worked (Art. 21, LAW L8, confirmed: "on sick
    # or maternity leave: rated on the time actually worked"); full-time study (đi học) and
    # other leave are the province's reading (policy); annual leave (nghỉ phép) is paid
    # working time (Labour Code 2019 Art. 113) and is left out by default.
    leave_kinds_not_worked: list[LeaveKind] = Field(
        default_factory=lambda: [LeaveKind.SICK, LeaveKind.MATERNITY, LeaveKind.STUDY,
                                 LeaveKind.OTHER])
    annual_due_day: tuple[int, int] = (15, 12)  # Art. 21 (LAW L8): before 15/12
    # A leader is not rated above their agency's own rating (LAW L11: Party practice,
    # unconfirmed for 335).
    leader_not_above_agency: bool = True
    # Disciplines at or above khiển trách, a conclusion of degradation and (leaders) corruption
    # or waste dealt with in the unit led directly force "Không hoàn thành" (LAW L6).
    forcing_disciplines: list[str] = Field(
        default_factory=lambda: ["khien_trach", "canh_cao", "ha_bac_luong", "giang_chuc",
                                 "cach_chuc", "buoc_thoi_viec", "suy_thoai",
                                 "tham_nhung_lang_phi"]
    )
    # Hưng Yên 2026–2030: "hoàn thành nhiệm vụ" two years running for someone in planning,
    # or "không hoàn thành nhiệm vụ" in one year → "đề nghị đưa ra khỏi quy hoạch".
    flag_done_twice_in_planning: bool = True
    flag_failed_in_planning: bool = True
    flag_failed_twice: bool = True
    # Who certifies an objective cause and receives the forms, as the province names it.
    competent_body: str = "Ban Tổ chức Tỉnh ủy / Sở Nội vụ"

    @model_validator(mode="after")
    def _criteria_sum(self) -> ScoringPolicy:
        total = sum(c.max_points for c in self.general_criteria)
        if abs(total - self.general_points) > 1e-6:
            raise ValueError(_("general criteria must add up to general_points"))
        if len({c.key for c in self.general_criteria}) != len(self.general_criteria):
            raise ValueError(_("general criteria keys must be unique"))
        for levels in (self.organising_levels, self.rallying_levels):
            if not levels:
                raise ValueError(_("leader ability levels must not be empty"))
        return self

    def cap_ratio(self, outstanding: bool) -> float:
        if outstanding and self.excellent_cap_ratio_outstanding is not None:
            return self.excellent_cap_ratio_outstanding
        return self.excellent_cap_ratio


class CalendarPolicy(BaseModel):

    model_config = ConfigDict(extra="forbid")
    submission_deadline_working_days: int = 3
    review_deadline_working_days: int = 7
    extra_days_off: list[date] = Field(default_factory=list)
    makeup_working_days: list[date] = Field(default_factory=list)


class ReminderPolicy(BaseModel):
    """When reminders go out (SPEC §5); steps are working days relative to the deadline."""

    model_config = ConfigDict(extra="forbid")

    entry_steps: dict[str, int] = Field(
        default_factory=lambda: {"before3": -3, "before1": -1, "due": 0, "after1": 1, "after3": 3})
    mandatory_steps: list[str] = Field(default_factory=lambda: ["after1", "after3"])
    relevance_days: int = 2  # a missed step is still sent this many working days late
    review_waiting_days: int = 2
    training_days_before: list[int] = Field(default_factory=lambda: [30, 7])
    notice_ack_days: int = 2
    # assigned tasks (issue #24): working days relative to the task's deadline, as the entry
    # steps; "overdue" goes out once, the first working day after it
    task_steps: dict[str, int] = Field(
        default_factory=lambda: {"before3": -3, "before1": -1, "overdue": 1})
    work_start: str = "07:30"
    work_end: str = "17:00"
    digest_time: str = "08:00"
    digest_weekday: int = 0  # Monday; digests also go out the working day after a deadline
    digest_after_deadline: bool = True


class AppealPolicy(BaseModel):
    """Kiến nghị about an evaluation (issue #24 §4). Source: Bắc Ninh's resolution on commune
    cadres asks for "cơ chế tiếp nhận, xử lý thông tin phản ánh" without numbers; the windows
    below are the province's choice (policy settings, not law). Days are working days
    (bot.services.calendar)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    # how long after an evaluation (or the annual rating) is announced a cadre may send one
    window_working_days: int = Field(default=5, ge=1, le=60)
    # how long the handler (the evaluator's own evaluator, or the board) has to answer
    answer_working_days: int = Field(default=10, ge=1, le=60)
    # reminders to the handler, working days relative to the due date
    reminder_steps: dict[str, int] = Field(
        default_factory=lambda: {"before2": -2, "due": 0, "after1": 1, "after3": 3})


class FilesPolicy(BaseModel):
    """Spreadsheets the board sends to the bot for import (not law: the office's choice).
    Telegram lets a bot download files up to 20 MB; a 50,000-row roster is about 4 MB."""

    model_config = ConfigDict(extra="forbid")

    max_import_bytes: int = Field(default=10 * 1024 * 1024, gt=0, le=20 * 1024 * 1024)
    max_import_rows: int = Field(default=60_000, gt=0)


class PublicationPolicy(BaseModel):
    """Publication of results inside the agency (Bắc Ninh's resolution on commune cadres:
    "công khai kết quả đánh giá, xếp loại" inside the agency; issue #24 part 3). Every
    member of an agency sees its list — names, points, bands, never the reasons or the
    evidence — in 📊 Kết quả của tôi and as a file, with the date it was published."""

    model_config = ConfigDict(extra="forbid")

    # The annual list, once the agency's head or the board closes it (the closing date is
    # the publication date).
    annual: bool = True
    # Each quarter's evaluations, once the quarter's period is locked (the lock date is the
    # publication date): only the rated ones are listed. Off by default: the resolution
    # names the annual result; a province that evaluates quarterly may publish those too.
    quarterly: bool = False

    @property
    def enabled(self) -> bool:
        return self.annual or self.quarterly


class IndicatorTarget(BaseModel):
    """A resolution target the board watches (SPEC §7); `metric` names a computed indicator
    (bot.services.indicators says whom each one counts)."""

    model_config = ConfigDict(extra="forbid")

    metric: Literal["trained_share", "young_leaders_share", "young_standing_committee_share",
                    "communes_young_key_leader_share", "masters_leaders_share",
                    "commune_leaders_theory_share", "digital_trained_leaders_share",
                    "commune_good_or_better_share", "good_or_better_share", "on_time_share"]
    name: str
    target: float = Field(ge=0, le=1)  # a share, 0–1
    # ">" for the resolutions' "trên" (above), ">=" for "đạt" (reach)
    comparison: Literal[">", ">="] = ">="
    # "period": each month or quarter; "yearly": each year; a year (2030): by that year
    horizon: Literal["period", "yearly"] | int = "yearly"
    # training targets: this year's courses, or any ever (a cumulative target)
    accumulation: Literal["year", "ever"] = "year"
    deadline: str | None = None  # as the resolution words it, when the default text is not


def _default_targets() -> list[IndicatorTarget]:
    def target(**values) -> IndicatorTarget:
        return IndicatorTarget(**values)

    return [
        # Hưng Yên 2026–2030: "100% cán bộ, công chức được bồi dưỡng hằng năm"
        target(metric="trained_share", name="Cán bộ, công chức được bồi dưỡng trong năm",
               target=1.0, horizon="yearly"),
        # "cán bộ trẻ thuộc diện Ban Thường vụ Tỉnh ủy quản lý đạt 15%"
        target(metric="young_standing_committee_share",
               name="Cán bộ trẻ (dưới 42 tuổi) thuộc diện Ban Thường vụ Tỉnh ủy quản lý",
               target=0.15, horizon=2030),
        # "15% số xã, phường có cán bộ trẻ giữ chức danh lãnh đạo chủ chốt"
        target(metric="communes_young_key_leader_share",
               name="Xã, phường có cán bộ trẻ giữ chức danh lãnh đạo chủ chốt", target=0.15,
               horizon=2030),
        # "lãnh đạo có trình độ thạc sĩ, tiến sĩ trên 25%"
        target(metric="masters_leaders_share", name="Lãnh đạo có trình độ thạc sĩ trở lên",
               target=0.25, comparison=">", horizon=2030),
        # "lãnh đạo cấp xã có trình độ cao cấp, cử nhân lý luận chính trị trên 20%"
        target(metric="commune_leaders_theory_share",
               name="Lãnh đạo cấp xã có lý luận chính trị cao cấp, cử nhân", target=0.20,
               comparison=">", horizon=2030),
        # "10% lãnh đạo được bồi dưỡng về chuyển đổi số" by 2030, courses of any year
        target(metric="digital_trained_leaders_share",
               name="Lãnh đạo được bồi dưỡng chuyển đổi số", target=0.10, horizon=2030,
               accumulation="ever"),
        # Bắc Ninh: "trên 90% cán bộ xã, phường hoàn thành tốt nhiệm vụ trở lên" each year
        target(metric="commune_good_or_better_share",
               name="Cán bộ, công chức cấp xã xếp loại hoàn thành tốt nhiệm vụ trở lên",
               target=0.90, comparison=">", horizon="yearly"),
        target(metric="on_time_share", name="Báo cáo gửi đúng hạn", target=0.95,
               horizon="period"),
    ]


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scoring: ScoringPolicy = Field(default_factory=ScoringPolicy)
    calendar: CalendarPolicy = Field(default_factory=CalendarPolicy)
    reminders: ReminderPolicy = Field(default_factory=ReminderPolicy)
    targets: list[IndicatorTarget] = Field(default_factory=_default_targets)
    # A resolution target measured on data that comes in over time (reports sent, people
    # rated) is shown as a figure only once this share of the people it concerns is in it;
    # below, the digest says "chưa đủ số liệu: 1/60 báo cáo" and never "đã đạt" (issue #22:
    # one report of sixty read "100,0% … đã đạt"). No resolution sets the share: half is a
    # default that keeps a figure from describing only the first few to report.
    indicator_min_coverage: float = Field(0.5, ge=0, le=1)
    files: FilesPolicy = Field(default_factory=FilesPolicy)
    appeals: AppealPolicy = Field(default_factory=AppealPolicy)
    publication: PublicationPolicy = Field(default_factory=PublicationPolicy)


def load_policy(path: Path | None) -> Policy:
    """The province's policy file (defaults without one); a mistake in it stops the program
    with one Vietnamese line naming the key and what is expected — a misspelt key is refused,
    never silently ignored."""
    from pydantic import ValidationError

    from bot.config import ConfigError
    from bot.validation_errors import describe, location

    if path is None:
        return Policy()
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except OSError:
        raise ConfigError(_("cannot read the policy file {path}").format(path=path)) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        if mark is None:
            raise ConfigError(_("the policy file {path} is not valid YAML").format(
                path=path)) from None
        raise ConfigError(_("the policy file {path} is not valid YAML (line {line})").format(
            path=path, line=mark.line + 1)) from None
    if not isinstance(data, dict):
        raise ConfigError(_("the policy file {path} must be a group of keys (scoring:, "
                            "reminders:, …)").format(path=path))
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        more = len(errors) - 1
        suffix = (" " + _("(and {count} more)").format(count=more)) if more else ""
        raise ConfigError(_("policy file {path}, key {key}: {message}").format(
            path=path, key=location(first), message=describe(first)) + suffix) from None
