"""Build the demo province's import files in examples/ (run after changing the data):

    .venv/bin/python scripts/make_examples.py

The sandbox and the tests load these same files through the import code.
"""

from __future__ import annotations

import random
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

OUT = Path(__file__).resolve().parent.parent / "examples"

UNITS = [
    ("Mã đơn vị", "Tên đơn vị", "Đơn vị cấp trên", "Cấp", "Khối", "Kỳ đánh giá", "Cơ quan"),
    ("TINH", "Tỉnh Hưng Yên", "", "Tỉnh", "Tỉnh", "Tháng", ""),
    ("BTC", "Ban Tổ chức Tỉnh ủy", "TINH", "Tỉnh", "Đảng", "", "Có"),
    ("SNV", "Sở Nội vụ", "TINH", "Tỉnh", "Sở, ban, ngành", "", "Có"),
    ("SNV-TCBC", "Phòng Tổ chức, biên chế", "SNV", "Tỉnh", "Sở, ban, ngành", "", ""),
    ("STC", "Sở Tài chính", "TINH", "Tỉnh", "Sở, ban, ngành", "Quý", "Có"),
    ("XTH", "UBND xã Tân Hưng", "TINH", "Xã", "Xã, phường", "", "Có"),
    ("XTH-VP", "Văn phòng HĐND và UBND xã Tân Hưng", "XTH", "Xã", "Xã, phường", "", ""),
    ("PAP", "UBND phường An Phú", "TINH", "Xã", "Xã, phường", "", "Có"),
    ("PAP-KT", "Phòng Kinh tế, Hạ tầng và Đô thị phường An Phú", "PAP", "Xã", "Xã, phường", "",
     ""),
]

CATALOGUE = [
    ("Mã vị trí", "Tên vị trí", "Nhóm vị trí", "Mã sản phẩm", "Tên sản phẩm", "Đơn vị tính",
     "Loại", "Hệ số", "Nhóm chỉ số", "Chuyển đổi số", "Chỉ tiêu mặc định", "Chức danh chủ chốt"),
    ("MC-XA", "Công chức Một cửa cấp xã", "Chuyên môn nghiệp vụ", "MC01",
     "Hồ sơ thủ tục hành chính tiếp nhận và trả kết quả", "hồ sơ", "Số lượng", "1", 1, "Không", 120),
    ("MC-XA", "Công chức Một cửa cấp xã", "Chuyên môn nghiệp vụ", "MC02",
     "Tỷ lệ hồ sơ tiếp nhận trực tuyến", "%", "Tỷ lệ", "1", 2, "Có", 80),
    ("MC-XA", "Công chức Một cửa cấp xã", "Chuyên môn nghiệp vụ", "MC03",
     "Mức độ hài lòng của người dân", "%", "Tỷ lệ", "1", 2, "Không", 90),
    ("DC-XA", "Công chức Địa chính – Xây dựng cấp xã", "Chuyên môn nghiệp vụ", "DC01",
     "Hồ sơ đất đai được thẩm định", "hồ sơ", "Số lượng", "1,5", 1, "Không", 30),
    ("DC-XA", "Công chức Địa chính – Xây dựng cấp xã", "Chuyên môn nghiệp vụ", "DC02",
     "Cuộc kiểm tra trật tự xây dựng", "cuộc", "Số lượng", "2", 1, "Không", 8),
    ("DC-XA", "Công chức Địa chính – Xây dựng cấp xã", "Chuyên môn nghiệp vụ", "DC03",
     "Tỷ lệ hồ sơ đất đai giải quyết đúng hạn", "%", "Tỷ lệ", "1", 2, "Có", 95),
    # group 4 (kỷ luật, kỷ cương, liêm chính công vụ), as Bắc Ninh's resolution counts it
    ("DC-XA", "Công chức Địa chính – Xây dựng cấp xã", "Chuyên môn nghiệp vụ", "DC04",
     "Tỷ lệ ngày công chấp hành đúng thời giờ làm việc, nội quy cơ quan", "%", "Tỷ lệ", "1", 4,
     "Không", 100),
    ("CV-TH", "Chuyên viên tổng hợp", "Chuyên môn nghiệp vụ", "TH01",
     "Văn bản tham mưu được ban hành", "văn bản", "Số lượng", "2", 1, "Không", 10),
    ("CV-TH", "Chuyên viên tổng hợp", "Chuyên môn nghiệp vụ", "TH02",
     "Báo cáo định kỳ, đột xuất", "báo cáo", "Số lượng", "1", 3, "Không", 4),
    ("LD-XA", "Lãnh đạo UBND cấp xã", "Lãnh đạo quản lý", "LX01",
     "Văn bản chỉ đạo, điều hành được ký ban hành", "văn bản", "Số lượng", "1", 1, "Không", 20),
    ("LD-XA", "Lãnh đạo UBND cấp xã", "Lãnh đạo quản lý", "LX02",
     "Cuộc họp, kiểm tra do lãnh đạo chủ trì", "cuộc", "Số lượng", "1", 3, "Không", 6),
    ("LD-SO", "Lãnh đạo cấp sở", "Lãnh đạo quản lý", "LS01",
     "Nhiệm vụ được giao hoàn thành", "nhiệm vụ", "Số lượng", "3", 1, "Không", 8),
    ("LD-SO", "Lãnh đạo cấp sở", "Lãnh đạo quản lý", "LS02",
     "Tỷ lệ hồ sơ giải quyết đúng hạn của đơn vị", "%", "Tỷ lệ", "1", 2, "Có", 95),
    ("VT", "Văn thư – lưu trữ", "Hỗ trợ phục vụ", "VT01",
     "Văn bản đến, đi được xử lý", "văn bản", "Số lượng", "0,5", 1, "Có", 300),
]

