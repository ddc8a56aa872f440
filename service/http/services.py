"""The running service as the API and the pages reach it: settings, database, unit-of-work factory and
the context of the use cases. Built by service/wiring.py, kept on the Flask app by create_app."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from service.config import Settings
from service.db.session import UnitOfWork
from service.process.context import ServiceContext


@dataclass
class Services:
    settings: Settings
    db: Engine
    ctx: ServiceContext

    def __post_init__(self) -> None:
        self._sessions = sessionmaker(bind=self.db, expire_on_commit=False)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self._sessions)

    def close(self) -> None:
        """Stop the engine processes and close the database connections."""
        self.ctx.engines.close()
        self.db.dispose()


def current_services() -> Services:
    """The services of the app handling this request."""
    return current_app.extensions["duban"]  # type: ignore[no-any-return]
