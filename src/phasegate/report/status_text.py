"""The terminal view of `phasegate status`, as plain text.

Written without rich on purpose: status must answer quickly on plans with a thousand
efforts, and a column-aligned text table costs a fraction of a rich table of that size.
"""

from __future__ import annotations

import time
from typing import Any

_COLOURS = {
    "done": "32",
    "passed": "32",
    "met": "32",
    "overridden": "33",
    "running": "36",
    "checking": "36",
    "open": "36",
    "gating": "36",
    "ready": "34",
    "failed": "31",
    "rejected": "31",
    "conflicted": "31",
    "blocked": "31",
    "waiting for input": "33",
    "missed": "31",
    "rework": "33",
    "cancelled": "2",
}


def _num(x: float | None, digits: int = 1) -> str:
    if x is None:
        return "-"
    return f"{int(x)}" if float(x).is_integer() else f"{x:.{digits}f}"


def _usd(x: float) -> str:
    return f"${x:,.2f}" if x >= 0.01 or x == 0 else f"${x:.6f}".rstrip("0")


def _money(st: dict[str, Any], colour: bool) -> list[str]:
    """Costs by attempt, budgets, and the efforts a budget holds back."""
    out: list[str] = []
    rows = [["effort", "attempt", "agent", "model", "tokens", "cost", "turns", "note"]]
    for e in st["efforts"]:
        for a in e.get("attempts_cost", []):
            note = "estimated" if a["estimated"] else ("" if a["priced"] else "no price")
            rows.append([e["id"], str(a["attempt"]), a["agent"] or "-", a["model"] or "-",
                         str(a["tokens"]), _usd(a["cost"]), _num(a["turns"]),
                         ", ".join(x for x in (note, a["error"] or "") if x)])  # fmt: skip
        if e.get("reported_cost") and e.get("attempts_cost"):
            rows.append([e["id"], "-", "reported", "-", "-", _usd(e["reported_cost"]), "-", ""])
    if len(rows) > 1:
        out += ["", "costs by attempt"] + ["  " + x for x in _table(rows, None, colour)]
    budget = st.get("budget") or {}
    if budget.get("limits"):
        rows = [["budget", "limit", "spent", "left", "on exceed", "state"]]
        for b in budget["limits"]:
            state = "EXCEEDED" if b["exceeded"] else "ok"
            rows.append([b["scope"], _usd(b["cap"]), _usd(b["spent"]), _usd(max(b["left"], 0)),
                         b["on_exceed"], state])  # fmt: skip
        out += ["", "budgets"] + ["  " + x for x in _table(rows, None, colour)]
    held = budget.get("held") or {}
    for why in dict.fromkeys(held.values()):
        names = [e for e, w in held.items() if w == why]
        out.append(f"  {', '.join(names)}: {why}")
    return out


def _ago(now: float, ts: float | None) -> str:
    if ts is None:
        return "-"
    s = max(0.0, now - ts)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if s >= size:
            return f"{int(s // size)}{unit}"
    return f"{int(s)}s"


def _table(rows: list[list[str]], colour_col: int | None, colour: bool) -> list[str]:
    widths = [max(map(len, col)) for col in zip(*rows, strict=True)]
    if not colour:
        return [
            "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
        ]
    out = []
    for k, r in enumerate(rows):
        cells = []
        for i, cell in enumerate(r):
            padded = cell.ljust(widths[i])
            code = _COLOURS.get(cell) if k > 0 and i == colour_col else None
            cells.append(f"\x1b[{code}m{padded}\x1b[0m" if code else padded)
        line = "  ".join(cells).rstrip()
        out.append(f"\x1b[1m{line}\x1b[0m" if k == 0 else line)
    return out