ROSTER_HEADER = ("Mã cán bộ", "Họ và tên", "Ngày sinh", "Giới tính", "Số điện thoại", "Đơn vị",
                 "Vị trí việc làm", "Chức vụ", "Loại", "Lãnh đạo", "Người đánh giá",
                 "Trình độ chuyên môn", "Lý luận chính trị", "Đảng viên", "Quy hoạch",
                 "Ngày vào cơ quan", "Diện quản lý", "Đơn vị phụ trách")
# The heads of agencies are on the Provincial Standing Committee's list; their staff on the
# agency's (sở, ngành) or the commune's. The vice-chair of Tân Hưng is in charge of the office.
STANDING_COMMITTEE = {"BTC001", "SNV001", "STC001", "XTH001", "PAP100"}
IN_CHARGE = {"XTH002": "XTH-VP"}
# The first 20 are the people the tests and the sandbox talk about; keep them as they are.
CORE = [
    ("BTC001", "Nguyễn Thị Thu Hà", "14/03/1972", "Nữ", "0912 000 001", "BTC", "LD-SO", "Phó Trưởng Ban", "Cán bộ", "Có", ""),
    ("BTC002", "Trần Quốc Toản", "02/09/1985", "Nam", "0912 000 002", "BTC", "CV-TH", "Chuyên viên", "Công chức", "Không", "BTC001"),
    ("SNV001", "Lê Văn Hùng", "20/11/1970", "Nam", "0912 000 003", "SNV", "LD-SO", "Giám đốc Sở", "Công chức", "Có", ""),
    ("SNV002", "Phạm Thị Lan", "08/05/1980", "Nữ", "0912 000 004", "SNV-TCBC", "LD-SO", "Trưởng phòng", "Công chức", "Có", "SNV001"),
    ("SNV003", "Đỗ Minh Tuấn", "17/01/1990", "Nam", "0912 000 005", "SNV-TCBC", "CV-TH", "Chuyên viên", "Công chức", "Không", "SNV002"),
    ("SNV004", "Vũ Thị Hồng Nhung", "30/07/1993", "Nữ", "0912 000 006", "SNV-TCBC", "CV-TH", "Chuyên viên", "Công chức", "Không", "SNV002"),
    ("SNV005", "Hoàng Đức Anh", "05/12/1996", "Nam", "0912 000 007", "SNV-TCBC", "CV-TH", "Chuyên viên", "Công chức", "Không", "SNV002"),
    ("SNV006", "Bùi Thị Mai", "22/04/1988", "Nữ", "0912 000 008", "SNV", "VT", "Văn thư", "Viên chức", "Không", "SNV001"),
    ("STC001", "Ngô Văn Thắng", "11/02/1975", "Nam", "0912 000 009", "STC", "LD-SO", "Giám đốc Sở", "Công chức", "Có", ""),
    ("STC002", "Đặng Thị Thanh Hương", "19/10/1987", "Nữ", "0912 000 010", "STC", "CV-TH", "Chuyên viên chính", "Công chức", "Không", "STC001"),
    ("STC003", "Dương Văn Long", "25/06/1994", "Nam", "0912 000 011", "STC", "CV-TH", "Chuyên viên", "Công chức", "Không", "STC001"),
    ("XTH001", "Lý Văn Bình", "08/08/1978", "Nam", "0912 000 012", "XTH", "LD-XA", "Chủ tịch UBND xã", "Cán bộ", "Có", ""),
    ("XTH002", "Phan Thị Ngọc Ánh", "03/03/1986", "Nữ", "0912 000 013", "XTH", "LD-XA", "Phó Chủ tịch UBND xã", "Cán bộ", "Có", "XTH001"),
    ("XTH003", "Trịnh Văn Nam", "11/11/1991", "Nam", "0912 000 014", "XTH-VP", "MC-XA", "Công chức Văn phòng – Thống kê", "Công chức", "Không", "XTH002"),
    ("XTH004", "Đinh Thị Thảo", "09/09/1995", "Nữ", "0912 000 015", "XTH-VP", "MC-XA", "Công chức Một cửa", "Công chức", "Không", "XTH002"),
    ("XTH005", "Mai Xuân Trường", "24/12/1983", "Nam", "0912 000 016", "XTH", "DC-XA", "Công chức Địa chính – Xây dựng", "Công chức", "Không", "XTH002"),
    ("XTH006", "Tạ Thị Yến", "14/02/1998", "Nữ", "0912 000 017", "XTH", "DC-XA", "Công chức Địa chính – Xây dựng", "Công chức", "Không", "XTH002"),
    ("XTH007", "Cao Văn Định", "07/07/1989", "Nam", "", "XTH-VP", "VT", "Văn thư", "Viên chức", "Không", "XTH002"),
    ("XTH008", "Hà Thị Phương", "30/04/1992", "Nữ", "0912 000 019", "XTH-VP", "MC-XA", "Công chức Tư pháp – Hộ tịch", "Công chức", "Không", "XTH002"),
    ("XTH009", "Kiều Văn Sơn", "10/10/1997", "Nam", "0912 000 020", "XTH-VP", "MC-XA", "Công chức Văn hóa – Xã hội", "Công chức", "Không", "XTH002"),
]
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ",
            "Ngô", "Dương", "Lý"]
