"""The forms people sign, rendered from .docx templates (docxtpl: Jinja tags in Word).

A province replaces a form with its official one by putting a file of the same name in the
folder named by CADREBOT_FORMS_DIR; the built-in ones are in bot/forms/templates/ (rebuild
them with scripts/make_form_templates.py). Fields a template may use:

- every template: agency, agency_upper, unit, place, day, month, year_now;
- phieu_xep_loai_nam.docx (annual quality rating, one page per person): `sheets`, each with
  year, name, code, title, unit, group, months_worked, periods (period, months, score, band),
  score, band_by_points, proposed, reason, final, flags;
- phieu_theo_doi_danh_gia.docx (a month or quarter): `sheets`, each with period_upper, name,
  code, title, unit, task_max, products (name, target, done, passed, failed, delays, a, b,
  c, note), task_formula, task_points, general_max, criteria (name, max, own, given), total,
  band;
- bang_tong_hop.docx (the agency's table): title, subtitle, competent_body, rows (index,
  name, title, unit, months, score, band, note), totals, cap.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from docxtpl import DocxTemplate

BUILT_IN = Path(__file__).resolve().parent / "templates"
ANNUAL_SHEET = "phieu_xep_loai_nam.docx"
PERIOD_SHEET = "phieu_theo_doi_danh_gia.docx"
SUMMARY = "bang_tong_hop.docx"


def template_path(name: str, folder: Path | None = None) -> Path:
    """The province's template when it has one, else the built-in one."""
    if folder is not None and (folder / name).is_file():
        return folder / name
    return BUILT_IN / name


CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean(value):
    """Text a Word document can hold: control characters dropped (stored text of any age)."""
    if isinstance(value, str):
        return CONTROL.sub("", value)
    if isinstance(value, dict):
        return {key: _clean(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_clean(item) for item in value]
    return value


def render(name: str, context: dict, folder: Path | None = None) -> bytes:
    template = DocxTemplate(str(template_path(name, folder)))
    template.render(_clean(context), autoescape=True)
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()
