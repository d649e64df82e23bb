"""Write tests/catalog/data/legacy_labelled.tsv: mojibake made from real-looking values, and clean.

Run once (`python -m tests.catalog.make_legacy_labelled`); the TSV is kept in the repository so
tests need neither iconv nor this script. TCVN3 bytes come from glibc iconv (`TCVN5712-1`) and
VNI bytes from the xvnkb table order (lamdao/xvnkb vni.h), both independent of the decoder in
catalog/legacy.py, so the set checks the decoder rather than mirroring it.
"""

from __future__ import annotations

import subprocess
import unicodedata
from pathlib import Path

OUT = Path(__file__).parent / "data" / "legacy_labelled.tsv"

TITLES = """\
Việt Nam đồng bằng sông Cửu Long
Lịch sử Sóc Trăng
Địa chí Cần Thơ
Địa chí Đồng Tháp
Địa chí tỉnh Bến Tre
Địa chí Kiên Giang
Địa chí Trà Vinh
Địa chí Vĩnh Long
Địa chí Bạc Liêu
Cà Mau xưa và nay
Cần Thơ xưa và nay
Gia Định thành thông chí
Nam Kỳ phong tục nhơn vật diễn ca
Lịch sử Đảng bộ tỉnh Trà Vinh
Lịch sử Đảng bộ huyện Cái Nước
Lịch sử Đảng bộ quận Ô Môn
Chợ nổi Cái Răng
Chợ nổi Ngã Bảy
Chợ nổi Trà Ôn : nét văn hóa sông nước miền Tây
Chùa Khmer ở Sóc Trăng
Chùa Khmer ở Kiên Giang : lịch sử và kiến trúc
Lễ hội Ok Om Bok ở Trà Vinh
Lễ hội dân gian ở Cà Mau
Làng nghề truyền thống Bạc Liêu
Kênh rạch Bạc Liêu
Kênh rạch Sóc Trăng
Bản đồ hành chính tỉnh Bến Tre
Bản đồ hành chính thành phố Cần Thơ
Bản đồ du lịch tỉnh Trà Vinh
Bản đồ hiện trạng sử dụng đất tỉnh Hậu Giang
Bản đồ ngập lụt tỉnh Đồng Tháp
Niên giám thống kê tỉnh An Giang
Niên giám thống kê thành phố Cần Thơ
Mùa gặt ở Ngọc Hiển
Lũ lụt ở Đồng Tháp năm 1978
Nhân chứng lịch sử ở Giá Rai kể chuyện
Hồi ký kháng chiến
Danh nhân Vĩnh Long
Danh nhân Cần Thơ
Di tích lịch sử văn hóa tỉnh Bạc Liêu
Gia phả họ Huỳnh ở Cao Lãnh
Gia phả họ Mai ở Long Xuyên
Gia phả họ Võ ở Cái Răng
Văn hóa dân gian Nam Bộ
Đờn ca tài tử Nam Bộ
Sông nước miền Tây
Rừng U Minh
Rừng đước Năm Căn
Đất mũi Cà Mau
Vườn quốc gia Tràm Chim
Khu di tích Gò Tháp
Văn hóa Óc Eo
Người Khmer Nam Bộ
Người Hoa ở Bạc Liêu
Cây lúa đồng bằng sông Cửu Long
Nghề nuôi cá tra ở An Giang
Kinh tế vườn ở Tiền Giang
Thủy lợi đồng bằng sông Cửu Long
Khẩn hoang miền Nam
Truyện cổ dân gian Nam Bộ
Ca dao Đồng Tháp
Tục ngữ ca dao Nam Bộ
Báo Cần Thơ
Báo Đồng Tháp, số 3275
Báo Trà Vinh (ấn bản tiếng Khmer)
Tạp chí Văn nghệ Cửu Long
Ảnh vườn dừa Mỏ Cày
Ảnh chợ Long Xuyên
Tư liệu Hán Nôm ở Vĩnh Long
Sắc phong đình Bình Thủy
Đình Bình Thủy
Đền thờ Nguyễn Trung Trực
Lăng Thoại Ngọc Hầu
Miếu Bà Chúa Xứ núi Sam
Cù lao Ông Hổ
Cồn Phụng
Hòn Đất
Phú Quốc
Hà Tiên thập cảnh
Kỷ yếu hội thảo khoa học
Tuyển tập thơ văn Nguyễn Đình Chiểu
Lục Vân Tiên
Hương rừng Cà Mau
Đất rừng phương Nam
Ba người mới cứu nhau
Tìm hiểu đất Hậu Giang
Lịch sử khẩn hoang miền Nam
Ông Đạo Dừa
Phong trào Đồng Khởi ở Bến Tre
Chiến thắng Ấp Bắc
Ủy ban nhân dân tỉnh Sóc Trăng
Ấp chiến lược ở Mỹ Tho
Ở rừng U Minh Thượng
Ông bà ta ngày xưa
Quê hương Châu Đốc
Nghiên cứu văn hóa Khmer
Giáo dục ở Rạch Giá
Đường về Hà Tiên
Ngày xuân ở Sa Đéc
Hướng dẫn du lịch Cần Thơ
Những con đường ở Vĩnh Long
Dòng sông quê hương
Tiếng hát miền sông nước
Hát bội Nam Bộ
Cải lương Nam Bộ
Nhà cổ Bình Thủy
Xuồng ba lá
Ghe xuồng Nam Bộ
Thuyền rồng
Lễ hội Kỳ Yên
Hội đua ghe ngo
Nghề dệt chiếu Cà Hom
Bánh pía Sóc Trăng
Khô cá lóc
Quýt hồng Lai Vung
Xoài cát Hòa Lộc
Chè Nam Bộ ngày xưa
"""

