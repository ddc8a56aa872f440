"""Issue 14 point 5: `duban serve` starts its engine processes once it is listening (they no longer compete
with its start-up for the CPU); a command that comes first starts one itself, as before."""

from __future__ import annotations

import socket
import threading
from types import SimpleNamespace

from service import cli


class _Pool:
    def __init__(self) -> None:
        self.warmed = threading.Event()

    def warm(self) -> None:
        self.warmed.set()


def test_the_engines_start_when_the_server_accepts_connections():
    """Given the server's port not yet listening, when the warm-up waits for it, then it starts the engine
    processes only after the port accepts a connection."""
    pool = _Pool()
    services = SimpleNamespace(ctx=SimpleNamespace(engines=pool))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    waiting = threading.Thread(target=cli._warm_when_listening, args=(services, "127.0.0.1", port, 20.0))
    waiting.start()
    assert not pool.warmed.wait(0.3)  # nothing listens yet
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", port))
        server.listen()
        assert pool.warmed.wait(10)
    waiting.join(5)
