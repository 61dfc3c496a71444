"""Entry point and the one error handler: exceptions become exit codes here and nowhere else."""

from __future__ import annotations

import gc
import importlib
import os
import sys
from collections.abc import Sequence

import typer

from phasegate.errors import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    PhasegateError,
)

_SKIP = {"main", "common"}


def build_app(command: str | None = None) -> typer.Typer:
    app = typer.Typer(
        name="phasegate",
        help="Plan, run, check and report phased multi-agent software projects.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    import phasegate.cli as pkg

    modules = []
    for name in _command_modules(pkg.__path__):
        mod = importlib.import_module(f"phasegate.cli.{name}")
        if hasattr(mod, "register"):
            modules.append(mod)
    for mod in sorted(modules, key=lambda m: (getattr(m, "ORDER", 100), m.__name__)):
        mod.register(app)
    if command is not None:
        # Turning every command's signature into a click command is the slowest part of
        # start-up, so a run that names its command builds only that one. The callback keeps
        # the app a group, so the command is still addressed by name.
        chosen = [c for c in app.registered_commands if _command_name(c) == command]
        if chosen:
            app.registered_commands = chosen
            app.callback()(_group)
    return app


def _command_modules(paths: list[str]) -> list[str]:
    """Module names in the cli package. A directory listing, not pkgutil: importing pkgutil
    alone costs about 15 ms, paid by every command."""
    names: set[str] = set()
    for folder in paths:
        for entry in os.listdir(folder):
            stem, ext = os.path.splitext(entry)
            if ext == ".py" and stem not in _SKIP and not stem.startswith("_"):
                names.add(stem)
    return sorted(names)


def _group() -> None:
    pass


def _command_name(info: typer.models.CommandInfo) -> str:
    if info.name:
        return info.name
    return getattr(info.callback, "__name__", "").replace("_", "-")


def run(argv: Sequence[str] | None = None) -> int:
    from click import exceptions as click_exc

    try:
        args = list(argv) if argv is not None else sys.argv[1:]
        app = build_app(args[0] if args and not args[0].startswith("-") else None)
        rv = app(
            args=list(argv) if argv is not None else None,
            prog_name="phasegate",
            standalone_mode=False,
        )
    except PhasegateError as e:
        for line in e.lines():
            print(line, file=sys.stderr)
        return e.exit_code
    except typer.Exit as e:
        return int(getattr(e, "exit_code", 0) or 0)
    except (typer.Abort, KeyboardInterrupt):
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except click_exc.ClickException as e:
        e.show()
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK
    except Exception as e:
        # A full disk, a read-only or damaged store: the environment's fault, not a bug.
        from phasegate.errors import environment_message

        said = environment_message(e)
        if said is None:
            return _internal_error()
        print(said, file=sys.stderr)
        return EXIT_USAGE
    if isinstance(rv, int):
        return rv
    return EXIT_OK


def _internal_error() -> int:
    # Imported here: only a crash needs them, and every command would pay for them.
    import tempfile
    import traceback

    with tempfile.NamedTemporaryFile(
        "w", prefix="phasegate-crash-", suffix=".log", delete=False
    ) as f:
        traceback.print_exc(file=f)
        where = f.name
    exc = sys.exc_info()[1]
    print(f"internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
    print(f"hint: the full report is in {where}; please attach it to a bug report", file=sys.stderr)
    return EXIT_INTERNAL


def main() -> None:
    # A command builds its whole answer at once (10,000 efforts' facts, 100,000 events'
    # projections) and none of it is garbage yet, so Python's default young generation of
    # 700 objects sends the collector over everything again and again: a third of `ready`'s
    # time on a big plan. 100,000 keeps a long `run` or `serve` collecting cycles all the same.
    gc.set_threshold(100_000, 10, 10)
    code = run(sys.argv[1:])
    sys.stdout.flush()
    sys.exit(code)
