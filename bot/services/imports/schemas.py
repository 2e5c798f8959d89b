"""Row models (pydantic) for each import file, with Vietnamese messages per cell."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ValidationError, field_validator

from bot.i18n import _
from bot.phones import normalize_phone
from bot.services.imports import cells
from bot.services.imports.reading import Column
from models.enums import TrainingCategory

LEVELS = {"tinh": "tinh", "cap tinh": "tinh", "xa": "xa", "cap xa": "xa", "phuong": "xa"}
PERIODS = {"thang": "month", "quy": "quarter", "": None}
KINDS = {"so luong": "count", "ty le": "rate"}
GENDERS = {"nam": "nam", "nu": "nu"}
STAFF = {"can bo": "can_bo", "cong chuc": "cong_chuc", "vien chuc": "vien_chuc"}
EDUCATION = {"": None, "trung cap": "trung_cap", "cao dang": "cao_dang", "dai hoc": "dai_hoc",
             "thac si": "thac_si", "tien si": "tien_si"}
THEORY = {"": "none", "khong": "none", "chua co": "none", "so cap": "so_cap",
          "trung cap": "trung_cap", "cao cap": "cao_cap", "cu nhan": "cu_nhan"}
TIERS = {"": None, "ban thuong vu tinh uy": "btv_tinh_uy", "btv tinh uy": "btv_tinh_uy",
         "tinh uy": "btv_tinh_uy", "so, nganh": "so_nganh", "so nganh": "so_nganh",
         "cap so": "so_nganh", "so": "so_nganh", "xa": "xa", "cap xa": "xa", "xa, phuong": "xa"}
BANDS = {"hoan thanh xuat sac nhiem vu": "xuat_sac", "xuat sac": "xuat_sac",
         "hoan thanh tot nhiem vu": "tot", "tot": "tot", "hoan thanh nhiem vu": "hoan_thanh",
         "hoan thanh": "hoan_thanh", "khong hoan thanh nhiem vu": "khong_hoan_thanh",
         "khong hoan thanh": "khong_hoan_thanh"}
BAND_WORDS = ("Hoàn thành xuất sắc nhiệm vụ, Hoàn thành tốt nhiệm vụ, Hoàn thành nhiệm vụ, "
              "Không hoàn thành nhiệm vụ")
POSITION_GROUPS = {"": None, "lanh dao quan ly": "lanh_dao_quan_ly",
                   "chuyen mon nghiep vu": "chuyen_mon_nghiep_vu",
                   "ho tro phuc vu": "ho_tro_phuc_vu"}
CATEGORIES = {
    "ly luan chinh tri": TrainingCategory.POLITICAL_THEORY.value,
    "quoc phong va an ninh": TrainingCategory.DEFENCE_SECURITY.value,
    "quoc phong an ninh": TrainingCategory.DEFENCE_SECURITY.value,
    "quan ly nha nuoc": TrainingCategory.STATE_MANAGEMENT.value,
    "kien thuc, ky nang theo vi tri viec lam": TrainingCategory.JOB_SKILLS.value,
    "kien thuc ky nang theo vi tri viec lam": TrainingCategory.JOB_SKILLS.value,
    "khoa hoc cong nghe, doi moi sang tao, ky nang so": TrainingCategory.DIGITAL.value,
    "khoa hoc cong nghe, doi moi sang tao va ky nang so": TrainingCategory.DIGITAL.value,
    "ky nang so": TrainingCategory.DIGITAL.value,
    # Decree 171/2025, group 5, in full
    "khoa hoc, cong nghe, doi moi sang tao, ky nang so, cong nghe so": TrainingCategory.DIGITAL.value,
}


def _code(value) -> str:
    raw = cells.text(value)
    if not raw:
        raise cells.CellError(_("must not be empty"))
    if len(raw) > 32 or any(ch.isspace() for ch in raw):
        raise cells.CellError(_("“{value}” is not a valid code (no spaces, at most 32 characters)")
                              .format(value=cells.shown(raw)))
    return raw


def _required_text(value, limit: int = 255) -> str:
    raw = cells.text(value)
    if not raw:
        raise cells.CellError(_("must not be empty"))
    if len(raw) > limit:
        raise cells.CellError(_("too long (at most {limit} characters)").format(limit=limit))
    return raw


def _optional_text(value, limit: int = 255) -> str | None:
    raw = cells.text(value)
    if len(raw) > limit:
        raise cells.CellError(_("too long (at most {limit} characters)").format(limit=limit))
    return raw or None


def _optional_code(value) -> str | None:
    return _code(value) if cells.text(value) else None


def _optional_flag(value) -> bool | None:
    """Có / Không, or empty for "not said" (the default rule applies)."""
    return cells.parse_flag(value) if cells.text(value) else None


def _codes(value) -> list[str]:
    """Codes separated by commas or semicolons."""
    raw = cells.text(value).replace(";", ",")
    return [_code(part) for part in raw.split(",") if cells.text(part)]


def _year(value) -> int:
    number = cells.parse_decimal(value)
    if number is None or not float(number).is_integer() or not 2000 <= number <= 2100:
        raise cells.CellError(_("“{value}” is not a year").format(value=cells.shown(value)))
    return int(number)


def _score(value) -> float | None:
    number = cells.parse_decimal(value)
    if number is not None and not 0 <= number <= 100:
        raise cells.CellError(_("a score is between 0 and 100"))
    return number


class UnitRow(BaseModel):
    code: str
    name: str
    parent: str | None = None
    level: str
    sector: str | None = None
    period_type: str | None = None
    is_agency: bool | None = None

    _code = field_validator("code", mode="before")(lambda v: _code(v))
    _agency = field_validator("is_agency", mode="before")(lambda v: _optional_flag(v))
    _name = field_validator("name", mode="before")(lambda v: _required_text(v))
    _parent = field_validator("parent", mode="before")(lambda v: _optional_code(v))
    _level = field_validator("level", mode="before")(
        lambda v: cells.choice(v, LEVELS, _("level"), "Tỉnh, Xã"))
    _sector = field_validator("sector", mode="before")(lambda v: _optional_text(v, 120))
    _period = field_validator("period_type", mode="before")(
        lambda v: cells.choice(v, PERIODS, _("evaluation period"), "Tháng, Quý"))


UNIT_COLUMNS = [
    Column("code", "Mã đơn vị"), Column("name", "Tên đơn vị"),
    Column("parent", "Đơn vị cấp trên", required=False), Column("level", "Cấp"),
    Column("sector", "Khối", required=False), Column("period_type", "Kỳ đánh giá", required=False),
    Column("is_agency", "Cơ quan", required=False),
]


class CatalogueRow(BaseModel):
    position_code: str
    position_name: str
    position_group: str | None = None
    code: str
    name: str
    unit_of_measure: str | None = None
    kind: str
    coefficient: float
    indicator_group: int
    digital: bool
    default_target: float
    key_title: bool = False

    _pc = field_validator("position_code", "code", mode="before")(lambda v: _code(v))
    _pn = field_validator("position_name", "name", mode="before")(lambda v: _required_text(v))
    _pg = field_validator("position_group", mode="before")(
        lambda v: cells.choice(v, POSITION_GROUPS, _("position group"), "Lãnh đạo quản lý, Chuyên môn nghiệp vụ, Hỗ trợ phục vụ"))
    _uom = field_validator("unit_of_measure", mode="before")(lambda v: _optional_text(v, 64))
    _kind = field_validator("kind", mode="before")(
        lambda v: cells.choice(v, KINDS, _("kind"), "Số lượng, Tỷ lệ"))
    _digital = field_validator("digital", "key_title", mode="before")(
        lambda v: cells.parse_flag(v))

    @field_validator("coefficient", mode="before")
    @classmethod
    def _coefficient(cls, value):
        number = cells.parse_decimal(value)
        number = 1.0 if number is None else number
        if not 0 < number <= 100:
            raise cells.CellError(_("the coefficient must be greater than 0"))
        return number

    @field_validator("indicator_group", mode="before")
    @classmethod
    def _group(cls, value):
        number = cells.parse_decimal(value)
        if number is None or not float(number).is_integer() or not 1 <= number <= 4:
            raise cells.CellError(_("the indicator group must be 1, 2, 3 or 4"))
        return int(number)

    @field_validator("default_target", mode="before")
    @classmethod
    def _target(cls, value):
        number = cells.parse_decimal(value)
        if number is None or number < 0:
            raise cells.CellError(_("the default target must be a number ≥ 0"))
        return number


CATALOGUE_COLUMNS = [
    Column("position_code", "Mã vị trí"), Column("position_name", "Tên vị trí"),
    Column("position_group", "Nhóm vị trí", required=False),
    Column("code", "Mã sản phẩm"), Column("name", "Tên sản phẩm"),
    Column("unit_of_measure", "Đơn vị tính", required=False), Column("kind", "Loại"),
    Column("coefficient", "Hệ số", required=False), Column("indicator_group", "Nhóm chỉ số"),
    Column("digital", "Chuyển đổi số", required=False),
    Column("default_target", "Chỉ tiêu mặc định"),
    Column("key_title", "Chức danh chủ chốt", required=False),
]


class RosterRow(BaseModel):
    code: str
    full_name: str
    birth_date: date | None = None
    gender: str | None = None
    phone: str | None = None
    unit: str
    position: str
    title: str | None = None
    staff_type: str
    is_leader: bool
    evaluator: str | None = None
    education: str | None = None
    theory_level: str
    party_member: bool
    in_planning: bool
    start_date: date | None = None
    management_tier: str | None = None
    scope_units: list[str] = []

    _code = field_validator("code", "unit", "position", mode="before")(lambda v: _code(v))
    _tier = field_validator("management_tier", mode="before")(
        lambda v: cells.choice(v, TIERS, _("management tier"), "Ban Thường vụ Tỉnh ủy, Sở/ngành, Xã"))
    _scope = field_validator("scope_units", mode="before")(lambda v: _codes(v))
    _name = field_validator("full_name", mode="before")(lambda v: _required_text(v))
    _dates = field_validator("birth_date", "start_date", mode="before")(
        lambda v: cells.parse_date(v))
    _gender = field_validator("gender", mode="before")(
        lambda v: cells.choice(v, {**GENDERS, "": None}, _("gender"), "Nam, Nữ"))
    _title = field_validator("title", mode="before")(lambda v: _optional_text(v))
    _staff = field_validator("staff_type", mode="before")(
        lambda v: cells.choice(v, STAFF, _("staff type"), "Cán bộ, Công chức, Viên chức"))
    _flags = field_validator("is_leader", "party_member", "in_planning", mode="before")(
        lambda v: cells.parse_flag(v))
    _evaluator = field_validator("evaluator", mode="before")(lambda v: _optional_code(v))
    _education = field_validator("education", mode="before")(
        lambda v: cells.choice(v, EDUCATION, _("education level"), "Trung cấp, Cao đẳng, Đại học, Thạc sĩ, Tiến sĩ"))
    _theory = field_validator("theory_level", mode="before")(
        lambda v: cells.choice(v, THEORY, _("political theory level"), "Không, Sơ cấp, Trung cấp, Cao cấp, Cử nhân"))

    @field_validator("phone", mode="before")
    @classmethod
    def _phone(cls, value):
        raw = cells.text(value)
        if not raw:
            return None
        normalized = normalize_phone(raw)
        if normalized is None:
            raise cells.CellError(_("“{value}” is not a valid phone number").format(
                value=cells.shown(raw)))
        return normalized

    @field_validator("birth_date")
    @classmethod
    def _plausible_birth(cls, value):
        if value is not None and not date(1930, 1, 1) <= value <= date(2012, 1, 1):
            raise cells.CellError(_("the birth date {value} is not plausible").format(
                value=value.strftime("%d/%m/%Y")))
        return value


ROSTER_COLUMNS = [
    Column("code", "Mã cán bộ"), Column("full_name", "Họ và tên"),
    Column("birth_date", "Ngày sinh", required=False),
    Column("gender", "Giới tính", required=False),
    Column("phone", "Số điện thoại", required=False), Column("unit", "Đơn vị"),
    Column("position", "Vị trí việc làm"), Column("title", "Chức vụ", required=False),
    Column("staff_type", "Loại"), Column("is_leader", "Lãnh đạo", required=False),
    Column("evaluator", "Người đánh giá", required=False),
    Column("education", "Trình độ chuyên môn", required=False),
    Column("theory_level", "Lý luận chính trị", required=False),
    Column("party_member", "Đảng viên", required=False),
    Column("in_planning", "Quy hoạch", required=False),
    Column("start_date", "Ngày vào cơ quan", required=False),
    Column("management_tier", "Diện quản lý", required=False),
    Column("scope_units", "Đơn vị phụ trách", required=False),
]


class AnnualRatingRow(BaseModel):
    """A year's rating: a cadre's from before the bot (Mã cán bộ · Năm · Xếp loại · Điểm) or
    an agency's own (Mã đơn vị · Năm · Xếp loại · Điểm)."""

    code: str
    year: int
    band: str
    score: float | None = None

    _code = field_validator("code", mode="before")(lambda v: _code(v))
    _year = field_validator("year", mode="before")(lambda v: _year(v))
    _band = field_validator("band", mode="before")(
        lambda v: cells.choice(v, BANDS, _("rating"), BAND_WORDS))
    _score = field_validator("score", mode="before")(lambda v: _score(v))


