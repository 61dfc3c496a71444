"""Run every benchmark under bench/ and write bench/results/latest.json.

Each script exposes `rows(quick) -> list[dict]`; a script that fails yields a row saying so
instead of stopping the others.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import sys
import time
import traceback
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from common import print_rows  # noqa: E402

SKIP = {"common.py", "run_all.py"}


def discover() -> list[Path]:
    return sorted(p for p in HERE.glob("*.py") if p.name not in SKIP and not p.name.startswith("_"))


def run_one(path: Path, quick: bool) -> list[dict[str, Any]]:
    spec = importlib.util.spec_from_file_location(f"bench_{path.stem}", path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    # dataclasses and pickling look the module up by name while it executes
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    if not hasattr(mod, "rows"):
        return []
    result: list[dict[str, Any]] = mod.rows(quick)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="reduced sizes, a few minutes in all")
    ap.add_argument("--only", nargs="*", help="bench names (file stems) to run")
    args = ap.parse_args()
    all_rows: list[dict[str, Any]] = []
    for path in discover():
        if args.only and path.stem not in args.only:
            continue
        start = time.perf_counter()
        print(f"== {path.stem} ...", flush=True)
        try:
            got = run_one(path, args.quick)
        except BaseException as e:  # a broken bench must not hide the others' numbers
            if isinstance(e, KeyboardInterrupt):
                raise
            traceback.print_exc()
            got = [
                {
                    "name": path.stem,
                    "ours": None,
                    "anchor": None,
                    "anchor_name": "",
                    "ratio": None,
                    "unit": "",
                    "notes": f"failed: {type(e).__name__}: {e}",
                }
            ]
        for r in got:
            r.setdefault("bench", path.stem)
        all_rows.extend(got)
        print(
            f"   {path.stem}: {len(got)} row(s) in {time.perf_counter() - start:.1f}s", flush=True
        )
    out = HERE / "results" / "latest.json"
    out.parent.mkdir(exist_ok=True)
    if args.only and out.exists():
        # A partial run replaces the rows of the benches it ran and keeps the others'.
        earlier = json.loads(out.read_text()).get("rows", [])
        ran = {r["bench"] for r in all_rows}
        kept = [r for r in earlier if r.get("bench") not in ran]
        all_rows = sorted(kept + all_rows, key=lambda r: str(r.get("bench")))
    doc = {
        "quick": args.quick,
        "python": platform.python_version(),
        "machine": f"{platform.system()} {platform.machine()}",
        "rows": all_rows,
    }
    out.write_text(json.dumps(doc, indent=2) + "\n")
    print()
    print_rows(all_rows)
    complete = sum(1 for r in all_rows if r.get("ours") is not None and r.get("anchor") is not None)
    print(f"\n{complete} complete row(s) of {len(all_rows)}; written to bench/results/latest.json")
    if not args.quick:
        readme_table(HERE.parent / "README.md", all_rows)
        print("README.md: performance table updated")


def _cell(x: Any) -> str:
    return "" if x is None else f"{x:g}" if isinstance(x, float) else str(x)


def readme_table(readme: Path, rows: list[dict[str, Any]]) -> None:
    """Rewrite the table at the top of README's performance section from a full run, so the
    numbers there are always the committed latest.json's."""
    text = readme.read_text()
    start = text.find("<!-- performance:start -->")
    table = text.find("| benchmark |", start)
    end = text.find("\n\n", table)
    if start < 0 or table < 0 or end < 0:
        return
    lines = [
        "| benchmark | phasegate | anchor | ratio | unit | how to read it |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        unit = r.get("unit") or ""
        anchor = f"{_cell(r.get('anchor'))} ({r['anchor_name']})" if r.get("anchor_name") else ""
        read = (r.get("read") or r.get("notes") or "").replace("|", "/")
        lines.append(
            f"| {r['name']} | {_cell(r.get('ours'))} | {anchor} | {_cell(r.get('ratio'))} "
            f"| {unit} | {read} |"
        )
    readme.write_text(text[:table] + "\n".join(lines) + text[end:])


if __name__ == "__main__":
    main()
