"""A synthetic province at any size (`cadrebot demo-data`), deterministic for a seed:
two-level units, positions and products, cadres with realistic Vietnamese names and
distributions, evaluators, and for past months approved entries, ratings and trainings.
Written with bulk INSERTs; it is what the benchmarks use."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import DEFAULT_TZ
from bot.policy import Policy
from bot.services import periods
from bot.services.calendar import WorkCalendar
from bot.services.scoring import LeaderInputs, ProductFigures, score_period, unit_result
from models import (
    AuditLog,
    Cadre,
    Entry,
    Evaluation,
    JobPosition,
    OrgUnit,
    Period,
    ProductType,
    RoleGrant,
    Target,
    TrainingRecord,
)
from models.enums import Band, PeriodType, ProductKind

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
        ("DC02", "Cuộc kiểm tra trật tự xây dựng", "cuộc", "count", 2.0, 1, False, 8),
        ("DC03", "Tỷ lệ ngày công chấp hành đúng thời giờ làm việc, nội quy cơ quan", "%",
         "rate", 1.0, 4, False, 100)]),
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
    # one statement per chunk: the table's INSERT with one key set for every row (the ORM's
    # bulk INSERT starts a new statement wherever a row's keys or NULLs differ)
    keys = {key for row in rows for key in row}
    rows = [{key: row.get(key) for key in keys} for row in rows]
    for start in range(0, len(rows), CHUNK):
        await session.execute(insert(model.__table__), rows[start:start + CHUNK])


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
    today = now.astimezone(DEFAULT_TZ).date()  # the province's day: UTC is yesterday before 07:00
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
                                              target, done, passed, on_time, failed, delays, False,
                                              group=p.indicator_group))
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
    # the query planner's statistics for what was just loaded: without them PostgreSQL reads
    # a bulk-loaded table as if it were empty until autovacuum comes by (bench/RESULTS.md §1)
    await session.execute(text("ANALYZE"))
    return DemoSummary(len(unit_rows), len(cadre_rows), supervisors, entry_count,
                       evaluation_count, len(trainings))


# ==================================================================== a year behind a province
# `history` gives the province already in the database (the sandbox's demo province) a past:
# twelve rated months (four quarters for quarterly units), last year's annual ratings, the
# year's training and a few notices; and the month just ended as an evaluator finds it — most
# reports waiting for approval, one returned, one with an exemption to decide, one approved
# and waiting to be rated, one not sent. Past periods are written in bulk with their scores
# from bot.services.scoring (a few hundred rows: a service call per row would make the
# sandbox's first start slow); the month just ended, training and notices go through the
# services people use (kpi, review, training, notices), so they are in the states the bot
# itself leaves them in.

RETURN_REASONS = [
    "Số liệu chưa khớp với sổ theo dõi của bộ phận, đề nghị kiểm tra lại.",
    "Đề nghị bổ sung minh chứng cho số lượng đã báo cáo.",
    "Số liệu cao hơn báo cáo tổng hợp của đơn vị, đề nghị rà soát lại.",
]
EXEMPTION_NOTE = ("Hệ thống dịch vụ công trực tuyến của tỉnh gián đoạn 3 ngày (có thông báo "
                  "của Sở Khoa học và Công nghệ), hồ sơ bị chậm do nguyên nhân khách quan.")
TRAINING_TITLES = {
    "quan_ly_nha_nuoc": "Bồi dưỡng kiến thức quản lý nhà nước",
    "khcn_dmst_so": "Kỹ năng số và chuyển đổi số",
    "quoc_phong_an_ninh": "Bồi dưỡng kiến thức quốc phòng và an ninh đối tượng 3",
    "kien_thuc_ky_nang": "Nghiệp vụ một cửa, dịch vụ công trực tuyến",
    "ly_luan_chinh_tri": "Cập nhật kiến thức lý luận chính trị",
}
TRAINING_REJECT_REASON = "Giấy chứng nhận không ghi số giờ học, đề nghị bổ sung bản có số giờ."
NOTICES = [  # days ago, audience, acknowledgement, share acknowledged, text
    (75, {}, "ack", 0.85,
     "Kế hoạch bồi dưỡng kỹ năng số và chuyển đổi số năm 2026: mỗi cán bộ, công chức hoàn "
     "thành tối thiểu 16 giờ trước ngày 30/11/2026. Đề nghị các đồng chí xác nhận đã nhận "
     "thông báo."),
    (30, {"in_planning": True}, "register", 0.5,
     "Mở lớp cập nhật kiến thức cho cán bộ trong diện quy hoạch (30 giờ) từ ngày 08/12 tại "
     "Trường Chính trị tỉnh. Đề nghị các đồng chí đăng ký tham gia."),
    (5, {}, "none", 0.0,
     "Đề nghị các đồng chí hoàn thành báo cáo kết quả thực hiện nhiệm vụ tháng trước đúng "
     "hạn để người đánh giá kịp xem xét."),
]


@dataclass
class HistorySummary:
    periods: int
    evaluations: int
    waiting: int  # reports waiting for approval in the period just ended
    trainings: int
    notices: int


@dataclass
class _Person:
    cadre: Cadre
    kind: str  # month | quarter
    ability: float  # share of the targets this person usually reaches
    products: list


def _ability(rng: random.Random) -> float:
    """Most reach about 90% of their targets ("tốt"); some all of them ("xuất sắc"); a few
    about half ("hoàn thành")."""
    roll = rng.random()
    if roll < 0.25:
        return rng.uniform(1.0, 1.08)
    if roll < 0.92:
        return rng.uniform(0.84, 0.97)
    return rng.uniform(0.5, 0.6)


def _figures(rng: random.Random, product: ProductType, target: float, level: float
             ) -> dict:
    """One product's figures around `level` × target, as a cadre would report them."""
    if product.kind == ProductKind.RATE.value:
        done = round(min(100.0, max(0.0, target * level * rng.gauss(1.0, 0.02))), 1)
        return {"quantity_done": done}
    done = max(0, round(target * level * rng.gauss(1.0, 0.05)))
    share = 1.0 if level >= 1.0 else level
    passed = min(done, round(done * rng.uniform(0.9, 1.0) * max(share, 0.9)))
    on_time = min(done, round(done * rng.uniform(0.88, 1.0)))
    return {"quantity_done": float(done), "quantity_passed": float(passed),
            "quantity_on_time": float(on_time),
            "failed_reviews": 1 if rng.random() < 0.05 else 0, "delays": int(done - on_time)}


