"""Table definitions (SQLAlchemy 2 typed models), one module per area; the only place that defines tables.
Importing this package registers every table on `Base.metadata` (Alembic and the tests rely on that)."""

from __future__ import annotations

from service.db.models.access import AuditEntry, WebSession
from service.db.models.accountability import AccountabilityReferral
from service.db.models.archives import Archive
from service.db.models.attachments import Attachment
from service.db.models.base import Base, BigId, JSONType, UTCDateTime
from service.db.models.cadres import (
    CadreDiscipline,
    CadreEvaluation,
    RotationDraw,
    RotationDrawEntry,
    SupervisionCadre,
    SupervisionLeader,
)
from service.db.models.calendar import CalendarDay, CalendarYear
from service.db.models.campaigns import CampaignApplication, CampaignItem, InspectionFeedback, PlanItem
from service.db.models.documents import Bulletin, BulletinMention
from service.db.models.ledger import LedgerExportJob, LedgerItem
from service.db.models.migration import MigrationJob, MigrationJobItem
from service.db.models.modeling import DefinitionDraft
from service.db.models.notifications import Notification, OutboxMessage
from service.db.models.organisation import ApiToken, Role, Unit, User, UserRole
from service.db.models.process import (
    Counter,
    HistoryDigest,
    HistoryDigestLeaf,
    HistoryEvent,
    HumanTask,
    ProcessDefinition,
    ProcessInstance,
    TaskDraft,
)
from service.db.models.scoring import ScoreRuleSet

__all__ = [
    "AccountabilityReferral",
    "ApiToken",
    "Archive",
    "Attachment",
    "AuditEntry",
    "Base",
    "BigId",
    "Bulletin",
    "BulletinMention",
    "CadreDiscipline",
    "CadreEvaluation",
    "CalendarDay",
    "DefinitionDraft",
    "CalendarYear",
    "CampaignApplication",
    "InspectionFeedback",
    "CampaignItem",
    "Counter",
    "HistoryDigest",
    "HistoryDigestLeaf",
    "HistoryEvent",
    "HumanTask",
    "JSONType",
    "LedgerExportJob",
    "LedgerItem",
    "MigrationJob",
    "MigrationJobItem",
    "Notification",
    "OutboxMessage",
    "PlanItem",
    "ProcessDefinition",
    "ProcessInstance",
    "Role",
    "RotationDraw",
    "RotationDrawEntry",
    "ScoreRuleSet",
    "SupervisionCadre",
    "SupervisionLeader",
    "TaskDraft",
    "UTCDateTime",
    "Unit",
    "User",
    "UserRole",
    "WebSession",
]
