/* 流程分析: the flow's diagram with a heat overlay per element (instances, median and p90 working days,
   returns), coloured by the median; clicking an element or a number lists the instances behind it. */
(function () {
  "use strict";
  var info = JSON.parse(document.getElementById("stall-data").textContent);
  var msg = window.DUBAN.messages, kinds = window.DUBAN.kinds, statuses = window.DUBAN.statuses;
  var container = document.getElementById("stall-diagram");
  var panel = document.getElementById("stall-instances");
  var rows = document.getElementById("stall-instances-rows");
  var title = document.getElementById("stall-instances-title");
  var more = document.getElementById("stall-more");
  var current = null;
  var PER_PAGE = 50;

  function heat(median, top) {
    if (median === null || median === undefined) { return 0; }
    if (top <= 0) { return 1; }
    return Math.min(5, 1 + Math.floor(4 * median / top));
  }

  function cell(tr, text, link) {
    var td = document.createElement("td");
    if (link) {
      var a = document.createElement("a");
      a.href = link; a.textContent = text; td.appendChild(a);
    } else { td.textContent = text; }
    tr.appendChild(td);
  }

  function shanghaiDay(iso) {
    var at = new Date(iso);
    return new Date(at.getTime() + 8 * 3600 * 1000).toISOString().slice(0, 10);
  }

  function query(page) {
    var parts = ["kind=" + encodeURIComponent(current.kind), "page=" + page, "per_page=" + PER_PAGE];
    Object.keys(info.query).forEach(function (k) { parts.push(k + "=" + encodeURIComponent(info.query[k])); });
    return parts.join("&");
  }

  function load(page) {
    var path = "/process-definitions/" + encodeURIComponent(info.key) + "/stalls/" +
      encodeURIComponent(current.element) + "/instances?" + query(page);
    panel.dataset.loaded = "";
    return window.dubanApi("GET", path).then(function (res) {
      if (!res.ok) { title.textContent = res.body.message || msg.failed; return; }
      if (page === 1) { rows.textContent = ""; }
      res.body.items.forEach(function (item) {
        var tr = document.createElement("tr");
        tr.dataset.instance = String(item.instance_id);
        cell(tr, item.business_number, "/items/" + item.instance_id);
        cell(tr, item.title);
        cell(tr, statuses[item.status] || item.status);
        cell(tr, shanghaiDay(item.started_at));
        cell(tr, String(item.tasks));
        cell(tr, item.workdays === null ? "—" : String(item.workdays));
        cell(tr, String(item.returns));
        cell(tr, String(item.overdue));
        rows.appendChild(tr);
      });
      if (!res.body.total) {
        var tr = document.createElement("tr"); cell(tr, msg.none); rows.appendChild(tr);
      }
      current.page = page;
      more.parentNode.hidden = page * PER_PAGE >= res.body.total;  /* a button's display beats [hidden] */
      panel.dataset.loaded = "1";
      panel.dataset.total = String(res.body.total);
    }, function () { title.textContent = msg.network; });
  }

  function show(element, kind) {
    var figures = info.elements[element];
    if (!figures) { return; }
    current = {element: element, kind: kind, page: 1};
    title.textContent = figures.name + " · " + (kinds[kind] || kind);
    panel.hidden = false;
    load(1).then(function () { panel.scrollIntoView({block: "nearest"}); });
  }

  more.addEventListener("click", function () { if (current) { load(current.page + 1); } });
  document.getElementById("stall-table").addEventListener("click", function (event) {
    var button = event.target.closest("button[data-kind]");
    if (button) { show(button.dataset.element, button.dataset.kind); }
  });

  var viewer = new BpmnJS({container: container});
  viewer.importXML(info.xml).then(function () {
    var canvas = viewer.get("canvas"), registry = viewer.get("elementRegistry"), overlays = viewer.get("overlays");
    var top = 0;
    Object.keys(info.elements).forEach(function (id) {
      var m = info.elements[id].median;
      if (m !== null && m > top) { top = m; }
    });
    var shown = 0;
    Object.keys(info.elements).forEach(function (id) {
      var figures = info.elements[id];
      if (!registry.get(id)) { return; }
      var level = heat(figures.median, top);
      canvas.addMarker(id, "heat-" + level);
      var badge = document.createElement("div");
      badge.className = "stall-badge heat-" + level;
      badge.dataset.element = id;
      badge.title = figures.name;
      badge.textContent = figures.instances + " · " + (figures.median === null ? "—" : figures.median) +
        "/" + (figures.p90 === null ? "—" : figures.p90) + msg.days + (figures.returns ? " · " + msg.returns + figures.returns : "");
      badge.addEventListener("click", function () { show(id, "passed"); });
      overlays.add(id, "stall", {position: {bottom: 4, left: 0}, html: badge});
      shown += 1;
    });
    viewer.get("eventBus").on("element.click", function (event) {
      if (info.elements[event.element.id]) { show(event.element.id, "passed"); }
    });
    canvas.zoom("fit-viewport");
    container.dataset.ready = "1";
    container.dataset.overlays = String(shown);
  }, function (err) { container.textContent = String(err); });
})();
