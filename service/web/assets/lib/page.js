/* Small helpers the admin pages share (window.dubanApi comes from static/common.js). */
export function api(method, path, body) {
  return window.dubanApi(method, path, body);
}

export function say(el, text, kind) {
  el.textContent = text || "";
  el.hidden = !text;
  el.className = "message" + (kind ? " " + kind : "");
}

export function saveFile(name, text) {
  const url = URL.createObjectURL(new Blob([text], { type: "application/xml" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function readFile(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsText(file, "utf-8");
  });
}

export function cell(row, text, cls) {
  const td = document.createElement("td");
  if (text instanceof Node) td.appendChild(text); else td.textContent = text == null ? "" : String(text);
  if (cls) td.className = cls;
  row.appendChild(td);
  return td;
}

export function link(href, text) {
  const a = document.createElement("a");
  a.href = href;
  a.textContent = text;
  return a;
}

/* Dates shown in Asia/Shanghai. */
export function shanghai(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return d.toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false });
}
