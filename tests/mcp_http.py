"""Starting `phasegate mcp --http` for a test, and SDK clients that carry a token."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
from mcp.client.streamable_http import streamable_http_client

from mcp import Client
from support import free_port


@contextlib.contextmanager
def http_server(project: Path) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "PHASEGATE_PLAN": str(project / "phasegate.yaml")}
    for var in ("PHASEGATE_EFFORT", "PHASEGATE_ATTEMPT"):
        env.pop(var, None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "phasegate", "mcp", "--http", f"127.0.0.1:{port}"],
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def client(url: str, token: str | None) -> Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    http = httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=300))
    transport: Any = streamable_http_client(url, http_client=http)
    return Client(transport)