NAMES = """\
Nguyễn Đình Chiểu
Sơn Nam
Trịnh Hoài Đức
Huỳnh Minh
Vương Hồng Sển
Nguyễn Văn Hầu
Lê Quý Đôn
Phan Thị Ngọc Hà
Trần Văn Giàu
Võ Văn Kiệt
Đoàn Giỏi
Hồ Biểu Chánh
Thạch Sok Xane
Lâm Hoàng Trung
Ngô Kim Mai
Huỳnh Thị Mỹ Lệ
Đặng Văn Thắng
Dương Thị Kim Hường
Trương Vĩnh Ký
Bùi Quang Chiêu
Tôn Đức Thắng
Châu Văn Liêm
Phạm Hùng
Nguyễn Thị Định
Trần Thị Thu Hương
Lương Thế Vinh
Đỗ Mộng Khương
Nguyễn Ngọc Tỉnh
Phạm Ngọc Thảo
Lý Thường Kiệt
"""

# Clean values that must never change: Vietnamese that uses only Latin-1 letters (the hard
# case), French colonial titles, English, other languages, and symbols that also sit in the
# TCVN3/VNI byte ranges.
CLEAN_EXTRA = """\
Cà Mau
Sài Gòn
Cá tra
Tô Châu
Tân Châu
Cái Bè
Cà phê
Bà Chúa
Hà Tiên
Ông Đốc
Chợ Gạo
Monographie de la province de Bentré
Monographie de la province de Soctrang
Monographie de la province de Travinh
Carte de la province de Soctrang
Bentré - Le port.
Saïgon - La rue Catinat
Annuaire général de l'Indochine française
Bulletin de la Société des études indochinoises
Société des études indochinoises
Bulletin de l'École française d'Extrême-Orient
La Cochinchine française en 1878
Le delta du Mékong
Géographie physique de la Cochinchine
Notes sur la côte de Cochinchine
Rapport au Conseil colonial
Hôtel de ville de Saïgon
Cần Thơ - Le marché
Vue générale de Cantho
Le Bassac à Châu Đốc
Écoles et pagodes de Sadec
Études sur le Cambodge
Les rizières de Rachgia
Le canal de Vĩnh Tế
Pêcheurs sur le Mékong
Cathédrale de Vinh Long
Mémoires de la Société
Recueil des actes du gouvernement de la Cochinchine
« Le Mékong »
Céramiques d'Óc Eo
Dictionnaire annamite-français
Précis de géographie
Chrestomathie cochinchinoise
Café, thé et cacao
L'Annam et le Cambodge
Les îles de Poulo Condore
Île de Phú Quốc
À travers la Cochinchine
Réédition 1998
The Mekong Delta: a history
Rice and water in the Mekong Delta
Can Tho University annual report
A guide to Vietnamese pagodas
Floating markets of the Mekong
The Khmer Krom
Mangroves of Ca Mau
Water management in the Vietnamese Mekong Delta
Vietnam: a country study
Oral history of the Mekong
François Pinard
José Martínez
Müller & Söhne
Gonçalves
Øresund
Señor
Dvořák
Đồng Tháp
Nguyễn
Trần Thị Ánh
© 1998
Copyright © 2003
45° N
± 5 cm
§ 3
Tỷ lệ 1:50.000
Khổ 54 × 79 cm
1998–2003
“Sài Gòn”
Tome I – Cochinchine
Prix : 2 £
½ page
Ch. III · Cà Mau
Mékong — fleuve
naïve
Noël
coopération
Þingvellir
Dürer
"""