def _product_figures(product: ProductType, target: float, values: dict,
                     exempt: bool = False) -> ProductFigures:
    done = values["quantity_done"]
    return ProductFigures(product.id, product.name, ProductKind(product.kind), product.coefficient,
                          target, done, values.get("quantity_passed", done),
                          values.get("quantity_on_time", done), values.get("failed_reviews", 0),
                          values.get("delays", 0), exempt, group=product.indicator_group)


def _criteria(rng: random.Random, policy: Policy, level: float) -> dict[str, float]:
    cut = [0.0, 0.0, 0.5, 1.0] if level >= 0.8 else [1.0, 1.5, 2.0]
    return {c.key: c.max_points - rng.choice(cut) for c in policy.scoring.general_criteria}


def _at(day: date, hour: int, tz) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=tz).astimezone(UTC)


def _office_hours(rng: random.Random, first: date, now: datetime, tz) -> datetime:
    """A moment of a working day's office hours between `first` and now."""
    today = now.astimezone(tz).date()
    for _attempt in range(20):
        day = first + timedelta(days=rng.randint(0, max((today - first).days, 0)))
        if day.weekday() >= 5:
            continue
        moment = _at(day, 8, tz) + timedelta(minutes=rng.randint(0, 8 * 60))
        if moment < now:
            return moment
    return now - timedelta(minutes=30)


