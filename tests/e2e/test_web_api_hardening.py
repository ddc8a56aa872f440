"""Issue 9, point 5: no open redirect, security headers, integers and JSON bodies within bounds, errors as declared."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from service.http.request_limits import INT64_MAX, MAX_JSON_BYTES
from tests.e2e.test_web_sign_in import HTML, _csrf, sign_in

TOO_BIG = INT64_MAX + 1

# Each `next` below lands on another host in a browser (tabs and newlines are dropped, `\` reads as `/`),
# or splits the Location header.
FOREIGN_NEXT = [
    "/\t/evil.example/",
    "/\n/evil.example/",
    "/\r\n/evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "/\\/evil.example/",
    "/x\\..\\\\evil.example",
    "https://evil.example/",
    "https:evil.example",
    "javascript:alert(1)",
    "/inbox\x00",
    "/inbox\x7f",
    "/a\rSet-Cookie: x=1",
    "evil.example",
]


def _location(response: Any) -> str:
    assert response.status_code in (301, 302, 303), response.status_code
    return str(response.headers["Location"])


# --- open redirect -------------------------------------------------------------------------------------------


def test_open_redirect_tab_in_next_lang(client: Any) -> None:
    response = client.get("/lang/zh?next=/%09/evil.example/")
    assert _location(response) == "/inbox"


@pytest.mark.parametrize("target", FOREIGN_NEXT)
def test_open_redirect_lang_next_refused(client: Any, target: str) -> None:
    response = client.get("/lang/en", query_string={"next": target})
    assert _location(response) == "/inbox"


@pytest.mark.parametrize("target", FOREIGN_NEXT)
def test_open_redirect_login_next_scheme_relative(client: Any, target: str) -> None:
    """After signing in, a foreign `next` sends the user to the inbox; it is not echoed into the form either."""
    page = client.get("/login", query_string={"next": target}, headers=HTML)
    assert page.status_code == 200
    assert re.search(r'name="next" value="/inbox"', page.get_data(as_text=True))
    token = _csrf(client)
    response = client.post(
        "/login",
        data={"csrf_token": token, "username": "dcs_wang", "password": "duban-demo", "next": target},
        headers=HTML,
    )
    assert _location(response) == "/inbox"


@pytest.mark.parametrize("query", ["next=/a%0d%0aX-Injected:%201", "next=/%0d/evil.example", "next=/%0a"])
def test_next_with_crlf_is_not_a_500(client: Any, query: str) -> None:
    assert _location(client.get(f"/lang/zh?{query}")) == "/inbox"
    assert client.get(f"/login?{query}", headers=HTML).status_code == 200


def test_a_same_site_next_is_still_followed(client: Any) -> None:
    assert _location(client.get("/lang/zh?next=/ledger%3Fstatus%3Drunning")) == "/ledger?status=running"
    response = sign_in_with_next(client, "/ledger?page=2")
    assert _location(response) == "/ledger?page=2"


def sign_in_with_next(client: Any, target: str) -> Any:
    token = _csrf(client)
    data = {"csrf_token": token, "username": "dcs_wang", "password": "duban-demo", "next": target}
    return client.post("/login", data=data, headers=HTML)


# --- security headers ----------------------------------------------------------------------------------------


def _assert_security_headers(response: Any) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    assert directives.get("script-src") == ["'self'"], csp  # no inline script, no eval
    assert directives.get("frame-ancestors") == ["'none'"], csp
    assert directives.get("object-src") == ["'none'"], csp
    assert response.headers.get("X-Frame-Options") == "DENY"
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Referrer-Policy") == "same-origin"


@pytest.mark.parametrize("path", ["/login", "/api/v1/health", "/api/v1/openapi.json", "/api/v1/docs", "/nowhere"])
def test_security_headers_on_pages_and_api(client: Any, path: str) -> None:
    _assert_security_headers(client.get(path, headers=HTML if not path.startswith("/api") else {}))


def test_security_headers_on_signed_in_pages_errors_and_static_files(client: Any, tokens: dict[str, str]) -> None:
    sign_in(client, "dcs_wang")
    for path in ("/inbox", "/ledger", "/static/web/common.js", "/tasks/does-not-exist"):
        response = client.get(path, headers=HTML)
        _assert_security_headers(response)
        response.close()  # a static file is streamed from an open file
    _assert_security_headers(client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {tokens['dcs_li']}"}))


def test_pages_carry_no_inline_script(client: Any, tokens: dict[str, str]) -> None:
    """Under `script-src 'self'` an inline script would not run: every `<script>` is a file or a JSON data block."""
    sign_in(client, "dcs_li")
    started = client.post(
        "/api/v1/process-instances",
        json={"process_key": "supervision_item", "data": {}},
        headers={"Authorization": f"Bearer {tokens['dcs_li']}"},
    )
    assert started.status_code == 201, started.get_json()
    instance_id = started.get_json()["id"]
    tasks = client.get(
        f"/api/v1/tasks?instance_id={instance_id}", headers={"Authorization": f"Bearer {tokens['dcs_li']}"}
    ).get_json()
    task_id = tasks["items"][0]["id"]
    for path in ("/login", "/inbox", "/overview", f"/items/{instance_id}", f"/tasks/{task_id}", "/api/v1/docs"):
        html = client.get(path, headers=HTML).get_data(as_text=True)
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, f"{path}: inline script {tag}"
        assert not re.search(r"\son[a-z]+\s*=", html), f"{path}: inline event handler"


# --- integers out of range -----------------------------------------------------------------------------------


def _int_routes(app: Any) -> list[tuple[str, str]]:
    """Every route with an `<int:…>` segment, filled with a value over 2^63 − 1, and one of its methods."""
    found = []
    for rule in app.url_map.iter_rules():
        if "<int:" not in rule.rule:
            continue
        path = re.sub(r"<int:[^>]+>", str(TOO_BIG), rule.rule)
        path = re.sub(r"<(?:[a-z]+:)?[^>]+>", "x", path)
        method = sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
        found.append((method, path))
    return found


def test_ids_over_int64_in_the_path_are_404_not_500(app: Any, client: Any, tokens: dict[str, str]) -> None:
    routes = _int_routes(app)
    assert len(routes) >= 17
    headers = {"Authorization": f"Bearer {tokens['admin']}"}
    for method, path in routes:
        response = client.open(path, method=method, headers=headers, json={} if method != "GET" else None)
        assert response.status_code == 404, (method, path, response.status_code)
        if path.startswith("/api/"):
            assert response.get_json()["error"] == "not_found"


def test_path_ids_of_thousands_of_digits_are_404(client: Any, tokens: dict[str, str]) -> None:
    headers = {"Authorization": f"Bearer {tokens['admin']}"}
    assert client.get("/api/v1/process-instances/" + "9" * 5000, headers=headers).status_code == 404


def test_the_largest_int64_id_is_a_plain_not_found(client: Any, tokens: dict[str, str]) -> None:
    headers = {"Authorization": f"Bearer {tokens['admin']}"}
    response = client.get(f"/api/v1/process-instances/{INT64_MAX}", headers=headers)
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/process-instances?page={n}", "page"),
        ("/api/v1/tasks?page={n}", "page"),
        ("/api/v1/tasks?instance_id={n}", "instance_id"),
        ("/api/v1/ledger?page={n}", "page"),
        ("/api/v1/notifications?page={n}", "page"),
        ("/api/v1/bulletins?page={n}", "page"),
        ("/api/v1/cadre-db/cadres?page={n}", "page"),
        ("/api/v1/cadre-db/leaders?page={n}", "page"),
        ("/api/v1/process-definitions/supervision_item?version={n}", "version"),
    ],
)
def test_page_and_ids_over_int64_in_the_query_are_422_naming_the_field(
    client: Any, tokens: dict[str, str], path: str, field: str
) -> None:
    response = client.get(path.format(n=TOO_BIG), headers={"Authorization": f"Bearer {tokens['admin']}"})
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert field in body["details"]["errors"], body
    assert set(body) >= {"error", "message", "details"}


def test_integers_over_int64_in_a_json_body_are_422(client: Any, tokens: dict[str, str]) -> None:
    response = client.put(
        "/api/v1/scores/rules",
        json={"rules": {}, "based_on": TOO_BIG},
        headers={"Authorization": f"Bearer {tokens['admin']}"},
    )
    assert response.status_code == 422 and "based_on" in response.get_json()["details"]["errors"]


def test_the_documented_path_ids_carry_the_int64_bound(client: Any) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    schema = spec["paths"]["/api/v1/process-instances/{instance_id}"]["parameters"][0]["schema"]
    assert schema == {"type": "integer", "minimum": 0, "maximum": INT64_MAX}


@pytest.mark.parametrize("page", ["/ledger", "/cadres", "/notifications", "/calendar", "/bulletins", "/scores"])
def test_page_numbers_and_years_of_thousands_of_digits_are_not_a_500(client: Any, page: str) -> None:
    sign_in(client, "dcs_li")
    response = client.get(page, query_string={"page": "9" * 5000, "year": "9" * 5000}, headers=HTML)
    assert response.status_code < 500


# --- JSON bodies nested too deep or too large ----------------------------------------------------------------


def test_json_nested_5000_levels_is_400_not_500(client: Any, tokens: dict[str, str]) -> None:
    body = "[" * 5000 + "]" * 5000
    response = client.post(
        "/api/v1/process-instances",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {tokens['dcs_li']}"},
    )
    assert response.status_code == 400
    error = response.get_json()
    assert error["error"] == "bad_request" and "嵌套" in error["message"] and error["details"] == {"limit_depth": 64}


def test_json_nested_just_past_the_limit_is_400_and_within_it_reaches_the_view(
    client: Any, tokens: dict[str, str]
) -> None:
    headers = {"Authorization": f"Bearer {tokens['dcs_li']}"}

    def nested(depth: int) -> str:
        return json.dumps({"process_key": "supervision_item", "data": {}, "x": json.loads("[" * depth + "]" * depth)})

    deep = client.post("/api/v1/process-instances", data=nested(64), content_type="application/json", headers=headers)
    assert deep.status_code == 400  # 1 (the object) + 64 arrays
    fine = client.post("/api/v1/process-instances", data=nested(10), content_type="application/json", headers=headers)
    assert fine.status_code == 422  # the view's own validation: unknown field `x`


def test_json_deep_nesting_in_a_task_completion_is_400(client: Any, tokens: dict[str, str]) -> None:
    body = '{"data": ' + '{"a": ' * 3000 + "1" + "}" * 3000 + "}"
    response = client.post(
        "/api/v1/tasks/whatever/complete",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {tokens['dcs_li']}"},
    )
    assert response.status_code == 400 and response.get_json()["error"] == "bad_request"


def test_json_body_over_1_mb_is_413(client: Any, tokens: dict[str, str]) -> None:
    body = json.dumps({"process_key": "supervision_item", "data": {"title": "x" * MAX_JSON_BYTES}})
    response = client.post(
        "/api/v1/process-instances",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {tokens['dcs_li']}"},
    )
    assert response.status_code == 413
    error = response.get_json()
    assert error["error"] == "payload_too_large" and "1 MB" in error["message"]


# --- error responses as declared -----------------------------------------------------------------------------


def test_error_responses_match_the_declared_error_schema(client: Any, tokens: dict[str, str]) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    declared = spec["components"]["schemas"]["Error"]
    assert set(declared["required"]) == {"error", "message", "details"}
    missing = client.get(
        f"/api/v1/process-instances/{INT64_MAX}", headers={"Authorization": f"Bearer {tokens['admin']}"}
    )
    invalid = client.get("/api/v1/tasks?page=0", headers={"Authorization": f"Bearer {tokens['admin']}"})
    anonymous = client.get("/api/v1/tasks")
    for response in (missing, invalid, anonymous):
        body = response.get_json()
        assert set(body) <= set(declared["properties"]), body
        assert set(declared["required"]) <= set(body), body
        assert isinstance(body["details"], dict)


def test_health_documents_its_ok_response(client: Any) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "200" in spec["paths"]["/api/v1/health"]["get"]["responses"]
