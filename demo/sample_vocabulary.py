"""Word lists and record templates for the demo's sample data (pure data, no logic).

demo.sample_data combines these with a seeded random.Random; every row is a tuple of strings
(years and counts as text) so the tables read like the catalogue entries they produce.
"""

from __future__ import annotations

# The four sample members: code, name_vi, name_en, province, metadata_prefix,
# publisher prefix for publishing houses in dc:publisher / 260$b, dc:rights / 540$a.
LIBRARIES: tuple[tuple[str, str, str, str, str, str, str], ...] = (
    ("cantho", "Thư viện thành phố Cần Thơ", "Can Tho City Library", "Cần Thơ", "oai_dc",
     "Nxb. ", "Tài liệu chỉ phục vụ đọc tại chỗ."),
    ("camau", "Thư viện tỉnh Cà Mau", "Ca Mau Provincial Library", "Cà Mau", "oai_dc",
     "NXB ", "Bản quyền thuộc về tác giả và nhà xuất bản."),
    ("dongthap", "Thư viện tỉnh Đồng Tháp", "Dong Thap Provincial Library", "Đồng Tháp",
     "oai_dc", "", "Sử dụng cho mục đích học tập, nghiên cứu."),
    ("travinh", "Thư viện tỉnh Trà Vinh", "Tra Vinh Provincial Library", "Trà Vinh", "marc21",
     "", "Chỉ sử dụng tại thư viện."),
)  # fmt: skip

PUBLIC_DOMAIN_RIGHTS = "Tài liệu thuộc phạm vi công cộng."

# dc:type values per library and kind, most specific word first ("|" separates repeated
# dc:type elements). "manuscript-hannom" is a manuscript whose subjects include "Hán Nôm".
DC_TYPES: tuple[tuple[str, str, str], ...] = (
    ("cantho", "book", "Sách"), ("cantho", "map", "Bản đồ"), ("cantho", "photograph", "Ảnh"),
    ("cantho", "newspaper", "Báo"), ("cantho", "manuscript", "Tài liệu viết tay"),
    ("cantho", "manuscript-hannom", "Tài liệu viết tay"), ("cantho", "audio", "Âm thanh"),
    ("cantho", "video", "Video"),
    ("camau", "book", "Book|Text"), ("camau", "map", "Map|Image"),
    ("camau", "photograph", "Photograph|Image"), ("camau", "newspaper", "Newspaper|Text"),
    ("camau", "manuscript", "Manuscript|Text"), ("camau", "manuscript-hannom", "Manuscript|Text"),
    ("camau", "audio", "Sound"), ("camau", "video", "Video"),
    ("dongthap", "book", "Sách"), ("dongthap", "map", "Bản đồ"),
    ("dongthap", "photograph", "Hình ảnh"), ("dongthap", "newspaper", "Báo, tạp chí"),
    ("dongthap", "manuscript", "Tài liệu viết tay"), ("dongthap", "manuscript-hannom", "Hán Nôm"),
    ("dongthap", "audio", "Tài liệu âm thanh"), ("dongthap", "video", "Phim tư liệu"),
)  # fmt: skip

# MARC genre terms (655 $a) per kind, with the same Hán Nôm refinement.
MARC_GENRES: tuple[tuple[str, str], ...] = (
    ("book", "Sách"), ("map", "Bản đồ"), ("photograph", "Ảnh"), ("newspaper", "Báo"),
    ("manuscript", "Tài liệu viết tay"), ("manuscript-hannom", "Hán Nôm"),
    ("audio", "Ghi âm"), ("video", "Phim tài liệu"),
)  # fmt: skip

# slug, name, administrative unit, seat, French colonial province name ("" if none),
# Republic of Vietnam province name, tags that gate templates (khmer coast flood hoa).
PROVINCES: tuple[tuple[str, str, str, str, str, str, str], ...] = (
    ("cantho", "Cần Thơ", "thành phố", "Cần Thơ", "Cantho", "Phong Dinh", "khmer flood hoa"),
    ("camau", "Cà Mau", "tỉnh", "Cà Mau", "", "An Xuyên", "khmer coast"),
    ("dongthap", "Đồng Tháp", "tỉnh", "Cao Lãnh", "Sadec", "Kiến Phong", "flood"),
    ("travinh", "Trà Vinh", "tỉnh", "Trà Vinh", "Travinh", "Vĩnh Bình", "khmer coast"),
    ("soctrang", "Sóc Trăng", "tỉnh", "Sóc Trăng", "Soctrang", "Ba Xuyên", "khmer coast hoa"),
    ("baclieu", "Bạc Liêu", "tỉnh", "Bạc Liêu", "Baclieu", "Bạc Liêu", "khmer coast hoa"),
    ("haugiang", "Hậu Giang", "tỉnh", "Vị Thanh", "", "Chương Thiện", ""),
    ("angiang", "An Giang", "tỉnh", "Long Xuyên", "Chaudoc", "Châu Đốc", "khmer flood"),
    ("kiengiang", "Kiên Giang", "tỉnh", "Rạch Giá", "Rachgia", "Kiên Giang", "khmer coast hoa"),
    ("vinhlong", "Vĩnh Long", "tỉnh", "Vĩnh Long", "Vinhlong", "Vĩnh Long", "khmer"),
    ("bentre", "Bến Tre", "tỉnh", "Bến Tre", "Bentré", "Kiến Hòa", "coast"),
    ("tiengiang", "Tiền Giang", "tỉnh", "Mỹ Tho", "Mytho", "Định Tường", "coast flood hoa"),
    ("longan", "Long An", "tỉnh", "Tân An", "Tanan", "Long An", "flood"),
)  # fmt: skip

