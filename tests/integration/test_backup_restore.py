"""Feature: `duban backup` and `duban restore` (issue 9, point 8) — on the database the suite runs on.

A real item (started, approved, an attachment uploaded, the unit's report submitted) is backed up while the
service is up, restored into a fresh database and data directory, and then every history chain and
attachment checksum verifies and every table has the same rows. A tampered archive and a restore over data
without --force are refused and change nothing.
"""

from __future__ import annotations

import io
import os
import secrets
import subprocess
import sys
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from service import create_app
from service.backup import create_backup, restore_backup
from service.backup.manifest import HashingReader, Manifest
from service.backup.verify import verify_restored
from service.config import ROOT, Settings
from service.db.queries import backup as backup_queries
from service.errors import Conflict, InvalidInput
from service.wiring import build_services
from tests.api_helpers import Actor
from tests.integration.test_attachments import PDF, upload
from tests.integration.test_supervised_item_flow import ITEM, REPORT


def run_cli(*args: str, database_url: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "DUBAN_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "service.cli", *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def counts_of(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return backup_queries.table_counts(conn)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def source(app, services, tokens):  # type: ignore[no-untyped-def]
    """Real data made through the API: (attachment id, its bytes, instance id)."""
    client = app.test_client()
    office, leader, unit = (Actor(client, tokens[u]) for u in ("dcs_li", "changwu", "zjj_ll"))
    data = {**ITEM, "co_units": []}
    iid = office.start("supervision_item", data)["id"]
    office.do(iid, "register", data)
    leader.do(iid, "approve", {"decision": "approve"})
    handle = unit.task(iid, "handle")
    body = PDF + secrets.token_hex(8).encode()
    posted = upload(unit, iid, body, "整改报告.pdf", handle["id"])
    assert posted.status_code == 201, posted.get_json()
    unit.complete(handle["id"], REPORT)
    return posted.get_json()["id"], body, iid


@pytest.fixture(scope="module")
def archive(source, services, tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    """Made by the real command, in its own process, while this process keeps the database open."""
    out = tmp_path_factory.mktemp("backups") / "nightly.tar.gz"
    done = run_cli(
        "backup", "-o", str(out), database_url=services.settings.database_url, data_dir=services.settings.data_dir
    )
    assert done.returncode == 0, done.stderr
    assert "备份完成" in done.stdout and out.is_file()
    return out


@pytest.fixture()
def fresh(services, tmp_path) -> Iterator[Callable[[], Settings]]:  # type: ignore[no-untyped-def]
    """Settings for a new, empty database and data directory (on PostgreSQL: a new database on the server)."""
    created: list[str] = []
    source_url = make_url(services.settings.database_url)

    def make() -> Settings:
        n = len(created)
        if source_url.get_backend_name() == "sqlite":
            url = f"sqlite:///{tmp_path / f'restored-{n}.sqlite3'}"
        else:
            name = f"duban_restore_{secrets.token_hex(4)}"
            with services.db.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            url = source_url.set(database=name).render_as_string(hide_password=False)
        created.append(url)
        data_dir = tmp_path / f"data-{n}"
        data_dir.mkdir()
        return Settings(database_url=url, data_dir=data_dir, secret_key="test-secret", scheduler_interval=0)

    yield make
    if source_url.get_backend_name() != "sqlite":
        with services.db.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for url in created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))


def manifest_of(archive: Path) -> Manifest:
    with tarfile.open(archive) as tar:
        member = tar.extractfile("manifest.json")
        assert member is not None
        return Manifest.from_json(member.read())


def flip_attachments(name: str, data: bytes) -> bytes:
    return data.replace(b"%%EOF", b"%%EOX") if name.startswith("attachments/") else data


def rewrite(archive: Path, out: Path, change: Callable[[str, bytes], bytes]) -> None:
    """Copy the archive member by member, passing each file's bytes through `change`."""
    with tarfile.open(archive, "r:gz") as src, tarfile.open(out, "w:gz") as dst:
        for member in src:
            handle = src.extractfile(member)
            body = change(member.name, handle.read() if handle else b"")
            member.size = len(body)
            dst.addfile(member, io.BytesIO(body))


