"""The export package of one instance or of a period (issue 13 point 6), and its offline check.

A zip. One instance: `instance.json`, `index.html`, `definition-<key>-v<version>.bpmn`. A period: the same
three under `<instance id>/` for each instance started in the period, an `index.html` listing them and a
`manifest.json`. instance.json holds the definition (key, version, the BPMN file's name and sha256), the
instance (state, data, the anchored head and count), every history event with its prev_hash and hash,
every digest that covers the instance and the Merkle proof from its leaf to that digest's root.
`verify_package` re-checks all of it without a database: the chain, the anchor, each proof up to its
root, each digest's own hash, and the BPMN file against its sha256.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import zipfile
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from service import workdays
from service.access import audit_log
from service.access.principal import Principal
from service.db.session import UnitOfWork
from service.engine.diagram import sequence_flows
from service.errors import InvalidInput, NotFound
from service.history_integrity import diagram_page
from service.process import digests, history, instances
from service.process.history_words import EVENT_WORDS

FORMAT = "duban-history-export/1"
CONSISTENT = "一致"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _bpmn_name(key: str, version: int) -> str:
    return f"definition-{key}-v{version}.bpmn"


def instance_document(uow: UnitOfWork, instance_id: int) -> tuple[dict[str, Any], bytes]:
    """instance.json's content and the BPMN file's bytes."""
    instance = uow.instances.get(instance_id)
    if instance is None:
        raise NotFound(f"流程实例 {instance_id} 不存在")
    definition = instance.definition
    bpmn = definition.bpmn_xml.encode("utf-8")
    head, count = uow.instances.anchor(instance_id)
    events = uow.history.for_instance(instance_id)
    result = history.verify(uow, instance_id)
    document = {
        "format": FORMAT,
        "exported_at": datetime.now(UTC).isoformat(),
        "definition": {
            "key": definition.key,
            "version": definition.version,
            "name": definition.name,
            "deployment_sha256": definition.sha256,
            "bpmn_file": _bpmn_name(definition.key, definition.version),
            "bpmn_sha256": _sha(bpmn),
        },
        "instance": {
            "id": instance.id,
            "business_number": instance.business_number,
            "title": instance.title,
            "process_key": instance.process_key,
            "status": instance.status,
            "started_by": instance.started_by,
            "started_at": instance.started_at.isoformat(),
            "completed_at": instance.completed_at.isoformat() if instance.completed_at else None,
            "data": instance.data,
            "state": instance.state,
            "history_head": head,
            "history_count": count,
        },
        "events": [
            {
                "seq": e.seq,
                "kind": e.kind,
                "actor": e.actor,
                "at": e.at.astimezone(UTC).isoformat(timespec="microseconds"),
                "payload": e.payload,
                "prev_hash": e.prev_hash,
                "hash": e.hash,
            }
            for e in events
        ],
        "proofs": digests.proofs(uow, instance_id),
        "verification_at_export": {"ok": result.ok, "problem": result.problem, "message": result.message},
    }
    return document, bpmn


def _when(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(workdays.SHANGHAI).strftime("%Y-%m-%d %H:%M")


def _what(payload: dict[str, Any]) -> str:
    parts = []
    for key, value in payload.items():
        if key == "elements" and isinstance(value, list):
            value = "、".join(str(e.get("name") or e.get("element_id")) for e in value if isinstance(e, dict))
        elif isinstance(value, dict | list):
            value = json.dumps(value, ensure_ascii=False)
        parts.append(f"{key}：{value}")
    return "；".join(parts)


STYLE = (
    "body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;width:100%}"
    "td,th{border:1px solid #ccc;padding:4px 6px;text-align:left;vertical-align:top}"
    ".ok{color:#137333}.bad{color:#b3261e}code{font-size:85%;word-break:break-all}"
)


def _passed(events: list[dict[str, Any]], flows: Sequence[tuple[str, str, str]]) -> set[str]:
    """The elements a history passed through, and the flows between two of them."""
    done: set[str] = set()
    for ev in events:
        payload = ev["payload"] or {}
        if ev["kind"] in ("task_completed", "timer_fired") and payload.get("element_id"):
            done.add(str(payload["element_id"]))
        for el in payload.get("elements", []) if ev["kind"] == "engine_steps" else []:
            if isinstance(el, dict) and el.get("element_id"):
                done.add(str(el["element_id"]))
    return done | {fid for fid, src, dst in flows if src in done and dst in done}


def instance_html(document: dict[str, Any], bpmn: bytes | None = None) -> str:
    """The readable page: what it is, whether it verifies, the diagram with the path on it, the steps, the
    timeline. No external assets."""
    e = html.escape
    inst, definition = document["instance"], document["definition"]
    check = document["verification_at_export"]
    path = [
        str(el.get("name") or el.get("element_id"))
        for ev in document["events"]
        if ev["kind"] == "engine_steps"
        for el in ev["payload"].get("elements", [])
        if isinstance(el, dict)
    ]
    rows = "".join(
        f"<tr><td>{ev['seq']}</td><td>{e(_when(ev['at']))}</td><td>{e(ev['actor'])}</td>"
        f"<td>{e(EVENT_WORDS.get(ev['kind'], ev['kind']))}</td><td>{e(_what(ev['payload']))}</td></tr>"
        for ev in document["events"]
    )
    proofs = "".join(
        f"<li>{e(p['day'])}：第 {p['count']} 个事件，摘要根 <code>{e(p['root'])}</code></li>"
        for p in document["proofs"]
    )
    xml = bpmn.decode("utf-8") if bpmn else ""
    drawn = diagram_page.section(xml, _passed(document["events"], sequence_flows(xml))) if xml else ""
    mark = (
        f'<p class="ok">✔ {e(check["message"])}</p>' if check["ok"] else f'<p class="bad">✘ {e(check["message"])}</p>'
    )
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{e(inst['business_number'])} {e(inst['title'])}</title><style>{STYLE}</style></head><body>"
        f"<h1>{e(inst['business_number'])} {e(inst['title'])}</h1>"
        f"<p>流程：{e(definition['name'])}（{e(definition['key'])} 第 {definition['version']} 版，"
        f"BPMN sha256 <code>{e(definition['bpmn_sha256'])}</code>）</p>"
        f"<p>状态：{e(inst['status'])}；发起人：{e(inst['started_by'])}；发起时间：{e(_when(inst['started_at']))}</p>"
        f"<h2>完整性（导出时）</h2>{mark}"
        f"<p>锚定链头：<code>{e(str(inst['history_head']))}</code>（{inst['history_count']} 个事件）</p>"
        f"<ul>{proofs or '<li>尚无每日摘要覆盖</li>'}</ul>"
        f"{drawn}"
        f"<h2>经过的步骤</h2><ol>{''.join(f'<li>{e(p)}</li>' for p in path) or '<li>（无）</li>'}</ol>"
        "<h2>时间线</h2><table><tr><th>序号</th><th>时间</th><th>办理人</th><th>事件</th><th>内容</th></tr>"
        f"{rows}</table><p>离线校验：<code>duban history verify-export 本文件所在的 zip</code></p></body></html>"
    )


def _write_instance(zf: zipfile.ZipFile, uow: UnitOfWork, instance_id: int, prefix: str) -> dict[str, Any]:
    document, bpmn = instance_document(uow, instance_id)
    zf.writestr(prefix + "instance.json", json.dumps(document, ensure_ascii=False, indent=1, default=str))
    zf.writestr(prefix + "index.html", instance_html(document, bpmn))
    zf.writestr(prefix + document["definition"]["bpmn_file"], bpmn)
    return document


def export_instance(uow: UnitOfWork, actor: Principal, instance_id: int, now: datetime | None = None) -> bytes:
    """One instance's package; with `now` (a person's download) an auditor's export is logged."""
    digests.require_reader(actor)
    instance = instances.readable(uow, actor, instance_id)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        _write_instance(zf, uow, instance_id, "")
    if now is not None:
        details = {"instance_id": instance.id, "what": "history_export"}
        audit_log.record_auditor_view(uow, actor, audit_log.AUDITOR_EXPORTED, now, instance.business_number, details)
    return buffer.getvalue()