# Districts and towns: name, province slug, unit, "market" where a floating market is.
PLACES: tuple[tuple[str, str, str, str], ...] = (
    ("Cái Răng", "cantho", "quận", "market"), ("Ninh Kiều", "cantho", "quận", ""),
    ("Phong Điền", "cantho", "huyện", "market"), ("Ô Môn", "cantho", "quận", ""),
    ("Thốt Nốt", "cantho", "quận", ""),
    ("Năm Căn", "camau", "huyện", ""), ("Ngọc Hiển", "camau", "huyện", ""),
    ("U Minh", "camau", "huyện", ""), ("Cái Nước", "camau", "huyện", ""),
    ("Thới Bình", "camau", "huyện", ""),
    ("Sa Đéc", "dongthap", "thành phố", ""), ("Cao Lãnh", "dongthap", "thành phố", ""),
    ("Tháp Mười", "dongthap", "huyện", ""), ("Hồng Ngự", "dongthap", "thành phố", ""),
    ("Lai Vung", "dongthap", "huyện", ""),
    ("Trà Cú", "travinh", "huyện", ""), ("Cầu Ngang", "travinh", "huyện", ""),
    ("Tiểu Cần", "travinh", "huyện", ""), ("Duyên Hải", "travinh", "thị xã", ""),
    ("Cầu Kè", "travinh", "huyện", ""),
    ("Ngã Năm", "soctrang", "thị xã", "market"), ("Vĩnh Châu", "soctrang", "thị xã", ""),
    ("Mỹ Xuyên", "soctrang", "huyện", ""), ("Kế Sách", "soctrang", "huyện", ""),
    ("Giá Rai", "baclieu", "thị xã", ""), ("Vĩnh Lợi", "baclieu", "huyện", ""),
    ("Hồng Dân", "baclieu", "huyện", ""), ("Đông Hải", "baclieu", "huyện", ""),
    ("Ngã Bảy", "haugiang", "thành phố", "market"), ("Vị Thanh", "haugiang", "thành phố", ""),
    ("Long Mỹ", "haugiang", "huyện", ""), ("Phụng Hiệp", "haugiang", "huyện", ""),
    ("Châu Đốc", "angiang", "thành phố", ""), ("Long Xuyên", "angiang", "thành phố", "market"),
    ("Tri Tôn", "angiang", "huyện", ""), ("Tân Châu", "angiang", "thị xã", ""),
    ("Chợ Mới", "angiang", "huyện", ""),
    ("Hà Tiên", "kiengiang", "thành phố", ""), ("Rạch Giá", "kiengiang", "thành phố", ""),
    ("Phú Quốc", "kiengiang", "thành phố", ""), ("Hòn Đất", "kiengiang", "huyện", ""),
    ("Bình Minh", "vinhlong", "thị xã", ""), ("Long Hồ", "vinhlong", "huyện", ""),
    ("Trà Ôn", "vinhlong", "huyện", "market"), ("Tam Bình", "vinhlong", "huyện", ""),
    ("Ba Tri", "bentre", "huyện", ""), ("Chợ Lách", "bentre", "huyện", ""),
    ("Mỏ Cày Nam", "bentre", "huyện", ""), ("Bình Đại", "bentre", "huyện", ""),
    ("Mỹ Tho", "tiengiang", "thành phố", ""), ("Cái Bè", "tiengiang", "huyện", "market"),
    ("Gò Công", "tiengiang", "thị xã", ""), ("Tân Phước", "tiengiang", "huyện", ""),
    ("Tân An", "longan", "thành phố", ""), ("Cần Giuộc", "longan", "huyện", ""),
    ("Cần Đước", "longan", "huyện", ""), ("Mộc Hóa", "longan", "huyện", ""),
)  # fmt: skip

# Landmarks for photographs: province slug, name as used mid-sentence, subject, first year
# a photograph of it makes sense (Cần Thơ bridge opened in 2010).
# fmt: off
LANDMARKS: tuple[tuple[str, str, str, str], ...] = (
    ("cantho", "bến Ninh Kiều", "Du lịch", "1965"),
    ("cantho", "chợ nổi Cái Răng", "Chợ nổi", "1950"),
    ("cantho", "chợ Cần Thơ", "Chợ", "1920"),
    ("cantho", "nhà cổ Bình Thủy", "Kiến trúc cổ", "1960"),
    ("cantho", "đình Bình Thủy", "Đình", "1960"),
    ("cantho", "cầu Cần Thơ", "Giao thông", "2010"),
    ("camau", "Mũi Cà Mau", "Du lịch", "1990"),
    ("camau", "rừng U Minh Hạ", "Rừng tràm", "1975"),
    ("camau", "rừng đước Năm Căn", "Rừng ngập mặn", "1975"),
    ("camau", "chợ Cà Mau", "Chợ", "1965"),
    ("camau", "Hòn Đá Bạc", "Du lịch", "1995"),
    ("dongthap", "Vườn quốc gia Tràm Chim", "Bảo tồn thiên nhiên", "1998"),
    ("dongthap", "khu di tích Gò Tháp", "Di tích lịch sử", "1990"),
    ("dongthap", "nhà cổ Huỳnh Thủy Lê", "Kiến trúc cổ", "1960"),
    ("dongthap", "làng hoa Sa Đéc", "Làng nghề", "1990"),
    ("dongthap", "khu di tích Xẻo Quýt", "Di tích lịch sử", "1990"),
    ("dongthap", "khu di tích mộ cụ Phó bảng Nguyễn Sinh Sắc", "Di tích lịch sử", "1977"),
    ("travinh", "chùa Âng", "Chùa", "1960"),
    ("travinh", "ao Bà Om", "Danh lam thắng cảnh", "1960"),
    ("travinh", "chùa Hang", "Chùa", "1960"),
    ("travinh", "biển Ba Động", "Du lịch", "1995"),
    ("soctrang", "chùa Dơi", "Chùa", "1960"),
    ("soctrang", "chùa Chén Kiểu", "Chùa", "1960"),
    ("soctrang", "chùa Kh'Leang", "Chùa", "1960"),
    ("soctrang", "chợ nổi Ngã Năm", "Chợ nổi", "1970"),
    ("baclieu", "nhà Công tử Bạc Liêu", "Kiến trúc cổ", "1960"),
    ("baclieu", "cánh đồng điện gió Bạc Liêu", "Năng lượng", "2013"),
    ("baclieu", "chùa Xiêm Cán", "Chùa", "1990"),
    ("haugiang", "chợ nổi Ngã Bảy", "Chợ nổi", "1960"),
    ("haugiang", "khu bảo tồn Lung Ngọc Hoàng", "Bảo tồn thiên nhiên", "2002"),
    ("angiang", "núi Sam", "Danh lam thắng cảnh", "1960"),
    ("angiang", "miếu Bà Chúa Xứ núi Sam", "Tín ngưỡng dân gian", "1960"),
    ("angiang", "chợ nổi Long Xuyên", "Chợ nổi", "1970"),
    ("angiang", "rừng tràm Trà Sư", "Bảo tồn thiên nhiên", "2005"),
    ("kiengiang", "Thạch Động (Hà Tiên)", "Danh lam thắng cảnh", "1960"),
    ("kiengiang", "lăng Mạc Cửu", "Di tích lịch sử", "1960"),
    ("kiengiang", "Dinh Cậu (Phú Quốc)", "Tín ngưỡng dân gian", "1970"),
    ("vinhlong", "Văn Thánh miếu Vĩnh Long", "Di tích lịch sử", "1960"),
    ("vinhlong", "cù lao An Bình", "Du lịch", "1990"),
    ("bentre", "cồn Phụng", "Du lịch", "1990"),
    ("bentre", "vườn dừa Mỏ Cày", "Cây dừa", "1970"),
    ("tiengiang", "chùa Vĩnh Tràng", "Chùa", "1960"),
    ("tiengiang", "chợ nổi Cái Bè", "Chợ nổi", "1960"),
    ("longan", "nhà trăm cột Cần Đước", "Kiến trúc cổ", "1990"),
    ("longan", "khu di tích Vàm Nhựt Tảo", "Di tích lịch sử", "1990"),
)
# fmt: on

