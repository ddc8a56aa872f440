"""Feature: a command whose lock waited for another transaction projects the 台账 row as that transaction left
it. (On PostgreSQL a lock that waits returns the instance row as committed meanwhile, but a row joined to it
as of the statement's start: only commands that compare the version they read take the row with the lock.)"""

from __future__ import annotations

import threading
import time

import psycopg
import pytest

from tests.api_helpers import Actor, approved_item

pytestmark = pytest.mark.postgres

ITEM = {
    "title": "挂起与恢复同时发生",
    "content": "测试",
    "source_type": "文件",
    "source_ref": "县政办发〔2026〕12号",
    "lead_unit": "jyj",
    "co_units": [],
    "time_limit_days": 10,
}


def test_a_resume_that_waited_for_a_suspend_leaves_the_ledger_showing_it_running(client, tokens, services):
    if services.db.dialect.name != "postgresql":
        pytest.skip("a lock that waits for another transaction: PostgreSQL's row locks")
    # Given a running item, and another transaction suspending it: instance and 台账 row, not yet committed
    iid = approved_item(client, tokens, ITEM)
    admin = Actor(client, tokens["admin"])
    url = services.db.url.set(drivername="postgresql").render_as_string(hide_password=False)
    other = psycopg.connect(url)
    other.execute("SELECT id FROM process_instances WHERE id = %s FOR UPDATE", (iid,))
    other.execute("UPDATE process_instances SET status = 'suspended', version = version + 1 WHERE id = %s", (iid,))
    other.execute("UPDATE ledger_items SET status = 'suspended' WHERE instance_id = %s", (iid,))
    # When an administrator resumes it meanwhile (the resume's lock waits), and then the suspend commits
    answers: list[int] = []
    resume = threading.Thread(
        target=lambda: answers.append(
            admin.post(f"/process-instances/{iid}/resume", json={"reason": "已重新批示"}).status_code
        )
    )
    resume.start()
    time.sleep(1.0)  # the resume is now waiting for the row lock
    other.commit()
    other.close()
    resume.join(timeout=30)
    # Then the resume went through on the suspended row, and the 台账 shows the item as running again
    assert answers == [200]
    assert admin.instance(iid)["status"] == "running"
    rows = admin.get("/ledger", query_string={"q": ITEM["title"]}).get_json()["items"]
    assert [(r["instance_id"], r["status"]) for r in rows] == [(iid, "handling")]
