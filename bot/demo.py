"""A small demo province for the sandbox and tests (names are fictional)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Cadre, JobPosition, OrgUnit, ProductType, RoleGrant

UNITS = [
    # code, name, parent, level, sector, period type
    ("TINH", "Tỉnh Hưng Yên", None, "tinh", "Tỉnh", "month"),
    ("BTC", "Ban Tổ chức Tỉnh ủy", "TINH", "tinh", "Đảng", None),
    ("SNV", "Sở Nội vụ", "TINH", "tinh", "Sở, ban, ngành", None),
    ("SNV-TCBC", "Phòng Tổ chức, biên chế", "SNV", "tinh", "Sở, ban, ngành", None),
    ("STC", "Sở Tài chính", "TINH", "tinh", "Sở, ban, ngành", "quarter"),
    ("XTH", "UBND xã Tân Hưng", "TINH", "xa", "Xã, phường", None),
    ("XTH-VP", "Văn phòng HĐND và UBND xã Tân Hưng", "XTH", "xa", "Xã, phường", None),
]

POSITIONS = [
    ("LD-SO", "Lãnh đạo cấp sở", "lanh_dao_quan_ly"),
    ("CV-TH", "Chuyên viên tổng hợp", "chuyen_mon_nghiep_vu"),
    ("MC-XA", "Công chức Một cửa cấp xã", "chuyen_mon_nghiep_vu"),
    ("DC-XA", "Công chức Địa chính – Xây dựng cấp xã", "chuyen_mon_nghiep_vu"),
    ("LD-XA", "Lãnh đạo UBND cấp xã", "lanh_dao_quan_ly"),
    ("VT", "Văn thư – lưu trữ", "ho_tro_phuc_vu"),
]

# position, code, name, unit of measure, kind, coefficient, indicator group, digital, target
PRODUCTS = [
    ("MC-XA", "MC01", "Hồ sơ thủ tục hành chính tiếp nhận và trả kết quả", "hồ sơ", "count", 1.0, 1, False, 120),
    ("MC-XA", "MC02", "Tỷ lệ hồ sơ tiếp nhận trực tuyến", "%", "rate", 1.0, 2, True, 80),
    ("MC-XA", "MC03", "Mức độ hài lòng của người dân", "%", "rate", 1.0, 2, False, 90),
    ("DC-XA", "DC01", "Hồ sơ đất đai được thẩm định", "hồ sơ", "count", 1.5, 1, False, 30),
    ("DC-XA", "DC02", "Cuộc kiểm tra trật tự xây dựng", "cuộc", "count", 2.0, 1, False, 8),
    ("CV-TH", "TH01", "Văn bản tham mưu được ban hành", "văn bản", "count", 2.0, 1, False, 10),
    ("CV-TH", "TH02", "Báo cáo định kỳ, đột xuất", "báo cáo", "count", 1.0, 3, False, 4),
    ("LD-XA", "LX01", "Văn bản chỉ đạo, điều hành được ký ban hành", "văn bản", "count", 1.0, 1, False, 20),
    ("LD-XA", "LX02", "Cuộc họp, kiểm tra do lãnh đạo chủ trì", "cuộc", "count", 1.0, 3, False, 6),
    ("LD-SO", "LS01", "Nhiệm vụ được giao hoàn thành", "nhiệm vụ", "count", 3.0, 1, False, 8),
    ("LD-SO", "LS02", "Tỷ lệ hồ sơ giải quyết đúng hạn của đơn vị", "%", "rate", 1.0, 2, True, 95),
    ("VT", "VT01", "Văn bản đến, đi được xử lý", "văn bản", "count", 0.5, 1, True, 300),
]

# code, name, birth, gender, phone, unit, position, title, type, leader, evaluator
CADRES = [
    ("BTC001", "Nguyễn Thị Thu Hà", "1972-03-14", "nu", "0912000001", "BTC", "LD-SO", "Phó Trưởng Ban", "can_bo", True, None),
    ("BTC002", "Trần Quốc Toản", "1985-09-02", "nam", "0912000002", "BTC", "CV-TH", "Chuyên viên", "cong_chuc", False, "BTC001"),
    ("SNV001", "Lê Văn Hùng", "1970-11-20", "nam", "0912000003", "SNV", "LD-SO", "Giám đốc Sở", "cong_chuc", True, None),
    ("SNV002", "Phạm Thị Lan", "1980-05-08", "nu", "0912000004", "SNV-TCBC", "LD-SO", "Trưởng phòng", "cong_chuc", True, "SNV001"),
    ("SNV003", "Đỗ Minh Tuấn", "1990-01-17", "nam", "0912000005", "SNV-TCBC", "CV-TH", "Chuyên viên", "cong_chuc", False, "SNV002"),
    ("SNV004", "Vũ Thị Hồng Nhung", "1993-07-30", "nu", "0912000006", "SNV-TCBC", "CV-TH", "Chuyên viên", "cong_chuc", False, "SNV002"),
    ("SNV005", "Hoàng Đức Anh", "1996-12-05", "nam", "0912000007", "SNV-TCBC", "CV-TH", "Chuyên viên", "cong_chuc", False, "SNV002"),
    ("SNV006", "Bùi Thị Mai", "1988-04-22", "nu", "0912000008", "SNV", "VT", "Văn thư", "vien_chuc", False, "SNV001"),
    ("STC001", "Ngô Văn Thắng", "1975-02-11", "nam", "0912000009", "STC", "LD-SO", "Giám đốc Sở", "cong_chuc", True, None),
    ("STC002", "Đặng Thị Thanh Hương", "1987-10-19", "nu", "0912000010", "STC", "CV-TH", "Chuyên viên chính", "cong_chuc", False, "STC001"),
    ("STC003", "Dương Văn Long", "1994-06-25", "nam", "0912000011", "STC", "CV-TH", "Chuyên viên", "cong_chuc", False, "STC001"),
    ("XTH001", "Lý Văn Bình", "1978-08-08", "nam", "0912000012", "XTH", "LD-XA", "Chủ tịch UBND xã", "can_bo", True, None),
    ("XTH002", "Phan Thị Ngọc Ánh", "1986-03-03", "nu", "0912000013", "XTH", "LD-XA", "Phó Chủ tịch UBND xã", "can_bo", True, "XTH001"),
    ("XTH003", "Trịnh Văn Nam", "1991-11-11", "nam", "0912000014", "XTH-VP", "MC-XA", "Công chức Văn phòng – Thống kê", "cong_chuc", False, "XTH002"),
    ("XTH004", "Đinh Thị Thảo", "1995-09-09", "nu", "0912000015", "XTH-VP", "MC-XA", "Công chức Một cửa", "cong_chuc", False, "XTH002"),
    ("XTH005", "Mai Xuân Trường", "1983-12-24", "nam", "0912000016", "XTH", "DC-XA", "Công chức Địa chính – Xây dựng", "cong_chuc", False, "XTH002"),
    ("XTH006", "Tạ Thị Yến", "1998-02-14", "nu", "0912000017", "XTH", "DC-XA", "Công chức Địa chính – Xây dựng", "cong_chuc", False, "XTH002"),
    ("XTH007", "Cao Văn Định", "1989-07-07", "nam", None, "XTH-VP", "VT", "Văn thư", "vien_chuc", False, "XTH002"),
    ("XTH008", "Hà Thị Phương", "1992-04-30", "nu", "0912000019", "XTH-VP", "MC-XA", "Công chức Tư pháp – Hộ tịch", "cong_chuc", False, "XTH002"),
    ("XTH009", "Kiều Văn Sơn", "1997-10-10", "nam", "0912000020", "XTH-VP", "MC-XA", "Công chức Văn hóa – Xã hội", "cong_chuc", False, "XTH002"),
]


@dataclass(frozen=True)
class DemoIdentity:
    """A Telegram account pre-linked in the sandbox."""

    role: str
    cadre_code: str
    telegram_user_id: int


DEMO_IDENTITIES = {
    "cadre": DemoIdentity("cadre", "XTH004", 700_000_001),
    "supervisor": DemoIdentity("supervisor", "XTH002", 700_000_002),
    "board": DemoIdentity("board", "BTC002", 700_000_003),
}


def _phone(raw: str | None) -> str | None:
    return None if raw is None else "+84" + raw[1:]


async def load_demo_province(session: AsyncSession, now: datetime, link: bool = True) -> bool:
    """Create the demo province once; returns False when it is already there."""
    if await session.scalar(select(Cadre.id).where(Cadre.code == CADRES[0][0])) is not None:
        return False
    units: dict[str, OrgUnit] = {}
    for code, name, parent, level, sector, period_type in UNITS:
        unit = OrgUnit(
            code=code, name=name, parent=units.get(parent) if parent else None, level=level,
            sector=sector, period_type=period_type, created_at=now, updated_at=now,
        )
        session.add(unit)
        units[code] = unit
    positions = {}
    for code, name, group in POSITIONS:
        positions[code] = JobPosition(code=code, name=name, group=group)
        session.add(positions[code])
    await session.flush()
    for position, code, name, uom, kind, coef, group, digital, target in PRODUCTS:
        session.add(ProductType(
            position_id=positions[position].id, code=code, name=name, unit_of_measure=uom,
            kind=kind, coefficient=coef, indicator_group=group, digital=digital,
            default_target=target, active=True,
        ))
    cadres: dict[str, Cadre] = {}
    for code, name, birth, gender, phone, unit, position, title, kind, leader, evaluator in CADRES:
        cadre = Cadre(
            code=code, full_name=name, birth_date=date.fromisoformat(birth), gender=gender,
            phone=_phone(phone), staff_type=kind, unit_id=units[unit].id,
            position_id=positions[position].id, title=title, is_leader=leader,
            evaluator_id=cadres[evaluator].id if evaluator else None, party_member=leader,
            theory_level="cao_cap" if leader else "trung_cap", education="dai_hoc",
            start_date=date(2015, 1, 1), created_at=now, updated_at=now,
        )
        session.add(cadre)
        await session.flush()
        cadres[code] = cadre
    session.add(RoleGrant(cadre_id=cadres["BTC002"].id, role="board", granted_at=now,
                          granted_by="demo"))
    if link:
        for identity in DEMO_IDENTITIES.values():
            cadre = cadres[identity.cadre_code]
            cadre.telegram_user_id = identity.telegram_user_id
            cadre.telegram_chat_id = identity.telegram_user_id
            cadre.linked_at = now
    return True