# Khmer pagodas holding palm-leaf manuscripts: province slug, pagoda name.
PAGODAS: tuple[tuple[str, str], ...] = (
    ("travinh", "Âng"), ("travinh", "Hang"), ("travinh", "Samrông Ek"),
    ("soctrang", "Kh'Leang"), ("soctrang", "Mahatup"), ("baclieu", "Xiêm Cán"),
    ("cantho", "Pôthi Somrôn"), ("angiang", "Xvay Ton"), ("kiengiang", "Láng Cát"),
    ("vinhlong", "Phnô Prôk"), ("camau", "Tam Sơn"),
)  # fmt: skip

# Newspapers: province slug, title, first year, last year, issues a year, language,
# publisher ("" means the provincial Party committee, as for every post-1975 daily).
# fmt: off
PAPERS: tuple[tuple[str, str, str, str, str, str, str], ...] = (
    ("cantho", "Báo Cần Thơ", "1992", "2025", "300", "vie", ""),
    ("cantho", "An Hà báo", "1917", "1934", "50", "vie", "An Hà ấn quán"),
    ("camau", "Báo Cà Mau", "1997", "2025", "300", "vie", ""),
    ("dongthap", "Báo Đồng Tháp", "1976", "2025", "200", "vie", ""),
    ("travinh", "Báo Trà Vinh", "1992", "2025", "150", "vie", ""),
    ("travinh", "Báo Trà Vinh (ấn bản tiếng Khmer)", "2006", "2025", "50", "khm", ""),
    ("soctrang", "Báo Sóc Trăng", "1992", "2025", "200", "vie", ""),
    ("soctrang", "Báo Sóc Trăng (ấn bản tiếng Khmer)", "2004", "2025", "50", "khm", ""),
    ("baclieu", "Báo Bạc Liêu", "1997", "2025", "200", "vie", ""),
    ("haugiang", "Báo Hậu Giang", "2004", "2025", "150", "vie", ""),
    ("angiang", "Báo An Giang", "1976", "2025", "250", "vie", ""),
    ("kiengiang", "Báo Kiên Giang", "1976", "2025", "200", "vie", ""),
    ("vinhlong", "Báo Vĩnh Long", "1992", "2025", "200", "vie", ""),
    ("bentre", "Báo Đồng Khởi", "1976", "2025", "200", "vie", ""),
    ("tiengiang", "Báo Ấp Bắc", "1976", "2025", "200", "vie", ""),
    ("longan", "Báo Long An", "1976", "2025", "200", "vie", ""),
)
# fmt: on

# Publishing houses: name, place as Vietnamese catalogues abbreviate it, first and last year.
# Chính trị Quốc gia is not here: it publishes only the Party histories ("@party").
# fmt: off
HOUSES: tuple[tuple[str, str, str, str], ...] = (
    ("Khoa học Xã hội", "H.", "1976", "2025"),
    ("Văn hóa Dân tộc", "H.", "1976", "2025"),
    ("Thanh niên", "H.", "1976", "2025"),
    ("Hội Nhà văn", "H.", "1990", "2025"),
    ("Nông nghiệp", "Tp. Hồ Chí Minh", "1976", "2025"),
    ("Trẻ", "Tp. Hồ Chí Minh", "1982", "2025"),
    ("Thành phố Hồ Chí Minh", "Tp. Hồ Chí Minh", "1976", "2005"),
    ("Văn nghệ Thành phố Hồ Chí Minh", "Tp. Hồ Chí Minh", "1985", "2008"),
    ("Tổng hợp Thành phố Hồ Chí Minh", "Tp. Hồ Chí Minh", "2006", "2025"),
    ("Văn hóa - Văn nghệ", "Tp. Hồ Chí Minh", "2011", "2025"),
    ("Đại học Quốc gia Thành phố Hồ Chí Minh", "Tp. Hồ Chí Minh", "2000", "2025"),
    ("Đại học Cần Thơ", "Cần Thơ", "2006", "2025"),
)
# fmt: on
SAIGON_HOUSES: tuple[tuple[str, str], ...] = (
    ("Phù Sa", "Sài Gòn"),
    ("Khai Trí", "Sài Gòn"),
    ("Lá Bối", "Sài Gòn"),
    ("Tác giả xuất bản", "Sài Gòn"),
    ("Bộ Quốc gia Giáo dục", "Sài Gòn"),
)  # fmt: skip
FRENCH_PRINTERS: tuple[str, ...] = (
    "Imprimerie commerciale Ménard & Legros", "Imprimerie nationale", "Imprimerie C. Ardin",
    "Imprimerie de l'Union",
)  # fmt: skip

SURNAMES: tuple[str, ...] = (
    "Nguyễn", "Nguyễn", "Nguyễn", "Trần", "Trần", "Lê", "Lê", "Phạm", "Huỳnh", "Huỳnh", "Võ",
    "Phan", "Trương", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Lâm", "Tô", "Châu",
    "Mai", "Đoàn", "Lương", "Cao", "Quách",
)  # fmt: skip
MIDDLE_MALE: tuple[str, ...] = (
    "Văn", "Văn", "Văn", "Hữu", "Minh", "Thanh", "Quốc", "Công", "Hoàng", "Phước", "Trọng",
)  # fmt: skip
MIDDLE_FEMALE: tuple[str, ...] = ("Thị", "Thị", "Thị", "Ngọc", "Thanh", "Kim", "Hồng", "Mỹ")
GIVEN_MALE: tuple[str, ...] = (
    "An", "Bình", "Cường", "Dũng", "Đức", "Hải", "Hiếu", "Hùng", "Khoa", "Lộc", "Long", "Nam",
    "Nghĩa", "Phúc", "Quang", "Sang", "Sơn", "Tài", "Tâm", "Thành", "Thuận", "Tín", "Toàn",
    "Trí", "Trung", "Tuấn", "Vinh", "Kiệt", "Hậu", "Lợi",
)  # fmt: skip
GIVEN_FEMALE: tuple[str, ...] = (
    "Anh", "Diễm", "Dung", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Liên", "Linh", "Mai", "Nga",
    "Ngân", "Nhung", "Phượng", "Thảo", "Thủy", "Trang", "Tuyết", "Vân", "Xuân", "Yến",
)  # fmt: skip
KHMER_SURNAMES: tuple[str, ...] = ("Thạch", "Sơn", "Kim", "Danh", "Lâm", "Châu", "Dương")
KHMER_GIVEN: tuple[str, ...] = (
    "Sa Rinh", "Phol", "Sóc Khanh", "Ra Ni", "Chanh Thu", "Sa Vương", "Sà Rây", "Som Nang",
    "Pích", "Thi Đa", "Cha Ranh", "Sô Phal",
)  # fmt: skip

