"""Feature: an administrator moves running instances from one version of a process to another — a dry run
that says, per instance, whether its current step exists in the new version and what would change, then a
job that moves them one by one, each with a history event; an instance that cannot move stays as it was."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from sqlalchemy import select

from service.db.models import AuditEntry, MigrationJob
from service.instance_migration import worker as migration_worker
from tests.api_helpers import Actor
from tests.migration_diagrams import FORM, FORM_FILE, diagram


def deploy(admin: Actor, key: str, content: bytes) -> int:
    files = [(io.BytesIO(content), f"{key}.bpmn"), (io.BytesIO(json.dumps(FORM).encode()), FORM_FILE)]
    response = admin.post("/process-definitions", data={"files": files}, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    return int(response.get_json()["version"])


def version_1(admin: Actor, key: str) -> None:
    """v1: 登记 → 审核."""
    assert deploy(admin, key, diagram(key, ("register", "登记"), ("review", "审核"))) == 1


def version_2(admin: Actor, key: str) -> None:
    """v2: 登记 renamed, 审核 removed, 复核 added."""
    assert deploy(admin, key, diagram(key, ("register", "登记（新）"), ("recheck", "复核"))) == 2


def started_at(admin: Actor, office: Actor, key: str, element_id: str) -> dict[str, Any]:
    started = admin.start(key, {})
    if element_id == "review":
        office.do(started["id"], "register", {"note": "已登记"})
    return admin.instance(started["id"])


def dry_run(admin: Actor, key: str, **body: Any) -> Any:
    return admin.post(
        f"/process-definitions/{key}/migrations/dry-run", json={"from_version": 1, "to_version": 2, **body}
    )


def by_id(rows: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    return {row["instance_id"]: row for row in rows}


def test_dry_run_says_which_instances_can_move_and_changes_nothing(client, tokens):
    """Given v1 instances at 登记 (kept in v2) and at 审核 (removed in v2), when the admin runs a dry run,
    then the first can move and the second cannot (审核 is missing), and neither instance changed."""
    admin, office = Actor(client, tokens["admin"]), Actor(client, tokens["dcs_li"])
    version_1(admin, "mig_dry")
    at_register = started_at(admin, office, "mig_dry", "register")
    at_review = started_at(admin, office, "mig_dry", "review")
    version_2(admin, "mig_dry")
    response = dry_run(admin, "mig_dry")
    assert response.status_code == 200, response.get_json()
    result = response.get_json()
    assert (result["total"], result["movable"]) == (2, 1)
    verdicts = by_id(result["instances"])
    movable, stuck = verdicts[at_register["id"]], verdicts[at_review["id"]]
    assert movable["can_move"] and [e["element_id"] for e in movable["active"]] == ["register"]
    assert [e["element_id"] for e in movable["changed"]] == ["register"]
    assert {e["element_id"] for e in movable["added"]} == {"recheck"}
    assert {e["element_id"] for e in movable["removed"]} == {"review"}
    assert not stuck["can_move"] and [e["element_id"] for e in stuck["missing"]] == ["review"]
    assert "审核" in stuck["reasons"][0]
    for before in (at_register, at_review):
        after = admin.instance(before["id"])
        assert (after["version"], after["definition_version"]) == (before["version"], 1)


def test_a_job_moves_what_can_move_and_leaves_the_rest_untouched(client, tokens, services):
    """Given two instances at 登记 and one at 审核, when the admin migrates all v1 instances in one job,
    then the job reports 2 moved and 1 refused; the moved ones are on v2 with a 'migrated' history event
    and their task renamed, and go on along v2 (登记 → 复核); the one at 审核 is exactly as it was."""
    admin, office = Actor(client, tokens["admin"]), Actor(client, tokens["dcs_li"])
    version_1(admin, "mig_job")
    first, second = (started_at(admin, office, "mig_job", "register") for _ in range(2))
    stuck = started_at(admin, office, "mig_job", "review")
    stuck_history = admin.get(f"/process-instances/{stuck['id']}/history").get_json()
    task_before = office.task(first["id"], "register")

    version_2(admin, "mig_job")
    response = admin.post(
        "/process-definitions/mig_job/migrations", json={"from_version": 1, "to_version": 2, "reason": "审核改为复核"}
    )
    assert response.status_code == 202, response.get_json()
    job_id = response.get_json()["id"]
    assert response.get_json()["total"] == 3
    queued = admin.get(f"/migrations/{job_id}").get_json()
    assert (queued["status"], queued["done"]) == ("queued", 0)

    assert migration_worker.run_pending(services.uow, services.ctx) == 3  # what the background worker runs

    job = admin.get(f"/migrations/{job_id}").get_json()
    assert (job["status"], job["total"], job["done"], job["moved"], job["refused"]) == ("done", 3, 3, 2, 1)
    results = by_id(job["results"])
    assert results[first["id"]]["status"] == results[second["id"]]["status"] == "moved"
    assert results[stuck["id"]]["status"] == "refused" and "审核" in results[stuck["id"]]["reasons"][0]

    moved = admin.instance(first["id"])
    assert moved["definition_version"] == 2 and moved["version"] == first["version"] + 1
    events = admin.get(f"/process-instances/{first['id']}/history").get_json()
    migrated = [e for e in events if e["kind"] == "migrated"]
    assert len(migrated) == 1 and migrated[0]["actor"] == "admin"
    assert {k: migrated[0]["payload"][k] for k in ("from_version", "to_version", "reason", "job_id")} == {
        "from_version": 1, "to_version": 2, "reason": "审核改为复核", "job_id": job_id,
    }  # fmt: skip
    task = office.task(first["id"], "register")
    assert task["id"] == task_before["id"] and task["name"] == "登记（新）"
    office.complete(task["id"], {"note": "已登记"})
    assert office.task(first["id"], "recheck")["name"] == "复核"  # v2's path
    assert admin.get(f"/process-instances/{first['id']}/history/verify").get_json()["ok"]

    untouched = admin.instance(stuck["id"])
    assert (untouched["definition_version"], untouched["version"]) == (1, stuck["version"])
    assert admin.get(f"/process-instances/{stuck['id']}/history").get_json() == stuck_history
    office.do(stuck["id"], "review", {"note": "照旧审核"})  # still runs on v1
    assert admin.instance(stuck["id"])["status"] == "completed"

    with services.uow() as uow:
        entries = uow.session.scalars(select(AuditEntry).where(AuditEntry.target == f"mig_job#{job_id}")).all()
        assert [e.action for e in entries] == ["instances_migration_started"]
        assert entries[0].details["instances"] == 3


def test_only_chosen_instances_move_and_a_second_job_finds_nothing_left(client, tokens, services):
    """Given two instances at 登记, when the admin migrates only the first, then only it moves; a dry run
    afterwards lists only the second; an id that is not on v1 is refused with 422."""
    admin, office = Actor(client, tokens["admin"]), Actor(client, tokens["dcs_li"])
    version_1(admin, "mig_some")
    first, second = (started_at(admin, office, "mig_some", "register") for _ in range(2))
    version_2(admin, "mig_some")
    body = {"from_version": 1, "to_version": 2, "reason": "先迁一件", "instance_ids": [first["id"]]}
    assert admin.post("/process-definitions/mig_some/migrations", json=body).status_code == 202
    migration_worker.run_pending(services.uow, services.ctx)
    assert admin.instance(first["id"])["definition_version"] == 2
    assert admin.instance(second["id"])["definition_version"] == 1
    assert [v["instance_id"] for v in dry_run(admin, "mig_some").get_json()["instances"]] == [second["id"]]
    again = admin.post("/process-definitions/mig_some/migrations", json=body)
    assert again.status_code == 422 and again.get_json()["details"]["errors"]["instance_ids"] == [str(first["id"])]


def test_only_the_system_administrator_migrates(client, tokens):
    """Given v1 and v2, when 督查室 or the auditor asks for a dry run, a migration or a job, then 403."""
    admin = Actor(client, tokens["admin"])
    version_1(admin, "mig_perm")
    version_2(admin, "mig_perm")
    body = {"from_version": 1, "to_version": 2, "reason": "试"}
    for username in ("dcs_li", "shenji"):
        other = Actor(client, tokens[username])
        assert dry_run(other, "mig_perm").status_code == 403
        assert other.post("/process-definitions/mig_perm/migrations", json=body).status_code == 403
        assert other.get("/migrations/1").status_code == 403
    assert dry_run(admin, "mig_perm", to_version=1).status_code == 422  # the same version
    assert dry_run(admin, "mig_perm", to_version=9).status_code == 404
    assert admin.get("/migrations/999999").status_code == 404
    no_reason = admin.post("/process-definitions/mig_perm/migrations", json={**body, "reason": ""})
    assert no_reason.status_code == 422


def test_a_job_left_by_a_dead_worker_is_taken_over(client, tokens, services, clock):
    """Given a job whose worker stopped after claiming it, when another worker looks before the heartbeat
    is stale, it leaves the job alone; once it is stale, it takes the job over and finishes it."""
    admin, office = Actor(client, tokens["admin"]), Actor(client, tokens["dcs_li"])
    version_1(admin, "mig_dead")
    instance = started_at(admin, office, "mig_dead", "register")
    version_2(admin, "mig_dead")
    body = {"from_version": 1, "to_version": 2, "reason": "接管测试"}
    job_id = admin.post("/process-definitions/mig_dead/migrations", json=body).get_json()["id"]
    with services.uow() as uow:
        job = uow.session.scalars(select(MigrationJob).where(MigrationJob.id == job_id)).one()
        job.status, job.claimed_by, job.heartbeat_at = "running", "dead-worker", clock()
        uow.commit()
    assert migration_worker.run_pending(services.uow, services.ctx) == 0  # still held
    clock.advance(seconds=migration_worker.STALE_SECONDS + 1)
    assert migration_worker.run_pending(services.uow, services.ctx, worker="second") == 1
    job = admin.get(f"/migrations/{job_id}").get_json()
    assert (job["status"], job["moved"]) == ("done", 1)
    assert admin.instance(instance["id"])["definition_version"] == 2


@pytest.mark.parametrize("status", ["error", "suspended"])
def test_an_instance_not_running_is_moved_but_keeps_its_status(client, tokens, services, status):
    """Given an instance in error or suspended, when it is migrated, then it moves to v2 and keeps its
    status (it is not advanced); a completed one is not offered."""
    admin, office = Actor(client, tokens["admin"]), Actor(client, tokens["dcs_li"])
    key = f"mig_{status}"
    version_1(admin, key)
    instance = started_at(admin, office, key, "register")
    done = started_at(admin, office, key, "review")
    office.do(done["id"], "review", {"note": "办结"})
    with services.uow() as uow:
        row = uow.instances.get(instance["id"])
        assert row is not None
        row.status = status
        uow.commit()
    version_2(admin, key)
    assert [v["instance_id"] for v in dry_run(admin, key).get_json()["instances"]] == [instance["id"]]
    body = {"from_version": 1, "to_version": 2, "reason": "不在运行的实例也迁移"}
    assert admin.post(f"/process-definitions/{key}/migrations", json=body).status_code == 202
    migration_worker.run_pending(services.uow, services.ctx)
    after = admin.instance(instance["id"])
    assert (after["definition_version"], after["status"]) == (2, status)
    assert admin.instance(done["id"])["definition_version"] == 1


def test_the_api_is_documented(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    assert "post" in paths["/api/v1/process-definitions/{key}/migrations/dry-run"]
    assert "202" in paths["/api/v1/process-definitions/{key}/migrations"]["post"]["responses"]
    assert "get" in paths["/api/v1/migrations/{job_id}"]


def test_the_background_pass_works_through_a_job(client, tokens, services):
    """Given a queued job, when the background loop (duban serve's thread, duban worker) makes a pass,
    then the job is done."""
    from service.background import run_pass

    admin, office = Actor(client, tokens["admin"]), Actor(client, tokens["dcs_li"])
    version_1(admin, "mig_bg")
    instance = started_at(admin, office, "mig_bg", "register")
    version_2(admin, "mig_bg")
    body = {"from_version": 1, "to_version": 2, "reason": "后台执行"}
    job_id = admin.post("/process-definitions/mig_bg/migrations", json=body).get_json()["id"]
    run_pass(services.uow, services.ctx, timers=False)
    assert admin.get(f"/migrations/{job_id}").get_json()["status"] == "done"
    assert admin.instance(instance["id"])["definition_version"] == 2
