"""The short summaries `duban backup` and `duban restore` print (Chinese, with the English key words)."""

from __future__ import annotations

from service.backup.create import BackupResult
from service.backup.manifest import Manifest
from service.backup.restore import RestoreResult

_MAIN_TABLES = ("process_instances", "human_tasks", "history_events", "attachments", "users")


def _counts(manifest: Manifest) -> str:
    return "，".join(f"{t} {manifest.counts[t]}" for t in _MAIN_TABLES if t in manifest.counts)


def backup_summary(result: BackupResult) -> str:
    m = result.manifest
    size_mb = result.path.stat().st_size / (1024 * 1024)
    lines = [
        f"备份完成 / backup written：{result.path}（{size_mb:.1f} MB，{result.seconds:.1f} 秒）",
        f"  数据库 database：{m.database} {m.server_version or ''}，结构版本 schema revision {m.schema_revision}",
        f"  记录 rows：{_counts(m)}；附件文件 attachment files {m.attachments}；共 {len(m.files)} 个文件带 sha256",
    ]
    lines += [f"  警告 warning：{w}" for w in result.warnings]
    return "\n".join(lines)


def restore_summary(result: RestoreResult) -> str:
    m, v = result.manifest, result.verification
    lines = [
        f"已恢复 / restored：{m.database} 备份（创建于 {m.created_at}），用时 {result.seconds:.1f} 秒",
        f"  记录 rows：{_counts(m)}",
        f"  历史链 history chains：{v.histories - len(v.broken_histories)}/{v.histories} 校验通过 verified",
        f"  附件 attachments：{v.attachments - len(v.bad_attachments)}/{v.attachments} sha256 一致 match",
    ]
    if result.set_aside:
        lines.append(f"  原附件目录已改名保留 / previous attachments kept at：{result.set_aside}")
    if v.broken_histories:
        lines.append(f"  错误：历史链校验失败的实例 broken history chains：{v.broken_histories[:20]}")
    if v.bad_attachments:
        lines.append(f"  错误：文件缺失或 sha256 不符的附件 bad attachments：{v.bad_attachments[:20]}")
    for table, (expected, got) in sorted(v.count_mismatches.items()):
        lines.append(f"  错误：{table} 记录数不符 count mismatch（备份 {expected}，恢复后 {got}）")
    if not v.revision_matches:
        lines.append(f"  错误：结构版本不符 schema revision {v.schema_revision} ≠ {m.schema_revision}")
    lines.append("校验通过 / verified OK；如程序版本更新，请再运行 duban db upgrade" if v.ok else "校验失败 / FAILED")
    return "\n".join(lines)
