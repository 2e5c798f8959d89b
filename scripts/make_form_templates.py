"""Developer tool: build the default form templates (bot/forms/templates/*.docx).

A province replaces them with its official forms by pointing CADREBOT_FORMS_DIR at a folder
holding files with the same names; the fields they may use are listed in bot/forms/__init__.py.

    .venv/bin/python scripts/make_form_templates.py
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.shared import Cm, Pt

OUT = Path(__file__).resolve().parent.parent / "bot" / "forms" / "templates"


def _document(landscape: bool = False) -> Document:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)
    section = doc.sections[0]
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    section.left_margin = section.right_margin = Cm(2)
    section.top_margin = section.bottom_margin = Cm(1.5)
    return doc


def _header(doc: Document) -> None:
    table = doc.add_table(rows=1, cols=2)
    left, right = table.rows[0].cells
    left.text = "{{ agency_upper }}\n{{ unit }}"
    right.text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc"
    for cell in (left, right):
        for paragraph in cell.paragraphs:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            for run in paragraph.runs:
                run.bold = True


def _title(doc: Document, *lines: str) -> None:
    for index, text in enumerate(lines):
        paragraph = doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(text)
        run.bold = index == 0


def _row_table(doc: Document, headers: list[str], cells: list[str], loop: str) -> None:
    """A table whose second row repeats for each item (docxtpl's {%tr %} tags)."""
    table = doc.add_table(rows=4, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    table.rows[1].cells[0].text = "{%tr for r in " + loop + " %}"
    for cell, text in zip(table.rows[2].cells, cells, strict=True):
        cell.text = text
    table.rows[3].cells[0].text = "{%tr endfor %}"


def _signatures(doc: Document, *who: str) -> None:
    doc.add_paragraph("{{ place }}, ngày {{ day }} tháng {{ month }} năm {{ year_now }}").alignment = \
        WD_ALIGN_PARAGRAPH.RIGHT
    table = doc.add_table(rows=2, cols=len(who))
    for cell, text in zip(table.rows[0].cells, who, strict=True):
        cell.text = text
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for cell in table.rows[1].cells:
        cell.text = "(Ký, ghi rõ họ tên)\n\n\n"
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER


def _page_break(doc: Document) -> None:
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def annual_sheet() -> Document:
    doc = _document()
    doc.add_paragraph("{%p for s in sheets %}")
    _header(doc)
    _title(doc, "PHIẾU XẾP LOẠI CHẤT LƯỢNG CÔNG CHỨC NĂM {{ s.year }}",
           "(Theo Nghị định số 335/2025/NĐ-CP)")
    for line in ("Họ và tên: {{ s.name }}          Mã cán bộ: {{ s.code }}",
                 "Chức vụ: {{ s.title }}",
                 "Đơn vị công tác: {{ s.unit }}",
                 "Nhóm có nhiệm vụ tương đồng: {{ s.group }}",
                 "Số tháng công tác trong năm: {{ s.months_worked }}"):
        doc.add_paragraph(line)
    doc.add_paragraph("1. Kết quả theo dõi, đánh giá các kỳ trong năm")
    _row_table(doc, ["Kỳ", "Số tháng", "Điểm", "Mức tương ứng"],
               ["{{ r.period }}", "{{ r.months }}", "{{ r.score }}", "{{ r.band }}"], "s.periods")
    doc.add_paragraph("2. Điểm bình quân các kỳ (theo số tháng): {{ s.score }} điểm")
    doc.add_paragraph("Mức theo điểm: {{ s.band_by_points }}")
    doc.add_paragraph("3. Người đánh giá đề xuất: {{ s.proposed }}")
    doc.add_paragraph("{{ s.reason }}")
    doc.add_paragraph("4. Kết quả xếp loại chất lượng (danh sách của cơ quan đã chốt): "
                      "{{ s.final }}")
    doc.add_paragraph("{{ s.flags }}")
    _signatures(doc, "CÔNG CHỨC", "NGƯỜI ĐÁNH GIÁ", "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ")
    _page_break(doc)
    doc.add_paragraph("{%p endfor %}")
    return doc


def period_sheet() -> Document:
    doc = _document(landscape=True)
    doc.add_paragraph("{%p for s in sheets %}")
    _header(doc)
    _title(doc, "PHIẾU THEO DÕI, ĐÁNH GIÁ CÔNG CHỨC {{ s.period_upper }}",
           "(Theo Nghị định số 335/2025/NĐ-CP)")
    for line in ("Họ và tên: {{ s.name }}          Mã cán bộ: {{ s.code }}",
                 "Chức vụ: {{ s.title }}          Đơn vị: {{ s.unit }}"):
        doc.add_paragraph(line)
    doc.add_paragraph("1. Tiêu chí kết quả thực hiện nhiệm vụ (tối đa {{ s.task_max }} điểm)")
    _row_table(doc, ["Sản phẩm, công việc", "Chỉ tiêu", "Hoàn thành", "Đạt chất lượng",
                     "Sai sót lớn", "Chậm tiến độ", "a", "b", "c", "Ghi chú"],
               ["{{ r.name }}", "{{ r.target }}", "{{ r.done }}", "{{ r.passed }}",
                "{{ r.failed }}", "{{ r.delays }}", "{{ r.a }}", "{{ r.b }}", "{{ r.c }}",
                "{{ r.note }}"], "s.products")
    doc.add_paragraph("{{ s.task_formula }} = {{ s.task_points }} điểm")
    doc.add_paragraph("2. Tiêu chí chung (tối đa {{ s.general_max }} điểm)")
    _row_table(doc, ["Tiêu chí", "Tối đa", "Tự đánh giá", "Người đánh giá"],
               ["{{ r.name }}", "{{ r.max }}", "{{ r.own }}", "{{ r.given }}"], "s.criteria")
    doc.add_paragraph("3. Tổng điểm: {{ s.total }} điểm — Mức tương ứng: {{ s.band }}")
    _signatures(doc, "CÔNG CHỨC", "NGƯỜI ĐÁNH GIÁ")
    _page_break(doc)
    doc.add_paragraph("{%p endfor %}")
    return doc


def summary() -> Document:
    doc = _document(landscape=True)
    _header(doc)
    _title(doc, "{{ title }}", "{{ subtitle }}", "Kính gửi: {{ competent_body }}")
    _row_table(doc, ["STT", "Họ và tên", "Chức vụ", "Đơn vị", "Số tháng công tác", "Điểm",
                     "Mức", "Ghi chú"],
               ["{{ r.index }}", "{{ r.name }}", "{{ r.title }}", "{{ r.unit }}",
                "{{ r.months }}", "{{ r.score }}", "{{ r.band }}", "{{ r.note }}"], "rows")
    doc.add_paragraph("Tổng hợp: {{ totals }}")
    doc.add_paragraph("{{ cap }}")
    _signatures(doc, "NGƯỜI LẬP BIỂU", "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ")
    return doc


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    annual_sheet().save(OUT / "phieu_xep_loai_nam.docx")
    period_sheet().save(OUT / "phieu_theo_doi_danh_gia.docx")
    summary().save(OUT / "bang_tong_hop.docx")


if __name__ == "__main__":
    main()