MIDDLE_M = ["Văn", "Đức", "Minh", "Quang", "Hữu", "Thành", "Công"]
MIDDLE_F = ["Thị", "Thu", "Ngọc", "Thanh", "Hồng", "Minh"]
GIVEN_M = ["Hải", "Dũng", "Khánh", "Phúc", "Tùng", "Quân", "Hiếu", "Lâm", "Thịnh", "Vinh"]
GIVEN_F = ["Hương", "Trang", "Linh", "Hằng", "Nga", "Oanh", "Hạnh", "Thủy", "Loan", "Dung"]
EXTRA_UNITS = [("PAP", "LD-XA"), ("PAP-KT", "DC-XA"), ("PAP-KT", "MC-XA"), ("STC", "CV-TH"),
               ("SNV-TCBC", "CV-TH"), ("XTH-VP", "MC-XA")]

TRAINING = [
    ("Mã yêu cầu", "Nhóm", "Tên yêu cầu", "Áp dụng cho", "Số giờ", "Trình độ tối thiểu", "Năm",
     "Hạn hoàn thành", "Căn cứ"),
    ("BD-QLNN", "Quản lý nhà nước", "Bồi dưỡng kiến thức quản lý nhà nước hằng năm", "Tất cả",
     40, "", 2026, "15/12/2026", "Nghị định 171/2025/NĐ-CP"),
    ("BD-SO", "Khoa học, công nghệ, đổi mới sáng tạo, kỹ năng số, công nghệ số",
     "Kỹ năng số và chuyển đổi số cho cán bộ, công chức", "Tất cả", 16, "", 2026, "30/11/2026",
     "Nghị quyết 57-NQ/TW; Nghị định 171/2025/NĐ-CP"),
    ("BD-QPAN", "Quốc phòng và an ninh", "Bồi dưỡng kiến thức quốc phòng và an ninh đối tượng 3",
     "Lãnh đạo", 24, "", 2026, "31/12/2026", "Luật Giáo dục quốc phòng và an ninh"),
    ("BD-LLCT-XA", "Lý luận chính trị", "Trình độ lý luận chính trị cho lãnh đạo cấp xã",
     "Lãnh đạo; Cấp: Xã", "", "Cao cấp", 2026, "31/12/2026", "Quy định 57-QĐ/TW"),
    ("BD-VTVL", "Kiến thức, kỹ năng theo vị trí việc làm",
     "Nghiệp vụ một cửa, dịch vụ công trực tuyến", "Vị trí: MC-XA", 20, "", 2026, "30/12/2026",
     "Nghị định 171/2025/NĐ-CP"),
    ("BD-QH", "Lý luận chính trị", "Cập nhật kiến thức cho cán bộ trong quy hoạch",
     "Quy hoạch", 30, "", 2026, "31/12/2026", "Kế hoạch của Ban Tổ chức Tỉnh ủy"),
]