def export_period(uow: UnitOfWork, start: date, end: date) -> bytes:
    """Every instance started from `start` to `end` (both included, Asia/Shanghai days); the command line's."""
    if end < start:
        raise InvalidInput("结束日期早于开始日期")
    since = datetime.combine(start, time(0), tzinfo=workdays.SHANGHAI)
    until = datetime.combine(end + timedelta(days=1), time(0), tzinfo=workdays.SHANGHAI)
    ids = uow.instances.started_between(since, until)
    buffer = io.BytesIO()
    listed = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for instance_id in ids:
            doc = _write_instance(zf, uow, instance_id, f"{instance_id}/")
            listed.append(doc["instance"])
        items = "".join(
            f'<li><a href="{i["id"]}/index.html">{html.escape(i["business_number"])} {html.escape(i["title"])}</a></li>'
            for i in listed
        )
        title = f"流程实例导出 {start} 至 {end}"
        zf.writestr(
            "index.html",
            f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title></head>'
            f"<body><h1>{title}</h1><p>共 {len(listed)} 个</p><ul>{items}</ul></body></html>",
        )
        manifest = {"format": FORMAT, "from": start.isoformat(), "to": end.isoformat(), "instances": list(ids)}
        zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
    return buffer.getvalue()


def check_document(document: dict[str, Any], bpmn: bytes | None) -> str | None:
    """None when one instance.json verifies offline; else its first problem, in words."""
    inst = document["instance"]
    label = f"流程实例 {inst['id']}："
    if bpmn is None:
        return label + "缺少 BPMN 文件"
    if _sha(bpmn) != document["definition"]["bpmn_sha256"]:
        return label + "BPMN 文件与其 sha256 不符"
    events = [
        SimpleNamespace(**{**ev, "at": datetime.fromisoformat(ev["at"])})  # the hash covers `at` to the µs
        for ev in document["events"]
    ]
    leaves = [(p["head"], p["count"]) for p in document["proofs"]]
    result = history.check_chain(inst["id"], events, (inst["history_head"], inst["history_count"]), leaves)
    if not result.ok:
        return label + result.message
    for p in document["proofs"]:
        problem = digests.check_proof(inst["id"], p)
        if problem:
            return label + problem
    return None


def verify_package(path: Path, outside_digests: list[dict[str, Any]] | None = None) -> str:
    """一致, or the first problem. With `outside_digests` (a `duban history digests --export` copy kept
    elsewhere), each proof's digest must also be that copy's digest of the same day."""
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        return f"无法读取导出文件：{exc}"
    with zf:
        names = set(zf.namelist())
        documents = sorted(n for n in names if n.endswith("instance.json"))
        if not documents:
            return "导出文件中没有 instance.json"
        known = {d["day"]: d for d in outside_digests or []}
        if outside_digests is not None:
            problem = digests.check_digest_chain(outside_digests)
            if problem:
                return "外部摘要副本：" + problem
        for name in documents:
            document = json.loads(zf.read(name))
            prefix = name[: -len("instance.json")]
            bpmn_name = prefix + document["definition"]["bpmn_file"]
            problem = check_document(document, zf.read(bpmn_name) if bpmn_name in names else None)
            if problem:
                return problem
            for p in document["proofs"]:
                if outside_digests is not None and known.get(p["day"], {}).get("hash") != p["digest"]["hash"]:
                    return f"流程实例 {document['instance']['id']}：{p['day']} 的摘要与外部副本不符"
    return CONSISTENT
