"""Hostile files and text (SECURITY.md): control characters, giant cells, zip bombs and
formulas are refused at import with the row and column, stripped from chat, and can never
make an export fail or run as a formula in Excel."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from bot.policy import Policy
from bot.services import periods
from bot.services.calendar import WorkCalendar
from bot.services.exports import (
    export_evaluations,
    export_notices,
    person_workbook,
    training_workbook,
)
from bot.services.imports.apply import import_roster
from bot.services.imports.reading import FileProblem
from models import Cadre, Notice, TrainingRequirement
from tests.test_import import HEADER, base, person, write


async def test_control_characters_and_formulas_are_refused_with_row_and_column(
        db, tmp_path, clock):
    await base(db, tmp_path, clock)
    rows = (person("A1", name="Nguyễn\x00Văn A") + person("A2", name="=HYPERLINK(\"x\")")
            + person("A3", name="Trần\x07Thị B") + person("A4"))
    async with db.session() as s:
        report = await import_roster(s, write(tmp_path, "r.csv", HEADER + rows), now=clock.now())
    problems = [str(p) for p in report.problems]
    assert problems == [
        'Dòng 2, cột "Họ và tên": ô chứa ký tự điều khiển; vui lòng gõ lại nội dung',
        'Dòng 3, cột "Họ và tên": ô chứa công thức (bắt đầu bằng «=»); hãy ghi giá trị',
        'Dòng 4, cột "Họ và tên": ô chứa ký tự điều khiển; vui lòng gõ lại nội dung',
    ]
    async with db.session() as s:  # nothing imported
        assert await s.scalar(select(Cadre.id)) is None


async def test_a_giant_cell_or_code_is_one_line_without_the_value(db, tmp_path, clock):
    await base(db, tmp_path, clock)
    huge = "X" * 200_000
    rows = person(huge) + person("B2", name="Nguyễn " + "A" * 150_000) + person("B3" + "9" * 40)
    async with db.session() as s:
        report = await import_roster(s, write(tmp_path, "r.csv", HEADER + rows), now=clock.now())
    problems = [str(p) for p in report.problems]
    assert problems[0] == 'Dòng 2, cột "Mã cán bộ": ô quá dài (hơn 128 KB)'
    assert problems[1] == 'Dòng 3, cột "Họ và tên": ô quá dài (hơn 128 KB)'
    assert problems[2].startswith('Dòng 4, cột "Mã cán bộ": "B39999999')  # cut at 40
    assert all(len(p) < 200 for p in problems)


def _bomb(path: Path, size: int) -> Path:
    """A valid-looking .xlsx whose one sheet expands to `size` bytes of nothing."""
    good = io.BytesIO()
    Workbook().save(good)
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</worksheet>", b"<!--" + b" " * size + b"--></worksheet>")
            out.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return path


async def test_a_zip_bomb_is_refused_within_seconds(db, tmp_path, clock):
    await base(db, tmp_path, clock)
    path = _bomb(tmp_path / "bomb.xlsx", 600 * 1024 * 1024)
    assert path.stat().st_size < 2 * 1024 * 1024
    started = time.monotonic()
    async with db.session() as s:
        with pytest.raises(FileProblem) as error:
            await import_roster(s, path, now=clock.now())
    assert time.monotonic() - started < 5
    assert "bị từ chối" in str(error.value)


async def test_exports_hold_any_stored_text_as_text(db, tmp_path, clock):
    """Whatever got stored (an old import, a typed note): exports open, formulas are inert,
    control characters are gone."""
    policy = Policy()
    await base(db, tmp_path, clock)
    async with db.session() as s:
        assert (await import_roster(s, write(tmp_path, "r.csv", HEADER + person("C1")),
                                    now=clock.now())).ok
        cadre = await s.scalar(select(Cadre))
        cadre.full_name = '=HYPERLINK("http://evil.example","Bấm")'
        cadre.title = "@SUM(1+1)\x01\x07"  # (PostgreSQL cannot even store \x00)
        s.add(Notice(text="-2+3 thông báo\x0b", audience={}, ack_kind="none", status="done",
                     created_at=clock.now()))
        period = await periods.ensure_period(s, periods.PeriodType.MONTH, 2026, 11,
                                             WorkCalendar(policy.calendar), policy.calendar)
        await export_evaluations(s, period, policy, tmp_path / "e.xlsx", clock.now().tzinfo)
        await export_notices(s, tmp_path / "n.xlsx", clock.now().tzinfo)
        s.add(TrainingRequirement(code="BD", category="quan_ly_nha_nuoc", title="+cmd|' /C calc'!A0",
                                  applies_to={}, hours_required=40, active=True))
        await s.flush()
        (await training_workbook(s, 2026, clock.now().date())).write(tmp_path / "t.xlsx")
        (await person_workbook(s, cadre, policy, clock.now().tzinfo)).write(tmp_path / "p.xlsx")
    training = load_workbook(tmp_path / "t.xlsx").worksheets[0]
    title = next(r for r in training.iter_rows(min_row=2) if r[0].value == "C1")[5]
    assert title.value == "+cmd|' /C calc'!A0" and title.data_type == "s" and title.quotePrefix
    profile = load_workbook(tmp_path / "p.xlsx")["Hồ sơ"]
    assert profile.cell(2, 2).value.startswith("=HYPERLINK") and profile.cell(2, 2).quotePrefix
    sheet = load_workbook(tmp_path / "e.xlsx").worksheets[0]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "C1")
    assert row[1].value == '=HYPERLINK("http://evil.example","Bấm")'
    assert row[1].data_type == "s" and row[1].quotePrefix
    assert row[4].value == "@SUM(1+1)" and row[4].quotePrefix
    notices = load_workbook(tmp_path / "n.xlsx").worksheets[0]
    cell = next(r for r in notices.iter_rows(min_row=2))[2]
    assert cell.value == "-2+3 thông báo" and cell.quotePrefix


async def test_control_characters_typed_in_chat_are_not_stored(harness, clock):
    from tests.test_flow_report import entries, setup

    thao, _anh = await setup(harness, clock)
    await thao.send("📝 Báo cáo KPI")
    await thao.tap_starting("✏️ 1.")
    await thao.send("12\x005")
    assert (await entries(harness))["XTH004#1"].quantity_done == 125
    await thao.tap("✅ Tất cả (125)")
    await thao.tap("0")
    await thao.tap("0")
    await thao.send("Ghi chú\x07 có\x00 ký tự lạ")
    assert (await entries(harness))["XTH004#1"].note == "Ghi chú có ký tự lạ"


def _far_cell(path: Path) -> Path:
    """5 KB: a header, and one cell in the sheet's last row and column (XFD1048576)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Mã cán bộ", "Họ và tên"])
    sheet.cell(row=1_048_576, column=16_384).value = "x"
    workbook.save(path)
    return path


