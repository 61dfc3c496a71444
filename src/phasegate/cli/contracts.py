"""phasegate contracts: the interface contracts between efforts and where each stands."""

from __future__ import annotations

import typer

from phasegate.cli.common import DbOpt, JsonOpt, PlanOpt, example

ORDER = 66


def register(app: typer.Typer) -> None:
    @app.command(
        "contracts",
        help="Interface contracts: provider, consumers, verification on integration, breaks.",
        epilog=example("phasegate contracts -f examples/phase2-workstreams.yaml"),
    )
    def contracts_cmd(plan: PlanOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> int:
        from phasegate.cli.common import console, load, print_json
        from phasegate.service.contracts import contract_status

        doc = contract_status(load(plan, quiet=as_json), db=db)
        if as_json:
            print_json(doc)
        else:
            from rich.table import Table

            t = Table(title="interface contracts")
            for col in ("contract", "kind", "provider", "consumers", "verified", "breaks"):
                t.add_column(col)
            for r in doc["contracts"]:
                v = {True: "[green]yes[/]", False: f"[red]FAILED[/] {r['why']}", None: "-"}
                brk = ", ".join(b["branch"] for b in r["breaks"])
                t.add_row(r["name"], r["kind"], r["provider"], ", ".join(r["consumers"]) or "-",
                          v[r["verified"]], f"[red]{brk}[/]" if brk else "-")  # fmt: skip
            c = console()
            c.print(t)
            for u in doc["unprovided"]:
                c.print(f"[yellow]-[/] {u['name']}: used by {', '.join(u['consumers'])}, "
                        "provided by no effort")  # fmt: skip
        return 1 if doc["failed"] or doc["broken"] else 0
