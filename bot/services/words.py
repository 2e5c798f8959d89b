"""Stored codes as the Board reads them in a spreadsheet (exports, the audit sheet,
`cadrebot export person`): "approved" → "đã duyệt", "cao_cap" → "Cao cấp", True → "Có".

The handlers' screens word the same things for chat (handlers/screens/…); the services may not
import them, so the words a file needs are here, with the same English msgids where the
meaning is the same (one translation in the catalogue). Words of the import files'
vocabulary (Nam/Nữ, Cán bộ, Cao cấp…) are written as the import accepts them, so an exported
value can be typed back into an import file."""

from __future__ import annotations

from datetime import date, datetime

from bot.i18n import N_, _, fmt_date, fmt_number
from models.enums import (
    Band,
    DeliveryStatus,
    DisciplineLevel,
    Education,
    EntryStatus,
    ExemptionStatus,
    Gender,
    LeaveKind,
    LeaveStatus,
    ManagementTier,
    PeriodStatus,
    PeriodType,
    PositionGroup,
    ProductKind,
    Role,
    StaffType,
    TheoryLevel,
    TrainingCategory,
    TrainingStatus,
    UnitLevel,
)

BANDS = {
    Band.EXCELLENT.value: N_("Excellently completed duties"),
    Band.GOOD.value: N_("Well completed duties"),
    Band.DONE.value: N_("Completed duties"),
    Band.FAILED.value: N_("Did not complete duties"),
}
ENTRY_STATUS = {
    EntryStatus.DRAFT.value: N_("draft"),
    EntryStatus.SUBMITTED.value: N_("waiting for approval"),
    EntryStatus.APPROVED.value: N_("approved"),
    EntryStatus.RETURNED.value: N_("returned"),
}
EVALUATION_STATUS = {"draft": N_("draft"), "proposed": N_("proposed, list not closed"),
                     "rated": N_("rated")}
PERIOD_STATUS = {PeriodStatus.OPEN.value: N_("open"), PeriodStatus.LOCKED.value: N_("locked")}
EXEMPTION = {ExemptionStatus.CLAIMED.value: N_("asked for"),
             ExemptionStatus.ACCEPTED.value: N_("accepted"),
             ExemptionStatus.REFUSED.value: N_("refused")}
GENDERS = {Gender.MALE.value: "Nam", Gender.FEMALE.value: "Nữ"}
STAFF_TYPES = {StaffType.CAN_BO.value: "Cán bộ", StaffType.CONG_CHUC.value: "Công chức",
               StaffType.VIEN_CHUC.value: "Viên chức"}
THEORY = {TheoryLevel.NONE.value: "Không", TheoryLevel.SO_CAP.value: "Sơ cấp",
          TheoryLevel.TRUNG_CAP.value: "Trung cấp", TheoryLevel.CAO_CAP.value: "Cao cấp",
          TheoryLevel.CU_NHAN.value: "Cử nhân"}
EDUCATION = {Education.TRUNG_CAP.value: "Trung cấp", Education.CAO_DANG.value: "Cao đẳng",
             Education.DAI_HOC.value: "Đại học", Education.THAC_SI.value: "Thạc sĩ",
             Education.TIEN_SI.value: "Tiến sĩ"}
TIERS = {ManagementTier.PROVINCE_STANDING.value: "Ban Thường vụ Tỉnh ủy",
         ManagementTier.DEPARTMENT.value: "Sở, ngành", ManagementTier.COMMUNE.value: "Xã"}
LEVELS = {UnitLevel.PROVINCE.value: "Tỉnh", UnitLevel.COMMUNE.value: "Xã"}
PERIOD_KINDS = {PeriodType.MONTH.value: "Tháng", PeriodType.QUARTER.value: "Quý",
                PeriodType.YEAR.value: "Năm"}
PRODUCT_KINDS = {ProductKind.COUNT.value: "Số lượng", ProductKind.RATE.value: "Tỷ lệ"}
POSITION_GROUPS = {PositionGroup.LEADERSHIP.value: "Lãnh đạo quản lý",
                   PositionGroup.PROFESSIONAL.value: "Chuyên môn nghiệp vụ",
                   PositionGroup.SUPPORT.value: "Hỗ trợ phục vụ"}
