"""`duban history verify`: from the server's shell, an instance's history checked.

    duban history verify ID             the hash chain (service.process.history.verify)
    duban history verify --replay ID    re-execution (service.reexecution.replay): 一致, or the first divergence
    duban history verify --replay-all   every instance (also --all); --status to take one status only

Exit code 0 when everything is 一致 (and every chain intact), 1 on any divergence or broken chain. The shell
is the server's operator's: the re-execution reads only and runs the engine in its engine processes.
"""

from __future__ import annotations

import argparse
import time

from service.config import Settings
from service.process import history
from service.reexecution import replay
from service.wiring import Services, build_services


def _replay(services: Services, instance_id: int) -> bool:
    with services.uow() as uow:
        result = replay.check(uow, services.ctx, instance_id)
    print(f"实例 {instance_id}：{result.words()}（{result.steps_checked} 步）")
    return result.consistent


def cmd_history_verify(args: argparse.Namespace) -> int:
    services = build_services(Settings())
    try:
        ok = True
        if args.instance is not None:
            with services.uow() as uow:
                found = history.verify(uow, args.instance)
            words = "完好" if found.ok else f"第 {found.first_bad_seq} 号事件起不符"
            print(f"实例 {args.instance}：历史链{words}（{found.events} 个事件）")
            ok = found.ok
        if args.replay is not None:
            ok = _replay(services, args.replay) and ok
        if args.replay_all:
            with services.uow() as uow:
                ids = replay.all_ids(uow, status=args.status)
            started, diverged = time.perf_counter(), 0
            for instance_id in ids:
                if not _replay(services, instance_id):
                    diverged += 1
            took = time.perf_counter() - started
            print(f"共重新执行 {len(ids)} 个实例，{diverged} 个不一致，用时 {took:.1f} 秒")
            ok = ok and diverged == 0
        return 0 if ok else 1
    finally:
        services.close()


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    group = sub.add_parser("history", help="流程实例历史的核对").add_subparsers(dest="history_command", required=True)
    p = group.add_parser("verify", help="校验历史链；--replay 重新执行核对（一致或首个不一致处）")
    p.add_argument("instance", nargs="?", type=int, help="校验该实例的历史链")
    p.add_argument("--replay", type=int, metavar="ID", help="重新执行该实例并逐步核对")
    p.add_argument("--replay-all", "--all", action="store_true", dest="replay_all", help="重新执行全部实例")
    p.add_argument("--status", choices=["running", "completed", "error", "suspended", "withdrawn"])
    p.set_defaults(func=cmd_history_verify)
