"""The `duban` command. Every subcommand honours DATABASE_URL."""

from __future__ import annotations

import argparse
import logging
import socket
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from service import cli_history, cli_users
from service.access.principal import SYSTEM, Principal
from service.config import Settings
from service.errors import DubanError
from service.wiring import Services, build_services


def _services() -> Services:
    return build_services(Settings())


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from service.db.migrate import upgrade

    services = _services()
    upgrade(services.db)
    print(f"数据库已升级到最新版本：{services.db.url.render_as_string(hide_password=True)}")
    _seed_calendar(services)
    return 0


def _seed_calendar(services: Services) -> None:
    from service import workdays
    from service.workdays import calendar

    with services.uow() as uow:
        added = calendar.seed_from_package(uow)
        workdays.load(uow)
    if added:
        print(f"工作日历已载入 {added} 个年份的节假日安排（{calendar.package_source()}）")


def _bpmn_bundles(paths: Sequence[str], forms_dir: Path) -> list[list[tuple[str, bytes]]]:
    """Each .bpmn with every form of the forms folder (the deploy keeps only the forms it needs)."""
    files: list[Path] = []
    for raw in paths:
        p = Path(raw)
        files.extend(sorted(p.glob("*.bpmn")) if p.is_dir() else [p])
    forms = [(f.name, f.read_bytes()) for f in sorted(forms_dir.glob("*.form.json"))]
    return [[(f.name, f.read_bytes()), *forms] for f in files]


def deploy_paths(services: Services, paths: Sequence[str], forms_dir: Path, actor: Principal = SYSTEM) -> list[str]:
    """Deploy in dependency order: a process that calls another is deployed after it."""
    from service.process import definitions

    pending = _bpmn_bundles(paths, forms_dir)
    done: list[str] = []
    for _ in range(len(pending) + 1):
        retry = []
        for bundle in pending:
            with services.uow() as uow:
                try:
                    definition, created = definitions.deploy(uow, services.ctx, actor, bundle)
                except DubanError as exc:
                    if "尚未部署" in exc.message:
                        retry.append(bundle)
                        continue
                    raise
                done.append(f"{definition.key} 第 {definition.version} 版" + ("（新）" if created else "（未变化）"))
        if not retry:
            break
        if len(retry) == len(pending):
            raise DubanError("无法部署：被调用的流程缺失", {"files": [b[0][0] for b in retry]})
        pending = retry
    return done


