"""Settings from the environment, with embedded defaults that need no setup."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _data_dir() -> Path:
    data_dir = Path(os.environ.get("DUBAN_DATA_DIR", ROOT / "instance"))
    data_dir.mkdir(parents=True, exist_ok=True)
    return data_dir


def _default_db_url() -> str:
    return f"sqlite:///{_data_dir() / 'duban.sqlite3'}"


@dataclass
class Settings:
    database_url: str = field(default_factory=lambda: os.environ.get("DATABASE_URL") or _default_db_url())
    secret_key: str = field(default_factory=lambda: os.environ.get("DUBAN_SECRET_KEY") or secrets.token_hex(32))
    processes_dir: Path = field(default_factory=lambda: Path(os.environ.get("DUBAN_PROCESSES_DIR", ROOT / "processes")))
    forms_dir: Path = field(default_factory=lambda: Path(os.environ.get("DUBAN_FORMS_DIR", ROOT / "forms")))
    # Seconds between scheduler passes inside `duban serve`; 0 disables the embedded scheduler.
    scheduler_interval: float = field(default_factory=lambda: float(os.environ.get("DUBAN_SCHEDULER_INTERVAL", "5")))
    # SQLite only: PRAGMA synchronous. In WAL mode NORMAL fsyncs at checkpoints, not at every commit: a
    # crash of the service loses nothing, a power cut may lose the last commits (never corrupts the
    # file). FULL fsyncs every commit (about 3x the commit's cost here; decision 0026).
    sqlite_synchronous: str = field(
        default_factory=lambda: (os.environ.get("DUBAN_SQLITE_SYNCHRONOUS") or "NORMAL").strip().upper()
    )
    script_time_limit: float = field(default_factory=lambda: float(os.environ.get("DUBAN_SCRIPT_TIME_LIMIT", "1.0")))
    # Engine processes (service/engine/isolation.py): how many per service process, and what one command
    # may use in one of them — CPU seconds, elapsed seconds, extra memory (MB), engine steps.
    engine_processes: int = field(default_factory=lambda: int(os.environ.get("DUBAN_ENGINE_PROCESSES", "3")))
    engine_cpu_seconds: int = field(default_factory=lambda: int(os.environ.get("DUBAN_ENGINE_CPU_SECONDS", "300")))
    engine_wall_seconds: float = field(
        default_factory=lambda: float(os.environ.get("DUBAN_ENGINE_WALL_SECONDS", "600"))
    )
    engine_memory_mb: int = field(default_factory=lambda: int(os.environ.get("DUBAN_ENGINE_MEMORY_MB", "4096")))
    engine_step_limit: int = field(default_factory=lambda: int(os.environ.get("DUBAN_ENGINE_STEP_LIMIT", "50000")))
    token_ttl_hours: int = field(default_factory=lambda: int(os.environ.get("DUBAN_TOKEN_TTL_HOURS", "12")))
    # Uploaded attachments are stored here (outside any web root), under attachments/.
    data_dir: Path = field(default_factory=_data_dir)
    max_upload_bytes: int = field(
        default_factory=lambda: int(os.environ.get("DUBAN_MAX_UPLOAD_MB", "20")) * 1024 * 1024
    )
    # Demo mode (`make run` sets it): the demo password `duban-demo` works. Without it, a user signing in
    # with the demo password (or flagged by a reset) must change it before doing anything else.
    demo_mode: bool = field(default_factory=lambda: os.environ.get("DUBAN_DEMO_MODE", "0") == "1")
    # Session cookie `Secure` flag: auto (on when the request is https or PREFERRED_URL_SCHEME is https), 1, 0.
    secure_cookies: str = field(default_factory=lambda: (os.environ.get("DUBAN_SECURE_COOKIES") or "auto").strip())
    # A signed-in browser session ends after this many minutes without a request.
    session_idle_minutes: int = field(default_factory=lambda: int(os.environ.get("DUBAN_SESSION_IDLE_MINUTES", "30")))
    # Lights: yellow when this many working days or fewer are left before the deadline.
    yellow_workdays: int = field(default_factory=lambda: int(os.environ.get("DUBAN_YELLOW_WORKDAYS", "3")))
    # Notifications (service/notifications): email over SMTP (empty host = no email), webhooks
    # ("wecom=https://…,dingtalk=https://…"), quiet hours in Asia/Shanghai ("22:00-07:00"; empty = none).
    smtp_host: str = field(default_factory=lambda: os.environ.get("DUBAN_SMTP_HOST", "").strip())
    smtp_port: int = field(default_factory=lambda: int(os.environ.get("DUBAN_SMTP_PORT") or "25"))
    smtp_user: str = field(default_factory=lambda: os.environ.get("DUBAN_SMTP_USER", ""))
    smtp_password: str = field(default_factory=lambda: os.environ.get("DUBAN_SMTP_PASSWORD", ""), repr=False)
    smtp_starttls: bool = field(default_factory=lambda: os.environ.get("DUBAN_SMTP_STARTTLS", "0") == "1")
    mail_from: str = field(default_factory=lambda: os.environ.get("DUBAN_MAIL_FROM") or "duban@duban.local")
    webhooks: str = field(default_factory=lambda: os.environ.get("DUBAN_WEBHOOKS", ""), repr=False)  # hold tokens
    quiet_hours: str = field(default_factory=lambda: os.environ.get("DUBAN_QUIET_HOURS", ""))
    outbox_max_attempts: int = field(default_factory=lambda: int(os.environ.get("DUBAN_OUTBOX_MAX_ATTEMPTS") or "8"))
    # A claimed outbox row is taken again by another worker this many seconds after its claim (a crash).
    outbox_lease_seconds: float = field(
        default_factory=lambda: float(os.environ.get("DUBAN_OUTBOX_LEASE_SECONDS") or "300")
    )
    # How long a timer pass's claim on a due instance lasts (service.process.scheduler): a crashed worker's
    # claims run out after it. Longer than one batch of firings takes; a claim that runs out early only makes
    # two workers compute one firing (the version check saves one).
    timer_lease_seconds: float = field(
        default_factory=lambda: float(os.environ.get("DUBAN_TIMER_LEASE_SECONDS") or "120")
    )
    # Makes the links in emails and webhook messages absolute, e.g. http://duban.example.gov.cn
    public_url: str = field(default_factory=lambda: os.environ.get("DUBAN_PUBLIC_URL", "").rstrip("/"))
