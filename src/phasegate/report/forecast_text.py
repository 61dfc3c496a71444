"""The re-forecast as terminal lines (status and `phasegate forecast`) and markdown."""

from __future__ import annotations

from typing import Any


def _n(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{int(x)}" if float(x).is_integer() else f"{x:.1f}"


def _span(a: float | None, b: float | None) -> str:
    return _n(a) if _n(a) == _n(b) else f"{_n(a)}-{_n(b)}"


def lines(fc: dict[str, Any]) -> list[str]:
    cal = fc["calibration"]
    out = []
    if fc["eta"] is not None:
        rd, sl = fc["remaining_days"], fc["slippage_days"]
        out.append(
            f"re-forecast on {fc['agents']} agent(s): ETA {fc['eta']['p50']} (P50), "
            f"{fc['eta']['p80']} (P80); {_span(rd['p50'], rd['p80'])} working days left; "
            f"slippage {sl['p50']:+.1f} days (P50), {sl['p80']:+.1f} (P80) against the plan's "
            f"{_n(fc['planned_days'])}"
        )
    else:
        r = fc["remaining"]
        out.append(
            f"re-forecast on {fc['agents']} agent(s): {_n(r['p50'])} (P50) to {_n(r['p80'])} "
            f"(P80) {fc['units']} left (no rate: no dates, no calibration)"
        )
    if cal["observed"]:
        out.append(
            f"  pace: x{cal['factor']:.2f} the estimates (80% interval x{cal['low']:.2f}-"
            f"x{cal['high']:.2f}), from {cal['observed']} finished effort(s)"
        )
    else:
        out.append("  pace: no effort finished yet; estimates taken as they are")
    if fc["critical"]:
        out.append(f"  critical now: {', '.join(fc['critical'])}")
    if fc["newly_critical"]:
        out.append(f"  newly critical: {', '.join(fc['newly_critical'])}")
    if fc["add_agent"]:
        a = fc["add_agent"]
        saves = (
            f"{_n(a['saves_days'])} days"
            if a["saves_days"] is not None
            else f"{_n(a['saves'])} {fc['units']}"
        )
        out.append(f"  one more agent on {a['effort']} saves about {saves}")
    return out


def markdown(fc: dict[str, Any]) -> str:
    return "\n".join(f"- {x.strip()}" for x in lines(fc))