# the import's words for them (bot/services/imports/schemas.py CATEGORIES accepts these)
CATEGORIES = {
    TrainingCategory.POLITICAL_THEORY.value: "Lý luận chính trị",
    TrainingCategory.DEFENCE_SECURITY.value: "Quốc phòng và an ninh",
    TrainingCategory.STATE_MANAGEMENT.value: "Quản lý nhà nước",
    TrainingCategory.JOB_SKILLS.value: "Kiến thức, kỹ năng theo vị trí việc làm",
    TrainingCategory.DIGITAL.value: "Khoa học, công nghệ, đổi mới sáng tạo, kỹ năng số, "
                                    "công nghệ số",
}
TRAINING_RECORD = {TrainingStatus.CLAIMED.value: N_("waiting for verification"),
                   TrainingStatus.VERIFIED.value: N_("verified"),
                   TrainingStatus.REJECTED.value: N_("rejected")}
DELIVERY = {DeliveryStatus.QUEUED.value: N_("waiting"), DeliveryStatus.SENDING.value: N_("sending"),
            DeliveryStatus.SENT.value: N_("sent"), DeliveryStatus.FAILED.value: N_("failed"),
            DeliveryStatus.BLOCKED.value: N_("blocked the bot")}
ROLES = {Role.CADRE.value: N_("cadre"), Role.SUPERVISOR.value: N_("evaluator"),
         Role.BOARD.value: N_("Organization Board")}
LEAVES = {LeaveKind.ANNUAL.value: "Nghỉ phép", LeaveKind.SICK.value: "Ốm đau",
          LeaveKind.MATERNITY.value: "Thai sản", LeaveKind.STUDY.value: "Đi học",
          LeaveKind.OTHER.value: "Khác"}
LEAVE_STATUS = {LeaveStatus.PENDING.value: N_("waiting for confirmation"),
                LeaveStatus.CONFIRMED.value: N_("confirmed"),
                LeaveStatus.REFUSED.value: N_("refused"),
                LeaveStatus.CANCELLED.value: N_("withdrawn")}
APPEAL_STATUS = {"open": N_("waiting for an answer"), "answered": N_("answered")}
APPEAL_OUTCOME = {"kept": N_("kept"), "changed": N_("changed")}
# the figures an evaluator may adjust (bot.services.review.ADJUST_STEPS)
ADJUSTED_FIGURES = {"done": N_("quantity done"), "passed": N_("passed quality review"),
                    "on_time": N_("on time"), "failed": N_("failed reviews"),
                    "delays": N_("delays")}
DISCIPLINES = {DisciplineLevel.REPRIMAND.value: "Khiển trách",
               DisciplineLevel.WARNING.value: "Cảnh cáo",
               DisciplineLevel.SALARY_DOWN.value: "Hạ bậc lương",
               DisciplineLevel.DEMOTION.value: "Giáng chức",
               DisciplineLevel.DISMISSAL.value: "Cách chức",
               DisciplineLevel.FIRING.value: "Buộc thôi việc",
               DisciplineLevel.DEGRADATION.value: "Suy thoái",
               DisciplineLevel.CORRUPTION_IN_UNIT.value: "Tham nhũng, lãng phí trong đơn vị"}
EVIDENCE = {"photo": N_("photo"), "document": N_("file"), "link": N_("link")}
# The catalogue's indicator groups (SPEC §4.2; Bắc Ninh's resolution evaluates commune cadres in
# these four groups): the full name, and a short one for a line on a phone
INDICATOR_GROUPS = {1: N_("Task results"),
                    2: N_("Quality of service to the people and businesses"),
                    3: N_("Coordination and organising ability"),
                    4: N_("Discipline, order and integrity in public service")}
INDICATOR_GROUPS_SHORT = {1: N_("Results"), 2: N_("Service"), 3: N_("Coordination"),
                          4: N_("Discipline")}


