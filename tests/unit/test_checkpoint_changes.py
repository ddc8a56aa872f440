"""The checkpoint after each engine step: the keys set and removed, rebuilt in order into the data."""

from __future__ import annotations

from types import SimpleNamespace

from service.process.checkpoints import data_after_each, data_changes


def test_only_new_or_different_values_and_removed_keys_are_recorded() -> None:
    before = {"a": 1, "b": [1, 2], "gone": "x"}
    after = {"a": 1, "b": [1, 2, 3], "new": {"k": None}}
    assert data_changes(before, after) == {"set": {"b": [1, 2, 3], "new": {"k": None}}, "removed": ["gone"]}
    assert data_changes(after, after) == {"set": {}, "removed": []}


def test_the_data_after_each_checkpoint_is_rebuilt_and_other_events_are_skipped() -> None:
    events = [
        SimpleNamespace(seq=1, kind="instance_started", payload={"data": {"ignored": 1}}),
        SimpleNamespace(seq=2, kind="checkpoint", payload={"set": {"a": 1, "b": 2}, "removed": []}),
        SimpleNamespace(seq=3, kind="task_completed", payload={"data": {"a": 9}}),
        SimpleNamespace(seq=4, kind="checkpoint", payload={"set": {"a": 3}, "removed": ["b"]}),
    ]
    assert list(data_after_each(events)) == [(2, {"a": 1, "b": 2}), (4, {"a": 3})]
