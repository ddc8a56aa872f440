"""Attachments of a process instance.

    upload(...)             a user's file: size-limited, type-sniffed, hashed, audited (`use_cases`)
    keep_generated(...)     a document the service wrote (通报, 督办通知单, 催办通知)
    list_for_instance(...)  what the actor may see of an instance's files
    open_for_download(...)  the stream, after the permission and the hash check (CorruptAttachment)

The bytes live under the data directory (`file_store`); what is accepted is `file_types`.
"""

from __future__ import annotations

from service.attachments.use_cases import (
    CorruptAttachment,
    keep_generated,
    keep_generated_at,
    list_for_instance,
    open_for_download,
    upload,
)

__all__ = [
    "CorruptAttachment",
    "keep_generated",
    "keep_generated_at",
    "list_for_instance",
    "open_for_download",
    "upload",
]