def indicator_group(group: int, short: bool = False) -> str:
    """An indicator group's name ("Nhóm 5" for a group the catalogue added beyond the four)."""
    found = (INDICATOR_GROUPS_SHORT if short else INDICATOR_GROUPS).get(group)
    if found is None:
        return _("Group {number}").format(number=group)
    return _(found)


def word(vocabulary: dict[str, str], value) -> str:
    """The value's word ("" for none); a code the vocabulary does not know is shown as is."""
    if value is None or value == "":
        return ""
    found = vocabulary.get(str(value))
    return str(value) if found is None else _(found)


def yes_no(value) -> str:
    if value is None:
        return ""
    return "Có" if value else "Không"


def period_name(kind: str, number: int, year: int) -> str:
    """"Tháng 11/2026", "Quý 4/2026", "Năm 2026" (as the screens say it)."""
    if kind == PeriodType.MONTH.value:
        return _("Month {number}/{year}").format(number=number, year=year)
    if kind == PeriodType.QUARTER.value:
        return _("Quarter {number}/{year}").format(number=number, year=year)
    return _("Year {year}").format(year=year)


def figure(value) -> str:
    """A number inside a sentence (not a cell): 1.234,5; whole numbers without decimals."""
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, int):
        return fmt_number(value)
    if isinstance(value, float):
        return fmt_number(value, 0 if value.is_integer() else 1)
    return str(value)


def when(value) -> str:
    """An ISO date or date-time stored as text ("2026-11-30") as dd/mm/yyyy."""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return fmt_date(value)
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if len(str(value)) <= 10:
        return fmt_date(parsed.date())
    return parsed.strftime("%d/%m/%Y %H:%M")


# ---------------------------------------------------------------- the audit log

ACTIONS = {
    "approve": N_("approved a product"), "return": N_("returned a product"),
    "exemption_accept": N_("accepted an objective-cause exemption"),
    "exemption_refuse": N_("refused an objective-cause exemption"),
    "submit": N_("sent the report for approval"), "board_edit_entry": N_("board corrected figures"),
    "adjust_target": N_("adjusted a target"), "rate": N_("rated the period"),
    "propose_year": N_("proposed the annual rating"), "closing_choice": N_("chose at closing"),
    "close_year_list": N_("closed the annual list"), "reopen_year_list": N_("reopened the annual list"),
    "agency_rating": N_("recorded the agency's rating"),
    "record_discipline": N_("recorded a discipline"), "record_leave": N_("recorded a leave"),
    "queue_notice": N_("queued a notice"), "delegate": N_("delegated the evaluation"),
    "revoke_delegation": N_("revoked a delegation"), "forget": N_("removed contact data"),
    "declare_training": N_("declared a course"), "verify_training": N_("verified a course"),
    "reject_training": N_("rejected a course"), "import_update": N_("updated by an import"),
    "unlink": N_("unlinked Telegram"), "link": N_("linked Telegram"),
    "relink": N_("linked Telegram again"), "invite": N_("issued an activation code"),
    "grant": N_("granted a role"), "lock_period": N_("locked the period"),
    "unlock_period": N_("reopened the period"),
    "send_appeal": N_("sent a kiến nghị"), "answer_appeal": N_("answered a kiến nghị"),
    "appeal_change_year": N_("changed the annual band after a kiến nghị"),
}
OBJECTS = {"entry": N_("product"), "evaluation": N_("evaluation"), "period": N_("period"),
           "target": N_("target"), "cadre": N_("cadre"), "notice": N_("notice"),
           "delegation": N_("delegation"), "training_record": N_("course"),
           "annual_list": N_("annual list"), "agency_rating": N_("agency rating"),
           "discipline": N_("discipline"), "leave": N_("leave"), "unit": N_("unit"),
           "product_type": N_("product type"), "position": N_("job position"),
           "training_requirement": N_("training requirement"), "appeal": N_("kiến nghị")}
