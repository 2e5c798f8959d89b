"""Empty import files to fill in (`cadrebot template roster|units|catalogue|training`, SPEC §8):
the first sheet has the headers the importer reads (taken from its column lists, so the two
cannot drift apart), a drop-down list on every column with a closed vocabulary, codes and
phone numbers kept as text (a leading 0 survives), and a sheet "Hướng dẫn" that says what
each column holds. The drop-down words are the import's own words: tests/test_exports.py
checks that the importer accepts every one of them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from bot.i18n import N_, _
from bot.services import words
from bot.services.exports import finish, header_row, workbook_bytes
from bot.services.imports import schemas
from bot.services.imports.reading import Column

YES_NO = ["Có", "Không"]
THEORY_WORDS = [words.THEORY[k] for k in ("none", "so_cap", "trung_cap", "cao_cap", "cu_nhan")]


@dataclass(frozen=True)
class Help:
    """What a column holds (an English msgid), and its drop-down words, if any."""

    text: str
    choices: tuple[str, ...] = ()
    as_text: bool = False  # codes and phone numbers: typed digits stay text
    width: float = 16


HELP: dict[str, dict[str, Help]] = {
    "units": {
        "code": Help(N_("The unit's code, unique, without spaces (e.g. SNV, XTH)."), as_text=True),
        "name": Help(N_("The unit's full name."), width=34),
        "parent": Help(N_("The code of the unit above it; empty for the province itself."),
                       as_text=True),
        "level": Help(N_("Province or commune level."), tuple(words.LEVELS.values())),
        "sector": Help(N_("The sector (khối) it belongs to, free text; may be empty."), width=20),
        "period_type": Help(N_("How often its cadres are evaluated: monthly or quarterly; empty: "
                               "as the unit above."), ("Tháng", "Quý")),
        "is_agency": Help(N_("Có for an agency (its head closes the annual list); empty: "
                             "decided from the tree."), tuple(YES_NO)),
    },
    "catalogue": {
        "position_code": Help(N_("The job position's code (created if new)."), as_text=True),
        "position_name": Help(N_("The job position's name."), width=30),
        "position_group": Help(N_("The position's group; may be empty."),
                               tuple(words.POSITION_GROUPS.values()), width=22),
        "code": Help(N_("The product's code, unique within the position."), as_text=True),
        "name": Help(N_("The work product's name."), width=34),
        "unit_of_measure": Help(N_("Unit of measure (hồ sơ, văn bản, %…); may be empty.")),
        "kind": Help(N_("Số lượng: a quantity against a target; Tỷ lệ: a percentage."),
                     tuple(words.PRODUCT_KINDS.values())),
        "coefficient": Help(N_("Conversion coefficient, greater than 0 (1,5 or 1.5); empty: 1.")),
        "indicator_group": Help(N_("Indicator group of Decree 335: 1 task results, 2 service to "
                                   "people and businesses, 3 coordination, 4 discipline."),
                                ("1", "2", "3", "4")),
        "digital": Help(N_("Có when the product counts for digital transformation."),
                        tuple(YES_NO)),
        "default_target": Help(N_("The target of a period when none is assigned (a number ≥ 0)."
                                  )),
        "key_title": Help(N_("Có for a key leadership title; may be empty."), tuple(YES_NO)),
    },
    "roster": {
        "code": Help(N_("The cadre's code, unique, without spaces."), as_text=True),
        "full_name": Help(N_("Full name, kept exactly as written."), width=26),
        "birth_date": Help(N_("Birth date, dd/mm/yyyy; may be empty.")),
        "gender": Help(N_("Nam or Nữ; may be empty."), tuple(words.GENDERS.values())),
        "phone": Help(N_("Mobile number as the person uses it for Telegram (0912 345 678); may "
                         "be empty."), as_text=True),
        "unit": Help(N_("The code of the unit (as in the units file)."), as_text=True),
        "position": Help(N_("The code of the job position (as in the catalogue)."), as_text=True),
        "title": Help(N_("Title (chức vụ), free text; may be empty."), width=22),
        "staff_type": Help(N_("Cán bộ, Công chức or Viên chức."),
                           tuple(words.STAFF_TYPES.values())),
        "is_leader": Help(N_("Có for a leader or manager."), tuple(YES_NO)),
        "evaluator": Help(N_("The evaluator's cadre code; may be empty."), as_text=True),
        "education": Help(N_("Highest professional education; may be empty."),
                          tuple(words.EDUCATION.values())),
        "theory_level": Help(N_("Political theory level; empty: none."), tuple(THEORY_WORDS)),
        "party_member": Help(N_("Có for a party member."), tuple(YES_NO)),
        "in_planning": Help(N_("Có when in the planning list (quy hoạch)."), tuple(YES_NO)),
        "start_date": Help(N_("Date of joining the agency, dd/mm/yyyy; may be empty.")),
        "management_tier": Help(N_("Whose list the appointment is on; may be empty."),
                                tuple(words.TIERS.values()), width=22),
        "scope_units": Help(N_("Leaders: codes of the units they are in charge of, separated by "
                               "commas; may be empty."), width=20),
    },
    "training": {
        "code": Help(N_("The requirement's code, unique, without spaces."), as_text=True),
        "category": Help(N_("Training group of Decree 171/2025."),
                         tuple(words.CATEGORIES.values()), width=34),
        "title": Help(N_("What is required, as cadres will read it."), width=34),
        "applies_to": Help(N_("Who it applies to: Tất cả, or parts separated by “;”: Lãnh đạo; "
                              "Quy hoạch; Trẻ; Cấp: Xã; Loại: Công chức; Đơn vị: codes; Vị trí: "
                              "codes."), width=30),
        "hours_required": Help(N_("Hours to complete in the year; empty when a level is required "
                                  "instead.")),
        "level_required": Help(N_("The political theory level required; may be empty."),
                               tuple(THEORY_WORDS[1:])),
        "year": Help(N_("The year it is for; empty: every year.")),
        "due_date": Help(N_("Due date, dd/mm/yyyy; may be empty.")),
        "legal_basis": Help(N_("The legal basis (decree, resolution); may be empty."), width=30),
    },
}
COLUMNS: dict[str, list[Column]] = {
    "units": schemas.UNIT_COLUMNS, "catalogue": schemas.CATALOGUE_COLUMNS,
    "roster": schemas.ROSTER_COLUMNS, "training": schemas.TRAINING_COLUMNS,
}
KINDS = tuple(COLUMNS)
TITLES = {"units": N_("Units"), "catalogue": N_("Catalogue"), "roster": N_("Roster"),
          "training": N_("Training requirements")}
LIST_ROWS = 1_048_576  # the drop-down covers the whole column, whatever the file's length


def template_workbook(kind: str) -> bytes:
    """The empty import file of `kind` (one of KINDS), as .xlsx bytes."""
    columns, helps = COLUMNS[kind], HELP[kind]
    wb = Workbook()
    ws = wb.active
    ws.title = _(TITLES[kind])
    header_row(ws, [c.header for c in columns])
    guide = wb.create_sheet(_("Guide"))
    lists = wb.create_sheet(_("Lists"))
    lists.sheet_state = "hidden"
    used = 0
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        help_ = helps[column.key]
        ws.column_dimensions[letter].width = max(help_.width, len(column.header) + 2)
        if help_.as_text:
            ws.column_dimensions[letter].number_format = "@"
        if help_.choices:
            # the words on a hidden sheet: a list typed into the rule would split at their commas
            used += 1
            source = get_column_letter(used)
            lists.cell(1, used, column.header)
            for row, choice in enumerate(help_.choices, start=2):
                lists.cell(row, used, choice)
            rule = DataValidation(
                type="list", allow_blank=not column.required,
                formula1=f"'{lists.title}'!${source}$2:${source}${len(help_.choices) + 1}",
                showErrorMessage=True, errorTitle=column.header,
                error=_("Choose one of the values in the list."))
            rule.add(f"{letter}2:{letter}{LIST_ROWS}")
            ws.add_data_validation(rule)
    finish(ws)

    header_row(guide, [_("Column"), _("Required"), _("What to write"), _("Accepted values")])
    for column in columns:
        help_ = helps[column.key]
        guide.append([column.header, words.yes_no(column.required), _(help_.text),
                      ", ".join(help_.choices)])
    for width, letter in zip((26, 10, 70, 50), "ABCD", strict=True):
        guide.column_dimensions[letter].width = width
    for row in guide.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        row[0].font = Font(bold=True)
    guide.append([])
    guide.append([_("Fill in the first sheet, one row per record, from row 2; keep the header "
                    "row. The order of the columns is free. Dates as dd/mm/yyyy; decimals with a "
                    "comma or a point. Then check it with “cadrebot import {kind} FILE "
                    "--dry-run”.").format(kind=kind)])
    finish(guide)
    return workbook_bytes(wb)


def write_template(kind: str, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(template_workbook(kind))
    return path
