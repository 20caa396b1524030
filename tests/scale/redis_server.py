"""A real ``redis-server`` for the scale-out tests: 127.0.0.1, a random port, no persistence.

``RedisServer().start()`` runs Debian's ``redis-server`` (``--save ""``, no append-only file, in a
temporary folder) and waits for it to answer; ``stop()`` kills it (SIGKILL, as a crash would) and
``start()`` brings it back on the same port, empty. Tests skip with a clear reason when
``redis-server`` is not installed (``.ci/run`` installs it).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

__all__ = ["REDIS_SERVER", "RedisServer"]

REDIS_SERVER = shutil.which("redis-server") or ("/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists()
                                                 else None)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ping(port: int, password: str | None) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            if password:
                sock.sendall(f"AUTH {password}\r\n".encode())
                if not sock.recv(64).startswith(b"+OK"):
                    return False
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """One redis-server process; ``url`` points at it (with the password, if any)."""

    def __init__(self, password: str | None = None) -> None:
        if REDIS_SERVER is None:
            raise RuntimeError("redis-server is not installed")
        self.password = password
        self.port = _free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="g4f-redis-"))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> RedisServer:
        args = [str(REDIS_SERVER), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", str(self.folder), "--protected-mode", "no", "--loglevel", "warning"]
        if self.password:
            args += ["--requirepass", self.password]
        deadline = time.monotonic() + timeout
        while True:
            self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            while time.monotonic() < deadline and self.process.poll() is None:
                if _ping(self.port, self.password):
                    return self
                time.sleep(0.02)
            if self.process.poll() is None or time.monotonic() >= deadline:
                self.stop()
                raise RuntimeError(f"redis-server did not answer on port {self.port}")
            # The port was taken between choosing it and binding it: choose another.
            self.port = _free_port()

    def stop(self) -> None:
        """Kill it at once (SIGKILL): what a crash or a lost machine looks like to its clients."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)
