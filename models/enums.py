"""Closed vocabularies stored as short strings (SPEC §4)."""

from enum import StrEnum


class UnitLevel(StrEnum):
    PROVINCE = "tinh"
    COMMUNE = "xa"


class PeriodType(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class PositionGroup(StrEnum):
    LEADERSHIP = "lanh_dao_quan_ly"
    PROFESSIONAL = "chuyen_mon_nghiep_vu"
    SUPPORT = "ho_tro_phuc_vu"


class StaffType(StrEnum):
    CAN_BO = "can_bo"
    CONG_CHUC = "cong_chuc"
    VIEN_CHUC = "vien_chuc"


class Gender(StrEnum):
    MALE = "nam"
    FEMALE = "nu"


class TheoryLevel(StrEnum):
    NONE = "none"
    SO_CAP = "so_cap"
    TRUNG_CAP = "trung_cap"
    CAO_CAP = "cao_cap"
    CU_NHAN = "cu_nhan"


THEORY_RANK = {level: rank for rank, level in enumerate(TheoryLevel)}


class Education(StrEnum):
    TRUNG_CAP = "trung_cap"
    CAO_DANG = "cao_dang"
    DAI_HOC = "dai_hoc"
    THAC_SI = "thac_si"
    TIEN_SI = "tien_si"


class Role(StrEnum):
    CADRE = "cadre"
    SUPERVISOR = "supervisor"
    BOARD = "board"


class ProductKind(StrEnum):
    COUNT = "count"
    RATE = "rate"


class PeriodStatus(StrEnum):
    OPEN = "open"
    LOCKED = "locked"


class EntryStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"


class Band(StrEnum):
    EXCELLENT = "xuat_sac"
    GOOD = "tot"
    DONE = "hoan_thanh"
    FAILED = "khong_hoan_thanh"


class TrainingCategory(StrEnum):
    POLITICAL_THEORY = "ly_luan_chinh_tri"
    DEFENCE_SECURITY = "quoc_phong_an_ninh"
    STATE_MANAGEMENT = "quan_ly_nha_nuoc"
    JOB_SKILLS = "kien_thuc_ky_nang"
    DIGITAL = "khcn_dmst_so"


class TrainingStatus(StrEnum):
    CLAIMED = "claimed"
    VERIFIED = "verified"
    REJECTED = "rejected"


class AckKind(StrEnum):
    NONE = "none"
    ACK = "ack"
    REGISTER = "register"


class NoticeStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


class DeliveryStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"


class ManagementTier(StrEnum):
    """"Diện quản lý": whose list a cadre's appointment is on."""

    PROVINCE_STANDING = "btv_tinh_uy"  # Ban Thường vụ Tỉnh ủy
    DEPARTMENT = "so_nganh"  # cấp sở, ngành
    COMMUNE = "xa"  # cấp xã


class ExemptionStatus(StrEnum):
    CLAIMED = "claimed"
    ACCEPTED = "accepted"
    REFUSED = "refused"


class LeaveKind(StrEnum):
    ANNUAL = "nghi_phep"  # annual (paid) leave: time worked for the annual rating
    SICK = "om_dau"
    MATERNITY = "thai_san"
    STUDY = "di_hoc"
    OTHER = "khac"


class LeaveStatus(StrEnum):
    """A leave the cadre declares waits for the evaluator (pending → confirmed | refused, or
    cancelled by the cadre); one recorded by the evaluator or the board is confirmed at once.
    Only confirmed leave counts anywhere."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    REFUSED = "refused"
    CANCELLED = "cancelled"


class DisciplineLevel(StrEnum):
    REPRIMAND = "khien_trach"
    WARNING = "canh_cao"
    SALARY_DOWN = "ha_bac_luong"
    DEMOTION = "giang_chuc"
    DISMISSAL = "cach_chuc"
    FIRING = "buoc_thoi_viec"
    # Other grounds of "Không hoàn thành nhiệm vụ" (Decree 335, LAW L6)
    DEGRADATION = "suy_thoai"  # kết luận suy thoái tư tưởng chính trị, đạo đức, lối sống
    CORRUPTION_IN_UNIT = "tham_nhung_lang_phi"  # leaders: in the unit led directly


class AppealStatus(StrEnum):
    """A kiến nghị about an evaluation (issue #24 §4): open until its handler answers it;
    the answer keeps the evaluation or changes it."""

    OPEN = "open"
    ANSWERED = "answered"


class AppealOutcome(StrEnum):
    KEPT = "kept"
    CHANGED = "changed"


class TaskStatus(StrEnum):
    """An assigned task (giao việc, issue #24): assigned → delivered → accepted, or returned
    (a failed review) → delivered again … Cancelled by whoever assigned it."""

    ASSIGNED = "assigned"
    DELIVERED = "delivered"
    RETURNED = "returned"
    ACCEPTED = "accepted"
    CANCELLED = "cancelled"


class TaskEventKind(StrEnum):
    ASSIGNED = "assigned"
    DELIVERED = "delivered"
    RETURNED = "returned"  # a failed review (Decree 335 Art. 14, LAW L3)
    ACCEPTED = "accepted"
    EXTENDED = "extended"  # the deadline moved before it passed: not a delay