def _ods_with_rows(path: Path, rows: str) -> Path:
    """tests/data/roster.ods with `rows` (content.xml) added at the end of its sheet."""
    source = Path(__file__).parent / "data" / "roster.ods"
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w") as out:
        for item in original.infolist():
            data = original.read(item.filename)
            if item.filename == "content.xml":
                data = data.replace(b"</table:table>", rows.encode() + b"</table:table>")
            out.writestr(item, data)
    return path


async def test_a_sheet_spanning_a_million_rows_is_refused_before_it_is_read(db, tmp_path, clock):
    """The reader holds a sheet as a grid from its first to its last cell: a 5 KB file with
    a cell at XFD1048576 asked it for 500 GB and aborted the whole process (the bot with it)."""
    await base(db, tmp_path, clock)
    tall = _ods_with_rows(tmp_path / "tall.ods", (
        '<table:table-row table:number-rows-repeated="1048000"><table:table-cell/>'
        '</table:table-row><table:table-row><table:table-cell table:number-columns-repeated='
        '"16" office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>'))
    for path in (_far_cell(tmp_path / "far.xlsx"), tall):
        assert path.stat().st_size < 10_000
        started = time.monotonic()
        async with db.session() as s:
            with pytest.raises(FileProblem) as error:
                await import_roster(s, path, now=clock.now())
        assert time.monotonic() - started < 5
        assert str(error.value).startswith("trang tính trải rộng 1.04"), str(error.value)


async def test_the_empty_rows_libreoffice_writes_at_the_end_are_not_a_reason_to_refuse(
        db, tmp_path, clock):
    await base(db, tmp_path, clock)
    path = _ods_with_rows(tmp_path / "lo.ods", (
        '<table:table-row table:number-rows-repeated="1048573"><table:table-cell '
        'table:number-columns-repeated="1024"/></table:table-row>'))
    async with db.session() as s:
        report = await import_roster(s, path, now=clock.now())
    assert report.problems == [] and report.created == 2