def _rating_columns(code_header: str) -> list[Column]:
    return [Column("code", code_header), Column("year", "Năm"), Column("band", "Xếp loại"),
            Column("score", "Điểm", required=False)]


PAST_RATING_COLUMNS = _rating_columns("Mã cán bộ")
AGENCY_RATING_COLUMNS = _rating_columns("Mã đơn vị")


def parse_applies_to(value) -> dict:
    """'Tất cả' | 'Lãnh đạo; Cấp: Xã; Đơn vị: XTH, SNV; Loại: Công chức; Vị trí: LD-XA;
    Quy hoạch; Trẻ' -> the JSON stored in TrainingRequirement.applies_to."""
    raw = cells.text(value)
    result: dict = {}
    if not raw or cells.fold(raw) == "tat ca":
        return result
    for part in raw.split(";"):
        part = part.strip()
        if not part:
            continue
        name, sep, rest = part.partition(":")
        key = cells.fold(name)
        items = [cells.text(x) for x in rest.split(",") if cells.text(x)]
        if not sep:
            flags = {"lanh dao": "leaders", "quy hoach": "in_planning", "tre": "young",
                     "can bo tre": "young"}
            if key not in flags:
                raise cells.CellError(_("“{value}” is not understood in “Áp dụng cho”").format(
                    value=cells.shown(part)))
            result[flags[key]] = True
        elif key == "cap":
            result["levels"] = [cells.choice(x, LEVELS, _("level"), "Tỉnh, Xã") for x in items]
        elif key == "loai":
            result["staff_types"] = [cells.choice(x, STAFF, _("staff type"), "Cán bộ, Công chức, Viên chức") for x in items]
        elif key == "don vi":
            result["units"] = items
        elif key == "vi tri":
            result["positions"] = items
        else:
            raise cells.CellError(_("“{value}” is not understood in “Áp dụng cho”").format(
                value=cells.shown(part)))
    return result