def extra_cadres(rng: random.Random) -> list[tuple]:
    rows = []
    for n in range(40):
        unit, position = EXTRA_UNITS[n % len(EXTRA_UNITS)]
        female = rng.random() < 0.5
        name = " ".join([rng.choice(SURNAMES), rng.choice(MIDDLE_F if female else MIDDLE_M),
                         rng.choice(GIVEN_F if female else GIVEN_M)])
        year = rng.randint(1968, 1999)
        code = f"{unit.split('-')[0]}{100 + n:03d}"
        leader = position.startswith("LD")
        evaluator = {"PAP": "PAP100", "STC": "STC001", "SNV": "SNV002", "XTH": "XTH002"}[
            unit.split("-")[0]]
        if code == evaluator:
            evaluator, leader = "", True
        rows.append((code, name, f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{year}",
                     "Nữ" if female else "Nam", f"0913 {n // 10:01d}{n % 10:01d}0 {100 + n:03d}",
                     unit, position, "Chủ tịch UBND phường" if leader else "Công chức",
                     "Cán bộ" if leader else "Công chức", "Có" if leader else "Không", evaluator))
    return rows


def roster_rows() -> list[tuple]:
    rng = random.Random(2026)
    rows = []
    for core in CORE + extra_cadres(rng):
        code, name, birth, gender, phone, unit, position, title, kind, leader, evaluator = core
        education = rng.choice(["Đại học", "Đại học", "Thạc sĩ", "Cao đẳng"])
        theory = "Cao cấp" if leader == "Có" else rng.choice(["Trung cấp", "Sơ cấp", ""])
        planning = "Có" if leader == "Có" or rng.random() < 0.15 else "Không"
        tier = ("Ban Thường vụ Tỉnh ủy" if code in STANDING_COMMITTEE
                else "Xã" if unit.startswith(("XTH", "PAP")) else "Sở, ngành")
        rows.append((code, name, birth, gender, phone, unit, position, title, kind, leader,
                     evaluator, education, theory, "Có" if leader == "Có" else
                     rng.choice(["Có", "Không"]), planning, "01/01/2015", tier,
                     IN_CHARGE.get(code, "")))
    return rows


# Assigned tasks (issue #24 §1), for `cadrebot import tasks`: one row per task of a cadre
# ("Mã cán bộ") or of every active cadre of a unit ("Mã đơn vị"); "Người nghiệm thu" empty:
# the cadre's evaluator accepts it.
TASKS = [
    ("Mã việc", "Mã cán bộ", "Mã đơn vị", "Tên công việc", "Mã sản phẩm", "Số lượng",
     "Kết quả cần đạt", "Người nghiệm thu", "Hạn hoàn thành"),
    ("GV-2027-01", "XTH004", "", "Rà soát hồ sơ một cửa tồn đọng năm 2026", "MC01", 5,
     "Danh sách hồ sơ tồn đọng đã xử lý, gửi Văn phòng UBND xã", "", "29/01/2027"),
    ("GV-2027-02", "XTH005", "", "Thẩm định hồ sơ cấp giấy chứng nhận đợt 1", "DC01", 3,
     "Tờ trình kèm kết quả thẩm định từng hồ sơ", "", "26/02/2027"),
    ("GV-2027-03", "XTH006", "", "Thẩm định hồ sơ chuyển mục đích sử dụng đất", "DC01", 2,
     "Biên bản thẩm định được lãnh đạo ký", "XTH001", "26/02/2027"),
]


def save(name: str, rows: list[tuple]) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Dữ liệu"
    for row in rows:
        ws.append(list(row))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    for column in ws.columns:
        width = max(len(str(c.value or "")) for c in column)
        ws.column_dimensions[column[0].column_letter].width = min(max(width + 2, 10), 60)
    OUT.mkdir(exist_ok=True)
    # Fixed timestamps keep the files byte-stable when nothing changed.
    from datetime import datetime

    wb.properties.created = wb.properties.modified = datetime(2026, 1, 1)
    wb.save(OUT / name)


def main() -> None:
    save("don_vi.xlsx", UNITS)
    save("danh_muc_san_pham.xlsx", [CATALOGUE[0]] + [
        (*row, "Có" if row[0] == "LD-XA" else "") for row in CATALOGUE[1:]])
    save("danh_sach_can_bo.xlsx", [ROSTER_HEADER, *roster_rows()])
    save("yeu_cau_boi_duong.xlsx", TRAINING)
    save("giao_viec.xlsx", TASKS)
    print(f"examples written to {OUT}")


if __name__ == "__main__":
    main()
