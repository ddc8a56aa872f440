"""The composition root: settings → database, engine, context. Used by the app factory and the CLI."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from service.config import Settings
from service.context import ServiceContext
from service.db.session import UnitOfWork, make_engine
from service.deadlines import extensions
from service.engine.runtime import ProcessEngine
from service.notifications.config import NotifyConfig
from service.script_helpers import script_helpers


@dataclass
class Services:
    settings: Settings
    db: Engine
    ctx: ServiceContext

    def __post_init__(self) -> None:
        self._sessions = sessionmaker(bind=self.db, expire_on_commit=False)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self._sessions)


def build_services(settings: Settings | None = None) -> Services:
    settings = settings or Settings()
    db = make_engine(settings.database_url)
    engine = ProcessEngine(script_helpers(), time_limit=settings.script_time_limit)
    ctx = ServiceContext(engine=engine, notify_config=NotifyConfig.from_settings(settings))
    ctx.completion_hooks[extensions.EXTENSION_PROCESS] = extensions.on_completed  # 延期 approved → deadline moves
    return Services(settings=settings, db=db, ctx=ctx)
