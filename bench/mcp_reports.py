"""Agents reporting over MCP: many SDK clients at once against one `phasegate mcp --http`,
each sending reports with the token minted for its attempt. Prints throughput and p50/p99
latency of `report_progress` calls, beside anchors measured in the same run on the same
store: the same reports appended one by one straight to the store (one transaction and sync
each, no protocol at all), and `phasegate report` command-line calls.

Goal: >= 300 reports/s and p99 < 100 ms with 200 clients on 2 cores.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, installed_env, main, python, row

EFFORTS = ["8.1.1", "8.1.2", "8.2.1", "8.2.2", "8.2.3", "8.3.1", "8.3.2", "8.3.3"]


def project(where: Path) -> dict[str, str]:
    """A plan with every effort running (attempt 1) and a token per effort."""
    from phasegate.service import tokens
    from phasegate.tracking.session import open_session

    shutil.copy(ROOT / "examples" / "kcp-phase8.yaml", where / "phasegate.yaml")
    with open_session(str(where / "phasegate.yaml"), None) as s:
        for e in EFFORTS:
            s.store.transition(e, "running", reason="bench")
        return {e: tokens.mint(s.store, e, 1) for e in EFFORTS}


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def server(where: Path, cpu: list[float]) -> Iterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [python(), "-m", "phasegate", "mcp", "--http", f"127.0.0.1:{port}", "-f",
         str(where / "phasegate.yaml")],
        env=installed_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(600):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            time.sleep(0.05)
        cpu.append(cpu_seconds(proc.pid))
        yield f"http://127.0.0.1:{port}/mcp"
        cpu.append(cpu_seconds(proc.pid))
    finally:
        proc.terminate()
        proc.wait(10)


async def load(url: str, minted: dict[str, str], clients: int, each: int) -> dict[str, Any]:
    import httpx2
    from mcp.client.streamable_http import streamable_http_client

    from mcp import Client

    connected = asyncio.Barrier(clients + 1)
    go = asyncio.Event()
    latencies: list[float] = []
    errors: list[str] = []

    async def one(k: int) -> None:
        effort = EFFORTS[k % len(EFFORTS)]
        headers = {"Authorization": f"Bearer {minted[effort]}"}
        http = httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(60, read=300))
        transport: Any = streamable_http_client(url, http_client=http)
        async with Client(transport) as c:
            await connected.wait()
            await go.wait()
            for j in range(each):
                args = {"progress": j % 100, "metrics": {"coverage": j}, "key": f"b{k}.{j}"}
                start = time.perf_counter()
                r = await c.call_tool("report_progress", args)
                latencies.append(time.perf_counter() - start)
                if r.is_error:
                    errors.append(str(r.content[0]))

    tasks = [asyncio.create_task(one(k)) for k in range(clients)]
    await connected.wait()
    start, cpu = time.perf_counter(), time.process_time()
    go.set()
    await asyncio.gather(*tasks)
    wall = time.perf_counter() - start
    return {
        "wall": wall,
        "latencies": sorted(latencies),
        "errors": errors,
        "client_cpu": time.process_time() - cpu,
    }


def pct(sorted_values: list[float], p: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(p * len(sorted_values)))]


def raw_appends(where: Path, n: int) -> tuple[float, list[float]]:
    """The same number of reports appended straight to the store, one transaction each."""
    from phasegate.store import open_store

    lat = []
    with open_store(None, state_dir=where / ".phasegate") as store:
        begin = time.perf_counter()
        for k in range(n):
            start = time.perf_counter()
            store.append("report", effort=EFFORTS[k % len(EFFORTS)], attempt=1,
                         data={"progress": 1.0}, key=f"raw{k}")  # fmt: skip
            lat.append(time.perf_counter() - start)
        return time.perf_counter() - begin, sorted(lat)


def cli_reports(where: Path, n: int) -> list[float]:
    env = {**installed_env(), "PHASEGATE_ATTEMPT": "1"}
    lat = []
    for k in range(n):
        start = time.perf_counter()
        subprocess.run(
            [python(), "-m", "phasegate", "report", "8.1.1", "--progress", "5", "--key", f"cli{k}"],
            cwd=where, env=env, capture_output=True, check=True,
        )  # fmt: skip
        lat.append(time.perf_counter() - start)
    return sorted(lat)


def rows(quick: bool) -> list[dict[str, Any]]:
    clients, each = (50, 4) if quick else (200, 5)
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(tmp)
        minted = project(where)
        cpu: list[float] = []
        with server(where, cpu) as url:
            got = asyncio.run(load(url, minted, clients, each))
        total = clients * each
        from phasegate.store import open_store

        with open_store(None, state_dir=where / ".phasegate") as store:
            stored = sum(1 for e in store.events(kinds=["report"]) if e.key.startswith("b"))
        raw_wall, raw_lat = raw_appends(where, total)
        cli_lat = cli_reports(where, 10 if quick else 20)
    lat = got["latencies"]
    server_ms = (cpu[1] - cpu[0]) / total * 1000 if len(cpu) == 2 else float("nan")
    load_avg = os.getloadavg()[0]
    notes = (
        f"{clients} clients x {each} reports, {stored}/{total} stored, {len(got['errors'])} "
        f"errors; CPU per report: server {server_ms:.1f} ms (handshakes included), clients "
        f"{got['client_cpu'] / total * 1000:.1f} ms (all in this process); load average "
        f"{load_avg:.1f} on {os.cpu_count()} cores"
    )
    return [
        row("mcp reports/s (200 clients)" if not quick else "mcp reports/s (50 clients)",
            total / got["wall"], total / raw_wall, "raw store appends/s", "reports/s", notes),
        row("mcp report p50 latency", pct(lat, 0.5) * 1000, pct(cli_lat, 0.5) * 1000,
            "phasegate report CLI p50", "ms"),
        row("mcp report p99 latency", pct(lat, 0.99) * 1000, pct(raw_lat, 0.99) * 1000,
            "raw store append p99", "ms"),
        row("mcp report mean latency", statistics.fmean(lat) * 1000,
            statistics.fmean(cli_lat) * 1000, "phasegate report CLI mean", "ms"),
    ]  # fmt: skip


if __name__ == "__main__":
    os.environ.pop("PHASEGATE_EFFORT", None)
    main(rows, __doc__, "50 clients x 4 reports")