class TrainingRow(BaseModel):
    code: str
    category: str
    title: str
    applies_to: dict
    hours_required: float | None = None
    level_required: str | None = None
    year: int | None = None
    due_date: date | None = None
    legal_basis: str | None = None

    _code = field_validator("code", mode="before")(lambda v: _code(v))
    _category = field_validator("category", mode="before")(
        lambda v: cells.choice(v, CATEGORIES, _("training category"), "Lý luận chính trị; Quốc phòng và an ninh; Quản lý nhà nước; Kiến thức, kỹ năng theo vị trí việc làm; Khoa học, công nghệ, đổi mới sáng tạo, kỹ năng số, công nghệ số"))
    _title = field_validator("title", mode="before")(lambda v: _required_text(v))
    _applies = field_validator("applies_to", mode="before")(lambda v: parse_applies_to(v))
    _level = field_validator("level_required", mode="before")(
        lambda v: None if not cells.text(v) else cells.choice(v, THEORY, _("political theory level"), "Không, Sơ cấp, Trung cấp, Cao cấp, Cử nhân"))
    _due = field_validator("due_date", mode="before")(lambda v: cells.parse_date(v))
    _basis = field_validator("legal_basis", mode="before")(lambda v: _optional_text(v, 1000))

    @field_validator("hours_required", mode="before")
    @classmethod
    def _hours(cls, value):
        number = cells.parse_decimal(value)
        if number is not None and not 0 < number <= 2000:
            raise cells.CellError(_("the number of hours must be greater than 0"))
        return number

    @field_validator("year", mode="before")
    @classmethod
    def _year(cls, value):
        number = cells.parse_decimal(value)
        if number is None:
            return None
        if not float(number).is_integer() or not 2000 <= number <= 2100:
            raise cells.CellError(_("“{value}” is not a year").format(value=cells.shown(value)))
        return int(number)


