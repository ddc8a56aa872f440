"""Reads pip-audit's and npm audit's JSON reports for scripts/audit.sh and says what they found.

    python3 scripts/audit_report.py pip REPORT.json PROBE_URL
    python3 scripts/audit_report.py npm REPORT.json

Exit codes: 0 audited, nothing to fail on; 1 known vulnerabilities (pip: any; npm: high or critical);
2 the audit could not be done and it is our fault (bad input, a dependency the service does not know);
3 the vulnerability service could not be reached (not our fault: nothing was audited).
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

CLEAN, FOUND, OUR_FAULT, UNREACHABLE = 0, 1, 2, 3
# npm's errors for a broken project (not a broken service): lock file missing or unreadable, bad package.json
NPM_OUR_CODES = {"ENOLOCK", "EJSONPARSE", "EUSAGE", "ELOCKVERIFY", "ENOENT"}


def _load(path: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _reachable(url: str) -> tuple[bool, str]:
    """Whether PyPI's per-version JSON (what pip-audit's PyPI service reads) answers for a release that exists."""
    try:
        with urllib.request.urlopen(url, timeout=15) as response:  # noqa: S310 - fixed https URL
            return response.status == 200, f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        return False, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        return False, str(exc)


def pip_report(path: str, probe: str) -> int:
    report = _load(path)
    up, how = _reachable(probe)
    if not isinstance(report, dict):
        if not up:
            print(f"pip-audit: vulnerability service unreachable ({probe}: {how}); nothing was audited")
            return UNREACHABLE
        print("pip-audit: no report although the service answers (see pip-audit's error above)")
        return OUR_FAULT
    deps = report.get("dependencies", [])
    vulnerable = [d for d in deps if d.get("vulns")]
    skipped = [d for d in deps if d.get("skip_reason")]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            aliases = " ".join(vuln.get("aliases") or [])
            print(f"  VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} {aliases} (fixed in: {fixed})")
    audited = len(deps) - len(skipped)
    print(f"pip-audit: {audited}/{len(deps)} packages audited, {len(vulnerable)} with known vulnerabilities")
    if vulnerable:
        return FOUND
    if skipped and not up:
        print(
            f"pip-audit: vulnerability service unreachable ({probe}: {how}); "
            f"{len(skipped)} packages were NOT audited (pip-audit calls them 'not found on PyPI')"
        )
        return UNREACHABLE
    if skipped:
        for dep in skipped:
            print(f"  NOT AUDITED {dep['name']}: {dep['skip_reason']}")
        print("pip-audit: the service answers but does not know these packages: install them from PyPI or audit them")
        return OUR_FAULT
    return CLEAN


def npm_report(path: str) -> int:
    report = _load(path)
    if not isinstance(report, dict):
        print("npm audit: no JSON report (see npm's error above)")
        return OUR_FAULT
    error = report.get("error")
    if error is not None or "statusCode" in report:
        code = str((error or {}).get("code") or report.get("code") or "")
        message = report.get("message") or (error or {}).get("summary") or code
        if code in NPM_OUR_CODES:
            print(f"npm audit: failed because of the project ({code}): {message}")
            return OUR_FAULT
        print(f"npm audit: advisory service unreachable ({message}); nothing was audited")
        return UNREACHABLE
    counts = report.get("metadata", {}).get("vulnerabilities", {})
    for name, item in sorted(report.get("vulnerabilities", {}).items()):
        titles = "; ".join(v.get("title", "") for v in item.get("via", []) if isinstance(v, dict))
        severity, fix = item.get("severity", "?").upper(), bool(item.get("fixAvailable"))
        print(f"  {severity:8} {name} {item.get('range', '')}: {titles} (fix available: {fix})")
    summary = ", ".join(f"{k} {counts.get(k, 0)}" for k in ("critical", "high", "moderate", "low", "info"))
    print(f"npm audit: {summary}")
    return FOUND if counts.get("critical", 0) + counts.get("high", 0) else CLEAN


def main(argv: list[str]) -> int:
    if len(argv) >= 3 and argv[0] == "pip":
        return pip_report(argv[1], argv[2])
    if len(argv) >= 2 and argv[0] == "npm":
        return npm_report(argv[1])
    print(__doc__)
    return OUR_FAULT


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
