"""The import templates (SPEC §8) and the digest's chart, read back as the Board would."""

from __future__ import annotations

import io
from collections import Counter
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from bot.services.imports import schemas
from bot.services.templates import COLUMNS, HELP, KINDS, template_workbook

# one valid row of each file, in the import's own words
BASE = {
    "units": {"code": "T", "name": "Tỉnh", "level": "Tỉnh"},
    "catalogue": {"position_code": "MC", "position_name": "Một cửa", "code": "SP1",
                  "name": "Hồ sơ", "kind": "Số lượng", "indicator_group": "1",
                  "default_target": "10", "digital": "", "key_title": ""},
    "roster": {"code": "A1", "full_name": "Nguyễn Văn A", "unit": "X", "position": "MC",
               "staff_type": "Công chức", "is_leader": "", "theory_level": "",
               "party_member": "", "in_planning": ""},
    "training": {"code": "BD", "category": "Quản lý nhà nước", "title": "Bồi dưỡng QLNN",
                 "applies_to": "Tất cả"},
}
MODELS = {"units": schemas.UnitRow, "catalogue": schemas.CatalogueRow,
          "roster": schemas.RosterRow, "training": schemas.TrainingRow}


@pytest.mark.parametrize("kind", KINDS)
def test_every_drop_down_word_is_accepted_by_the_import(kind):
    base = {**{c.key: None for c in COLUMNS[kind]}, **BASE[kind]}  # as the reader gives it
    row, problems = schemas.validate(MODELS[kind], base)
    assert row is not None, problems
    for column in COLUMNS[kind]:
        for choice in HELP[kind][column.key].choices:
            row, problems = schemas.validate(MODELS[kind], {**base, column.key: choice})
            assert row is not None, (column.header, choice, problems)


@pytest.mark.parametrize("kind", KINDS)
def test_a_template_has_the_import_headers_lists_and_a_guide(kind):
    wb = load_workbook(io.BytesIO(template_workbook(kind)))
    sheet, guide = wb.worksheets[0], wb.worksheets[1]
    columns = COLUMNS[kind]
    assert [c.value for c in sheet[1]] == [c.header for c in columns]  # the importer's own
    assert guide.title == "Hướng dẫn"
    explained = {row[0]: row for row in guide.iter_rows(min_row=2, max_row=len(columns) + 1,
                                                        values_only=True)}
    assert list(explained) == [c.header for c in columns]
    assert all(row[1] in ("Có", "Không") and row[2] for row in explained.values())
    lists = {str(v.sqref).split(":")[0].rstrip("0123456789"): v
             for v in sheet.data_validations.dataValidation}
    enumerated = [i for i, c in enumerate(columns, start=1) if HELP[kind][c.key].choices]
    assert enumerated and len(lists) == len(enumerated)
    source = wb["Danh sách chọn"]
    assert source.sheet_state == "hidden"
    for index in enumerated:
        letter = sheet.cell(1, index).column_letter
        rule = lists[letter]
        assert rule.type == "list" and str(rule.sqref) == f"{letter}2:{letter}1048576"
        cells = rule.formula1.split("!")[1].replace("$", "").split(":")
        words = [c.value for row in source[cells[0]:cells[1]] for c in row]
        assert words == list(HELP[kind][columns[index - 1].key].choices)
    assert sheet.print_title_rows == "$1:$1" and sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref.startswith("A1:")


def test_the_roster_template_lists_the_vocabulary_and_keeps_codes_as_text():
    wb = load_workbook(io.BytesIO(template_workbook("roster")))
    guide = {row[0]: row for row in wb["Hướng dẫn"].iter_rows(min_row=2, values_only=True)}
    assert guide["Giới tính"][3] == "Nam, Nữ"
    assert guide["Loại"][3] == "Cán bộ, Công chức, Viên chức"
    assert guide["Lãnh đạo"][3] == "Có, Không" and guide["Mã cán bộ"][1] == "Có"
    sheet = wb.worksheets[0]
    headers = [c.value for c in sheet[1]]
    for header in ("Mã cán bộ", "Số điện thoại", "Người đánh giá"):  # 0912… keeps its 0
        letter = sheet.cell(1, headers.index(header) + 1).column_letter
        assert sheet.column_dimensions[letter].number_format == "@"
    catalogue = load_workbook(io.BytesIO(template_workbook("catalogue")))
    group = {row[0]: row for row in catalogue["Hướng dẫn"].iter_rows(min_row=2,
                                                                      values_only=True)}
    assert group["Nhóm chỉ số"][3] == "1, 2, 3, 4"
    units = load_workbook(io.BytesIO(template_workbook("units")))
    assert {row[0]: row for row in units["Hướng dẫn"].iter_rows(
        min_row=2, values_only=True)}["Kỳ đánh giá"][3] == "Tháng, Quý"