TRAINING_COLUMNS = [
    Column("code", "Mã yêu cầu"), Column("category", "Nhóm"), Column("title", "Tên yêu cầu"),
    Column("applies_to", "Áp dụng cho", required=False), Column("hours_required", "Số giờ",
                                                                  required=False),
    Column("level_required", "Trình độ tối thiểu", required=False),
    Column("year", "Năm", required=False), Column("due_date", "Hạn hoàn thành", required=False),
    Column("legal_basis", "Căn cứ", required=False),
]


def validate(model: type[BaseModel], values: dict) -> tuple[BaseModel | None, list[tuple[str, str]]]:
    """The row model, or the problems as (column key, Vietnamese message): a cell rule's own
    sentence, never pydantic's English."""
    try:
        return model.model_validate(values), []
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            key = str(error["loc"][0]) if error["loc"] else ""
            if error["type"] == "missing":
                message = _("must not be empty")
            elif error["type"] == "value_error" and isinstance(
                    (error.get("ctx") or {}).get("error"), cells.CellError):
                message = str(error["ctx"]["error"])
            else:
                try:
                    shown = cells.shown(error.get("input"))
                except cells.CellError as refused:  # a cell the reader refused
                    shown = None
                    message = str(refused)
                if shown is not None:
                    message = _("“{value}” is not valid in this column").format(value=shown)
            problems.append((key, message))
        return None, problems


