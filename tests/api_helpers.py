"""A small HTTP driver for scenario tests: act as a user, find their task, submit its form."""

from __future__ import annotations

from typing import Any


class Actor:
    def __init__(self, client: Any, token: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(f"/api/v1{path}", headers=self.headers, **kw)

    def post(self, path: str, **kw: Any) -> Any:
        return self.client.post(f"/api/v1{path}", headers=self.headers, **kw)

    def start(self, process_key: str, data: dict[str, Any]) -> dict[str, Any]:
        response = self.post("/process-instances", json={"process_key": process_key, "data": data})
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def tasks(self, instance_id: int, element_id: str | None = None) -> list[dict[str, Any]]:
        response = self.get("/tasks", query_string={"instance_id": instance_id, "per_page": 500})
        assert response.status_code == 200, response.get_json()
        items = response.get_json()["items"]
        return [t for t in items if element_id is None or t["element_id"] == element_id]

    def task(self, instance_id: int, element_id: str) -> dict[str, Any]:
        found = self.tasks(instance_id, element_id)
        assert len(found) == 1, f"expected one ready {element_id}, got {found}"
        return found[0]

    def complete(self, task_id: str, data: dict[str, Any], status: int = 200) -> Any:
        response = self.post(f"/tasks/{task_id}/complete", json={"data": data})
        assert response.status_code == status, response.get_json()
        return response.get_json()

    def do(self, instance_id: int, element_id: str, data: dict[str, Any]) -> Any:
        return self.complete(self.task(instance_id, element_id)["id"], data)

    def instance(self, instance_id: int) -> dict[str, Any]:
        response = self.get(f"/process-instances/{instance_id}")
        assert response.status_code == 200, response.get_json()
        return response.get_json()