FIELDS = {
    "status": N_("status"), "reason": N_("reason"), "adjusted": N_("figures adjusted"),
    "on_behalf_of": N_("on behalf of"), "as_board": N_("as the board"), "band": N_("band"),
    "computed": N_("band by the score"), "proposed": N_("proposed band"), "total": N_("total"),
    "disciplined": N_("disciplined"), "by": N_("by"), "quantity": N_("quantity"),
    "exemption": N_("exemption"), "entries": N_("products"), "late": N_("late"),
    "telegram_user_id": N_("Telegram account"), "expires_at": N_("valid until"),
    "role": N_("role"), "cadre": N_("cadre"), "from": N_("from"), "to": N_("to"),
    "kind": N_("kind"), "delegate": N_("delegate"), "recipients": N_("recipients"),
    "audience": N_("audience"), "year": N_("year"), "level": N_("level"), "score": N_("score"),
    "agency": N_("agency"), "bands": N_("bands"), "hours": N_("hours"),
    "category": N_("category"), "version": N_("version"),
    "quantity_done": N_("quantity done"), "quantity_passed": N_("passed quality review"),
    "quantity_on_time": N_("on time"), "failed_reviews": N_("failed reviews"),
    "delays": N_("delays"), "full_name": N_("full name"), "phone": N_("phone"),
    "unit": N_("unit"), "position": N_("job position"), "title": N_("title"),
    "staff_type": N_("staff type"), "is_leader": N_("leader"), "evaluator": N_("evaluator"),
    "party_member": N_("party member"), "theory_level": N_("political theory"),
    "education": N_("education"), "in_planning": N_("in planning"), "active": N_("active"),
    "name": N_("name"), "birth_date": N_("birth date"), "start_date": N_("start date"),
    "gender": N_("gender"),
    "outcome": N_("answer"), "handler": N_("who answers"), "due": N_("answer due"),
    "file": N_("file attached"), "evaluation": N_("evaluation"), "flags": N_("flags"),
}
# which vocabulary a field's value is in (the same key may mean different things by object)
VALUES = {"band": BANDS, "computed": BANDS, "proposed": BANDS, "role": ROLES,
          "exemption": EXEMPTION, "category": CATEGORIES, "gender": GENDERS,
          "staff_type": STAFF_TYPES, "theory_level": THEORY, "education": EDUCATION,
          "level": {**DISCIPLINES, **LEVELS}, "kind": LEAVES, "outcome": APPEAL_OUTCOME}
STATUS_BY_OBJECT = {"entry": ENTRY_STATUS, "period": PERIOD_STATUS,
                    "training_record": TRAINING_RECORD}
HIDDEN = {"version"}  # bookkeeping of the versioned update, not a fact for the Board


def action_text(action: str) -> str:
    return word(ACTIONS, action)


def object_text(object_type: str, object_id: int | None) -> str:
    name = word(OBJECTS, object_type)
    return f"{name} #{object_id}" if object_id is not None else name


def _value(key: str, value, object_type: str, names: dict[int, str]) -> str:
    if key == "status":
        return word(STATUS_BY_OBJECT.get(object_type, {**ENTRY_STATUS, **PERIOD_STATUS}), value)
    if key in ("on_behalf_of", "evaluator") and isinstance(value, int) \
            and not isinstance(value, bool):
        return names.get(value, f"#{value}")
    if key == "bands" and isinstance(value, dict):
        return ", ".join(f"{code}: {word(BANDS, band)}" for code, band in value.items())
    if key == "entries" and isinstance(value, list):
        return figure(len(value))
    if key in ("from", "to", "expires_at", "birth_date", "start_date") and value:
        return when(value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_value(k, v, object_type, names)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_value(key, v, object_type, names) for v in value)
    if key in VALUES:
        return word(VALUES[key], value)
    if isinstance(value, bool | int | float):
        return figure(value)
    return str(value)


def details(values: dict | None, object_type: str, names: dict[int, str]) -> str:
    """"trạng thái: đã duyệt; lý do: …" — empty values, and bookkeeping, left out."""
    if not values:
        return ""
    parts = []
    for key, value in values.items():
        if key in HIDDEN or value is None or value == "" or value == [] or value == {}:
            continue
        if value is False and key in ("adjusted", "as_board", "disciplined", "late"):
            continue  # "not adjusted" is the ordinary case: saying it is noise
        parts.append(f"{word(FIELDS, key)}: {_value(key, value, object_type, names)}")
    return "; ".join(parts)
