"""Verified re-execution of an instance's recorded inputs (issue 13 point 2): see replay.py and
docs/decisions/0021-reexecution.md."""