def cmd_deploy(args: argparse.Namespace) -> int:
    services = _services()
    for line in deploy_paths(services, args.paths, Path(args.forms)):
        print(f"已部署 {line}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from service.access import organisation

    services = _services()
    demo_mode = services.settings.demo_mode
    with services.uow() as uow:
        created = organisation.load_demo(uow, must_change_password=not demo_mode)
    _seed_calendar(services)
    print(f"演示组织已就绪（新建用户 {len(created)} 个），所有演示账号密码：{organisation.DEMO_PASSWORD}")
    if not demo_mode:
        print("未开启演示模式（DUBAN_DEMO_MODE=1）：演示账号首次登录须先修改密码")
    from service.cadres.demo import load_demo_cadres

    print(load_demo_cadres(services.uow, services.ctx.now()))
    settings = services.settings
    for line in deploy_paths(services, [str(settings.processes_dir)], settings.forms_dir):
        print(f"已部署 {line}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from service import create_app
    from service.background import SchedulerThread
    from service.serving.heap import freeze_long_lived

    services = _services()
    app = create_app(services=services, warm=False)
    threading.Thread(target=_warm_when_listening, args=(services, args.host, args.port), daemon=True).start()
    scheduler = None
    if services.settings.scheduler_interval > 0 and not args.no_scheduler:
        scheduler = SchedulerThread(services.uow, services.ctx, services.settings.scheduler_interval)
        scheduler.start()
    freeze_long_lived()  # the app's start-up heap, out of the full garbage collections (service/serving/heap.py)
    print(f"duban 已启动：http://{args.host}:{args.port}/  （API 文档：http://{args.host}:{args.port}/api/v1/docs）")
    print("演示账号：admin、dcs_li（督查室）、changwu（常务副县长）、xiayang_ll（霞阳镇联络员）… 密码 duban-demo")
    app.run(host=args.host, port=args.port, threaded=True, use_reloader=False)
    if scheduler:
        scheduler.stop()
    return 0


def _warm_when_listening(services: Services, host: str, port: int, timeout: float = 30.0) -> None:
    """Start the engine processes once the server accepts connections: on 2 cores, three children importing
    the engine alongside the service's own start-up delayed its first answer by a second and more. A command
    that comes before they are up starts one itself (service.engine.isolation.EnginePool)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=1):
                break
        except OSError:
            time.sleep(0.05)
    services.ctx.engines.warm()


def cmd_worker(args: argparse.Namespace) -> int:
    from service.background import run_pass
    from service.serving.heap import freeze_long_lived

    services = _services()
    services.ctx.engines.warm()
    freeze_long_lived()  # service/serving/heap.py
    timers = not args.no_timers
    if timers:
        _seed_calendar(services)
    what = "定时器与消息投递" if timers else "消息投递"
    print(f"{what}工作进程已启动（每 {args.interval} 秒检查一次）", flush=True)
    while True:
        woken, sent = run_pass(services.uow, services.ctx, timers=timers)
        if woken:
            print(f"唤醒了 {woken} 个流程实例", flush=True)
        if sent:
            print(f"投递了 {sent} 条消息", flush=True)
        if args.once:
            return 0
        if not woken:  # a pass that fired something may have left more due (it stops after a while): go on
            time.sleep(args.interval)


def cmd_outbox(args: argparse.Namespace) -> int:
    from service.notifications import dispatch

    services = _services()
    with services.uow() as uow:
        if args.requeue_dead:
            print(f"已将 {dispatch.requeue_dead(uow, services.ctx.now())} 条失败消息重新排队")
        counts = uow.notifications.outbox.counts()
    for status in ("pending", "sending", "sent", "dead"):
        print(f"{status}\t{counts.get(status, 0)}")
    return 0


def cmd_list_definitions(args: argparse.Namespace) -> int:
    from service.process import definitions

    with _services().uow() as uow:
        for d in definitions.list_latest(uow):
            print(f"{d.key}\t第{d.version}版\t{d.name}\t{d.deployed_at:%Y-%m-%d %H:%M}\t{d.deployed_by}")
    return 0


def cmd_list_instances(args: argparse.Namespace) -> int:
    with _services().uow() as uow:
        rows, total = uow.instances.search(status=args.status, limit=args.limit)
        for r in rows:
            print(f"{r.id}\t{r.business_number}\t{r.status}\t{r.title}\t{r.error_message or ''}")
        print(f"共 {total} 个")
    return 0


def cmd_list_users(args: argparse.Namespace) -> int:
    with _services().uow() as uow:
        for u in uow.users.all():
            roles = "、".join(r.name for r in u.roles)
            print(f"{u.username}\t{u.display_name}\t{roles}\t{u.unit.code if u.unit else ''}")
    return 0


def cmd_calendar_import(args: argparse.Namespace) -> int:
    from service.deadlines import calendar_entry

    services = _services()
    _seed_calendar(services)
    for result in calendar_entry.import_csv(services.uow, services.ctx, SYSTEM, Path(args.file)):
        print(f"{result.year} 年：{result.days} 个节假日/调休日；重新计算截止日期的事项 {len(result.recomputed)} 个")
    return 0


def cmd_calendar_show(args: argparse.Namespace) -> int:
    from service.workdays import calendar

    services = _services()
    with services.uow() as uow:
        year = calendar.get_year(uow, args.year)
    print(f"{args.year} 年：{'已公布' if year['published'] else '未公布（按周一至周五暂算）'} {year['source']}")
    for day in year["days"]:
        print(f"{day['date']}\t{'放假' if day['kind'] == 'holiday' else '调休上班'}\t{day['name']}\t{day['source']}")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from service.backup import cli_output, create_backup

    result = create_backup(Settings(), Path(args.output) if args.output else None)
    print(cli_output.backup_summary(result))
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from service.backup import cli_output, restore_backup

    result = restore_backup(Settings(), Path(args.archive), force=args.force)
    print(cli_output.restore_summary(result))
    return 0 if result.ok else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="duban", description="duban 督查督办流程服务")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="启动 Web 服务（含内置定时器）")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)
    p.add_argument("--no-scheduler", action="store_true", help="不在本进程内运行定时器（另起 duban worker）")
    p.set_defaults(func=cmd_serve)
    p = sub.add_parser("worker", help="定时器与消息投递工作进程（可多开）")
    p.add_argument("--interval", type=float, default=5.0)
    p.add_argument("--once", action="store_true", help="只检查一次后退出")
    p.add_argument("--no-timers", action="store_true", help="只投递消息（邮件、推送），不触发定时器")
    p.set_defaults(func=cmd_worker)
    p = sub.add_parser("outbox", help="待投递消息（邮件、推送）按状态计数")
    p.add_argument("--requeue-dead", action="store_true", help="把投递失败（dead）的消息重新排队")
    p.set_defaults(func=cmd_outbox)
    db = sub.add_parser("db", help="数据库管理").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="升级数据库结构到最新版本").set_defaults(func=cmd_db_upgrade)
    p = sub.add_parser("deploy", help="部署 BPMN 文件或目录（表单取自 --forms）")
    p.add_argument("paths", nargs="+")
    p.add_argument("--forms", default=str(Settings().forms_dir))
    p.set_defaults(func=cmd_deploy)
    sub.add_parser("demo", help="载入演示组织并部署内置流程").set_defaults(func=cmd_demo)
    cal = sub.add_parser("calendar", help="工作日历（节假日与调休）").add_subparsers(
        dest="calendar_command", required=True
    )
    p = cal.add_parser("import", help="导入 CSV（表头 date,kind,name,source），替换文件中各年份的安排")
    p.add_argument("file")
    p.set_defaults(func=cmd_calendar_import)
    p = cal.add_parser("show", help="查看某年的安排")
    p.add_argument("year", type=int)
    p.set_defaults(func=cmd_calendar_show)
    p = sub.add_parser("backup", help="备份数据库与附件到一个归档文件（服务运行时亦可）")
    p.add_argument("-o", "--output", help="归档文件或目录（默认当前目录下 duban-backup-时间.tar.gz）")
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser("restore", help="从归档恢复数据库与附件并校验（先停止服务与 worker）")
    p.add_argument("archive")
    p.add_argument("--force", action="store_true", help="目标数据库已有数据时仍覆盖")
    p.set_defaults(func=cmd_restore)
    ls = sub.add_parser("list", help="列出定义、实例或用户").add_subparsers(dest="what", required=True)
    ls.add_parser("definitions", help="流程定义").set_defaults(func=cmd_list_definitions)
    p = ls.add_parser("instances", help="流程实例")
    p.add_argument("--status", choices=["running", "completed", "error", "suspended", "withdrawn"])
    p.add_argument("--limit", type=int, default=50)
    p.set_defaults(func=cmd_list_instances)
    ls.add_parser("users", help="用户").set_defaults(func=cmd_list_users)
    cli_users.add_parsers(sub)
    cli_history.add_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except DubanError as exc:
        print(f"错误：{exc.message}", file=sys.stderr)
        if exc.details:
            print(exc.details, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
