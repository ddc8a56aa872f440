"""The API's basic contract: health, OpenAPI, auth, errors as JSON."""

from __future__ import annotations


def test_health_reports_the_database(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"


def test_openapi_lists_the_v1_paths(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in (
        "/api/v1/auth/token",
        "/api/v1/process-definitions",
        "/api/v1/process-instances",
        "/api/v1/tasks/{task_id}/complete",
        "/api/v1/process-instances/{instance_id}/history/verify",
    ):
        assert path in spec["paths"], path


def test_wrong_password_is_401_json(client):
    response = client.post("/api/v1/auth/token", json={"username": "admin", "password": "nope"})
    assert response.status_code == 401
    body = response.get_json()
    assert body["error"] == "unauthorized" and body["message"] and "details" in body


def test_missing_token_is_401_and_bad_body_is_422(client, tokens):
    assert client.get("/api/v1/tasks").status_code == 401
    response = client.post(
        "/api/v1/process-instances", json={"data": []}, headers={"Authorization": f"Bearer {tokens['dcs_li']}"}
    )
    assert response.status_code == 422
    assert "process_key" in response.get_json()["details"]["errors"]


def test_users_is_admin_only_and_shows_roles_and_unit(client, tokens):
    denied = client.get("/api/v1/users", headers={"Authorization": f"Bearer {tokens['dcs_li']}"})
    assert denied.status_code == 403
    users = client.get("/api/v1/users", headers={"Authorization": f"Bearer {tokens['admin']}"}).get_json()
    liaison = next(u for u in users if u["username"] == "xiayang_ll")
    assert liaison["roles"] == ["承办单位"] and liaison["unit"] == "xiayang"


def test_malformed_bodies_are_4xx_json_never_500(client, tokens):
    auth = {"Authorization": f"Bearer {tokens['dcs_li']}"}
    cases = [
        client.post("/api/v1/process-instances", data="{not json", headers=auth, content_type="application/json"),
        client.post("/api/v1/process-instances", json={"process_key": "nope", "data": {}}, headers=auth),
        client.post("/api/v1/tasks/not-a-uuid/complete", json={"data": {}}, headers=auth),
        client.post("/api/v1/tasks/x/complete", json={"data": "string"}, headers=auth),
        client.get("/api/v1/process-instances", query_string={"page": "-1"}, headers=auth),
        client.get("/api/v1/process-instances/999999", headers=auth),
        client.post("/api/v1/auth/token", json={"username": "admin"}),
    ]
    for response in cases:
        assert 400 <= response.status_code < 500, (response.status_code, response.get_json())
        body = response.get_json()
        assert set(body) >= {"error", "message", "details"}


def test_the_root_leads_signed_out_browsers_to_the_sign_in_page(client):
    response = client.get("/", follow_redirects=True, headers={"Accept": "text/html"})
    assert response.status_code == 200 and "登录" in response.get_data(as_text=True)
    assert response.request.path == "/login"
