"""How roster.xls and roster.ods were made (run once by hand; the suite reads the files).

    pip install --target /tmp/fixturelib xlwt==1.3.0 odfpy==1.4.1
    PYTHONPATH=/tmp/fixturelib python tests/data/make_legacy_fixtures.py

Neither library is a dependency: offices send these formats, the bot only reads them
(python-calamine), so two tiny files written by other programs are the honest test.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
HEADER = ["Mã cán bộ", "Họ và tên", "Ngày sinh", "Giới tính", "Số điện thoại", "Đơn vị",
          "Vị trí việc làm", "Chức vụ", "Loại", "Lãnh đạo", "Người đánh giá",
          "Trình độ chuyên môn", "Lý luận chính trị", "Đảng viên", "Quy hoạch",
          "Ngày vào cơ quan"]
ROWS = [
    ["L1", "Nguyễn Thị Lan", date(1988, 4, 30), "Nữ", "0912 345 678", "X", "MC", "Trưởng phòng",
     "Công chức", "Có", "", "Đại học", "Trung cấp", "Có", "", "15/06/2012"],
    ["L2", "Trần Văn Bình", "05/03/1990", "Nam", "", "X", "MC", "Chuyên viên", "Công chức",
     "Không", "L1", "Thạc sĩ", "Sơ cấp", "Không", "", date(2016, 9, 1)],
]


def write_xls(path: Path) -> None:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Danh sách")
    as_date = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    for c, name in enumerate(HEADER):
        sheet.write(0, c, name)
    for r, row in enumerate(ROWS, start=1):
        for c, value in enumerate(row):
            if isinstance(value, date):
                sheet.write(r, c, value, as_date)
            else:
                sheet.write(r, c, value)
    book.save(str(path))


def write_ods(path: Path) -> None:
    from odf.number import DateStyle, Day, Month, Text, Year
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.style import Style
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    style = DateStyle(name="d")
    for part in (Day(style="long"), Text(text="/"), Month(style="long"), Text(text="/"),
                 Year(style="long")):
        style.addElement(part)
    doc.automaticstyles.addElement(style)
    cell_style = Style(name="cd", family="table-cell", datastylename="d")
    doc.automaticstyles.addElement(cell_style)
    table = Table(name="Danh sách")
    for row in [HEADER, *ROWS]:
        tr = TableRow()
        for value in row:
            if isinstance(value, date):
                cell = TableCell(valuetype="date", datevalue=value.isoformat(),
                                 stylename=cell_style)
                cell.addElement(P(text=value.strftime("%d/%m/%Y")))
            else:
                cell = TableCell(valuetype="string")
                cell.addElement(P(text=value))
            tr.addElement(cell)
        table.addElement(tr)
    doc.spreadsheet.addElement(table)
    doc.save(str(path))


if __name__ == "__main__":
    write_xls(HERE / "roster.xls")
    write_ods(HERE / "roster.ods")
