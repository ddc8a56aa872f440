"""Issue 14 point 5: the OpenAPI document is built on its first read, not at start-up — and it is the same
document flask-smorest builds when each blueprint is documented as it is registered."""

from __future__ import annotations

import json
from unittest import mock

from flask_smorest import Api

from service import create_app
from service.api import DubanApi
from service.config import Settings


def _document(lazy: bool) -> dict:
    settings = Settings(database_url="sqlite://", secret_key="test", scheduler_interval=0)
    patches = []
    if not lazy:  # flask-smorest's own registration: each blueprint documented at once
        patches = [
            mock.patch.object(DubanApi, "register_blueprint", Api.register_blueprint),
            mock.patch.object(DubanApi, "spec", None),
        ]
    for p in patches:
        p.start()
    try:
        app = create_app(settings, warm=False)
        services = app.extensions["duban"]
        if lazy:  # nothing documented yet: the blueprints wait for the first read
            assert app.extensions["flask-smorest"]["apis"][""]["ext_obj"]._undocumented
        answer = app.test_client().get("/api/v1/openapi.json")
        assert answer.status_code == 200
        services.ctx.engines.close()
        return json.loads(answer.get_data())
    finally:
        for p in patches:
            p.stop()


def test_the_document_built_on_first_read_is_the_one_built_at_start_up():
    """Given the service, when its OpenAPI document is read for the first time, then it lists every path,
    operation and tag, in the same order, that documenting each blueprint at registration gave."""
    lazy, eager = _document(lazy=True), _document(lazy=False)
    assert list(lazy["paths"]) == list(eager["paths"]) and len(lazy["paths"]) > 80
    assert [t["name"] for t in lazy["tags"]] == [t["name"] for t in eager["tags"]]
    assert lazy == eager
