"""Regenerate the README's screenshots of the web view (`make screenshots`).

Runs the kcp phase 8 example with the scripted agent in a throw-away repository, serves its
state, and has headless Chromium (the same set-up as the browser tests) photograph the
overview, the dependency graph and the Gantt chart.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE.parent.parent / "examples")]

from web.conftest import CHROMIUM_ARGS, start_server, stop_server  # noqa: E402

SHOTS = {"overview": "/", "graph": "/graph", "gantt": "/gantt"}


def main(out: Path) -> int:
    import demo
    from playwright.sync_api import sync_playwright

    from components import chromium_path

    browser_path = chromium_path()
    if browser_path is None:
        print("chromium is not installed: apt-get install chromium", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="phasegate-shots-") as tmp:
        repo = demo.make_repo(Path(tmp))
        env = {**os.environ, "PHASEGATE_SCRIPTED_DELAY": "0.2"}
        subprocess.run([sys.executable, "-m", "phasegate", "run"], cwd=repo, env=env,
                       check=True, capture_output=True)  # fmt: skip
        server = start_server(repo)
        try:
            with sync_playwright() as p:
                b = p.chromium.launch(executable_path=browser_path, args=CHROMIUM_ARGS)
                page = b.new_page(viewport={"width": 1200, "height": 760})
                for name, path in SHOTS.items():
                    page.goto(server.url + path)
                    page.screenshot(path=str(out / f"{name}.png"), full_page=True)
                    print(out / f"{name}.png")
                b.close()
        finally:
            stop_server(server)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/img")))