def _tcvn3(text: str) -> str:
    raw = subprocess.run(
        ["iconv", "-f", "UTF-8", "-t", "TCVN5712-1"],
        input=unicodedata.normalize("NFC", text).encode(),
        capture_output=True,
        check=True,
    ).stdout
    # Bytes CP1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) arrive as Latin-1 controls.
    return "".join(
        bytes([b]).decode("cp1252", errors="strict") if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
        else chr(b)
        for b in raw
    )  # fmt: skip


# The VNI-Windows sequences in lamdao/xvnkb vni.h order, beside the letters they stand for.
_VNI_LETTERS = (
    "A Á À Ả Ã Ạ Â Ấ Ầ Ẩ Ẫ Ậ Ă Ắ Ằ Ẳ Ẵ Ặ E É È Ẻ Ẽ Ẹ Ê Ế Ề Ể Ễ Ệ O Ó Ò Ỏ Õ Ọ Ô Ố Ồ Ổ Ỗ Ộ "
    "Ơ Ớ Ờ Ở Ỡ Ợ U Ú Ù Ủ Ũ Ụ Ư Ứ Ừ Ử Ữ Ự I Í Ì Ỉ Ĩ Ị Y Ý Ỳ Ỷ Ỹ Ỵ Đ"
).split()
_VNI_CODES = (
    "A AÙ AØ AÛ AÕ AÏ AÂ AÁ AÀ AÅ AÃ AÄ AÊ AÉ AÈ AÚ AÜ AË E EÙ EØ EÛ EÕ EÏ EÂ EÁ EÀ EÅ EÃ EÄ "
    "O OÙ OØ OÛ OÕ OÏ OÂ OÁ OÀ OÅ OÃ OÄ Ô ÔÙ ÔØ ÔÛ ÔÕ ÔÏ U UÙ UØ UÛ UÕ UÏ Ö ÖÙ ÖØ ÖÛ ÖÕ ÖÏ "
    "I Í Ì Æ Ó Ò Y YÙ YØ YÛ YÕ Î Ñ"
).split()
_VNI = {
    **{u: v for u, v in zip(_VNI_LETTERS, _VNI_CODES, strict=True) if u != v},
    **{u.lower(): v.lower() for u, v in zip(_VNI_LETTERS, _VNI_CODES, strict=True) if u != v},
}


def _vni(text: str, *, title_case_marks: bool = False) -> str:
    out = []
    for ch in unicodedata.normalize("NFC", text):
        code = _VNI.get(ch, ch)
        if title_case_marks and ch.isupper() and len(code) == 2:
            code = code[0] + code[1].lower()  # "Aán Ñoä": capital letter, small mark
        out.append(code)
    return "".join(out)


def rows() -> list[tuple[str, str, str]]:
    """Return (label, input, expected) rows: label is tcvn3, vni or clean."""
    vietnamese = [line for line in (TITLES + NAMES).splitlines() if line]
    found: list[tuple[str, str, str]] = []
    for n, text in enumerate(vietnamese):
        found.append(("tcvn3", _tcvn3(text), text))
        found.append(("vni", _vni(text, title_case_marks=n % 5 == 0), text))
    for text in vietnamese[::2] + [line for line in CLEAN_EXTRA.splitlines() if line]:
        found.append(("clean", text, text))
    return found


def main() -> None:
    OUT.parent.mkdir(exist_ok=True)
    lines = ["label\tinput\texpected"]
    lines += ["\t".join(row) for row in rows()]
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    counts = {label: sum(1 for row in rows() if row[0] == label) for label in ("tcvn3", "vni")}
    print(f"wrote {OUT}: {len(lines) - 1} rows, {counts}")


if __name__ == "__main__":
    main()
