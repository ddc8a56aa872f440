"""The composition root: settings → database, engine, context. Used by the app factory and the CLI."""

from __future__ import annotations

from service.archives import use_cases as archive_use_cases
from service.campaigns import field_work, plans, rectification
from service.config import Settings
from service.db.session import make_engine
from service.deadlines import extensions
from service.documents import campaign_publish
from service.engine.isolation import EnginePool
from service.engine.limits import StepLimits
from service.engine.protocol import EngineLimits, EngineSetup
from service.http.services import Services
from service.ledger import projection
from service.notifications import hooks as notification_hooks
from service.notifications.config import NotifyConfig
from service.process.context import ServiceContext

# What reacts to every saved engine step (service.process.events), in this order, in the step's transaction:
#   1. the ledger row (台账): first, so what reacts later reads the item as it now stands;
#   2. notifications: 新待办 for the tasks the step created, 催办 for the timers it fired (written to the
#      in-app list and the outbox; delivery happens after commit, so a rolled-back step sends nothing);
#   3. the campaign's 督查通报: numbered and stored when its 印发督查通报 task is completed (it reads the step
#      only, and nothing after it depends on it);
#   4. the annual plan's items (when a plan is adopted) and the plan check's binding (a campaign uses one
#      plan item or one approved 附件1), the 督查通知 and the groups' 反馈意见 to the inspected units; then the
#      campaign's rectification items: created when the campaign
#      reaches 整改事项办理中, and the campaign resumed when its last item completes — nested steps of
#      *other* instances, after this step's own reactions (an item's completion is in the ledger before the
#      campaign reads the results);
#   5. the archive package: when 销号归档 / 资料归档 is completed, after the items' and the bulletin's rows it
#      packs exist (it reads them, and the history this step wrote);
#   6. the 延期 decision: last, because it moves *another* instance's deadline — a nested step that
#      publishes to this same list — and that must see this instance's step complete.
STEP_SUBSCRIBERS = (
    projection.on_step_saved,
    notification_hooks.on_step_saved,
    campaign_publish.on_step_saved,
    plans.on_step_saved,
    field_work.on_step_saved,
    rectification.on_step_saved,
    archive_use_cases.on_step_saved,
    extensions.on_step_saved,
)


def engine_pool(settings: Settings) -> EnginePool:
    limits = EngineLimits(
        script_seconds=settings.script_time_limit,
        cpu_seconds=settings.engine_cpu_seconds,
        wall_seconds=settings.engine_wall_seconds,
        memory_mb=settings.engine_memory_mb,
        steps=StepLimits(steps=settings.engine_step_limit),
    )
    setup = EngineSetup(
        "service.process.script_helpers:script_helpers", "service.process.script_helpers:use_calendar", limits
    )
    return EnginePool(setup, size=settings.engine_processes)


def build_services(settings: Settings | None = None) -> Services:
    settings = settings or Settings()
    db = make_engine(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
    ctx = ServiceContext(
        engines=engine_pool(settings),
        notify_config=NotifyConfig.from_settings(settings),
        subscribers=STEP_SUBSCRIBERS,
        data_dir=settings.data_dir,
        timer_lease_seconds=max(1.0, settings.timer_lease_seconds),
    )
    return Services(settings=settings, db=db, ctx=ctx)
