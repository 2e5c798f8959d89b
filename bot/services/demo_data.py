"""A synthetic province at any size (`cadrebot demo-data`), deterministic for a seed:
two-level units, positions and products, cadres with realistic Vietnamese names and
distributions, evaluators, and for past months approved entries, ratings and trainings.
Written with bulk INSERTs; it is what the benchmarks use."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.policy import Policy
from bot.services import periods
from bot.services.calendar import WorkCalendar
from bot.services.scoring import ProductFigures, score_period
from models import (
    Cadre,
    Entry,
    Evaluation,
    JobPosition,
    OrgUnit,
    ProductType,
    RoleGrant,
    TrainingRecord,
)
from models.enums import PeriodType, ProductKind

CHUNK = 5000
SURNAMES = [("Nguyễn", 38), ("Trần", 11), ("Lê", 9.5), ("Phạm", 7), ("Hoàng", 4), ("Huỳnh", 1),
            ("Phan", 4.5), ("Vũ", 2.5), ("Võ", 1.4), ("Đặng", 2.1), ("Bùi", 2), ("Đỗ", 1.4),
            ("Hồ", 1.3), ("Ngô", 1.3), ("Dương", 1), ("Lý", 0.5), ("Đinh", 0.8), ("Trịnh", 0.7),
            ("Mai", 0.5), ("Cao", 0.4), ("Tạ", 0.3), ("Hà", 0.6), ("Lương", 0.4), ("Kiều", 0.2)]
MIDDLE_M = ["Văn", "Đức", "Minh", "Quang", "Hữu", "Thành", "Công", "Xuân", "Ngọc", "Tuấn", "Quốc"]
MIDDLE_F = ["Thị", "Thị", "Thị", "Thu", "Ngọc", "Thanh", "Hồng", "Minh", "Phương", "Kim", "Bích"]
GIVEN_M = ["Anh", "Bình", "Cường", "Dũng", "Đạt", "Giang", "Hải", "Hiếu", "Hoàng", "Hùng", "Huy",
           "Khánh", "Kiên", "Lâm", "Long", "Minh", "Nam", "Nghĩa", "Phong", "Phúc", "Quân",
           "Sơn", "Tài", "Thắng", "Thành", "Thịnh", "Toàn", "Trung", "Tuấn", "Tùng", "Việt", "Vinh"]
GIVEN_F = ["Anh", "Ánh", "Chi", "Dung", "Duyên", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa",
           "Huyền", "Hương", "Lan", "Linh", "Loan", "Mai", "Ngân", "Nga", "Nhung", "Oanh",
           "Phương", "Quỳnh", "Tâm", "Thảo", "Thủy", "Trang", "Uyên", "Vân", "Yến"]
AGENCIES = ["Sở Nội vụ", "Sở Tài chính", "Sở Xây dựng", "Sở Y tế", "Sở Giáo dục và Đào tạo",
            "Sở Nông nghiệp và Môi trường", "Sở Công Thương", "Sở Tư pháp", "Sở Văn hóa, Thể thao và Du lịch",
            "Sở Khoa học và Công nghệ", "Văn phòng UBND tỉnh", "Thanh tra tỉnh", "Ban Tổ chức Tỉnh ủy",
            "Ban Tuyên giáo và Dân vận Tỉnh ủy", "Ủy ban MTTQ Việt Nam tỉnh"]
DEPARTMENTS = ["Văn phòng", "Phòng Tổ chức – Hành chính", "Phòng Kế hoạch – Tài chính",
               "Phòng Nghiệp vụ 1", "Phòng Nghiệp vụ 2", "Phòng Thanh tra – Pháp chế"]
COMMUNE_PARTS = ["Văn phòng HĐND và UBND", "Phòng Kinh tế", "Phòng Văn hóa – Xã hội",
                 "Trung tâm Phục vụ hành chính công"]
PLACES = ["An", "Bình", "Hòa", "Tân", "Phú", "Thạnh", "Long", "Hưng", "Đông", "Tây", "Nam",
          "Bắc", "Mỹ", "Vĩnh", "Quang", "Thuận", "Phước", "Đức", "Hiệp", "Trung"]
# position code, name, group, leader?, products: (code, name, unit, kind, coef, group, digital, target)
POSITIONS = [
    ("LD", "Lãnh đạo quản lý", "lanh_dao_quan_ly", True, [
        ("LD01", "Nhiệm vụ được giao hoàn thành", "nhiệm vụ", "count", 3.0, 1, False, 8),
        ("LD02", "Tỷ lệ hồ sơ giải quyết đúng hạn của đơn vị", "%", "rate", 1.0, 2, True, 95)]),
    ("CV", "Chuyên viên tổng hợp", "chuyen_mon_nghiep_vu", False, [
        ("CV01", "Văn bản tham mưu được ban hành", "văn bản", "count", 2.0, 1, False, 10),
        ("CV02", "Báo cáo định kỳ, đột xuất", "báo cáo", "count", 1.0, 3, False, 4)]),
    ("MC", "Công chức Một cửa", "chuyen_mon_nghiep_vu", False, [
        ("MC01", "Hồ sơ thủ tục hành chính tiếp nhận và trả kết quả", "hồ sơ", "count", 1.0, 1, False, 120),
        ("MC02", "Tỷ lệ hồ sơ tiếp nhận trực tuyến", "%", "rate", 1.0, 2, True, 80),
        ("MC03", "Mức độ hài lòng của người dân", "%", "rate", 1.0, 2, False, 90)]),
    ("DC", "Công chức Địa chính – Xây dựng", "chuyen_mon_nghiep_vu", False, [
        ("DC01", "Hồ sơ đất đai được thẩm định", "hồ sơ", "count", 1.5, 1, False, 30),
        ("DC02", "Cuộc kiểm tra trật tự xây dựng", "cuộc", "count", 2.0, 1, False, 8)]),
    ("VT", "Văn thư – lưu trữ", "ho_tro_phuc_vu", False, [
        ("VT01", "Văn bản đến, đi được xử lý", "văn bản", "count", 0.5, 1, True, 300)]),
]


@dataclass
class DemoSummary:
    units: int
    cadres: int
    supervisors: int
    entries: int
    evaluations: int
    trainings: int


def _weighted(rng: random.Random, pairs) -> str:
    names, weights = zip(*pairs, strict=True)
    return rng.choices(names, weights)[0]


def _name(rng: random.Random, female: bool) -> str:
    middle = rng.choice(MIDDLE_F if female else MIDDLE_M)
    given = rng.choice(GIVEN_F if female else GIVEN_M)
    return f"{_weighted(rng, SURNAMES)} {middle} {given}"


async def _insert(session: AsyncSession, model, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        await session.execute(insert(model), rows[start:start + CHUNK])


async def generate(session: AsyncSession, *, cadres: int, months: int, seed: int, now: datetime,
                   progress: Callable[[str, int], None] | None = None) -> DemoSummary:
    """Create the province in an empty database (refuses to mix with existing cadres)."""
    if await session.scalar(select(func.count()).select_from(Cadre)):
        raise ValueError("the database already has cadres")
    rng = random.Random(seed)
    report = progress or (lambda _stage, _n: None)
    policy = Policy()
    calendar = WorkCalendar(policy.calendar)

    # ---- positions and products
    await _insert(session, JobPosition, [{"code": code, "name": name, "group": group, "active": True}
                                         for code, name, group, _lead, _p in POSITIONS])
    position_ids = dict((await session.execute(select(JobPosition.code, JobPosition.id))).all())
    await _insert(session, ProductType, [
        {"position_id": position_ids[pos], "code": code, "name": name, "unit_of_measure": uom,
         "kind": kind, "coefficient": coef, "indicator_group": group, "digital": digital,
         "default_target": target, "active": True}
        for pos, _n, _g, _l, products in POSITIONS
        for code, name, uom, kind, coef, group, digital, target in products])
    products_by_position: dict[int, list] = {}
    for p in await session.scalars(select(ProductType)):
        products_by_position.setdefault(p.position_id, []).append(p)

    # ---- units: province → agencies and communes → sub-units of about 8 people
    leaves_wanted = max(2, cadres // 8)
    parents_wanted = max(2, leaves_wanted // 6)
    unit_rows = [{"code": "TINH", "name": "Tỉnh Hưng Yên (dữ liệu mô phỏng)", "level": "tinh",
                  "sector": "Tỉnh", "period_type": "month", "active": True, "outstanding": False,
                  "created_at": now, "updated_at": now}]
    parents = []
    for i in range(parents_wanted):
        if i < len(AGENCIES) or i % 4 == 0:
            name = AGENCIES[i] if i < len(AGENCIES) else f"Cơ quan chuyên môn số {i + 1}"
            parents.append((f"CQ{i + 1:04d}", name, "tinh", "Sở, ban, ngành", DEPARTMENTS))
        else:
            kind = "Phường" if i % 3 == 0 else "Xã"
            place = f"{rng.choice(PLACES)} {rng.choice(PLACES)}"
            parents.append((f"XA{i + 1:04d}", f"UBND {kind.lower()} {place}", "xa", "Xã, phường",
                            COMMUNE_PARTS))
    for code, name, level, sector, _parts in parents:
        unit_rows.append({"code": code, "name": name, "level": level, "sector": sector,
                          "period_type": None, "active": True, "outstanding": rng.random() < 0.05,
                          "created_at": now, "updated_at": now})
    leaves = []
    for n in range(leaves_wanted):
        code, name, level, sector, parts = parents[n % len(parents)]
        leaf = f"{code}-{n // len(parents) + 1:02d}"
        part = parts[(n // len(parents)) % len(parts)]
        leaves.append((leaf, code, level))
        unit_rows.append({"code": leaf, "name": f"{part} ({name})", "level": level,
                          "sector": sector, "period_type": None, "active": True,
                          "outstanding": False, "created_at": now, "updated_at": now})
    await _insert(session, OrgUnit, unit_rows)
    unit_ids = dict((await session.execute(select(OrgUnit.code, OrgUnit.id))).all())
    parent_updates = [{"id": unit_ids[code], "parent_id": unit_ids["TINH"]}
                      for code, *_rest in parents]
    parent_updates += [{"id": unit_ids[leaf], "parent_id": unit_ids[parent]}
                       for leaf, parent, _l in leaves]
    for start in range(0, len(parent_updates), CHUNK):
        await session.execute(update(OrgUnit), parent_updates[start:start + CHUNK])
    report("units", len(unit_rows))

    # ---- cadres: a leader per leaf evaluates its members; heads of agencies/communes
    # evaluate the leaf leaders; the province head evaluates the heads.
    cadre_rows: list[dict] = []
    evaluator_of: dict[str, str | None] = {}
    level_of: dict[str, str] = {}
    positions_of: dict[str, int] = {}

    def person(code: str, unit: str, level: str, position: str, leader: bool, title: str,
               evaluator: str | None) -> None:
        female = rng.random() < (0.35 if leader else 0.55)
        age = rng.randint(40, 58) if leader else max(23, min(60, int(rng.gauss(40, 9))))
        birth = date(now.year - age, rng.randint(1, 12), rng.randint(1, 28))
        education = rng.choices(["dai_hoc", "thac_si", "cao_dang", "trung_cap", "tien_si"],
                                [55, 35, 5, 3, 2] if leader else [66, 18, 9, 6, 1])[0]
        theory = (rng.choices(["cao_cap", "cu_nhan", "trung_cap"], [70, 10, 20])[0] if leader
                  else rng.choices(["none", "so_cap", "trung_cap", "cao_cap"], [30, 35, 30, 5])[0])
        index = len(cadre_rows)
        cadre_rows.append({
            "code": code, "full_name": _name(rng, female), "birth_date": birth,
            "gender": "nu" if female else "nam", "phone": f"+8491{index:07d}",
            "staff_type": "can_bo" if leader and level == "xa" else
            rng.choices(["cong_chuc", "vien_chuc"], [80, 20])[0],
            "unit_id": unit_ids[unit], "position_id": position_ids[position], "title": title,
            "is_leader": leader, "party_member": leader or rng.random() < 0.55,
            "theory_level": theory, "education": education,
            "in_planning": leader or rng.random() < 0.12,
            "start_date": date(max(birth.year + 23, now.year - rng.randint(1, 30)), 1, 1),
            "active": True, "reachable": True, "reminders_enabled": True,
            "created_at": now, "updated_at": now})
        evaluator_of[code] = evaluator
        positions_of[code] = position_ids[position]

    person("CB000001", "TINH", "tinh", "LD", True, "Chủ tịch UBND tỉnh", None)
    heads = {}
    for code, _unit_name, level, *_r in parents:
        if len(cadre_rows) >= cadres:
            break
        head = f"CB{len(cadre_rows) + 1:06d}"
        heads[code] = head
        person(head, code, level, "LD", True,
               "Giám đốc" if level == "tinh" else "Chủ tịch UBND", "CB000001")
        level_of[head] = level
    members_position = {"tinh": ["CV", "CV", "CV", "VT"], "xa": ["MC", "MC", "DC", "CV", "VT"]}
    leaf_index = 0
    while len(cadre_rows) < cadres:
        leaf, parent, level = leaves[leaf_index % len(leaves)]
        leaf_index += 1
        leader_code = f"CB{len(cadre_rows) + 1:06d}"
        person(leader_code, leaf, level, "LD", True, "Trưởng phòng" if level == "tinh"
               else "Phó Chủ tịch UBND", heads.get(parent, "CB000001"))
        for _member in range(7):
            if len(cadre_rows) >= cadres:
                break
            position = rng.choice(members_position[level])
            person(f"CB{len(cadre_rows) + 1:06d}", leaf, level, position, False,
                   "Chuyên viên" if position == "CV" else "Công chức", leader_code)
    await _insert(session, Cadre, cadre_rows)
    cadre_ids = dict((await session.execute(select(Cadre.code, Cadre.id))).all())
    evaluator_updates = [{"id": cadre_ids[code], "evaluator_id": cadre_ids[ev]}
                         for code, ev in evaluator_of.items() if ev]
    for start in range(0, len(evaluator_updates), CHUNK):
        await session.execute(update(Cadre), evaluator_updates[start:start + CHUNK])
    await session.execute(insert(RoleGrant), [{"cadre_id": cadre_ids["CB000001"], "role": "board",
                                               "granted_at": now, "granted_by": "demo-data"}])
    supervisors = len({ev for ev in evaluator_of.values() if ev})
    report("cadres", len(cadre_rows))

    # ---- past months: approved entries and ratings
    today = now.date()
    year, month = today.year, today.month
    unit_of = {row["code"]: row["unit_id"] for row in cadre_rows}
    entry_count = evaluation_count = 0
    for _m in range(months):
        year, month = periods.previous(PeriodType.MONTH, year, month)
        period = await periods.ensure_period(session, PeriodType.MONTH, year, month, calendar,
                                             policy.calendar)
        deadline = datetime.combine(period.submission_deadline, time(9), tzinfo=UTC)
        entries, evaluations = [], []
        for code, cadre_id in cadre_ids.items():
            figures = []
            late = rng.random() < 0.06
            for p in products_by_position[positions_of[code]]:
                target = p.default_target
                if p.kind == ProductKind.RATE.value:
                    done = round(min(100.0, max(0.0, rng.gauss(target, 6))), 1)
                    passed = on_time = done
                else:
                    done = max(0, round(rng.gauss(target, target * 0.15)))
                    passed = round(done * rng.uniform(0.88, 1.0))
                    on_time = round(done * rng.uniform(0.8, 1.0))
                failed = 1 if rng.random() < 0.05 else 0
                delays = int(done - on_time)  # each late item is one delay
                entries.append({
                    "cadre_id": cadre_id, "period_id": period.id, "product_type_id": p.id,
                    "status": "approved", "version": 1, "quantity_done": done,
                    "quantity_passed": passed, "quantity_on_time": on_time,
                    "failed_reviews": failed, "delays": delays,
                    "adjusted": False, "is_late": late,
                    "submitted_at": deadline + timedelta(days=1 if late else -rng.randint(0, 3)),
                    "decided_at": deadline + timedelta(days=3), "decided_version": 1,
                    "created_at": deadline, "updated_at": deadline})
                figures.append(ProductFigures(p.id, p.name, ProductKind(p.kind), p.coefficient,
                                              target, done, passed, on_time, failed, delays, False))
            criteria = {c.key: c.max_points - rng.choice([1.0, 0.5, 0.0, 0.0]) for c in
                        policy.scoring.general_criteria}
            score = score_period(figures, criteria, policy.scoring)
            evaluations.append({
                "cadre_id": cadre_id, "period_id": period.id, "unit_id": unit_of[code],
                "self_criteria": criteria, "criteria": criteria,
                "task_score": score.task.points, "general_score": score.general_points,
                "total_score": score.total, "computed_band": score.band.value,
                "band": score.band.value, "status": "rated", "version": 1,
                "rated_at": deadline + timedelta(days=5)})
        await _insert(session, Entry, entries)
        await _insert(session, Evaluation, evaluations)
        entry_count += len(entries)
        evaluation_count += len(evaluations)
        report(f"{month:02d}/{year}", len(entries))

    # ---- training records of the current year
    trainings = []
    categories = ["quan_ly_nha_nuoc", "khcn_dmst_so", "kien_thuc_ky_nang", "quoc_phong_an_ninh",
                  "ly_luan_chinh_tri"]
    for cadre_id in cadre_ids.values():
        for _t in range(rng.choices([0, 1, 2, 3], [20, 40, 30, 10])[0]):
            start = date(now.year, rng.randint(1, max(1, now.month)), rng.randint(1, 28))
            trainings.append({
                "cadre_id": cadre_id, "title": "Lớp bồi dưỡng " + rng.choice(
                    ["kiến thức quản lý nhà nước", "kỹ năng số", "nghiệp vụ chuyên môn",
                     "quốc phòng và an ninh", "lý luận chính trị"]),
                "category": rng.choice(categories), "provider": "Trường Chính trị tỉnh",
                "start_date": start, "end_date": start + timedelta(days=rng.randint(1, 10)),
                "hours": float(rng.choice([8, 16, 24, 40])),
                "certificate_no": f"GCN-{now.year}-{len(trainings) + 1:06d}",
                "status": rng.choices(["verified", "claimed"], [85, 15])[0], "created_at": now})
    await _insert(session, TrainingRecord, trainings)
    report("trainings", len(trainings))
    return DemoSummary(len(unit_rows), len(cadre_rows), supervisors, entry_count,
                       evaluation_count, len(trainings))
