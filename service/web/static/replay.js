/* 回放: step through an instance's history on its diagram. Steps come from
   GET /api/v1/process-instances/{id}/replay in pages, loaded as the slider moves; the diagram's markers and
   the data panel show the state after the chosen step. */
(function () {
  "use strict";
  var info = JSON.parse(document.getElementById("replay-info").textContent);
  var M = window.DUBAN.messages;
  var PAGE = info.page;
  var pages = {};     /* page number -> steps, once loaded */
  var loading = {};   /* page number -> true while its request runs */
  var index = 0;
  var slider = document.getElementById("replay-slider");
  var container = document.getElementById("replay-diagram");
  var viewer = new BpmnJS({container: container});
  var canvas = null, registry = null, marked = [];

  function fmt(text, values) {
    return String(text).replace(/\{(\w+)\}/g, function (_, k) { return values[k] === undefined ? "" : values[k]; });
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function shanghai(iso) {
    var d = new Date(iso);
    return d.toLocaleString("zh-CN", {timeZone: "Asia/Shanghai", hour12: false, year: "numeric", month: "2-digit",
      day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit"});
  }

  function load(p) {
    if (pages[p] || loading[p] || p < 0 || p * PAGE >= info.total) { return; }
    loading[p] = true;
    window.dubanApi("GET", "/process-instances/" + info.instance_id + "/replay?offset=" + (p * PAGE) + "&limit=" + PAGE)
      .then(function (r) {
        loading[p] = false;
        if (!r.ok) { document.getElementById("replay-text").textContent = r.body.message || M.failed; return; }
        pages[p] = r.body.steps;
        if (Math.floor(index / PAGE) === p) { show(index); }
      }, function () { loading[p] = false; document.getElementById("replay-text").textContent = M.network; });
  }

  function mark(state) {
    if (!canvas) { return; }
    marked.forEach(function (m) { canvas.removeMarker(m[0], m[1]); });
    marked = [];
    function add(ids, cls) {
      (ids || []).forEach(function (id) { if (registry.get(id)) { canvas.addMarker(id, cls); marked.push([id, cls]); } });
    }
    add(state.finished, "done"); add(state.taken, "taken"); add(state.active, "current");
    add(state.waiting, "waiting"); add(state.failed, "failed");
    container.dataset.done = (state.finished || []).join(" ");
    container.dataset.current = (state.active || []).join(" ");
    container.dataset.waiting = (state.waiting || []).join(" ");
    container.dataset.taken = (state.taken || []).join(" ");
    container.dataset.marked = String(marked.length);
  }

  function renderData(step) {
    var body = document.querySelector("#replay-data tbody");
    body.textContent = "";
    var data = step.state.data;
    if (data === null) { var r = el("tr"); r.appendChild(el("td", "muted", M.hidden)); body.appendChild(r); return; }
    data.forEach(function (e) {
      var row = el("tr");
      row.dataset.key = e.key;
      row.appendChild(el("th", null, e.label));
      row.appendChild(el("td", null, e.words));
      body.appendChild(row);
    });
  }

  function renderChanges(step) {
    var box = document.getElementById("replay-changes");
    box.textContent = "";
    var c = step.changes;
    if (!c) { box.appendChild(el("p", "muted", step.state.data === null ? M.hidden : M.same)); return; }
    var list = el("ul", "replay-diff");
    c.added.forEach(function (e) { var li = el("li", "added", M.added + " " + e.label + "：" + e.words); li.dataset.key = e.key; list.appendChild(li); });
    c.changed.forEach(function (e) {
      var li = el("li", "changed", M.changed + " " + e.label + "：" + e.before_words + " → " + e.words);
      li.dataset.key = e.key; list.appendChild(li);
    });
    c.removed.forEach(function (e) { var li = el("li", "removed", M.removed + " " + e.label + "：" + e.words); li.dataset.key = e.key; list.appendChild(li); });
    if (!list.children.length) { box.appendChild(el("p", "muted", M.unchanged)); } else { box.appendChild(list); }
  }

  function show(i) {
    if (!info.total) { document.getElementById("replay-text").textContent = M.empty; return; }
    index = Math.max(0, Math.min(info.total - 1, i));
    slider.value = String(index);
    document.getElementById("replay-position").textContent = fmt(M.step, {n: index + 1, total: info.total});
    var p = Math.floor(index / PAGE);
    load(p); load(p + 1); load(p - 1);  /* the neighbours too, so the next step is there when asked */
    var steps = pages[p];
    var root = document.getElementById("replay");
    if (!steps) { document.getElementById("replay-text").textContent = M.loading; root.dataset.loaded = ""; return; }
    var step = steps[index - p * PAGE];
    document.getElementById("replay-kind").textContent = step.kind_word;
    document.getElementById("replay-text").textContent = step.text + (step.elements.length ? "（" + step.elements.join(" → ") + "）" : "");
    document.getElementById("replay-at").textContent = shanghai(step.at);
    document.getElementById("replay-actor").textContent = step.actor;
    document.getElementById("replay-status").textContent = (window.DUBAN.statuses || {})[step.state.status] || step.state.status;
    window.dubanText(document.getElementById("replay-reason"), step.return_reason || "");
    document.getElementById("replay-partial").hidden = step.state.data_complete;
    mark(step.state);
    renderData(step);
    renderChanges(step);
    root.dataset.index = String(index);
    root.dataset.seq = String(step.seq);
    root.dataset.kind = step.kind;
    root.dataset.loaded = "1";
  }

  var pending = null;
  slider.addEventListener("input", function () {
    var i = Number(slider.value);
    document.getElementById("replay-position").textContent = fmt(M.step, {n: i + 1, total: info.total});
    clearTimeout(pending);  /* dragging across many pages asks only for the page it stops on */
    pending = setTimeout(function () { show(i); }, 60);
  });
  document.getElementById("replay-prev").addEventListener("click", function () { show(index - 1); });
  document.getElementById("replay-next").addEventListener("click", function () { show(index + 1); });
  document.addEventListener("keydown", function (e) {
    if (e.target === slider || /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName)) { return; }
    if (e.key === "ArrowLeft") { e.preventDefault(); show(index - 1); }
    if (e.key === "ArrowRight") { e.preventDefault(); show(index + 1); }
  });

  var button = document.getElementById("replay-check-button");
  var result = document.getElementById("replay-check-result");
  button.addEventListener("click", function () {
    button.disabled = true;
    result.className = ""; window.dubanText(result, M.loading);
    window.dubanApi("POST", "/process-instances/" + info.instance_id + "/history/replay-check").then(function (r) {
      button.disabled = false;
      if (r.status === 404) { result.className = "muted"; window.dubanText(result, M.unavailable); result.dataset.outcome = "unavailable"; return; }
      if (!r.ok) { result.className = "bad"; window.dubanText(result, r.body.message || M.failed); result.dataset.outcome = "error"; return; }
      if (r.body.consistent) {
        result.className = "ok";
        window.dubanText(result, M.consistent + "（" + fmt(M.checked, {n: r.body.steps_checked}) + "）");
        result.dataset.outcome = "consistent";
        return;
      }
      var d = r.body.divergence || {};
      result.className = "bad";
      window.dubanText(result, fmt(M.diverged, {seq: d.seq, element: d.element_id || "", message: d.message || ""}) +
        "；" + M.expected + " " + JSON.stringify(d.expected) + "，" + M.actual + " " + JSON.stringify(d.actual));
      result.dataset.outcome = "diverged";
    }, function () { button.disabled = false; result.className = "bad"; window.dubanText(result, M.network); });
  });

  viewer.importXML(info.xml).then(function () {
    canvas = viewer.get("canvas"); registry = viewer.get("elementRegistry");
    canvas.zoom("fit-viewport");
    container.dataset.ready = "1";
    show(index);
  }, function (err) { container.textContent = String(err); });
  show(0);
})();