class TaskRow(BaseModel):
    """An assigned task (issue #24 §1): for one cadre (Mã cán bộ) or every active cadre of a
    unit (Mã đơn vị); "Mã việc" finds the row again on re-import."""

    key: str
    cadre: str | None = None
    unit: str | None = None
    title: str
    product: str
    units: int = 1
    expected_result: str
    authority: str | None = None
    deadline: date

    _key = field_validator("key", mode="before")(lambda v: _code(v))
    _cadre = field_validator("cadre", mode="before")(lambda v: _optional_code(v))
    _unit = field_validator("unit", mode="before")(lambda v: _optional_code(v))
    _title = field_validator("title", mode="before")(lambda v: _required_text(v))
    _product = field_validator("product", mode="before")(lambda v: _code(v))
    _result = field_validator("expected_result", mode="before")(lambda v: _required_text(v, 1000))
    _authority = field_validator("authority", mode="before")(lambda v: _optional_code(v))

    @field_validator("units", mode="before")
    @classmethod
    def _units(cls, value):
        if not cells.text(value):
            return 1
        number = cells.parse_decimal(value)
        if number is None or not float(number).is_integer() or not 1 <= number <= 999:
            raise cells.CellError(_("a whole number from 1 to 999"))
        return int(number)

    @field_validator("deadline", mode="before")
    @classmethod
    def _deadline(cls, value):
        day = cells.parse_date(value)
        if day is None:
            raise cells.CellError(_("must not be empty"))
        return day


TASK_COLUMNS = [
    Column("key", "Mã việc"), Column("cadre", "Mã cán bộ", required=False),
    Column("unit", "Mã đơn vị", required=False), Column("title", "Tên công việc"),
    Column("product", "Mã sản phẩm"), Column("units", "Số lượng", required=False),
    Column("expected_result", "Kết quả cần đạt"),
    Column("authority", "Người nghiệm thu", required=False),
    Column("deadline", "Hạn hoàn thành"),
]
