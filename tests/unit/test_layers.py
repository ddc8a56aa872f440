"""The layer rules of pyproject.toml ([tool.importlinter]) hold for the code, and the tool really fails
on a forbidden import (checked on a copy of the package with one bad import added)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(package_parent: Path) -> subprocess.CompletedProcess[str]:
    env = {"PYTHONPATH": str(package_parent), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=package_parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_code_keeps_every_layer_rule(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "service", tmp_path / "service", ignore=shutil.ignore_patterns("__pycache__", "static"))
    result = _lint(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_page_importing_a_table_breaks_the_lint(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "service", tmp_path / "service", ignore=shutil.ignore_patterns("__pycache__", "static"))
    views = tmp_path / "service" / "web" / "views_inbox.py"
    views.write_text(views.read_text() + "\nfrom service.db.models import HumanTask  # noqa\n")
    process = tmp_path / "service" / "process" / "progress.py"
    process.write_text(process.read_text() + "\nfrom service import ledger  # noqa\n")
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert "service.web.views_inbox -> service.db.models" in result.stdout
    assert "service.process.progress -> service.ledger" in result.stdout
