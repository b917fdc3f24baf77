"""Scheduled replay: each emitted rule run as its SIEM runs it, on a schedule, over a look-back,
on events that arrive late (docs/targets.md, "Schedules").

For every rule and every scenario of its synthetic events (the lines of its canonical `.jsonl`
that share a `_case`), the scenario is placed on a time line four ways: completing inside a run's
slice or straddling a run boundary (a single event exactly on the boundary), with every event
arriving on time or the whole ingestion delay late (after the run that would have seen it on
time). Then every run on the target's grid (`T = k * interval`) that could see any of the events
searches exactly the range the emitted rule searches, among the events that have arrived by `T`;
the engine runs the emitted query on them; the target's deduplication applies; the alerts are
counted. A positive scenario must raise exactly one alert (a single-event rule: one per matching
event), a negative one none.

A run's result depends only on the events it sees (and, for the Sentinel slice filter, on which of
their times lie in its slice), so identical inputs are run once and their result reused: exact,
and what keeps 13-day windows at a 5-minute interval affordable.

This module is the time line and the counting; the engines are driven by
`engines/kql_schedule.py` (duckdb-kql) and `engines/elastic_schedule.py` (Elastic's `eql`), each in its
own virtualenv, which import it.
"""
import json
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timezone

MINUTE = 60_000
# The stage builds the shipped tree with the default `[targets.*.schedule] ingestion_delay`.
INGESTION_DELAY_MS = 5 * MINUTE
# Where the time line is anchored: a round date, so that every grid of whole minutes aligns.
ANCHOR_MS = int(datetime(2026, 6, 1, tzinfo=timezone.utc).timestamp() * 1000)


def duration_ms(text):
    """`5m`, `18730m`, `2h`, `1d`, `390s` → milliseconds."""
    units = {"s": 1000, "m": MINUTE, "h": 60 * MINUTE, "d": 24 * 60 * MINUTE}
    if not text or text[-1] not in units or not text[:-1].isdigit():
        raise ValueError(f"not a duration: {text!r}")
    return int(text[:-1]) * units[text[-1]]


def millis(text):
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def iso(ms):
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def scenarios(canonical_lines):
    """[(case, [line numbers])] in file order; numbers are 1-based lines of the canonical file."""
    groups = OrderedDict()
    for number, line in enumerate(canonical_lines, 1):
        groups.setdefault(line["_case"], []).append(number)
    return list(groups.items())


@dataclass
class Placed:
    """One event of a scenario on the time line."""
    line: int
    time: int
    arrival: int


@dataclass
class Schedule:
    """What the emitted rule says: how often it runs and which event times a run at `T` searches."""
    interval: int
    # The searched range is [T - back, T - end_offset).
    back: int
    end_offset: int = 0
    delay: int = INGESTION_DELAY_MS
    # Where a run's slice is: [T - interval - delay, T - delay).
    slice_end_offset: int = field(default=INGESTION_DELAY_MS)


def placements(times, schedule):
    """[(name, [Placed])]: the scenario's events (line → event time) moved onto the run grid."""
    first, last = min(times.values()), max(times.values())
    interval, delay = schedule.interval, schedule.delay
    run = ANCHOR_MS - ANCHOR_MS % interval + 100 * interval
    boundary = run - delay  # the first instant of the next run's slice
    inside = boundary - interval // 2 - last
    # With several events, the first stays in this slice and the rest fall in the next one; a
    # single event lies exactly on the boundary, which the next slice owns.
    straddle = boundary - 1 - first if first < last else boundary - last
    out = []
    for name, shift in [("inside a slice", inside), ("straddling a run boundary", straddle)]:
        for late, arrival in [("on time", 0), ("arriving the whole delay late", delay)]:
            placed = [Placed(line, t + shift, t + shift + arrival) for line, t in sorted(times.items())]
            out.append((f"{name}, {late}", placed))
    return out


def runs(placed, schedule):
    """Every run time that could see one of the events, in order."""
    interval = schedule.interval
    start = min(p.time for p in placed) - interval
    end = max(p.arrival for p in placed) + schedule.back + interval
    t = start - start % interval
    while t <= end:
        yield t
        t += interval


def changing_runs(placed, schedule):
    """The runs at which the set of visible events changes, in order: for each event, the first
    run that sees it and the first run after the last one that does. Between two of them every
    run sees what the earlier one saw; where alerts are deduplicated for ever by identity, those
    runs cannot add an alert, so only these need running (a 13-day look-back at a 5-minute
    interval is some 3,700 runs per placement, of which a handful differ)."""
    interval = schedule.interval
    ceil = lambda ms: -(-ms // interval) * interval
    times = set()
    for p in placed:
        # Visible while t - back <= time < t - end_offset and arrival <= t.
        times.add(ceil(max(p.arrival, p.time + schedule.end_offset + 1)))
        times.add(ceil(p.time + schedule.back + 1))
    return sorted(times)


def visible(placed, schedule, t):
    """The events a run at `t` searches: in its range, and arrived by `t`."""
    low, high = t - schedule.back, t - schedule.end_offset
    return [p for p in placed if low <= p.time < high and p.arrival <= t]


def in_slice(placed, schedule, t):
    """The events whose time lies in the run's own slice (what a slice filter keeps)."""
    high = t - schedule.slice_end_offset
    low = high - schedule.interval
    return [p for p in placed if low <= p.time < high]


class Suppression:
    """Alerts kept one per key for `period` after each alert (Splunk `alert.suppress`, Kibana
    `alert_suppression`), or one per identity for ever (Kibana's ids derived from source events)."""

    def __init__(self, period=None):
        self.period = period
        self.last = {}

    def admit(self, key, t):
        seen = self.last.get(key)
        if seen is not None and (self.period is None or t - seen < self.period):
            return False
        self.last[key] = t
        return True


def replay(placed, schedule, execute, suppression, key_of_slice=False):
    """Runs every scheduled run; `execute(events, t)` returns the run's result rows as keys (the
    alert identity the target deduplicates on, or a fresh object per row when it does not).
    Returns (alerts, runs that raised them)."""
    cache = {}
    alerts, when = 0, []
    forever = suppression is not None and suppression.period is None and not key_of_slice
    for t in (changing_runs if forever else runs)(placed, schedule):
        seen = visible(placed, schedule, t)
        if not seen:
            continue
        cache_key = (tuple(p.line for p in seen),
                     tuple(p.line for p in in_slice(placed, schedule, t)) if key_of_slice else ())
        if cache_key not in cache:
            cache[cache_key] = execute(seen, t)
        for key in cache[cache_key]:
            if suppression is None or suppression.admit(key, t):
                alerts += 1
                when.append(iso(t))
    return alerts, when


def promised(expectations, windowed):
    """The alerts a scenario must raise: one per matching event for a single-event rule, one for a
    threshold or sequence that fires, none otherwise."""
    matches = sum(1 for e in expectations if e)
    return (1 if matches else 0) if windowed else matches


def row(artifact, kind, engine, variant, case, want, got, when):
    detail = f"({case}) [{variant}]: expected {want} alert(s), got {got}"
    if when:
        detail += f" at {', '.join(when[:4])}"
    return {"artifact": artifact, "kind": kind, "engine": engine, "ok": want == got, "detail": detail}


def naive(ms):
    """A time as DuckDB's TIMESTAMP holds it: UTC, without a zone."""
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).replace(tzinfo=None)


def read_jsonl(path):
    """JSON lines; a line ends at "\n" only (U+2028 and U+0085 stand unescaped in values)."""
    return [json.loads(line) for line in path.read_text().split("\n") if line.strip()]