VILLAGES: tuple[str, ...] = (
    "Long Tuyền", "Bình Thủy", "Tân Phú", "Mỹ Khánh", "Thới Lai", "Long Hưng", "Vĩnh Thạnh",
    "Tân Lộc", "Phú Hữu", "Mỹ Hòa", "An Thạnh", "Long Hòa", "Tân Quy", "Phước Long",
    "Thạnh Phú", "Mỹ Phước", "Vĩnh Trinh", "Nhơn Ái", "Tân Thuận", "Hòa Hưng", "An Bình",
    "Vĩnh Hựu", "Phú Thạnh", "Long Khánh",
)  # fmt: skip

# Nguyễn reign names: name, first year (năm thứ nhất), last year.
REIGNS: tuple[tuple[str, str, str], ...] = (
    ("Gia Long", "1802", "1819"), ("Minh Mạng", "1820", "1840"), ("Thiệu Trị", "1841", "1847"),
    ("Tự Đức", "1848", "1883"), ("Đồng Khánh", "1886", "1888"), ("Thành Thái", "1889", "1907"),
    ("Duy Tân", "1907", "1916"), ("Khải Định", "1916", "1925"),
)  # fmt: skip

# Scenes of colonial picture postcards: French caption, what it shows in Vietnamese.
FRENCH_SCENES: tuple[tuple[str, str], ...] = (
    ("Le marché", "khu chợ"), ("L'arroyo", "con rạch"), ("L'inspection", "dinh chủ tỉnh"),
    ("La rue principale", "đường phố chính"), ("Le port", "bến tàu"),
    ("La pagode", "ngôi chùa"), ("Le quai", "bờ sông"),
)  # fmt: skip

PERIODS: tuple[str, ...] = (
    "1930-1945", "1930-1975", "1945-1975", "1954-1975", "1975-2000", "1975-2005",
    "1975-2010", "1986-2015", "2000-2020",
)  # fmt: skip
MAP_SCALES: tuple[str, ...] = ("1:25.000", "1:50.000", "1:100.000", "1:125.000", "1:200.000")
FLOOD_YEARS = "1961,1978,1991,1996,2000,2001,2011"

# Real people with life dates, added to MARC 100/700 $d as libraries record them.
AUTHOR_DATES: tuple[tuple[str, str], ...] = (
    ("Sơn Nam", "1926-2008"), ("Vương Hồng Sển", "1902-1996"), ("Trịnh Hoài Đức", "1765-1825"),
    ("Trương Vĩnh Ký", "1837-1898"),
)  # fmt: skip

# Responsibility patterns: name, people ("letter|role; ...", "?" first when present in
# only some records), "1" when MARC gives the first of them (or the body) a 1XX main entry.
RESPONSIBILITIES: tuple[tuple[str, str, str], ...] = (
    ("author", "a", "1"), ("authors", "a; b", "1"), ("edited", "a|chủ biên; b; c", "0"),
    ("corp", "", "1"), ("corp+edited", "a|chủ biên; b", "0"), ("photo", "?a|chụp ảnh", "1"),
    ("copyist", "?a|biên chép", "1"), ("interviewer", "a|phỏng vấn", "0"), ("none", "", "0"),
)  # fmt: skip

