"""A throwaway redis-server on a free localhost port, for the index tests and benchmark."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """`with RedisServer() as url:` a private, memory-only redis-server; stopped on exit."""

    def __init__(self, binary: str | None = None):
        self.binary = binary or shutil.which("redis-server")
        if self.binary is None:
            raise FileNotFoundError("redis-server not found (Debian package redis-server; tests/run.sh installs it)")
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> str:
        self.dir = tempfile.mkdtemp(prefix="dedup-redis-")
        for _ in range(5):
            self.port = free_port()
            self.proc = subprocess.Popen(
                [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                 "--dir", self.dir, "--protected-mode", "yes"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            if self._wait_ready():
                return f"redis://127.0.0.1:{self.port}/0"
            self._stop()  # port taken meanwhile: try another
        raise RuntimeError("could not start redis-server")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return True
            except OSError:
                time.sleep(0.05)
        return False

    def _stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __exit__(self, *exc) -> None:
        self._stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def redis_required() -> bool:
    """In CI a missing redis-server is a failure, not a skip."""
    return os.environ.get("CI", "").lower() in ("true", "1", "yes")


ROOT = Path(__file__).resolve().parent.parent
