"""Errors on pages are pages (same messages as the API's JSON); the choice is made in service/api/errors.py."""

from __future__ import annotations

from flask import Response, redirect, render_template, request, url_for

from service.i18n import gettext

TITLES = {
    400: "请求有误",
    401: "请先登录",
    403: "没有权限",
    404: "页面不存在",
    409: "状态已变化",
    413: "上传内容过大",
    422: "填写有误",
    500: "系统出错了",
}


def wants_html() -> bool:
    return not request.path.startswith("/api/") and request.accept_mimetypes.accept_html


def html_error(status: int, message: str) -> Response:
    if status == 401:
        return redirect(url_for("web.login", next=request.full_path.rstrip("?")))  # type: ignore[return-value]
    title = gettext(TITLES.get(status, "出错了"))
    body = render_template("web/error.html", status=status, title=title, message=gettext(message))
    return Response(body, status=status, mimetype="text/html")
