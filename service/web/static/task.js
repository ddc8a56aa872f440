/* The task form: form-js renders it; the server validates it; its errors appear next to their fields. */
(function () {
  "use strict";
  var D = window.DUBAN, msg = D.messages;
  var schema = JSON.parse(document.getElementById("form-schema").textContent);
  var data = JSON.parse(document.getElementById("form-data").textContent);
  var summary = document.getElementById("form-summary");
  var submitButton = document.getElementById("submit-task"), draftButton = document.getElementById("save-draft");
  var container = document.getElementById("task-form");
  var form = new FormViewer.Form({container: container});
  var chinese = document.documentElement.lang === "zh-CN";

  // form-js speaks English only: its own checks get the server's Chinese messages, its widgets Chinese words.
  var RULES = [
    [/^Field is required\.$/, function () { return "此项为必填项"; }],
    [/^Field must have minimum length of (.+)\.$/, function (m) { return "长度不能少于 " + m[1] + " 个字符"; }],
    [/^Field must have maximum length of (.+)\.$/, function (m) { return "长度不能超过 " + m[1] + " 个字符"; }],
    [/^Field must have minimum value of (.+)\.$/, function (m) { return "不能小于 " + m[1]; }],
    [/^Field must have maximum value of (.+)\.$/, function (m) { return "不能大于 " + m[1]; }],
    [/^Field must match pattern/, function () { return "格式不正确"; }],
    [/^Field must be a valid email\.$/, function () { return "不是有效的电子邮箱地址"; }],
    [/^Field must be a valid +international phone number/, function () { return "不是有效的电话号码"; }],
    [/^Value is not a number\.$/, function () { return "不是有效的数字"; }],
    [/^Value is expected to be an integer\.$/, function () { return "必须是整数"; }]
  ];
  function inChinese(message) {
    for (var i = 0; i < RULES.length; i++) {
      var m = RULES[i][0].exec(message);
      if (m) { return RULES[i][1](m); }
    }
    return message;
  }
  if (chinese) {
    var validator = form.get("validator"), original = validator.validateFieldInstance.bind(validator);
    validator.validateFieldInstance = function (instance, value) { return original(instance, value).map(inChinese); };
    new MutationObserver(function () {
      container.querySelectorAll(".fjs-select-placeholder").forEach(function (el) {
        if (el.textContent === "Select") { el.textContent = "请选择"; }
      });
      container.querySelectorAll("input[placeholder='Search']").forEach(function (el) { el.placeholder = "搜索"; });
      container.querySelectorAll(".fjs-repeat-render-add").forEach(function (el) {  // a dynamic list's "Add new"
        var words = el.lastChild;
        if (words && words.nodeType === 3 && words.textContent.trim() === "Add new") { words.textContent = " 添加一项"; }
      });
      container.querySelectorAll(".fjs-repeat-row-remove").forEach(function (el) {
        if (el.getAttribute("aria-label") !== "删除此项") { el.setAttribute("aria-label", "删除此项"); }
      });
    }).observe(container, {childList: true, subtree: true});
  }

  // form-js keys errors by field id; the server by field key (dotted paths for nested data).
  var idsByKey = {};
  (function walk(components, prefix) {
    (components || []).forEach(function (c) {
      var path = c.path ? prefix + c.path + "." : prefix;
      if (c.key) { idsByKey[prefix + c.key] = c.id; }
      walk(c.components, path);
    });
  })(schema.components, "");

  function showServerErrors(errors) {
    var byId = {}, other = [];
    Object.keys(errors || {}).forEach(function (key) {
      var id = idsByKey[key];
      if (id) { byId[id] = errors[key]; } else { other.push(key + "：" + errors[key].join("；")); }
    });
    form._setState({errors: byId});  // form-js renders these under each field, as for its own checks
    return other;
  }

  function values() {
    var state = form._getState().data, out = {};
    Object.keys(idsByKey).forEach(function (key) {
      if (key.indexOf(".") < 0 && Object.prototype.hasOwnProperty.call(state, key)) { out[key] = state[key]; }
    });
    return out;
  }

  function busy(on) { submitButton.disabled = on; draftButton.disabled = on; }

  submitButton.addEventListener("click", function () {
    var result = form.submit();
    window.dubanText(summary, "");
    if (Object.keys(result.errors || {}).length) { window.dubanText(summary, msg.fix); return; }
    busy(true);
    window.dubanApi("POST", "/tasks/" + D.taskId + "/complete", {data: result.data}).then(function (r) {
      if (r.ok) {
        window.location.href = "/inbox?tab=todo&submitted=" + encodeURIComponent(document.querySelector("h1").textContent);
        return;
      }
      busy(false);
      var other = r.status === 422 ? showServerErrors(r.body.errors) : [];
      window.dubanText(summary, [r.body.message || msg.failed].concat(other).join(" "));
    }, function () { busy(false); window.dubanText(summary, msg.network); });
  });

  draftButton.addEventListener("click", function () {
    busy(true);
    window.dubanApi("PUT", "/tasks/" + D.taskId + "/draft", {data: values()}).then(function (r) {
      busy(false);
      if (r.ok) {
        var at = new Date(r.body.saved_at);
        document.getElementById("draft-status").textContent = msg.saved + " " + at.toLocaleString("zh-CN", {timeZone: "Asia/Shanghai", hour12: false});
      } else { window.dubanText(summary, r.body.message || msg.failed); }
    }, function () { busy(false); window.dubanText(summary, msg.network); });
  });

  form.importSchema(schema, data).then(function () {
    document.getElementById("task-form").dataset.ready = "1";
  }, function (err) { window.dubanText(summary, String(err)); });
})();