def test_the_digest_chart_is_sorted_by_score_and_coloured_by_band(monkeypatch):
    """Bars best first, each in its band's colour (the rating when there is one, else the
    band of the exact score: 89,95 is "tốt"), and the 90/70/50 lines named."""
    from bot.charts import BAND_COLORS
    from bot.policy import Bands
    from bot.services.digests import CadreLine, Digest
    from handlers.screens import digest as screens

    drawn = {}
    monkeypatch.setattr(screens, "scores_png", lambda *args: drawn.update(args=args) or b"png")

    def line(name, total, band=None):
        return CadreLine(0, name, name, "", True, False, 0, total, band)

    period = SimpleNamespace(kind="month", number=11, year=2026, id=1)
    lines = [line("Bình", 72.0), line("An", 89.95), line("Chi", 95.0, "khong_hoan_thanh"),
             line("Dũng", None), line("Em", 49.0), line("Giang", 50.0)]
    text, png = screens.render_supervisor(period, Digest(period, lines, Counter(), Bands()))
    labels, values, colors, title, thresholds = drawn["args"]
    assert png == b"png" and title == "Điểm Tháng 11/2026"
    assert labels == ["Chi", "An", "Bình", "Giang", "Em"]  # best first; no score, no bar
    assert values == sorted(values, reverse=True)
    assert colors == [BAND_COLORS[b] for b in ("khong_hoan_thanh", "tot", "tot", "hoan_thanh",
                                                "khong_hoan_thanh")]
    assert thresholds == [(90.0, "≥ 90 Xuất sắc"), (70.0, "≥ 70 Tốt"),
                          (50.0, "≥ 50 Hoàn thành")]


def test_the_charts_draw():
    from bot.charts import score_history_png, scores_png

    png = scores_png(["An", "Bình"], [95.0, 60.0], ["#1e8449", "#d4a017"], "Điểm",
                     [(90.0, "≥ 90 Xuất sắc"), (70.0, "≥ 70 Tốt"), (50.0, "≥ 50 Hoàn thành")])
    assert png.startswith(b"\x89PNG")
    history = score_history_png(["T10", "T11"], [100.0, 99.0], {"Xuất sắc": 90.0}, "Điểm", "Điểm")
    assert history.startswith(b"\x89PNG")


def test_the_digest_excel_has_numbers_filters_and_print_setup():
    """"📥 Tải Excel": counts as whole numbers, scores with one decimal, a filter on the
    header, the header repeated on every printed page."""
    from bot.services.exports import digest_workbook

    content = digest_workbook([("Cán bộ", ["Mã cán bộ", "Họ và tên", "Chờ duyệt", "Tổng điểm"],
                                [["XTH004", "Đinh Thị Thảo", 2, 89.9],
                                 ["XTH005", "=cmd()", 0, None]])])
    sheet = load_workbook(io.BytesIO(content))["Cán bộ"]
    assert sheet.auto_filter.ref == "A1:D3" and sheet.freeze_panes == "A2"
    assert (sheet["C2"].number_format, sheet["D2"].number_format) == ("#,##0", "0.0")
    assert sheet["A2"].number_format == "General"
    assert sheet.print_title_rows == "$1:$1" and sheet.page_setup.orientation == "landscape"
    assert sheet["B3"].value == "=cmd()" and sheet["B3"].quotePrefix
    assert sheet.column_dimensions["B"].width >= len("Đinh Thị Thảo")
