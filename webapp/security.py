"""Security headers on every response: a Content-Security-Policy the pages satisfy, and the rest.

The pages load script and style only from /static (no inline script, no style="" attribute),
so the policy allows nothing else; the record page's JSON-LD is a data block, not script.
"""

from __future__ import annotations

from flask import Flask, request
from flask.wrappers import Response

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # Thumbnails are the members' own images, shown from their servers (http or https).
        "img-src 'self' data: https: http:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    )
)
# The catalog uses none of these; an injected script or a framing page gets none of them.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # A member library sees that a reader came from the union catalog (its origin), never the
    # search or record the reader came from; same-origin links keep the whole referrer.
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
    "Permissions-Policy": PERMISSIONS_POLICY,
}
PRIVATE_PREFIX = "/admin"  # the librarians' pages: never kept by a browser or proxy cache


def init_app(app: Flask) -> None:
    """Add the security headers to every response of ``app``, its errors and static files too."""
    app.after_request(add_security_headers)


def add_security_headers(response: Response) -> Response:
    """Set the headers on ``response``, keeping any a view chose itself."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.path == PRIVATE_PREFIX or request.path.startswith(PRIVATE_PREFIX + "/"):
        response.headers["Cache-Control"] = "no-store"
    return response
