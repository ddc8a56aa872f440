"""The modeler's working copies: one per process, edited in the browser, never run."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.db.models.base import Base, JSONType, UTCDateTime


class DefinitionDraft(Base):
    """The diagram and the full set of forms an administrator is changing. Deploying it makes a
    version and removes it; saving it never touches what runs."""

    __tablename__ = "definition_drafts"
    process_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    bpmn_xml: Mapped[str] = mapped_column(Text)
    forms: Mapped[dict[str, Any]] = mapped_column(JSONType)  # formKey -> form-js JSON
    base_version: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the version it started from
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
