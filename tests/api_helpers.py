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


def approved_item(client: Any, tokens: dict[str, str], data: dict[str, Any]) -> int:
    """A 督办事项 registered by the office with `data` and approved by the leader: its units' 办理 are ready."""
    office = Actor(client, tokens["dcs_li"])
    iid = int(office.start("supervision_item", data)["id"])
    office.do(iid, "register", data)
    Actor(client, tokens["changwu"]).do(iid, "approve", {"decision": "approve"})
    return iid


CONFIRM = {"head_decision": "confirm"}  # the unit 负责人's 确认 of its 办结报告


def confirm(client: Any, tokens: dict[str, str], unit: str, instance_id: int) -> Any:
    """The unit's 负责人 (第一责任人) confirms its 办结报告 before it goes to review (004 S6a): what follows a
    `handle` submitted with completion `done`. Demo units' heads are `<unit>_fzr`."""
    return Actor(client, tokens[f"{unit}_fzr"]).do(instance_id, "head_confirm", CONFIRM)


def report(client: Any, tokens: dict[str, str], unit: str, instance_id: int, data: dict[str, Any]) -> None:
    """A unit's 办理并报告 by its liaison (`<unit>_ll`); a 办结 report is then confirmed by its head."""
    Actor(client, tokens[f"{unit}_ll"]).do(instance_id, "handle", data)
    if data.get("completion") == "done":
        confirm(client, tokens, unit, instance_id)