def render(st: dict[str, Any], *, colour: bool = False) -> str:
    now = st["now"]
    t = st["totals"]
    states = ", ".join(f"{n} {s}" for s, n in sorted(t["by_state"].items()))
    lines = [
        f"{st['project']}: {t['efforts']} efforts ({states}), {_num(t['progress'])}% done, "
        f"{t['open_blockers']} open blocker(s), {t['conflicts']} conflict finding(s)",
        f"as of {time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(now))}; "
        f"spent {_usd(t.get('cost', 0.0))} ({t.get('tokens', 0)} tokens)",
    ]
    pause = st.get("pause") or {}
    if pause.get("paused"):
        why = f": {pause['reason']}" if pause.get("reason") else ""
        lines.append(f"PAUSED by {pause.get('by') or 'someone'}{why} ('phasegate resume' resumes)")
    rev = st.get("revision")
    if rev:
        lines.append(f"plan revision {rev['revision']}: {rev['summary']}")
        lines += [f"  FLAGGED {k}: {why}" for k, why in rev["flagged"].items()]
        if rev["kept_merged"]:
            lines.append(f"  removed but kept merged: {', '.join(rev['kept_merged'])}")
    lines += [
        "",
    ]
    if st.get("integrity"):
        lines += [f"INTEGRATION BRANCH NOT AS RECORDED: {st['integrity']}", ""]
    lines.append("phases")
    rows = [["phase", "state", "gate", "efforts done", "deliverables", "cost"]]
    for p in st["phases"]:
        g = p["gate"]["passed"]
        gate = "not evaluated" if g is None else ("passed" if g else "failed")
        if p["gate"]["reasons"] and g is False:
            gate += ": " + "; ".join(p["gate"]["reasons"][:2])
        rows.append(
            [
                p["id"],
                p["state"],
                gate,
                f"{p['done']}/{p['efforts']}",
                f"{p['deliverables_done']}/{p['deliverables_total']}",
                _usd(p.get("cost", 0.0)),
            ]
        )
    lines += ["  " + x for x in _table(rows, 1, colour)] if len(rows) > 1 else ["  (none)"]
    by_id = {e["id"]: e for e in st["efforts"]}
    for w in st["waves"]:
        lines += ["", f"wave {w['wave']}"]
        rows = [["effort", "state", "progress", "owner", "blockers", "slack", "cost", "title"]]
        for eid in w["efforts"]:
            e = by_id[eid]
            rows.append(
                [
                    eid + (" *" if e["critical"] else ""),
                    "waiting for input"
                    if e.get("waiting_for_input")
                    else f"{e['state']} ({e['worker']})"
                    if e.get("worker")
                    else e["state"],
                    f"{_num(e['progress'], 0)}%",
                    e["owner"] or "-",
                    str(e["blockers"]),
                    _num(e["slack"]),
                    _usd(e.get("cost", 0.0)),
                    e["title"],
                ]
            )
        lines += ["  " + x for x in _table(rows, 1, colour)]
    cp = st["critical_path"]
    lines += ["", f"critical path (*): {' -> '.join(cp['efforts']) or '-'}"]
    unit = cp["units"]
    if cp["projected"] is not None and cp["slippage"] is None:
        lines.append(
            f"  planned {_num(cp['planned'])} {unit}; finished, {_num(cp['elapsed'])} {unit} "
            "of elapsed time at the plan's rate"
        )
    elif cp["projected"] is not None:
        sign = "+" if cp["slippage"] >= 0 else ""
        lines.append(
            f"  planned {_num(cp['planned'])} {unit}, elapsed {_num(cp['elapsed'])}, remaining "
            f"{_num(cp['remaining'])}: projected {_num(cp['projected'])} {unit} "
            f"(slippage {sign}{_num(cp['slippage'])} {unit}, {sign}{_num(cp['slippage_days'])} days)"
        )
    else:
        lines.append(
            f"  planned {_num(cp['planned'])} {unit}, remaining {_num(cp['remaining'])} {unit}"
        )
    if st.get("forecast"):
        from phasegate.report.forecast_text import lines as forecast_lines

        lines += ["", *forecast_lines(st["forecast"])]
    if st["metrics"]:
        lines += ["", "metrics"]
        rows = [["metric", "status", "target", "latest", "baseline", "change", "title"]]
        for m in st["metrics"]:
            change = "-"
            if m["change"] is not None:
                change = f"{m['change']:+g}{m['unit'] if m['unit'] != '%' else ' pts'}"
                if m["regression"]:
                    change += f" REGRESSION (tolerance {m['tolerance'] or '0'})"
            rows.append(
                [
                    m["id"],
                    m["status"],
                    m["target"] or "-",
                    "-" if m["latest"] is None else f"{m['latest']:g}{m['unit']}",
                    "-" if m["baseline"] is None else f"{m['baseline']:g}",
                    change,
                    m["title"],
                ]
            )
        lines += ["  " + x for x in _table(rows, 1, colour)]
    if st["blockers"]:
        lines += ["", "open blockers"]
        rows = [["id", "severity", "effort", "age", "acked", "text"]]
        for b in st["blockers"]:
            rows.append(
                [
                    b["id"],
                    b["severity"],
                    b["effort"] or "-",
                    _ago(now, b["opened_at"]),
                    "yes" if b["acked_at"] else "no",
                    b["text"],
                ]
            )
        lines += ["  " + x for x in _table(rows, None, colour)]
    lines += _money(st, colour)
    asking = [e for e in st["efforts"] if e.get("waiting_for_input")]
    if asking:
        lines += ["", "waiting for input (answer with 'phasegate answer EFFORT TEXT')"]
        rows = [["effort", "question", "waiting", "text"]]
        for e in asking:
            q = e["waiting_for_input"]
            rows.append([e["id"], q["id"], _ago(now, q["since"]), q["question"]])
        lines += ["  " + x for x in _table(rows, None, colour)]
    esc = st["escalations"]
    if esc["overdue"]:
        lines += [
            "",
            "overdue escalations (acknowledge with 'phasegate ack ID'; a budget's "
            "ends when 'phasegate budget --raise' lifts it)",
        ]
        rows = [["id", "kind", "severity", "overdue by", "effort", "text"]]
        for i in esc["overdue"]:
            rows.append(
                [
                    i["id"],
                    i["kind"],
                    i["severity"],
                    _ago(now, now - i["overdue_by"]),
                    i["effort"] or "-",
                    i["text"],
                ]
            )
        lines += ["  " + x for x in _table(rows, None, colour)]
    return "\n".join(lines) + "\n"
