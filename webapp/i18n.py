"""Interface text in Vietnamese (the default) and English, chosen by ?lang= and remembered.

A message catalogue in one place; issue #6 moves it to gettext catalogues (Flask-Babel).
"""

from __future__ import annotations

from flask import g, request

LANGUAGES = ("vi", "en")

MESSAGES: dict[str, dict[str, str]] = {
    "site_name": {"vi": "Mục lục liên hợp ĐBSCL", "en": "Mekong Union Catalog"},
    "tagline": {
        "vi": "Tài liệu địa chí của 14 thư viện Đồng bằng sông Cửu Long",
        "en": "Local-history collections of 14 Mekong Delta libraries",
    },
    "search_label": {"vi": "Tìm tài liệu", "en": "Search the catalog"},
    "search_placeholder": {
        "vi": "Nhan đề, tác giả, chủ đề, địa danh… (có thể gõ không dấu)",
        "en": "Title, author, subject, place… (diacritics optional)",
    },
    "search_button": {"vi": "Tìm", "en": "Search"},
    "results_count": {"vi": "{n} kết quả", "en": "{n} results"},
    "results_count_one": {"vi": "{n} kết quả", "en": "{n} result"},
    "no_results": {
        "vi": "Không tìm thấy tài liệu nào. Hãy thử ít từ hơn, hoặc bỏ bớt bộ lọc.",
        "en": "Nothing found. Try fewer words, or remove a filter.",
    },
    "filters": {"vi": "Lọc kết quả", "en": "Filter results"},
    "facet_library": {"vi": "Thư viện", "en": "Library"},
    "facet_kind": {"vi": "Loại tài liệu", "en": "Type"},
    "facet_decade": {"vi": "Thập niên", "en": "Decade"},
    "facet_province": {"vi": "Tỉnh, thành (từ 2025)", "en": "Province (since 2025)"},
    "provinces": {"vi": "Tỉnh, thành", "en": "Provinces"},
    "apply_filters": {"vi": "Áp dụng", "en": "Apply"},
    "facet_years": {"vi": "Khoảng năm", "en": "Years"},
    "from_year": {"vi": "Từ năm", "en": "From"},
    "to_year": {"vi": "Đến năm", "en": "To"},
    "active_filters": {"vi": "Bộ lọc đang dùng", "en": "Active filters"},
    "remove_filter": {"vi": "bỏ bộ lọc này", "en": "remove this filter"},
    "did_you_mean": {"vi": "Có phải bạn muốn tìm", "en": "Did you mean"},
    "clear_filters": {"vi": "Bỏ lọc", "en": "Clear filters"},
    "held_by": {"vi": "Có tại", "en": "Held by"},
    "held_by_n": {"vi": "Có tại {n} thư viện", "en": "Held by {n} libraries"},
    "previous": {"vi": "Trang trước", "en": "Previous"},
    "next": {"vi": "Trang sau", "en": "Next"},
    "page_of": {"vi": "Trang {page}/{pages}", "en": "Page {page} of {pages}"},
    "creators": {"vi": "Tác giả", "en": "Authors"},
    "subjects": {"vi": "Chủ đề", "en": "Subjects"},
    "places": {"vi": "Địa danh", "en": "Places"},
    "description": {"vi": "Tóm tắt", "en": "Summary"},
    "publisher": {"vi": "Nhà xuất bản", "en": "Publisher"},
    "date": {"vi": "Năm", "en": "Date"},
    "kind": {"vi": "Loại", "en": "Type"},
    "languages": {"vi": "Ngôn ngữ", "en": "Languages"},
    "identifiers": {"vi": "Định danh", "en": "Identifiers"},
    "rights": {"vi": "Bản quyền", "en": "Rights"},
    "see_at_library": {"vi": "Xem tại thư viện", "en": "See at the library"},
    "no_link": {
        "vi": "(thư viện chưa có trang mục lục trực tuyến)",
        "en": "(no online record page)",
    },
    "cite": {"vi": "Trích dẫn", "en": "Cite"},
    "permalink": {"vi": "Đường dẫn cố định", "en": "Permanent link"},
    "export": {"vi": "Xuất", "en": "Export"},
    "provenance": {"vi": "Nguồn thu thập", "en": "Harvested from"},
    "oai_identifier": {"vi": "Định danh OAI", "en": "OAI identifier"},
    "datestamp": {"vi": "Cập nhật tại thư viện", "en": "Updated at the library"},
    "deleted_record": {
        "vi": "Thư viện đã rút biểu ghi này khỏi mục lục.",
        "en": "The library has withdrawn this record.",
    },
    "back_to_search": {"vi": "Quay lại tìm kiếm", "en": "Back to search"},
    "error_title": {"vi": "Đã có lỗi", "en": "Something went wrong"},
    "not_found": {"vi": "Không tìm thấy trang này.", "en": "This page does not exist."},
    "bad_request": {"vi": "Yêu cầu không hợp lệ.", "en": "The request is not valid."},
    "server_error": {
        "vi": "Máy chủ gặp lỗi; xin thử lại sau.",
        "en": "The server failed; please try again later.",
    },
    "other_language": {"vi": "English", "en": "Tiếng Việt"},
    "libraries": {"vi": "Thư viện thành viên", "en": "Member libraries"},
    "library": {"vi": "Thư viện", "en": "Library"},
    "province": {"vi": "Tỉnh, thành", "en": "Province"},
    "records": {"vi": "Số biểu ghi", "en": "Records"},
    "not_connected": {"vi": "chưa kết nối", "en": "not connected yet"},
    "all_records": {"vi": "Tất cả tài liệu", "en": "All records"},
    "kind_book": {"vi": "Sách", "en": "Book"},
    "kind_map": {"vi": "Bản đồ", "en": "Map"},
    "kind_photograph": {"vi": "Ảnh", "en": "Photograph"},
    "kind_newspaper": {"vi": "Báo, tạp chí", "en": "Newspaper, periodical"},
    "kind_manuscript": {"vi": "Tài liệu viết tay", "en": "Manuscript"},
    "kind_audio": {"vi": "Ghi âm", "en": "Audio"},
    "kind_video": {"vi": "Phim, video", "en": "Video"},
    "kind_article": {"vi": "Bài viết", "en": "Article"},
    "kind_other": {"vi": "Khác", "en": "Other"},
}


def current_language() -> str:
    """Return the reader's language: ?lang=, then the cookie, then Vietnamese."""
    if "lang" not in g:
        choice = request.args.get("lang") or request.cookies.get("lang") or "vi"
        g.lang = choice if choice in LANGUAGES else "vi"
    return str(g.lang)


def translate(key: str, **values: object) -> str:
    """Return the interface text ``key`` in the reader's language, filled with ``values``.

    A count ``n`` of 1 picks the ``key_one`` text where there is one.
    """
    if values.get("n") == 1 and f"{key}_one" in MESSAGES:
        key = f"{key}_one"
    text = MESSAGES.get(key, {}).get(current_language()) or MESSAGES.get(key, {}).get("vi", key)
    return text.format(**values) if values else text
