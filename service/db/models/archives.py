"""资料归档 (Y3a7, Y3b5): one electronic archive package per item or campaign, its manifest kept here and in
the package, the package's bytes under the data dir with their sha256."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from service.db.models.base import Base, BigId, JSONType, UTCDateTime


class Archive(Base):
    __tablename__ = "archives"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), unique=True, index=True)
    archive_no: Mapped[str] = mapped_column(String(64), unique=True)  # 归档〔2026〕第N号
    retention: Mapped[str] = mapped_column(String(16))  # 保管期限: 永久 / 30年 / 10年
    storage_key: Mapped[str] = mapped_column(String(100), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    manifest: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
