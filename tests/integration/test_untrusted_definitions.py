"""Feature: hostile uploads and scripts are contained; the service keeps serving."""

from __future__ import annotations

import io
import time

import pytest

from tests.api_helpers import Actor

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">
  <bpmn:process id="xxe" name="&x;" isExecutable="true"><bpmn:startEvent id="s"/></bpmn:process>
</bpmn:definitions>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">
  <bpmn:process id="lolz" name="&lol9;" isExecutable="true"><bpmn:startEvent id="s"/></bpmn:process>
</bpmn:definitions>"""

SCRIPT_PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d_{pid}" targetNamespace="http://duban.test">
  <bpmn:process id="{pid}" name="脚本测试" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="evil" />
    <bpmn:scriptTask id="evil" name="恶意脚本"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="evil" targetRef="end" />
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>"""


def _upload(admin: Actor, name: str, content: bytes):  # type: ignore[no-untyped-def]
    return admin.post(
        "/process-definitions", data={"files": [(io.BytesIO(content), name)]}, content_type="multipart/form-data"
    )


@pytest.mark.parametrize("payload", [XXE, LAUGHS], ids=["xxe", "billion-laughs"])
def test_entity_attacks_are_refused_without_reading_anything(client, tokens, payload):
    admin = Actor(client, tokens["admin"])
    started = time.perf_counter()
    response = _upload(admin, "attack.bpmn", payload)
    assert time.perf_counter() - started < 5  # expansion would take far longer (not a benchmark: a guard)
    assert response.status_code == 422
    body = response.get_json()
    assert body["errors"][0]["message"] and "DOCTYPE" in body["errors"][0]["message"]
    assert "root:" not in response.get_data(as_text=True)
    assert admin.get("/process-definitions/xxe").status_code == 404


def test_invalid_bpmn_names_file_element_and_line(client, tokens):
    admin = Actor(client, tokens["admin"])
    broken = SCRIPT_PROCESS.format(pid="broken", script="x = 1").replace('targetRef="end" />', 'targetRef="nowhere" />')
    response = _upload(admin, "broken.bpmn", broken.encode())
    assert response.status_code == 422
    error = response.get_json()["errors"][0]
    assert error["file"] == "broken.bpmn" and error["message"]
    assert error["element_id"] or error["line"]


def test_only_admins_deploy(client, tokens):
    response = _upload(Actor(client, tokens["dcs_li"]), "p.bpmn", SCRIPT_PROCESS.format(pid="p", script="x=1").encode())
    assert response.status_code == 403


ESCAPES = {
    "import": "__import__('os').system('touch /tmp/duban-pwned')",
    "subclasses": "x = ().__class__.__base__.__subclasses__()",
    "open": "x = open('/etc/passwd').read()",
}


@pytest.mark.parametrize("name", list(ESCAPES))
def test_script_escapes_are_refused_at_deploy_on_the_script_element(client, tokens, name):
    """Given a script the sandbox compiler refuses, when it is deployed, then the deploy is a 422 naming the
    script task, its line and the field, in Chinese; nothing is stored and the service keeps serving."""
    admin = Actor(client, tokens["admin"])
    pid = f"escape_{name}"
    response = _upload(admin, f"{pid}.bpmn", SCRIPT_PROCESS.format(pid=pid, script=ESCAPES[name]).encode())
    assert response.status_code == 422, response.get_json()
    problem = response.get_json()["details"]["errors"][0]
    assert (problem["element_id"], problem["field"]) == ("evil", "script")
    assert isinstance(problem["line"], int) and problem["message"].startswith("脚本有误")
    assert admin.get(f"/process-definitions/{pid}").status_code == 404
    assert client.get("/api/v1/health").status_code == 200
    import os

    assert not os.path.exists("/tmp/duban-pwned")


def test_an_endless_script_compiles_and_puts_the_instance_in_error(client, tokens):
    """A script that compiles but never ends is contained when it runs: the instance is in 异常."""
    admin = Actor(client, tokens["admin"])
    script = "while True:\n    pass"
    assert (
        _upload(
            admin, "escape_endless.bpmn", SCRIPT_PROCESS.format(pid="escape_endless", script=script).encode()
        ).status_code
        == 201
    )
    started = admin.start("escape_endless", {})
    assert started["status"] == "error"
    assert started["error_message"]
    history = admin.get(f"/process-instances/{started['id']}/history").get_json()
    errors = [e for e in history if e["kind"] == "error"]
    assert errors and errors[0]["payload"]["element_id"] == "evil"
    assert client.get("/api/v1/health").status_code == 200
