"""Feature: a form is self-sufficient over the API (issue 12 point 9).

Any client — a phone app, another system — renders a task's form from `GET /api/v1/tasks/{id}` alone: a bare
form-js viewer, on a page of its own with no duban script, is given the response's `form` and `form_data` and
shows what the task page shows: the unit names the text prints and the options of a `valuesKey` picker.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, expect

from tests.api_helpers import Actor

# A client of its own: fetches the task with a bearer token and renders it with nothing but the response.
RENDER = """async ([taskId, token]) => {
  const response = await fetch('/api/v1/tasks/' + taskId, {headers: {Authorization: 'Bearer ' + token}});
  const task = await response.json();
  document.body.innerHTML = '<div id="bare-form"></div>';
  const form = new FormViewer.Form({container: document.getElementById('bare-form')});
  await form.importSchema(task.form, task.form_data);
  return Object.keys(task.form_data);
}"""


def test_a_bare_form_js_viewer_renders_a_task_from_the_api_response_alone(
    browser: Browser, base_url: str, screenshots: Path, client: Any, tokens: dict[str, str]
) -> None:
    # Given an item registered for 沔渡镇 with 十都镇 assisting, waiting for the leader's approval
    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    item = office.start("supervision_item", {})
    office.do(
        item["id"],
        "register",
        {
            "title": "接口渲染表单测试事项",
            "content": "核实农村公路养护情况",
            "source_type": "文件",
            "source_ref": "县政办发〔2026〕9号",
            "lead_unit": "miandu",
            "co_units": ["shidu"],
        },
    )
    approval = leader.task(item["id"], "approve")
    # and an item waiting for the office's 分解立项, whose form picks units from `unit_options`
    second = office.start("supervision_item", {})
    register = office.task(second["id"], "register")

    # When a client that knows only the API renders the approval form from the task response
    context = browser.new_context(base_url=base_url)
    page = context.new_page()
    page.goto("/api/v1/health")  # any page of the service's origin, with no duban script on it
    page.add_script_tag(url="/vendor/form-js/form-viewer.umd.js")
    keys = page.evaluate(RENDER, [approval["id"], tokens["changwu"]])

    # Then the text shows the units by name, as the task page does
    bare = page.locator("#bare-form")
    expect(bare).to_contain_text("牵头单位： 沔渡镇")
    expect(bare).to_contain_text("协办单位： 十都镇")
    assert "unit_options" in keys

    # And a `valuesKey: unit_options` picker offers the units by name
    page.evaluate(RENDER, [register["id"], tokens["dcs_li"]])
    lead = page.locator("#bare-form .fjs-form-field", has_text="牵头单位").first
    lead.locator("input").click()
    expect(page.locator("#bare-form .fjs-dropdownlist")).to_contain_text("霞阳镇")
    page.screenshot(path=str(screenshots / "form-from-the-api-alone.png"), full_page=True)
    context.close()