# Record templates, one row per TEMPLATE_FIELDS. subtitle: "|" separates choices, "" is none.
# resp: a RESPONSIBILITIES name; corp: the corporate body. subjects: "; " separates terms,
# "|" choices. years: "lo-hi", "a,b,c", or "" when a period or a newspaper decides.
# date_style: year day span old reign circa. publisher: "@code" or "name|place". needs: a
# province tag, "market" or "french". Placeholders: {province} {unit} {seat} {french} {rvn}
# {place} {place_unit} {landmark} {topic} {pagoda} {paper} {issue} {day} {span} {period}
# {year} {prev} {surname} {village} {scene} {scene_vi} {scale} {a}.
TEMPLATE_FIELDS = (
    "kind", "title", "subtitle", "resp", "corp", "subjects", "description", "years",
    "date_style", "publisher", "needs", "lang", "ddc",
)  # fmt: skip
# fmt: off
TEMPLATES: tuple[tuple[str, ...], ...] = (
    ("book", "Địa chí {province}", "", "corp+edited", "Ủy ban nhân dân {unit} {province}",
     "Địa chí; Lịch sử; Địa lý",
     "Trình bày tổng quan về điều kiện tự nhiên, dân cư, lịch sử, kinh tế, văn hóa - xã hội {unit} "
     "{province}.", "1990-2024", "year", "@house", "", "vie", "915.978"),
    ("book", "Địa chí {place_unit} {place}", "", "edited", "", "Địa chí; Lịch sử",
     "Giới thiệu vị trí địa lý, lịch sử hình thành, con người và truyền thống văn hóa {place_unit} "
     "{place}, {unit} {province}.", "1995-2024", "year", "@local", "", "vie", "915.978"),
    ("book", "{province} xưa và nay", "", "author", "", "Lịch sử; Địa chí; Văn hóa",
     "Những ghi chép về đất và người {province} qua các thời kỳ, từ buổi đầu khẩn hoang đến nay.",
     "1995-2024", "year", "@house", "", "vie", "959.78"),
    ("book", "Lịch sử Đảng bộ {unit} {province} ({period})", "sơ thảo|", "corp",
     "Ban Chấp hành Đảng bộ {unit} {province}", "Lịch sử; Đảng Cộng sản Việt Nam; Đảng bộ",
     "Quá trình ra đời, lãnh đạo đấu tranh cách mạng và xây dựng quê hương của Đảng bộ {unit} "
     "{province} giai đoạn {period}.", "", "year", "@party", "", "vie", "324.2597075"),
    ("book", "Lịch sử Đảng bộ {place_unit} {place} ({period})", "", "corp",
     "Ban Chấp hành Đảng bộ {place_unit} {place}", "Lịch sử; Đảng Cộng sản Việt Nam; Đảng bộ",
     "Lịch sử đấu tranh cách mạng và xây dựng của Đảng bộ và nhân dân {place_unit} {place} "
     "({province}) giai đoạn {period}.", "", "year",
     "Ban Chấp hành Đảng bộ {place_unit} {place}|{place}", "", "vie", "324.2597075"),
    ("book", "Lịch sử {place_unit} {place}", "", "edited", "", "Lịch sử; Địa chí",
     "Lịch sử hình thành vùng đất, quá trình khẩn hoang lập ấp và truyền thống đấu tranh của nhân "
     "dân {place_unit} {place}, {unit} {province}.", "1995-2024", "year", "@local", "", "vie",
     "959.78"),
    ("book", "Văn hóa người Khmer ở {province}", "", "author", "",
     "Khmer Nam Bộ; Văn hóa dân gian; Phong tục tập quán",
     "Đời sống, tín ngưỡng, lễ hội và phong tục của đồng bào Khmer ở {province}.", "1995-2024",
     "year", "@house", "khmer", "vie", "305.895932"),
    ("book", "Chùa Khmer ở {province}", "lịch sử và kiến trúc|", "author", "",
     "Khmer Nam Bộ; Chùa; Kiến trúc tôn giáo",
     "Lịch sử, kiến trúc và vai trò của các ngôi chùa Khmer trong đời sống cộng đồng ở {province}.",
     "2000-2024", "year", "@house", "khmer", "vie", "294.3"),
    ("book", "Lễ hội dân gian ở {province}", "", "author", "",
     "Lễ hội; Văn hóa dân gian; Tín ngưỡng dân gian",
     "Khảo sát các lễ hội dân gian tiêu biểu ở {province} và ý nghĩa của chúng trong đời sống cộng "
     "đồng.", "1995-2024", "year", "@house", "", "vie", "394.269597"),
    ("book", "Văn học dân gian {province}", "", "edited", "",
     "Văn học dân gian; Ca dao; Truyện dân gian",
     "Sưu tầm, tuyển chọn ca dao, hò, vè và truyện kể dân gian lưu truyền ở {province}.",
     "1990-2024", "span", "@house", "", "vie", "398.209597"),
    ("book", "Kênh rạch {province}", "lịch sử hình thành và phát triển|", "author", "",
     "Kênh rạch; Thủy lợi; Lịch sử",
     "Quá trình đào kênh, khai thông rạch và vai trò của mạng lưới đường thủy đối với đời sống cư "
     "dân {province}.", "1998-2024", "year", "@house", "", "vie", "627.1309597"),
    ("book", "Chợ nổi {place}", "nét văn hóa sông nước miền Tây|", "author", "",
     "Chợ nổi; Văn hóa sông nước; Du lịch",
     "Lịch sử, sinh hoạt mua bán và giá trị văn hóa của chợ nổi {place} ({province}).", "2000-2024",
     "year", "@house", "market", "vie", "381.1809597"),
    ("book", "Cây lúa ở {province}", "truyền thống và đổi mới|", "authors", "",
     "Cây lúa; Nông nghiệp; Nông thôn",
     "Kinh nghiệm canh tác, giống lúa và quá trình phát triển sản xuất lúa gạo ở {province}.",
     "1990-2024", "year", "@house", "", "vie", "633.18"),
    ("book", "Di tích lịch sử - văn hóa {unit} {province}", "", "corp",
     "Sở Văn hóa, Thể thao và Du lịch {unit} {province}", "Di tích lịch sử; Di sản văn hóa",
     "Giới thiệu các di tích lịch sử - văn hóa đã được xếp hạng trên địa bàn {unit} {province}.",
     "2008-2024", "year", "@house", "", "vie", "959.78"),
    ("book", "Địa danh {province}", "nguồn gốc và ý nghĩa|", "author", "",
     "Địa danh; Ngôn ngữ; Lịch sử",
     "Giải thích nguồn gốc, ý nghĩa các địa danh hành chính và dân gian ở {province}.", "1995-2024",
     "year", "@house", "", "vie", "915.978003"),
    ("book", "Danh nhân {province}", "", "edited", "", "Nhân vật lịch sử; Tiểu sử",
     "Tiểu sử và công trạng của các nhân vật tiêu biểu của {province} qua các thời kỳ.",
     "1995-2024", "year", "@local", "", "vie", "920.0597"),
    ("book", "Ẩm thực dân gian {province}", "", "author", "", "Ẩm thực; Văn hóa dân gian",
     "Các món ăn dân dã, đặc sản và tập quán ăn uống của người dân {province}.", "2005-2024",
     "year", "@house", "", "vie", "394.1209597"),
    ("book", "Làng nghề truyền thống {province}", "", "authors", "", "Làng nghề; Nghề thủ công",
     "Khảo sát các làng nghề truyền thống ở {province}: dệt chiếu, đan đát, làm bánh, đóng ghe "
     "xuồng.", "2000-2024", "year", "@house", "", "vie", "680.09597"),
    ("book", "Đình làng ở {province}", "", "author", "",
     "Đình; Tín ngưỡng dân gian; Kiến trúc tôn giáo",
     "Kiến trúc, thần tích và lễ cúng Kỳ yên tại các ngôi đình ở {province}.", "1998-2024", "year",
     "@house", "", "vie", "726.09597"),
    ("book", "Niên giám thống kê {unit} {province} {prev}", "", "corp",
     "Cục Thống kê {unit} {province}", "Thống kê; Kinh tế; Xã hội",
     "Số liệu thống kê chủ yếu về dân số, lao động, nông nghiệp, công nghiệp, thương mại của "
     "{unit} {province} năm {prev}.", "1996-2025", "year", "Thống kê|H.", "", "vie", "315.97"),
    ("book", "Mùa nước nổi ở {province}", "", "author", "", "Lũ lụt; Mùa nước nổi; Đời sống xã hội",
     "Mùa nước nổi hằng năm, sinh kế và tập quán sống chung với lũ của cư dân {province}.",
     "1996-2024", "year", "@house", "flood", "vie", "551.489"),
    ("book", "Rừng ngập mặn ven biển {province}", "", "authors", "",
     "Rừng ngập mặn; Môi trường; Sinh thái",
     "Hiện trạng, giá trị sinh thái và giải pháp bảo vệ rừng ngập mặn ven biển {province}.",
     "1995-2024", "year", "@house", "coast", "vie", "577.698"),
    ("book", "Người Hoa ở {province}", "", "author", "", "Người Hoa; Dân tộc; Văn hóa",
     "Quá trình định cư, sinh hoạt kinh tế và văn hóa của cộng đồng người Hoa ở {province}.",
     "1995-2024", "year", "@house", "hoa", "vie", "305.8951"),
    ("book", "Đờn ca tài tử ở {province}", "", "author", "", "Đờn ca tài tử; Âm nhạc dân gian",
     "Quá trình hình thành, các nghệ nhân và phong trào đờn ca tài tử ở {province}.", "2000-2024",
     "year", "@house", "", "vie", "781.62"),
    ("book", "Địa phương chí tỉnh {rvn}", "", "corp", "Tòa Hành chánh tỉnh {rvn}",
     "Địa chí; Hành chính",
     "Tài liệu do Tòa Hành chánh tỉnh biên soạn, mô tả địa lý, dân số, hành chánh và kinh tế tỉnh "
     "{rvn} (nay thuộc {province}).", "1958-1974", "year", "Tòa Hành chánh tỉnh {rvn}|[K.đ.]", "",
     "vie", "915.978"),
    ("book", "Monographie de la province de {french}", "", "corp",
     "Société des études indo-chinoises", "Địa chí; Thời Pháp thuộc",
     "Sách tiếng Pháp thời thuộc địa, mô tả địa lý, dân cư, hành chính và kinh tế tỉnh {french} "
     "({province}) đầu thế kỷ XX.", "1901-1906", "year", "@french", "french", "fre", "915.978"),
    ("book", "Rapport sur la situation de la province de {french} en {prev}", "", "corp",
     "Province de {french}", "Hành chính; Kinh tế; Thời Pháp thuộc",
     "Báo cáo thường niên của chủ tỉnh {french} gửi Thống đốc Nam Kỳ về tình hình chính trị, kinh "
     "tế, xã hội trong tỉnh.", "1895-1940", "year", "@french", "french", "fre", "354.597"),
    ("map", "Bản đồ hành chính {unit} {province}", "", "corp",
     "Sở Tài nguyên và Môi trường {unit} {province}", "Bản đồ hành chính; Địa giới hành chính",
     "Địa giới hành chính các huyện, thị xã, thành phố và hệ thống giao thông chính của {unit} "
     "{province}. Tỷ lệ {scale}.", "2003-2024", "year", "@map", "", "vie", "912.597"),
    ("map", "Bản đồ du lịch {unit} {province}", "", "none", "", "Du lịch; Bản đồ du lịch",
     "Các điểm du lịch, di tích và tuyến giao thông của {unit} {province}. Tỷ lệ {scale}.",
     "2000-2024", "year", "@map", "", "vie", "912.597"),
    ("map", "Bản đồ hiện trạng sử dụng đất {unit} {province} năm {year}", "", "corp",
     "Sở Tài nguyên và Môi trường {unit} {province}", "Sử dụng đất; Quy hoạch",
     "Hiện trạng sử dụng đất nông nghiệp, đất ở và đất chuyên dùng của {unit} {province} năm "
     "{year}. Tỷ lệ {scale}.", "2005,2010,2015,2020", "year", "@map", "", "vie", "912.597"),
    ("map", "Bản đồ hành chính {place_unit} {place}", "", "corp",
     "Ủy ban nhân dân {place_unit} {place}", "Bản đồ hành chính; Địa giới hành chính",
     "Địa giới các xã, phường, thị trấn của {place_unit} {place} ({province}). Tỷ lệ {scale}.",
     "2005-2024", "year", "@map", "", "vie", "912.597"),
    ("map", "Bản đồ kênh rạch {unit} {province}", "", "corp",
     "Sở Nông nghiệp và Phát triển nông thôn {unit} {province}", "Kênh rạch; Thủy lợi",
     "Mạng lưới kênh rạch, công trình thủy lợi và cống đập trên địa bàn {unit} {province}. Tỷ lệ "
     "{scale}.", "1998-2024", "year", "@map", "", "vie", "912.597"),
    ("map", "Bản đồ ngập lụt {unit} {province} năm {year}", "", "none", "", "Lũ lụt; Mùa nước nổi",
     "Phạm vi và độ sâu ngập lụt trận lũ năm {year} ở {unit} {province}. Tỷ lệ {scale}.",
     FLOOD_YEARS, "year", "@map", "flood", "vie", "912.597"),
    ("map", "Carte de la province de {french}", "", "corp", "Service géographique de l'Indochine",
     "Bản đồ; Thời Pháp thuộc",
     "Bản đồ tiếng Pháp thời thuộc địa, thể hiện làng xã, kênh rạch và đường sá tỉnh {french} "
     "({province}). Tỷ lệ {scale}.", "1899-1935", "year",
     "Service géographique de l'Indochine|Hanoi", "french", "fre", "912.597"),
    ("photograph", "Ảnh {landmark} năm {year}", "", "photo", "", "{topic}; Ảnh tư liệu",
     "Ảnh chụp {landmark}, {province}.", "1960-2024", "year", "@none", "", "vie", "779.9"),
    ("photograph", "Toàn cảnh {landmark}", "", "photo", "", "{topic}; Cảnh quan",
     "Ảnh màu chụp toàn cảnh {landmark}, {province}.", "1995-2024", "year", "@none", "", "vie",
     "779.9"),
    ("photograph", "Lễ hội Ok Om Bok ở {province} năm {year}", "", "photo", "",
     "Lễ hội; Khmer Nam Bộ", "Lễ cúng trăng và hội đua ghe ngo của đồng bào Khmer {province}.",
     "1985-2024", "year", "@none", "khmer", "vie", "394.26"),
    ("photograph", "Mùa gặt ở {place} năm {year}", "", "photo", "", "Cây lúa; Nông thôn",
     "Nông dân thu hoạch lúa ở {place_unit} {place}, {province}.", "1965-2024", "year", "@none", "",
     "vie", "779.9"),
    ("photograph", "Lũ lụt ở {province} năm {year}", "", "photo", "", "Lũ lụt; Mùa nước nổi",
     "Ảnh tư liệu về trận lũ năm {year} tại {province}.", FLOOD_YEARS,
     "year", "@none", "flood", "vie", "779.9"),
    ("photograph", "{french} - {scene}", "", "none", "", "Bưu ảnh; Thời Pháp thuộc",
     "Bưu ảnh thời Pháp thuộc chụp {scene_vi} ở {french} ({province}).", "1905-1935", "circa",
     "@none", "french", "fre", "779.9"),
    ("newspaper", "{paper}, số {issue}", "", "none", "", "Báo chí; Thời sự",
     "Số {issue} ra ngày {day}.", "", "day", "@paper", "", "", "079.597"),
    ("newspaper", "{paper}, {span}", "", "none", "", "Báo chí; Thời sự",
     "Báo đóng tập, gồm các số phát hành trong những năm {span}.", "", "span", "@paper", "", "",
     "079.597"),
    ("manuscript", "Gia phả họ {surname} ở {place}", "", "copyist", "",
     "Gia phả; Dòng họ; Hán Nôm|Gia phả; Dòng họ",
     "Gia phả chép tay ghi thế thứ, ngày giỗ và công khẩn hoang của họ {surname} ở {place_unit} "
     "{place}, {province}.", "1850-1990", "old", "@none", "", "vie", "929.2"),
    ("manuscript", "Sắc phong thần đình {village} ({place})", "", "none", "",
     "Sắc phong; Hán Nôm; Tín ngưỡng dân gian",
     "Sắc phong của triều Nguyễn cho thần Thành hoàng bổn cảnh đình {village}, {place_unit} "
     "{place}, {province}.", "1820-1924", "reign", "@none", "", "vie", "959.7029"),
    ("manuscript", "Địa bạ thôn {village} ({place})", "", "none", "", "Địa bạ; Hán Nôm; Ruộng đất",
     "Sổ địa bạ lập năm Minh Mạng thứ 17, ghi diện tích, loại ruộng đất và chủ sở hữu của thôn "
     "{village}, nay thuộc {place_unit} {place}, {province}.", "1836-1836", "reign", "@none", "",
     "vie", "333.309597"),
    ("manuscript", "Hồi ký kháng chiến của {a}", "", "author", "",
     "Hồi ký; Kháng chiến chống Mỹ; Lịch sử",
     "Bản thảo đánh máy ghi lại những năm tham gia kháng chiến ở {place_unit} {place}, {province}.",
     "1976-2015", "year", "@none", "", "vie", "959.7043"),
    ("manuscript", "Sách lá buông chùa {pagoda}", "", "none", "",
     "Khmer Nam Bộ; Kinh Phật; Lá buông",
     "Kinh Phật và truyện cổ Khmer khắc trên lá buông, lưu giữ tại chùa {pagoda} ({province}).",
     "1850-1960", "old", "@none", "khmer", "khm", "294.382"),
    ("audio", "Đờn ca tài tử {province}", "tuyển chọn|", "none", "",
     "Đờn ca tài tử; Âm nhạc dân gian",
     "Ghi âm các bài bản tổ đờn ca tài tử do nghệ nhân {province} trình diễn.", "1995-2024", "year",
     "@local", "", "vie", "781.62"),
    ("audio", "Dân ca Khmer {province}", "", "none", "", "Âm nhạc dân gian; Khmer Nam Bộ",
     "Ghi âm các làn điệu dân ca và nhạc ngũ âm của đồng bào Khmer {province}.", "2000-2024",
     "year", "@local", "khmer", "khm", "781.62"),
    ("audio", "Nhân chứng lịch sử ở {place} kể chuyện", "", "interviewer", "",
     "Lịch sử truyền khẩu; Kháng chiến",
     "Ghi âm lời kể của các nhân chứng về những năm kháng chiến ở {place_unit} {place}, "
     "{province}.", "2005-2024", "year", "@none", "", "vie", "959.7043"),
    ("video", "Một ngày ở chợ nổi {place}", "phim tài liệu|", "none", "",
     "Chợ nổi; Văn hóa sông nước",
     "Phim tài liệu về sinh hoạt mua bán trên chợ nổi {place} ({province}).", "2000-2024", "year",
     "Đài Phát thanh và Truyền hình {unit} {province}|{seat}", "market", "vie", "381.1809597"),
    ("video", "Sống chung với lũ ở {province}", "phim tài liệu|", "none", "",
     "Lũ lụt; Mùa nước nổi", "Phim tài liệu về mùa nước nổi và sinh kế của cư dân {province}.",
     "2000-2024", "year", "Đài Phát thanh và Truyền hình {unit} {province}|{seat}", "flood", "vie",
     "551.489"),
    ("video", "Đất và người {province}", "phim tài liệu|", "none", "", "Lịch sử; Văn hóa; Du lịch",
     "Phim tài liệu giới thiệu lịch sử, danh thắng và con người {province}.", "2000-2024", "year",
     "Đài Phát thanh và Truyền hình {unit} {province}|{seat}", "", "vie", "959.78"),
)
# fmt: on

