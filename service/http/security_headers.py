"""Security headers on every response, pages and API alike.

Scripts come only from this site (no inline script: page data travels in `<script type="application/json">`
blocks, which are never executed). Stylesheets too come only from this site: no `<style>` element may be
injected (the way CSS reads a page out through selectors). Style *attributes* are allowed: the browser
tests pass without them, but form-js (flatpickr), bpmn-js and Swagger UI may write some in paths the
tests do not reach, and an attribute can style only its own element. Nothing may frame the service.
"""

from __future__ import annotations

from flask import Flask, Response

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def _add_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def init_app(app: Flask) -> None:
    app.after_request(_add_headers)
