"""`duban history verify|digest|digests|export|verify-export`: the history chains from the server's shell
(issue 13 points 2, 3 and 6). Each command is `run_*(services, args)`, so the tests drive them on their own
services; `verify-export` needs no database at all.

    duban history verify ID | --all        the hash chain, the anchored head and the daily digests
    duban history verify --replay ID       re-execution (service.reexecution): 一致, or the first divergence
    duban history verify --replay-all      every instance (--status to take one status only)

Exit code 0 when everything is 一致, 1 on any divergence or broken chain. Re-execution reads only and runs
the engine in its engine processes."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from service.access.principal import ADMIN, Principal
from service.config import Settings
from service.errors import InvalidInput
from service.history_integrity import checks, export
from service.process import digests, history
from service.reexecution import replay
from service.wiring import Services, build_services


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"日期应为 YYYY-MM-DD：{text}") from exc


def _replay(services: Services, instance_id: int) -> bool:
    with services.uow() as uow:
        result = replay.check(uow, services.ctx, instance_id)
    print(f"实例 {instance_id}：{result.words()}（{result.steps_checked} 步）")
    return bool(result.consistent)


def run_replay(services: Services, args: argparse.Namespace) -> int:
    """Re-execute one instance (--replay) or all (--replay-all) and compare step by step."""
    ok = True
    if getattr(args, "replay", None) is not None:
        ok = _replay(services, args.replay)
    if getattr(args, "replay_all", False):
        with services.uow() as uow:
            ids = replay.all_ids(uow, status=getattr(args, "status", None))
        started, diverged = time.perf_counter(), 0
        for instance_id in ids:
            diverged += not _replay(services, instance_id)
        print(f"共重新执行 {len(ids)} 个实例，{diverged} 个不一致，用时 {time.perf_counter() - started:.1f} 秒")
        ok = ok and diverged == 0
    return 0 if ok else 1


def run_verify(services: Services, args: argparse.Namespace) -> int:
    replaying = getattr(args, "replay", None) is not None or getattr(args, "replay_all", False)
    if replaying and not args.all and args.instance_id is None:
        return run_replay(services, args)
    chain = _verify_chains(services, args)
    return max(chain, run_replay(services, args) if replaying else 0)


def _verify_chains(services: Services, args: argparse.Namespace) -> int:
    bad = 0
    if args.all:
        found = checks.verify_all(services.uow)
    else:
        if args.instance_id is None:
            raise InvalidInput("请给出实例编号，或 --all")
        with services.uow() as uow:
            found = iter([(args.instance_id, history.verify(uow, args.instance_id))])
    total = 0
    for instance_id, result in found:
        total += 1
        bad += not result.ok
        if not (args.all and result.ok and args.quiet):
            print(checks.line(instance_id, result))
    if args.all:
        print(f"共 {total} 个实例，{total - bad} 个一致，{bad} 个不一致")
    return 1 if bad else 0


def run_digest(services: Services, args: argparse.Namespace) -> int:
    with services.uow() as uow:
        digest = digests.create(uow, services.ctx, "cli", args.day)
        print(f"{digest.day} 的摘要：{digest.leaves} 条历史链，默克尔根 {digest.root}，摘要哈希 {digest.hash}")
    return 0


def run_digests(services: Services, args: argparse.Namespace) -> int:
    with services.uow() as uow:
        listed = [digests.as_dict(d) for d in uow.digests.all()]
    if args.export:
        Path(args.export).write_text(json.dumps(listed, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"已导出 {len(listed)} 份摘要到 {args.export}")
    else:
        for d in listed:
            print(f"{d['day']}\t{d['leaves']}\t{d['root']}\t{d['hash']}")
    return 0


def run_export(services: Services, args: argparse.Namespace) -> int:
    with services.uow() as uow:
        if args.instance_id is not None:
            body = export.export_instance(uow, _cli_reader(), args.instance_id)
        elif args.since and args.until:
            body = export.export_period(uow, args.since, args.until)
        else:
            raise InvalidInput("请给出实例编号，或 --from 与 --to")
    Path(args.output).write_bytes(body)
    print(f"已导出到 {args.output}")
    return 0


def _cli_reader() -> Principal:
    """The shell's operator reads as the system administrator does."""
    return Principal("cli", "命令行", frozenset({ADMIN}), None)


def run_verify_export(args: argparse.Namespace) -> int:
    outside = json.loads(Path(args.digests).read_text(encoding="utf-8")) if args.digests else None
    verdict = export.verify_package(Path(args.file), outside)
    print(verdict)
    return 0 if verdict == export.CONSISTENT else 1


def _with_services(run: Callable[[Services, argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """A command on the configured database, its services (connections, engine processes) closed after."""

    def command(args: argparse.Namespace) -> int:
        services = build_services(Settings())
        try:
            return run(services, args)
        finally:
            services.close()

    return command


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `history` command group."""
    group = sub.add_parser("history", help="历史链：校验、每日摘要、导出").add_subparsers(
        dest="history_command", required=True
    )
    p = group.add_parser("verify", help="校验一个实例（或 --all 全部）的历史链、锚定链头与每日摘要")
    p.add_argument("instance_id", type=int, nargs="?")
    p.add_argument("--all", action="store_true")
    p.add_argument("--quiet", action="store_true", help="与 --all 同用：只列出不一致的实例")
    p.add_argument("--replay", type=int, metavar="ID", help="重新执行该实例并逐步核对")
    p.add_argument("--replay-all", action="store_true", dest="replay_all", help="重新执行全部实例并逐步核对")
    p.add_argument("--status", choices=["running", "completed", "error", "suspended", "withdrawn"])
    p.set_defaults(func=_with_services(run_verify))
    p = group.add_parser("digest", help="生成某日（默认昨天，北京时间）的每日摘要")
    p.add_argument("--day", type=_day)
    p.set_defaults(func=_with_services(run_digest))
    p = group.add_parser("digests", help="列出每日摘要，或 --export 导出为 JSON（交外部保存）")
    p.add_argument("--export", metavar="FILE")
    p.set_defaults(func=_with_services(run_digests))
    p = group.add_parser("export", help="导出一个实例，或 --from/--to 期间发起的全部实例（zip）")
    p.add_argument("instance_id", type=int, nargs="?")
    p.add_argument("--from", dest="since", type=_day)
    p.add_argument("--to", dest="until", type=_day)
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(func=_with_services(run_export))
    p = group.add_parser("verify-export", help="离线校验导出文件：一致，或第一个问题")
    p.add_argument("file")
    p.add_argument("--digests", metavar="FILE", help="外部保存的摘要副本（duban history digests --export）")
    p.set_defaults(func=run_verify_export)
