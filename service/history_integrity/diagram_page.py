"""The diagram in the export's readable page: the BPMN drawn by bpmn-js's viewer, inlined with the file, so
the page shows the path on the diagram when opened from the zip, offline and with no external assets.
Without the npm packages installed the section says so and the page keeps its path list."""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache

from service.config import ROOT

VIEWER = ROOT / "node_modules" / "bpmn-js" / "dist" / "bpmn-viewer.production.min.js"
CSS = ROOT / "node_modules" / "bpmn-js" / "dist" / "assets" / "diagram-js.css"
STYLE = (
    "#diagram{height:480px;border:1px solid #ccc;background:#fff}"
    ".done .djs-visual>:first-child{stroke:#1a7f37 !important;fill:#e6f4ea !important}"
    ".done.djs-connection .djs-visual>path{stroke:#1a7f37 !important}"
)
SCRIPT = """
(function () {
  var xml = JSON.parse(document.getElementById('bpmn-xml').textContent);
  var done = JSON.parse(document.getElementById('bpmn-done').textContent);
  var viewer = new BpmnJS({ container: '#diagram' });
  viewer.importXML(xml).then(function () {
    var canvas = viewer.get('canvas'), registry = viewer.get('elementRegistry');
    canvas.zoom('fit-viewport');
    done.forEach(function (id) { if (registry.get(id)) canvas.addMarker(id, 'done'); });
  }).catch(function (err) { document.getElementById('diagram').textContent = '流程图无法显示：' + err; });
})();
"""


@cache
def _assets() -> tuple[str, str] | None:
    try:
        return VIEWER.read_text(encoding="utf-8"), CSS.read_text(encoding="utf-8")
    except OSError:
        return None


def _json_in_html(value: object) -> str:
    """JSON inside a <script> element: '</' can never close it."""
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/")


def section(bpmn_xml: str, done: Iterable[str]) -> str:
    assets = _assets()
    if assets is None:
        return "<h2>流程图</h2><p>（导出时未安装流程图组件，见随附的 BPMN 文件）</p>"
    viewer, css = assets
    return (
        f'<h2>流程图（绿色为已经过的环节与连线）</h2><style>{css}{STYLE}</style><div id="diagram"></div>'
        f'<script type="application/json" id="bpmn-xml">{_json_in_html(bpmn_xml)}</script>'
        f'<script type="application/json" id="bpmn-done">{_json_in_html(sorted(set(done)))}</script>'
        f"<script>{viewer}</script><script>{SCRIPT}</script>"
    )
