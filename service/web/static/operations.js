/* 流程操作 panel: ask before a withdrawal (it cannot be undone); show the unit or the person field of 转办. */
(function () {
  "use strict";
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });
  var reassign = document.getElementById("reassign-form");
  if (!reassign) { return; }
  function show() {
    var checked = reassign.querySelector("input[name=target]:checked");
    var target = checked ? checked.value : "unit";
    reassign.querySelectorAll("[data-target]").forEach(function (el) {
      el.hidden = el.dataset.target !== target;
    });
  }
  reassign.querySelectorAll("input[name=target]").forEach(function (radio) { radio.addEventListener("change", show); });
  show();
})();
