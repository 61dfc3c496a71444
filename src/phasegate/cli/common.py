"""Options and output helpers shared by command modules."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

# One rule for numbers in every front door's output, kept importable from here.
from phasegate.service.common import num as num

if TYPE_CHECKING:
    from phasegate.plan.load import LoadedPlan

PlanOpt = Annotated[
    str | None,
    typer.Option("-f", "--plan", help="Plan file (default: ./phasegate.yaml or $PHASEGATE_PLAN)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
DbOpt = Annotated[
    str | None,
    typer.Option("--db", envvar="PHASEGATE_DB", help="State store (default: .phasegate/state.db)."),
]

EXAMPLE_PLAN = "examples/kcp-phase8.yaml"


def example(*lines: str) -> str:
    """Epilog for a command's --help: every command ends with an example."""
    body = "\n\n".join(f"  $ {line}" for line in lines)
    return f"Example:\n\n{body}"


def load(plan_opt: str | None, *, strict: bool = False, quiet: bool = False) -> LoadedPlan:
    from phasegate.plan.load import load_plan

    loaded = load_plan(plan_opt, strict=strict)
    if not quiet:
        for w in loaded.warnings:
            print(w.render(), file=sys.stderr)
    return loaded


def emit_json(kind: str, payload: dict[str, Any]) -> None:
    print_json({"schema": f"phasegate.{kind}/1", **payload})


def print_json(doc: dict[str, Any]) -> None:
    """Print a document a service function returned (it carries its own `schema`)."""
    # Indenting forces the pure-Python encoder (several times slower on big documents), so
    # only a person at a terminal gets it; pipes and files get the compact form.
    indent = 2 if sys.stdout.isatty() else None
    sys.stdout.write(json.dumps(doc, indent=indent, default=_default) + "\n")


def _default(o: Any) -> Any:
    if hasattr(o, "model_dump"):
        return o.model_dump(mode="json")
    if isinstance(o, set | frozenset | tuple):
        return list(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


# The last line of every document `phasegate doc` writes: a file that ends with it may be
# written over again, since phasegate made it; any other existing file needs --force.
DOC_MARK = "<!-- written by phasegate doc; edits here are overwritten -->"


def check_output(
    target: str, *, force: bool, loaded: LoadedPlan | None = None, mark: str = ""
) -> None:
    """Refuse an output file that is recorded state or the plan, or another existing file
    without `force` (unless it carries `mark`, so phasegate wrote it). Commands that work a
    while before writing call it first, so they fail before the work."""
    from pathlib import Path

    from phasegate.errors import UsageError

    if not target.strip():
        raise UsageError("the output file name is empty")
    path = Path(target)
    resolved = path.resolve()
    if loaded is not None:
        state = loaded.state_dir.resolve()
        if resolved == state or state in resolved.parents:
            raise UsageError(f"{target}: is inside the state directory {loaded.state_dir}")
        if resolved == loaded.path.resolve() and not force:
            raise UsageError(f"{target}: is the plan itself; use --force to overwrite it")
    if path.is_dir():
        raise UsageError(f"{target}: is a directory")
    if path.exists() and not force:
        try:
            ours = bool(mark) and path.read_text(encoding="utf-8").rstrip().endswith(mark)
        except (OSError, UnicodeDecodeError):
            ours = False
        if not ours:
            raise UsageError(f"{target} already exists; use --force to overwrite it")


def write_output(
    target: str, text: str, *, force: bool, loaded: LoadedPlan | None = None, mark: str = ""
) -> None:
    """Write a command's output file, as `check_output` allows."""
    from pathlib import Path

    from phasegate.errors import UsageError

    check_output(target, force=force, loaded=loaded, mark=mark)
    path = Path(target)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as e:
        raise UsageError(f"cannot write {target}: {e.strerror or e}") from None


def console() -> Any:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def import_to_yaml(source: str, fmt: str, **options: Any) -> str:
    """Convert another tool's plan file to phasegate YAML (see phasegate.imports)."""
    from phasegate.imports import convert

    return convert(source, fmt, **options)
