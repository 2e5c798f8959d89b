"""Import rules (SPEC §8, issue #3), on files the tests write, on every database backend."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from bot.services.identity import actor_for
from bot.services.imports.apply import (
    import_catalogue,
    import_roster,
    import_training,
    import_units,
)
from bot.services.imports.reading import FileProblem
from models import AuditLog, Cadre, JobPosition, OrgUnit, ProductType, TrainingRequirement

UNITS = "Mã đơn vị,Tên đơn vị,Đơn vị cấp trên,Cấp,Khối,Kỳ đánh giá\nT,Tỉnh,,Tỉnh,,Tháng\nX,Xã A,T,Xã,Xã,Quý\n"
CATALOGUE = ("Mã vị trí;Tên vị trí;Mã sản phẩm;Tên sản phẩm;Đơn vị tính;Loại;Hệ số;Nhóm chỉ số;"
             "Chuyển đổi số;Chỉ tiêu mặc định\r\n"
             "MC;Một cửa;SP1;Hồ sơ;hồ sơ;Số lượng;1,5;1;Có;120\r\n"
             "MC;Một cửa;SP2;Tỷ lệ trực tuyến;%;Tỷ lệ;1;2;x;80\r\n")
HEADER = ("Mã cán bộ,Họ và tên,Ngày sinh,Giới tính,Số điện thoại,Đơn vị,Vị trí việc làm,Chức vụ,"
          "Loại,Lãnh đạo,Người đánh giá,Trình độ chuyên môn,Lý luận chính trị,Đảng viên,Quy hoạch,"
          "Ngày vào cơ quan\n")


def write(tmp_path: Path, name: str, content: str, bom: bool = False) -> Path:
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + content.encode("utf-8"))
    return path


def person(code, name="Nguyễn Văn A", evaluator="", phone="0912 345 678", birth="5/3/1990",
           leader="Không", planning=""):
    return (f"{code},{name},{birth},Nam,{phone},X,MC,Công chức,Công chức,{leader},{evaluator},"
            f"Đại học,Trung cấp,Có,{planning},01/01/2015\n")


async def base(db, tmp_path, clock):
    async with db.session() as s:
        assert (await import_units(s, write(tmp_path, "u.csv", UNITS, bom=True), now=clock.now())).ok
        assert (await import_catalogue(s, write(tmp_path, "c.csv", CATALOGUE),
                                       now=clock.now())).ok


async def test_units_and_catalogue_bom_semicolon_crlf_decimals(db, tmp_path, clock):
    await base(db, tmp_path, clock)
    async with db.session() as s:
        x = await s.scalar(select(OrgUnit).where(OrgUnit.code == "X"))
        assert (x.level, x.period_type, x.name) == ("xa", "quarter", "Xã A")
        assert x.parent_id == await s.scalar(select(OrgUnit.id).where(OrgUnit.code == "T"))
        sp1 = await s.scalar(select(ProductType).where(ProductType.code == "SP1"))
        sp2 = await s.scalar(select(ProductType).where(ProductType.code == "SP2"))
        assert (sp1.coefficient, sp1.kind, sp1.digital, sp1.default_target) == (1.5, "count", True, 120)
        assert (sp2.kind, sp2.digital) == ("rate", True)
        assert await s.scalar(select(JobPosition.name).where(JobPosition.code == "MC")) == "Một cửa"


async def test_roster_headers_any_case_and_diacritics_cells_normalised(db, tmp_path, clock):
    await base(db, tmp_path, clock)
    header = ("MÃ CÁN BỘ,ho va ten,  Ngày   sinh ,Giới tính,Số điện thoại,Đơn vị,Vị trí việc làm,"
              "Loại,Lãnh đạo,Người đánh giá,Ghi chú riêng\n")
    decomposed = unicodedata.normalize("NFD", "Trần Thị Bích")
    content = (header + f"A1, {decomposed} ,1/2/1990,nữ,84912345678,X,MC,viên chức,x,,ghi chú\n"
               "A2,Lê Văn B,29/02/1992,NAM,+84 912 000 111,X,MC,Công chức,,A1,\n")
    async with db.session() as s:
        report = await import_roster(s, write(tmp_path, "r.csv", content), now=clock.now())
    assert report.ok and report.created == 2
    assert report.warnings == ['Bỏ qua các cột không nhận ra: “Ghi chú riêng”']
    async with db.session() as s:
        a1 = await s.scalar(select(Cadre).where(Cadre.code == "A1"))
        assert a1.full_name == "Trần Thị Bích" and unicodedata.is_normalized("NFC", a1.full_name)
        assert (a1.birth_date, a1.gender, a1.phone) == (date(1990, 2, 1), "nu", "+84912345678")
        assert (a1.staff_type, a1.is_leader, a1.theory_level) == ("vien_chuc", True, "none")
        a2 = await s.scalar(select(Cadre).where(Cadre.code == "A2"))
        assert a2.evaluator_id == a1.id and a2.is_leader is False


async def test_every_problem_reported_at_once_and_nothing_written(db, tmp_path, clock):
    await base(db, tmp_path, clock)
    content = HEADER + "".join([
        person("B1"),
        person("B2", birth="31/02/1990"),            # row 3: no such date
        person("B3", phone="12345"),                 # row 4: bad phone
        person("B1"),                                # row 5: duplicate code
        person("B5", evaluator="NOBODY"),            # row 6: unknown evaluator
        person("B6", evaluator="B6"),                # row 7: evaluates themself
        person("B7", evaluator="B8"),                # rows 8-9: a cycle
        person("B8", evaluator="B7"),
        person("B9").replace(",X,MC,", ",ZZ,MC,"),   # row 10: unknown unit
    ])
    async with db.session() as s:
        report = await import_roster(s, write(tmp_path, "bad.csv", content), now=clock.now())
    lines = [str(p) for p in report.problems]
    assert 'Dòng 3, cột "Ngày sinh": ngày 31/02/1990 không tồn tại' in lines
    assert 'Dòng 4, cột "Số điện thoại": "12345" không phải là số điện thoại hợp lệ' in lines
    assert 'Dòng 5, cột "Mã cán bộ": mã B1 đã có ở dòng 2' in lines
    assert any(line.startswith('Dòng 6, cột "Người đánh giá": người đánh giá NOBODY') for line in lines)
    assert 'Dòng 7, cột "Người đánh giá": cán bộ không thể tự đánh giá chính mình' in lines
    assert any(line.startswith("Dòng 8,") and "lòng vòng" in line for line in lines)
    assert any(line.startswith("Dòng 9,") and "lòng vòng" in line for line in lines)
    assert any(line.startswith('Dòng 10, cột "Đơn vị": đơn vị ZZ chưa có') for line in lines)
    assert not report.written
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Cadre)) == 0

    async with db.session() as s:
        partial = await import_roster(s, write(tmp_path, "bad.csv", content), now=clock.now(),
                                      skip_invalid=True)
    assert partial.written and partial.created == 1 and partial.rejected == 8
    async with db.session() as s:
        assert list(await s.scalars(select(Cadre.code))) == ["B1"]


async def test_missing_column_and_unreadable_files(db, tmp_path, clock):
    async with db.session() as s:
        with pytest.raises(FileProblem, match='thiếu cột bắt buộc: “Tên đơn vị”'):
            await import_units(s, write(tmp_path, "u.csv", "Mã đơn vị,Cấp\nT,Tỉnh\n"), now=clock.now())
        with pytest.raises(FileProblem, match="không hỗ trợ tệp .txt"):
            await import_units(s, write(tmp_path, "u.txt", UNITS), now=clock.now())
        bad = tmp_path / "latin.csv"
        bad.write_bytes("Mã đơn vị\n".encode("utf-16"))
        with pytest.raises(FileProblem, match="UTF-8"):
            await import_units(s, bad, now=clock.now())


async def test_idempotent_update_audited_dry_run_and_deactivation(db, tmp_path, clock):
    await base(db, tmp_path, clock)
    roster = write(tmp_path, "r.csv", HEADER + person("C1") + person("C2", name="Phạm Thị D",
                                                                      phone="0912 000 222"))
    async with db.session() as s:
        assert (await import_roster(s, roster, now=clock.now())).created == 2
    async with db.session() as s:
        again = await import_roster(s, roster, now=clock.now())
    assert (again.created, again.updated, again.unchanged, again.deactivated) == (0, 0, 2, 0)
    async with db.session() as s:
        c2 = await s.scalar(select(Cadre).where(Cadre.code == "C2"))
        c2.telegram_user_id = 4242  # linked on Telegram

    changed = write(tmp_path, "r2.csv", HEADER + person("C1", name="Nguyễn Văn An"))
    async with db.session() as s:
        preview = await import_roster(s, changed, now=clock.now(), dry_run=True)
    assert (preview.updated, preview.deactivated) == (1, 1)
    assert "cập nhật C1: Họ và tên" in preview.changes and "ngừng hoạt động C2 Phạm Thị D" in preview.changes
    async with db.session() as s:
        assert (await s.scalar(select(Cadre).where(Cadre.code == "C1"))).full_name == "Nguyễn Văn A"

    async with db.session() as s:
        partial = await import_roster(s, changed, now=clock.now(), partial=True)
    assert (partial.updated, partial.deactivated) == (1, 0)
    async with db.session() as s:
        full = await import_roster(s, changed, now=clock.now())
    assert (full.updated, full.deactivated) == (0, 1)
    async with db.session() as s:
        c2 = await s.scalar(select(Cadre).where(Cadre.code == "C2"))
        assert c2.active is False  # kept, never deleted
        assert await actor_for(s, 4242, clock.now()) is None  # the Telegram link stops working
        log = await s.scalar(select(AuditLog).where(AuditLog.action == "import_update",
                                                    AuditLog.object_id != c2.id))
        assert log.before == {"full_name": "Nguyễn Văn A"} and log.after == {"full_name": "Nguyễn Văn An"}


async def test_xlsx_with_excel_dates_and_a_named_sheet(db, tmp_path, clock):
    await base(db, tmp_path, clock)
    wb = Workbook()
    wb.active.title = "Ghi chú"
    ws = wb.create_sheet("Danh sách")
    ws.append(HEADER.strip().split(","))
    ws.append(["D1", "Hoàng Văn E", datetime(1988, 7, 15), "Nam", 912345000, "X", "MC",
               "Chuyên viên", "Công chức", "Có", None, "Thạc sĩ", "Cao cấp", "Có", "x",
               datetime(2010, 9, 1)])
    path = tmp_path / "r.xlsx"
    wb.save(path)
    async with db.session() as s:
        with pytest.raises(FileProblem, match="không có trang tính"):
            await import_roster(s, path, now=clock.now(), sheet="Không có")
        report = await import_roster(s, path, now=clock.now(), sheet="Danh sách")
    assert report.ok and report.created == 1
    async with db.session() as s:
        d1 = await s.scalar(select(Cadre).where(Cadre.code == "D1"))
        assert (d1.birth_date, d1.start_date, d1.phone) == (date(1988, 7, 15), date(2010, 9, 1),
                                                            "+84912345000")
        assert (d1.education, d1.theory_level, d1.in_planning) == ("thac_si", "cao_cap", True)


async def test_training_requirements_mini_language(db, tmp_path, clock):
    content = ("Mã yêu cầu,Nhóm,Tên yêu cầu,Áp dụng cho,Số giờ,Trình độ tối thiểu,Năm,Hạn hoàn thành,Căn cứ\n"
               'R1,Quản lý nhà nước,Bồi dưỡng QLNN,Tất cả,40,,2026,15/12/2026,NĐ 171\n'
               'R2,Lý luận chính trị,LLCT,"Lãnh đạo; Cấp: Xã; Đơn vị: X, T",,Cao cấp,2026,31/12/2026,\n'
               'R3,Kỹ năng số,Số,Trẻ; Quy hoạch,"12,5",,2026,,\n'
               "R4,Không rõ,Sai,Mọi người,,,,,\n")
    async with db.session() as s:
        report = await import_training(s, write(tmp_path, "t.csv", content), now=clock.now())
    lines = [str(p) for p in report.problems]
    assert any(line.startswith('Dòng 5, cột "Nhóm"') for line in lines)
    assert any(line.startswith('Dòng 5, cột "Áp dụng cho"') for line in lines)
    async with db.session() as s:
        report = await import_training(s, write(tmp_path, "t.csv", content), now=clock.now(),
                                       skip_invalid=True)
    assert report.created == 3
    async with db.session() as s:
        r2 = await s.scalar(select(TrainingRequirement).where(TrainingRequirement.code == "R2"))
        assert r2.applies_to == {"leaders": True, "levels": ["xa"], "units": ["X", "T"]}
        assert (r2.level_required, r2.hours_required) == ("cao_cap", None)
        r3 = await s.scalar(select(TrainingRequirement).where(TrainingRequirement.code == "R3"))
        assert r3.applies_to == {"young": True, "in_planning": True} and r3.hours_required == 12.5


async def test_example_files_import_cleanly_twice(db, clock):
    from bot.demo import EXAMPLES, FILES

    for importer, name in FILES:
        async with db.session() as s:
            assert (await importer(s, EXAMPLES / name, now=clock.now())).ok
    for importer, name in FILES:
        async with db.session() as s:
            again = await importer(s, EXAMPLES / name, now=clock.now())
        assert (again.created, again.updated, again.deactivated) == (0, 0, 0), name
