"""The suite runs on the database it was asked for (guards the PostgreSQL leg of CI)."""

from __future__ import annotations

import os


def test_the_suite_uses_the_requested_database(services):
    url = os.environ.get("DUBAN_TEST_DATABASE_URL")
    expected = "postgresql" if url and url.startswith("postgresql") else "sqlite"
    assert services.db.dialect.name == expected