async def history(session: AsyncSession, *, now: datetime, policy: Policy,
                  calendar: WorkCalendar, tz, months: int = 12, seed: int = 2026,
                  spare: frozenset[str] = frozenset()) -> HistorySummary:
    """Give the province in the database a year of past (see above). `spare`: roster codes
    left without any report in the period just ended (someone who will try the report)."""
    from bot.services.leaders import managed_cadres
    from bot.services.units import UnitTree

    rng = random.Random(seed)
    today = now.astimezone(tz).date()
    tree = await UnitTree.load(session)
    products: dict[int, list[ProductType]] = defaultdict(list)
    for product in await session.scalars(select(ProductType).where(ProductType.active.is_(True))
                                         .order_by(ProductType.indicator_group, ProductType.id)):
        products[product.position_id].append(product)
    people = [_Person(c, tree.period_kind_of(c.unit_id), _ability(rng), products[c.position_id])
              for c in await session.scalars(select(Cadre).where(Cadre.active.is_(True))
                                             .order_by(Cadre.code))]
    people = [p for p in people if p.products]
    board_id = await session.scalar(select(RoleGrant.cadre_id).where(RoleGrant.role == "board")
                                    .order_by(RoleGrant.id).limit(1))
    on_leave = await _a_leave(session, rng, people, spare, today, now)

    past, pending = [], []
    for kind in (PeriodType.MONTH, PeriodType.QUARTER):
        count = months if kind == PeriodType.MONTH else max(months // 3, 1)
        year, number = periods.previous(kind, today.year, periods.number_of(kind, today))
        just_ended = await periods.ensure_period(session, kind, year, number, calendar,
                                                 policy.calendar)
        # the month just ended is always waiting for its evaluators (the approvals inbox);
        # a quarter only while its review is due
        if kind == PeriodType.MONTH or today <= just_ended.review_deadline:
            pending.append(just_ended)
        else:
            past.append(just_ended)
            count -= 1
        for _n in range(count):
            year, number = periods.previous(kind, year, number)
            past.append(await periods.ensure_period(session, kind, year, number, calendar,
                                                    policy.calendar))
    past.sort(key=lambda p: (p.ends_on, p.kind))

    managed = {}
    for person in people:
        if person.cadre.is_leader:
            managed[person.cadre.id] = {c.id for c in await managed_cadres(
                session, person.cadre, person.kind)}
    evaluations = 0
    for index, period in enumerate(past):
        trend = 0.96 + 0.04 * index / max(len(past) - 1, 1)  # a little better every month
        evaluations += await _rated_period(session, rng, policy, period, people, managed,
                                           on_leave, board_id, trend, tz)
        if index < len(past) - 1:  # the latest stays open: the board may try locking it
            await periods.set_locked(session, period, True,
                                     _at(period.review_deadline, 17, tz), actor_label="demo")
    waiting = 0
    for period in pending:
        waiting += await _period_under_review(session, rng, policy, calendar, period, people,
                                              spare, on_leave, board_id, now, tz)
    await _past_annual_ratings(session, rng, people, today.year - 1, now)
    trainings = await _trainings(session, rng, people, board_id, today, now, tz)
    sent = await _notices(session, rng, board_id, now, tz)
    return HistorySummary(len(past) + len(pending), evaluations, waiting, trainings, sent)


async def _a_leave(session: AsyncSession, rng: random.Random, people: list[_Person],
                   spare: frozenset[str], today: date, now: datetime) -> dict[int, tuple]:
    """One maternity leave of six months this year: the annual rating counts the months
    actually worked."""
    from models import Leave

    candidates = [p for p in people if p.kind == PeriodType.MONTH.value
                  and not p.cadre.is_leader and p.cadre.gender == "nu"
                  and p.cadre.code not in spare]
    if not candidates or today.month < 9:
        return {}
    person = rng.choice(candidates)
    starts, ends = date(today.year, 3, 1), date(today.year, 8, 31)
    session.add(Leave(cadre_id=person.cadre.id, kind="thai_san", starts_on=starts, ends_on=ends,
                      note="Nghỉ thai sản", created_at=now, created_by_label="demo"))
    return {person.cadre.id: (starts, ends)}


def _away(on_leave: dict[int, tuple], cadre_id: int, period: Period) -> bool:
    leave = on_leave.get(cadre_id)
    return leave is not None and leave[0] <= period.starts_on and period.ends_on <= leave[1]


async def _rated_period(session: AsyncSession, rng: random.Random, policy: Policy,
                        period: Period, people: list[_Person], managed: dict[int, set[int]],
                        on_leave: dict, board_id: int | None, trend: float, tz) -> int:
    """Approved entries and a rating for everyone reporting on this period; leaders last,
    each once the people they manage are rated (their d, Decree 335)."""
    scoring = policy.scoring
    deadline = _at(period.submission_deadline, 9, tz)
    rated_at = _at(period.review_deadline, 10, tz)
    reporting = [p for p in people if p.kind == period.kind
                 and not _away(on_leave, p.cadre.id, period)
                 and (p.cadre.start_date is None or p.cadre.start_date <= period.ends_on)]
    targets, entries, rows, returns, figures = [], [], [], [], {}
    for person in reporting:
        cadre = person.cadre
        level = person.ability * trend * rng.gauss(1.0, 0.03)
        late = rng.random() < 0.06
        submitted = deadline + timedelta(days=1 if late else -rng.randint(0, 3))
        decided = min(submitted + timedelta(days=rng.randint(1, 3)), rated_at)
        adjusted = rng.random() < 0.04
        returned = not adjusted and rng.random() < 0.05
        exempt = rng.random() < 0.03
        figures[cadre.id] = []
        for product in person.products:
            target = product.default_target
            values = _figures(rng, product, target, level)
            row = {"cadre_id": cadre.id, "period_id": period.id, "product_type_id": product.id,
                   "status": "approved", "version": 2 if returned else 1,
                   "failed_reviews": 0, "delays": 0, **values,
                   "adjusted": False, "is_late": late, "submitted_at": submitted,
                   "decided_at": decided, "decided_by_id": cadre.evaluator_id or board_id,
                   "decided_version": 2 if returned else 1,
                   "created_at": submitted, "updated_at": decided}
            shown = values
            if exempt and values.get("failed_reviews"):
                row.update(exemption_note=EXEMPTION_NOTE, exemption_status="accepted",
                           exemption_decided_by_id=cadre.evaluator_id or board_id)
            if adjusted and product.kind == ProductKind.COUNT.value and values["quantity_done"]:
                # the evaluator lowered what was reported (the original figures are kept)
                shown = dict(values, quantity_done=values["quantity_done"] - 1,
                             quantity_passed=min(values["quantity_passed"],
                                                 values["quantity_done"] - 1),
                             quantity_on_time=min(values["quantity_on_time"],
                                                  values["quantity_done"] - 1))
                row.update(adjusted=True, **{f"adj_{k}": v for k, v in shown.items()})
            entries.append(row)
            targets.append({"cadre_id": cadre.id, "period_id": period.id,
                            "product_type_id": product.id, "quantity": target})
            figures[cadre.id].append(_product_figures(
                product, target, shown, exempt=row.get("exemption_status") == "accepted"))
        if returned:  # sent back once with a reason, corrected, then approved
            returns.append({"at": submitted + timedelta(hours=20), "action": "return",
                            "object_type": "period", "object_id": period.id,
                            "actor_id": cadre.evaluator_id or board_id,
                            "after": {"cadre": cadre.code,
                                      "reason": rng.choice(RETURN_REASONS)}})
    await _insert(session, Target, targets)
    await _insert(session, Entry, entries)
    if returns:
        await _insert(session, AuditLog, returns)

    bands: dict[int, Band] = {}
    waiting = [p for p in reporting if p.cadre.is_leader]
    for person in [p for p in reporting if not p.cadre.is_leader]:
        rows.append(_evaluation(rng, policy, period, person, figures, None, board_id, rated_at,
                                bands))
    reporting_ids = {p.cadre.id for p in reporting}
    while waiting:
        # a leader is rated once everyone they manage is; where leaders manage each other
        # (several leaders of one unit), the rest follow on what is known
        ready = [p for p in waiting
                 if not (managed[p.cadre.id] & reporting_ids) - bands.keys()] or waiting[:1]
        for person in ready:
            known = [bands[i] for i in managed[person.cadre.id] if i in bands]
            d = unit_result(known, scoring)
            organising = rng.choice([1.0, 1.0, 1.0, 0.75])
            leader = LeaderInputs(d, organising, rng.choice([1.0, 1.0, 0.75]))
            rows.append(_evaluation(rng, policy, period, person, figures, leader, board_id,
                                    rated_at, bands))
            waiting.remove(person)
    await _insert(session, Evaluation, rows)
    return len(rows)


def _evaluation(rng: random.Random, policy: Policy, period: Period, person: _Person,
                figures: dict, leader: LeaderInputs | None, board_id: int | None,
                rated_at: datetime, bands: dict[int, Band]) -> dict:
    cadre = person.cadre
    criteria = _criteria(rng, policy, person.ability)
    score = score_period(figures[cadre.id], criteria, policy.scoring, leader=leader)
    bands[cadre.id] = score.band
    most = {c.key: c.max_points for c in policy.scoring.general_criteria}
    row = {"cadre_id": cadre.id, "period_id": period.id, "unit_id": cadre.unit_id,
           "self_criteria": {k: min(v + 0.5, most[k]) for k, v in criteria.items()},
           "criteria": dict(score.general_detail), "task_score": score.task.points,
           "general_score": score.general_points, "total_score": score.total,
           "computed_band": score.computed_band.value, "band": score.band.value,
           "status": "rated", "version": 1, "rated_by_id": cadre.evaluator_id or board_id,
           "rated_at": rated_at}
    if leader is not None:
        row.update(unit_result=leader.unit_result, organising=leader.organising,
                   rallying=leader.rallying)
    return row


async def _period_under_review(session: AsyncSession, rng: random.Random, policy: Policy,
                               calendar: WorkCalendar, period: Period, people: list[_Person],
                               spare: frozenset[str], on_leave: dict, board_id: int | None,
                               now: datetime, tz) -> int:
    """The period just ended, through the services people use: in every team of five or
    more, one report approved (to rate), one with an entry returned, one with an exemption
    to decide, one still a draft; the others sent. Returns the entries waiting."""
    from bot.services import review
    from bot.services.identity import Actor
    from bot.services.kpi import KpiService
    from models.enums import Role

    kpi = KpiService(policy, calendar)
    teams: dict[int | None, list[_Person]] = defaultdict(list)
    for person in people:
        if person.kind == period.kind and person.cadre.code not in spare \
                and not _away(on_leave, person.cadre.id, period):
            teams[person.cadre.evaluator_id or board_id].append(person)
    plans = []  # (person, what happened to their report, evaluator id)
    for evaluator_id, team in teams.items():
        roles = ["approved", "returned", "exemption", "draft"] if len(team) >= 5 else []
        plans += [(person, roles[i] if i < len(roles) else "submitted", evaluator_id)
                  for i, person in enumerate(team)]
    # what the report screen creates when it is first opened (kpi.sheet: targets and draft
    # entries) and the self-assessments, in a statement each rather than one per row
    await _insert(session, Target, [
        {"cadre_id": person.cadre.id, "period_id": period.id, "product_type_id": product.id,
         "quantity": product.default_target}
        for person, _role, _e in plans for product in person.products])
    await _insert(session, Entry, [
        {"cadre_id": person.cadre.id, "period_id": period.id, "product_type_id": product.id,
         "status": "draft", "version": 0, "failed_reviews": 0, "delays": 0, "adjusted": False,
         "is_late": False}
        for person, _role, _e in plans for product in person.products])
    await _insert(session, Evaluation, [
        {"cadre_id": person.cadre.id, "period_id": period.id, "unit_id": person.cadre.unit_id,
         "self_criteria": _criteria(rng, policy, person.ability), "status": "draft",
         "version": 0}
        for person, role, _e in plans if role != "draft"])
    sheets = {sheet.cadre.id: sheet for sheet in await kpi.sheets_of_many(
        session, [person.cadre for person, _role, _e in plans], period)}
    waiting = 0
    for person, role, evaluator_id in plans:
        cadre = person.cadre
        sent_at = _office_hours(rng, period.ends_on - timedelta(days=2), now, tz)
        level = person.ability * rng.gauss(1.0, 0.03)
        claimed = False
        for line in sheets[cadre.id].lines:
            values = _figures(rng, line.product, line.target, level)
            if role == "exemption" and not claimed and "failed_reviews" in values:
                values.update(failed_reviews=1, exemption_note=EXEMPTION_NOTE,
                              exemption_status="claimed")
                claimed = True
            await kpi.save(session, line, sent_at, **values)
        if role == "draft":
            continue
        sent = await kpi.submit(session, cadre, period, now=sent_at,
                                today=sent_at.astimezone(tz).date())
        waiting += len(sent)
        if evaluator_id is None or role not in ("approved", "returned"):
            continue
        evaluator = await session.get(Cadre, evaluator_id)
        roles = {Role.SUPERVISOR} | ({Role.BOARD} if evaluator.id == board_id else set())
        actor = Actor(evaluator.id, evaluator.code, evaluator.full_name, evaluator.unit_id,
                      frozenset(roles))
        authority = review.Authority(None, as_board=cadre.evaluator_id is None)
        decided_at = min(sent_at + timedelta(hours=rng.uniform(1, 4)), now)
        chosen = sent if role == "approved" else sent[:1]
        await review.decide(session, actor=actor, authority=authority,
                            decisions=[review.Decision(e.id, e.version) for e in chosen],
                            approve=role == "approved", now=decided_at,
                            reason=None if role == "approved" else rng.choice(RETURN_REASONS))
        waiting -= len(chosen)
    return waiting


async def _past_annual_ratings(session: AsyncSession, rng: random.Random,
                               people: list[_Person], year: int, now: datetime) -> None:
    """Last year's annual bands, as imported from before the bot (the two-year rules)."""
    from models import PastRating

    rows = []
    for person in people:
        if person.ability >= 1.0:
            band, score = Band.EXCELLENT, rng.uniform(90.5, 96)
        elif person.ability >= 0.8:
            band, score = Band.GOOD, rng.uniform(78, 89)
        else:
            band, score = Band.DONE, rng.uniform(58, 68)
        rows.append({"cadre_id": person.cadre.id, "year": year, "band": band.value,
                     "score": round(score, 1), "imported_at": now})
    await _insert(session, PastRating, rows)


async def _trainings(session: AsyncSession, rng: random.Random, people: list[_Person],
                     board_id: int | None, today: date, now: datetime, tz) -> int:
    """This year's courses for each obligation counted in hours: most obligations met, some
    half way, some not started. Verified courses are written in bulk; the few still waiting
    for the evaluator and the one refused go through bot.services.training."""
    from bot.services import training
    from models import TrainingRequirement

    days_so_far = (today - date(today.year, 1, 1)).days
    if days_so_far < 20:
        return 0
    requirements = [r for r in await session.scalars(
        select(TrainingRequirement).where(TrainingRequirement.active.is_(True))
        .order_by(TrainingRequirement.code)) if r.hours_required and r.year in (None, today.year)]
    verified, rejected = [], False
    waiting: dict[int, int] = defaultdict(int)
    count = 0
    for person in people:
        cadre = person.cadre
        profile = await training.profile_of(session, cadre)
        for requirement in requirements:
            if not training.applies(requirement.applies_to or {}, profile, today):
                continue
            roll = rng.random()
            share = 1.0 if roll < 0.6 else 0.5 if roll < 0.88 else 0.0
            hours = round(requirement.hours_required * share / 4) * 4
            if not hours:
                continue
            start = date(today.year, 1, 2) + timedelta(days=rng.randint(0, days_so_far - 15))
            end = min(start + timedelta(days=max(1, int(hours // 8) - 1)),
                      today - timedelta(days=3))
            count += 1
            course = {"title": TRAINING_TITLES.get(requirement.category, requirement.title),
                      "category": requirement.category, "provider": "Trường Chính trị tỉnh",
                      "hours": float(hours), "certificate_no": f"GCN-{today.year}-{count:05d}"}
            verifier = cadre.evaluator_id or board_id
            checked_at = min(_at(end + timedelta(days=2), 10, tz), now)
            pending = verifier is not None and verifier != cadre.id \
                and waiting[verifier] < 2 and rng.random() < 0.2
            reject = not pending and not rejected and verifier not in (None, cadre.id) \
                and rng.random() < 0.05
            if not pending and not reject:
                verified.append({**course, "cadre_id": cadre.id, "start_date": start,
                                 "end_date": end, "status": "verified",
                                 "verifier_id": verifier, "verified_at": checked_at,
                                 "created_at": _at(end, 15, tz)})
                continue
            record = await training.declare(session, cadre, {
                **course, "start": start.isoformat(), "end": end.isoformat()}, _at(end, 15, tz))
            if pending:  # the evaluator has not looked at it yet
                waiting[verifier] += 1
                continue
            rejected = True
            await training.verify(session, record_id=record.id, verifier_id=verifier,
                                  is_board=cadre.evaluator_id is None, approve=False,
                                  reason=TRAINING_REJECT_REASON, now=checked_at)
    await _insert(session, TrainingRecord, verified)
    return count


async def _notices(session: AsyncSession, rng: random.Random, board_id: int | None,
                   now: datetime, tz) -> int:
    """The board's past notices, queued through bot.services.notices and delivered then;
    acknowledged by most of those asked."""
    from bot.services import notices
    from models import NoticeDelivery
    from models.enums import DeliveryStatus, NoticeStatus

    for days, audience, ack, share, body in NOTICES:
        at = min(_at(now.astimezone(tz).date() - timedelta(days=days), 9, tz), now)
        notice = await notices.create(session, author_id=board_id, text=body,
                                      audience=dict(audience), ack_kind=ack,
                                      attachment_kind=None, attachment_file_id=None,
                                      scheduled_at=None, now=at)
        await notices.queue(session, notice, at, at.astimezone(tz).date())
        await session.execute(update(NoticeDelivery).where(NoticeDelivery.notice_id == notice.id)
                              .values(status=DeliveryStatus.SENT.value, attempts=1,
                                      claimed_at=at + timedelta(minutes=1),
                                      sent_at=at + timedelta(minutes=2)))
        notice.status, notice.finished_at = NoticeStatus.DONE.value, at + timedelta(minutes=3)
        if ack == "none":
            continue
        ids = list(await session.scalars(select(NoticeDelivery.id).where(
            NoticeDelivery.notice_id == notice.id).order_by(NoticeDelivery.id)))
        chosen = [i for i in ids if rng.random() < share]
        await session.execute(update(NoticeDelivery).where(NoticeDelivery.id.in_(chosen))
                              .values(acknowledged_at=min(at + timedelta(days=1), now)))
    return len(NOTICES)
