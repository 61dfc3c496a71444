"""A real `phasegate serve` on loopback, and headless Debian Chromium driven by Playwright."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from components import chromium_path, need
from support import free_port

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class Server:
    url: str
    port: int
    token: str
    proc: subprocess.Popen[bytes]
    repo: Path

    def client(self, **kw: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=10, **kw)

    def person(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def start_server(repo: Path, *extra: str, token: str = "people-secret-token") -> Server:
    port = free_port()
    env = dict(os.environ, PHASEGATE_WEB_TOKEN=token)
    # A file, not a pipe nobody reads: a chatty server must never block on its own output.
    log = repo.parent / f"serve-{port}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "phasegate", "serve", "--port", str(port), *extra],
            cwd=repo,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(
                f"phasegate serve exited {proc.returncode}:\n{log.read_text(errors='replace')}"
            )
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return Server(url, port, token, proc, repo)
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("phasegate serve did not answer within 60 s")


def stop_server(server: Server) -> None:
    server.proc.terminate()
    try:
        server.proc.wait(10)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait(10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    path = chromium_path()
    need("chromium", path is not None, "apt-get install chromium (make test does it as root)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need("playwright", False, "pip install -e '.[test]'")
        raise
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield b
        b.close()


SCRIPTED = "python -m phasegate.agents.scripted"

WEB_PLAN = f"""
version: 1
project: webview
units: lines
rate: 500
agents: {{max: 2, command: "{SCRIPTED}", retries: 0, timeout: 60s}}
phases:
  - id: build
    gate:
      checks:
        - {{name: files there, run: "test -f a/a.txt && test -f b/b.txt"}}
        - {{name: coverage, run: "echo coverage=82", metric: coverage, expect: ">= 70"}}
      require: {{critical_blockers: 0}}
      criteria: [Release notes reviewed]
efforts:
  - {{id: a, title: Alpha, size: 300, files: ["a/**"], deliverables: [alpha], checks: [{{run: "test -f a/a.txt"}}]}}
  - {{id: b, title: Beta, size: 200, depends_on: [a], files: ["b/**"], deliverables: [beta], checks: [{{run: "test -f b/b.txt"}}]}}
  - {{id: c, title: Gamma, size: 100, files: ["c/**"], deliverables: [gamma], checks: [{{run: "test -f c/c.txt"}}]}}
metrics:
  - {{id: coverage, title: Test coverage, unit: "%", target: ">= 80"}}
"""


@pytest.fixture
def web_repo(tmp_path: Path) -> Path:
    from engine.conftest import write_project

    return write_project(tmp_path / "repo", WEB_PLAN)


@pytest.fixture
def server(web_repo: Path) -> Iterator[Server]:
    srv = start_server(web_repo)
    yield srv
    stop_server(srv)
