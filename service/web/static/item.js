/* The diagram with what happened marked: finished steps, the current position, the path taken. */
(function () {
  "use strict";
  var info = JSON.parse(document.getElementById("diagram-data").textContent);
  var container = document.getElementById("diagram");
  var viewer = new BpmnJS({container: container});
  viewer.importXML(info.xml).then(function () {
    var canvas = viewer.get("canvas"), registry = viewer.get("elementRegistry");
    function mark(ids, cls) { ids.forEach(function (id) { if (registry.get(id)) { canvas.addMarker(id, cls); } }); }
    mark(info.done, "done"); mark(info.current, "current"); mark(info.taken, "taken"); mark(info.failed || [], "failed");
    canvas.zoom("fit-viewport");
    container.dataset.ready = "1";
    container.dataset.marked = String(container.querySelectorAll(".done, .current, .taken").length);
    container.dataset.failed = (info.failed || []).join(" ");
  }, function (err) { container.textContent = String(err); });
})();