def test_a_restore_into_a_fresh_database_verifies_every_history_and_attachment(
    source, archive, services, tokens, fresh
):  # type: ignore[no-untyped-def]
    attachment_id, body, iid = source
    source_counts = counts_of(services.settings.database_url)
    manifest = manifest_of(archive)
    assert manifest.database == services.db.dialect.name and manifest.schema_revision
    assert manifest.counts == source_counts and manifest.counts["attachments"] >= 1
    assert manifest.attachments == source_counts["attachments"]

    # The suite's shared database may hold an attachment another test damaged on purpose; a restore
    # must reproduce the source exactly, so that one is bad after it too, and nothing else.
    damaged_in_source = verify_restored(services.db, services.settings.data_dir, manifest).bad_attachments
    assert attachment_id not in damaged_in_source

    target = fresh()
    result = restore_backup(target, archive)

    v = result.verification
    assert v.broken_histories == [] and v.bad_attachments == damaged_in_source and v.count_mismatches == {}
    assert result.ok == (damaged_in_source == [])
    assert v.histories == source_counts["process_instances"] and v.attachments == source_counts["attachments"]
    assert counts_of(target.database_url) == source_counts
    # the restored service serves the same item and the same bytes (tokens are rows too)
    restored = build_services(target)
    try:
        office = Actor(create_app(services=restored).test_client(), tokens["dcs_li"])
        with office.get(f"/attachments/{attachment_id}/download") as response:
            assert response.status_code == 200 and response.data == body
        assert office.instance(iid)["status"] == "running"
        assert office.get(f"/process-instances/{iid}/history/verify").get_json()["ok"] is True
    finally:
        restored.close()


def test_a_tampered_archive_is_refused_before_anything_changes(source, archive, fresh, tmp_path):  # type: ignore[no-untyped-def]
    attachment_id, body, _ = source
    tampered = tmp_path / "tampered.tar.gz"
    rewrite(archive, tampered, flip_attachments)
    target = fresh()
    with pytest.raises(InvalidInput, match="校验和不符 attachments/"):
        restore_backup(target, tampered)
    assert counts_of(target.database_url) == {}  # the database was not touched
    assert not (target.data_dir / "attachments").exists()

    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[:-200])
    with pytest.raises(InvalidInput, match="备份文件"):
        restore_backup(target, truncated)
    assert counts_of(target.database_url) == {}


def test_after_a_restore_a_file_or_history_that_does_not_match_the_database_is_reported(  # type: ignore[no-untyped-def]
    source, archive, fresh, tmp_path
):
    """The manifest only proves the archive is what was written; the checks after restoring compare the
    files with the database's own records and recompute every history chain."""
    attachment_id, _, iid = source
    swapped = tmp_path / "swapped.tar.gz"
    rewrite(archive, swapped, flip_attachments)
    manifest = manifest_of(swapped)
    with tarfile.open(swapped) as tar:  # a forger who also fixes the manifest's checksums
        for name in manifest.files:
            reader = tar.extractfile(name)
            assert reader is not None
            hashing = HashingReader(reader)
            while hashing.read(65536):
                pass
            manifest.files[name] = hashing.entry()
    forged = tmp_path / "forged.tar.gz"
    rewrite(swapped, forged, lambda name, data: manifest.to_json() if name == "manifest.json" else data)

    target = fresh()
    result = restore_backup(target, forged)
    assert not result.ok and attachment_id in result.verification.bad_attachments

    engine = create_engine(target.database_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE history_events SET actor = 'someone_else' WHERE instance_id = :i AND seq = 2"), {"i": iid}
            )
        assert verify_restored(engine, target.data_dir, result.manifest).broken_histories == [iid]
    finally:
        engine.dispose()


def test_restore_over_data_needs_force(source, archive, fresh, services):  # type: ignore[no-untyped-def]
    target = fresh()
    restore_backup(target, archive)
    with pytest.raises(Conflict, match="--force"):
        restore_backup(target, archive)

    refused = run_cli("restore", str(archive), database_url=target.database_url, data_dir=target.data_dir)
    assert refused.returncode == 2 and "--force" in refused.stderr
    forced = run_cli("restore", str(archive), "--force", database_url=target.database_url, data_dir=target.data_dir)
    # an attachment another test damaged on purpose in the shared database is reported, and only that
    damaged = verify_restored(services.db, services.settings.data_dir, manifest_of(archive)).bad_attachments
    if damaged:
        assert forced.returncode == 1 and f"{damaged}" in forced.stdout, forced.stdout
    else:
        assert forced.returncode == 0 and "校验通过" in forced.stdout, forced.stdout
    assert "previous attachments kept at" in forced.stdout
    assert any(p.name.startswith("attachments.before-restore-") for p in target.data_dir.iterdir())
    assert counts_of(target.database_url) == manifest_of(archive).counts


def test_a_backup_never_overwrites_an_existing_file(archive, services):  # type: ignore[no-untyped-def]
    before = archive.read_bytes()
    with pytest.raises(Conflict):
        create_backup(services.settings, archive)
    assert archive.read_bytes() == before