# Real works, each held by two to four members. Fields: kind, title, subtitle,
# people ("name|role; ..."), corporate body, year, publisher, place, language, subjects,
# places, province slugs, description, DDC.
# fmt: off
CLASSICS: tuple[tuple[str, ...], ...] = (
    ("book", "Gia Định thành thông chí", "",
     "Trịnh Hoài Đức; Đỗ Mộng Khương|dịch; Nguyễn Ngọc Tỉnh|dịch; Đào Duy Anh|hiệu đính", "",
     "1998", "Giáo dục", "H.", "vie", "Địa chí; Lịch sử", "Nam Bộ; Mỹ Tho; Vĩnh Long; Hà Tiên",
     "tiengiang vinhlong kiengiang",
     "Bộ địa chí về vùng đất Gia Định thời Nguyễn, gồm Tinh dã chí, Sơn xuyên chí, Cương vực chí, "
     "Phong tục chí, Vật sản chí và Thành trì chí.", "915.977"),
    ("book", "Nam Kỳ phong tục nhơn vật diễn ca", "", "Nguyễn Liên Phong", "", "1909", "Phát Toán",
     "Sài Gòn", "vie", "Phong tục tập quán; Nhân vật lịch sử; Thơ",
     "Nam Kỳ; Cần Thơ; Sóc Trăng; Trà Vinh", "cantho soctrang travinh",
     "Tập thơ lục bát giới thiệu phong tục, sản vật và nhân vật các tỉnh Nam Kỳ đầu thế kỷ XX.",
     "895.9221"),
    ("book", "Văn minh miệt vườn", "", "Sơn Nam", "", "1970", "An Tiêm", "Sài Gòn", "vie",
     "Văn hóa; Miệt vườn; Nông thôn", "Nam Bộ; Cần Thơ; Vĩnh Long; Bến Tre",
     "cantho vinhlong bentre",
     "Khảo cứu nếp sống, tập quán và văn hóa của cư dân miệt vườn đồng bằng sông Cửu Long.",
     "390.09597"),
    ("book", "Lịch sử khẩn hoang miền Nam", "", "Sơn Nam", "", "1994",
     "Văn nghệ Thành phố Hồ Chí Minh", "Tp. Hồ Chí Minh", "vie", "Lịch sử; Khẩn hoang",
     "Nam Bộ; An Giang; Kiên Giang; Cà Mau", "angiang kiengiang camau",
     "Quá trình khai phá vùng đất phương Nam từ thế kỷ XVII đến đầu thế kỷ XX.", "959.77"),
    ("book", "Hương rừng Cà Mau", "", "Sơn Nam", "", "1962", "Phù Sa", "Sài Gòn", "vie",
     "Văn học; Truyện ngắn", "Cà Mau; U Minh", "camau",
     "Tập truyện ngắn về đời sống khẩn hoang, sông nước và con người vùng rừng U Minh, Cà Mau.",
     "895.92234"),
    ("book", "Tìm hiểu đất Hậu Giang", "", "Sơn Nam", "", "1959", "Phù Sa", "Sài Gòn", "vie",
     "Lịch sử; Địa chí; Khẩn hoang", "Hậu Giang; Cần Thơ; Sóc Trăng; Rạch Giá",
     "cantho haugiang soctrang kiengiang",
     "Khảo cứu lịch sử khai phá và đời sống cư dân miền Hậu Giang.", "959.78"),
    ("book", "Đồng bằng sông Cửu Long", "nét sinh hoạt xưa", "Sơn Nam", "", "1985",
     "Thành phố Hồ Chí Minh", "Tp. Hồ Chí Minh", "vie",
     "Văn hóa; Đời sống xã hội; Phong tục tập quán", "Đồng bằng sông Cửu Long; Cần Thơ",
     "cantho dongthap camau",
     "Những nét sinh hoạt, tập quán và nghề nghiệp xưa của cư dân đồng bằng sông Cửu Long.",
     "390.09597"),
    ("book", "Cần Thơ xưa", "", "Huỳnh Minh", "", "1966", "Tác giả xuất bản", "Sài Gòn", "vie",
     "Lịch sử; Địa chí; Nhân vật lịch sử", "Cần Thơ", "cantho",
     "Ghi chép về lịch sử, danh lam thắng cảnh và nhân vật tỉnh Cần Thơ xưa.", "959.78"),
    ("book", "Vĩnh Long xưa và nay", "", "Huỳnh Minh", "", "1967", "Tác giả xuất bản", "Sài Gòn",
     "vie", "Lịch sử; Địa chí", "Vĩnh Long", "vinhlong",
     "Ghi chép về lịch sử, thắng cảnh và nhân vật tỉnh Vĩnh Long.", "959.78"),
    ("book", "Bạc Liêu xưa và nay", "", "Huỳnh Minh", "", "1966", "Tác giả xuất bản", "Sài Gòn",
     "vie", "Lịch sử; Địa chí", "Bạc Liêu; Cà Mau", "baclieu camau",
     "Ghi chép về đất Bạc Liêu và Cà Mau: khẩn hoang, ruộng muối, nhân vật và giai thoại.",
     "959.78"),
    ("book", "Sa Đéc xưa và nay", "", "Huỳnh Minh", "", "1971", "Tác giả xuất bản", "Sài Gòn",
     "vie", "Lịch sử; Địa chí", "Sa Đéc; Đồng Tháp", "dongthap",
     "Ghi chép về lịch sử, danh thắng và nhân vật đất Sa Đéc.", "959.78"),
    ("book", "Hơn nửa đời hư", "", "Vương Hồng Sển", "", "1997", "Trẻ", "Tp. Hồ Chí Minh", "vie",
     "Hồi ký; Văn hóa", "Sóc Trăng", "soctrang",
     "Hồi ký của nhà sưu tập cổ ngoạn Vương Hồng Sển, nhiều trang viết về quê hương Sóc Trăng đầu "
     "thế kỷ XX.", "895.9228"),
    ("book", "Tự vị tiếng nói miền Nam", "", "Vương Hồng Sển", "", "1999", "Trẻ", "Tp. Hồ Chí Minh",
     "vie", "Tiếng Việt; Phương ngữ Nam Bộ; Từ điển", "Nam Bộ", "soctrang cantho",
     "Giải nghĩa từ ngữ, thành ngữ và địa danh riêng của miền Nam.", "495.9227"),
    ("book", "Petit cours de géographie de la Basse-Cochinchine", "", "Trương Vĩnh Ký", "", "1875",
     "Imprimerie du Gouvernement", "Saigon", "fre", "Địa lý; Thời Pháp thuộc",
     "Nam Kỳ; Mỹ Tho; Vĩnh Long; Châu Đốc", "tiengiang vinhlong angiang",
     "Sách giáo khoa địa lý Nam Kỳ bằng tiếng Pháp, mô tả các tỉnh, sông rạch và sản vật.",
     "915.977"),
    ("book", "Đại Nam nhất thống chí. Lục tỉnh Nam Việt", "", "Nguyễn Tạo|dịch",
     "Quốc sử quán triều Nguyễn", "1959", "Nha Văn hóa, Bộ Quốc gia Giáo dục", "Sài Gòn", "vie",
     "Địa chí; Lịch sử; Triều Nguyễn", "Nam Kỳ; Vĩnh Long; An Giang; Hà Tiên",
     "vinhlong angiang kiengiang",
     "Bản dịch phần Lục tỉnh Nam Việt trong bộ Đại Nam nhất thống chí của Quốc sử quán triều "
     "Nguyễn.", "915.97"),
    ("book", "Monographie de la province de Cantho", "", "", "Société des études indo-chinoises",
     "1904", "Imprimerie commerciale Ménard & Legros", "Saigon", "fre", "Địa chí; Thời Pháp thuộc",
     "Cần Thơ", "cantho",
     "Sách tiếng Pháp thời thuộc địa, mô tả địa lý, dân cư, hành chính và kinh tế tỉnh Cần Thơ đầu "
     "thế kỷ XX.", "915.978"),
    ("book", "Monographie de la province de Travinh", "", "", "Société des études indo-chinoises",
     "1903", "Imprimerie commerciale Ménard & Legros", "Saigon", "fre", "Địa chí; Thời Pháp thuộc",
     "Trà Vinh", "travinh",
     "Sách tiếng Pháp thời thuộc địa về tỉnh Trà Vinh: địa lý, dân cư Việt, Khmer, Hoa, hành chính "
     "và kinh tế.", "915.978"),
)
# fmt: on
