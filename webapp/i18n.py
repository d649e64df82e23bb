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
    # The librarians' dashboard (/admin)
    "admin_link": {"vi": "Quản trị", "en": "Librarians"},
    "admin_title": {"vi": "Bảng điều khiển thu thập", "en": "Harvest dashboard"},
    "admin_disabled": {
        "vi": "Bảng điều khiển đang tắt: đặt biến môi trường UNIONCAT_ADMIN_PASSWORD_HASH "
        "(xem README) rồi khởi động lại máy chủ.",
        "en": "The dashboard is off: set the UNIONCAT_ADMIN_PASSWORD_HASH environment variable "
        "(see the README) and restart the server.",
    },
    "admin_login_title": {"vi": "Đăng nhập quản trị", "en": "Librarians' sign-in"},
    "admin_username": {"vi": "Tên đăng nhập", "en": "User name"},
    "admin_password": {"vi": "Mật khẩu", "en": "Password"},
    "admin_login_button": {"vi": "Đăng nhập", "en": "Sign in"},
    "admin_logout": {"vi": "Đăng xuất", "en": "Sign out"},
    "admin_signed_in_as": {"vi": "Đang đăng nhập: {name}", "en": "Signed in as {name}"},
    "admin_login_failed": {
        "vi": "Sai tên đăng nhập hoặc mật khẩu.",
        "en": "Wrong user name or password.",
    },
    "admin_login_throttled": {
        "vi": "Đăng nhập sai quá nhiều lần. Xin thử lại sau {minutes} phút.",
        "en": "Too many failed sign-ins. Try again in {minutes} minutes.",
    },
    "admin_member": {"vi": "Thư viện thành viên", "en": "Member"},
    "admin_records": {"vi": "Biểu ghi (còn / đã xóa)", "en": "Records (live / deleted)"},
    "admin_last_harvest": {"vi": "Lần thu thập gần nhất", "en": "Last harvest"},
    "admin_outcome": {"vi": "Kết quả", "en": "Outcome"},
    "admin_ok": {"vi": "Thành công", "en": "OK"},
    "admin_failed": {"vi": "Thất bại", "en": "Failed"},
    "admin_never": {"vi": "Chưa thu thập", "en": "Never harvested"},
    "admin_counts": {
        "vi": "Mới/sửa · xóa · bỏ qua · cách ly",
        "en": "Stored · deleted · skipped · quarantined",
    },
    "admin_duration": {"vi": "trong {duration}", "en": "took {duration}"},
    "admin_errors": {"vi": "Chi tiết lỗi ({n})", "en": "Error details ({n})"},
    "admin_more_errors": {"vi": "… và {n} lỗi khác", "en": "… and {n} more"},
    "admin_quarantine": {"vi": "Cách ly", "en": "Quarantine"},
    "admin_quarantine_files": {"vi": "{n} tệp", "en": "{n} files"},
    "admin_quarantine_files_one": {"vi": "{n} tệp", "en": "{n} file"},
    "admin_harvest_now": {"vi": "Thu thập ngay", "en": "Harvest now"},
    "admin_harvest_started": {
        "vi": "Đã bắt đầu thu thập {library}.",
        "en": "The harvest of {library} has started.",
    },
    "admin_harvest_running": {
        "vi": "{library} đang được thu thập; xin chờ lần này xong.",
        "en": "{library} is being harvested already; wait until it ends.",
    },
    "admin_harvest_not_started": {
        "vi": "Không khởi động được việc thu thập {library}: {error}",
        "en": "The harvest of {library} could not start: {error}",
    },
    "admin_state_running": {"vi": "Đang thu thập…", "en": "Harvesting…"},
    "admin_state_succeeded": {"vi": "Đã xong", "en": "Finished"},
    "admin_state_failed": {"vi": "Kết thúc với lỗi", "en": "Ended with errors"},
    "admin_so_far": {"vi": "{n} biểu ghi đến giờ", "en": "{n} records so far"},
    "admin_started_at": {"vi": "bắt đầu lúc {when}", "en": "started {when}"},
    "admin_no_endpoint": {"vi": "chưa có địa chỉ OAI-PMH", "en": "no OAI-PMH endpoint"},
    "admin_in_flight": {
        "vi": "Một lần thu thập đang chạy hoặc đã bị ngắt (lưu lúc {when}); lần sau sẽ tiếp tục.",
        "en": "A harvest is running or was interrupted (saved {when}); the next one resumes it.",
    },
    "admin_reload_note": {
        "vi": "Tải lại trang để xem tiến độ mới nhất.",
        "en": "Reload the page to see the latest progress.",
    },
    "admin_chart_records": {"vi": "Số biểu ghi theo thư viện", "en": "Records per member"},
    "admin_chart_history": {"vi": "Lịch sử thu thập", "en": "Harvest history"},
    "admin_chart_history_note": {
        "vi": "Mỗi cột là một lần thu thập; chiều cao: số biểu ghi mới, sửa hoặc xóa; "
        "màu đỏ: thất bại.",
        "en": "Each bar is one harvest; height: records stored or deleted; red: failed.",
    },
    "admin_live": {"vi": "còn", "en": "live"},
    "admin_deleted": {"vi": "đã xóa", "en": "deleted"},
    "admin_no_runs": {"vi": "Chưa có lần thu thập nào.", "en": "No harvests yet."},
    "admin_quarantine_title": {
        "vi": "Tệp bị cách ly của {library}",
        "en": "Quarantine of {library}",
    },
    "admin_quarantine_empty": {
        "vi": "Không có tệp nào bị cách ly.",
        "en": "Nothing is quarantined.",
    },
    "admin_file": {"vi": "Tệp", "en": "File"},
    "admin_size": {"vi": "Kích thước (byte)", "en": "Size (bytes)"},
    "admin_saved_at": {"vi": "Lưu lúc", "en": "Saved at"},
    "admin_reason": {"vi": "Lý do", "en": "Reason"},
    "admin_request": {"vi": "Yêu cầu", "en": "Request"},
    "admin_download": {"vi": "Tải về (nguyên bản)", "en": "Download (raw bytes)"},
    "admin_truncated": {
        "vi": "Chỉ hiện {shown} byte đầu trên tổng {size} byte; tải về để xem đủ.",
        "en": "Showing the first {shown} of {size} bytes; download the file for all of it.",
    },
    "admin_raw_note": {
        "vi": "Nội dung gốc, hiện dưới dạng văn bản {encoding}, không bao giờ hiển thị như HTML.",
        "en": "The raw bytes, shown as {encoding} text, never rendered as HTML.",
    },
    "admin_back": {"vi": "Quay lại bảng điều khiển", "en": "Back to the dashboard"},
    "admin_progress": {"vi": "Tiến độ", "en": "Progress"},
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
