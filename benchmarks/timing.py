"""How the benchmark times and weighs a measure: medians and percentiles of wall-clock seconds, and the peak
resident memory of this process during the measure (Linux: VmHWM, reset before each run through
/proc/self/clear_refs, so each measure's peak is its own rather than the whole process's high-water mark).
"""

from __future__ import annotations

import gc
import math
import re
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

STATUS = Path("/proc/self/status")
CLEAR_REFS = Path("/proc/self/clear_refs")


def _status_mb(key: str) -> float | None:
    try:
        found = re.search(rf"^{key}:\s+(\d+) kB", STATUS.read_text(), re.MULTILINE)
    except OSError:
        return None
    return round(int(found.group(1)) / 1024, 1) if found else None


def reset_peak() -> bool:
    """Set the peak to the current RSS; False where the kernel does not allow it (the peak is then the process's)."""
    try:
        CLEAR_REFS.write_text("5")
    except OSError:
        return False
    return True


def rss_mb() -> float | None:
    return _status_mb("VmRSS")


def peak_mb() -> float | None:
    """Peak RSS since the last reset_peak (VmHWM); resource.getrusage's ru_maxrss where /proc is not there."""
    found = _status_mb("VmHWM")
    if found is not None:
        return found
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (share 0.95 = p95): a value that was measured, never an interpolation."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def runs(function: Callable[[], Any], repeat: int, *, before: Callable[[], Any] | None = None) -> dict[str, Any]:
    """Run `function` `repeat` times (`before` each time, untimed): median seconds, every run, and the peak RSS
    over the runs with how far it rose above the RSS the measure started from.

    Each run starts after a full garbage collection, untimed: the benchmark's process holds what every earlier
    measure left, and a collection of it falling inside one run (0.24 s, in a 0.2 s board pack) timed that heap,
    not the measure."""
    seconds: list[float] = []
    peaks: list[float] = []
    growth: list[float] = []
    for _ in range(repeat):
        if before is not None:
            before()
        gc.collect()
        reset_peak()
        start_rss = rss_mb() or 0.0
        started = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - started)
        peak = peak_mb()
        if peak is not None:
            peaks.append(peak)
            growth.append(peak - start_rss)
    return {"seconds": round(statistics.median(seconds), 4), "runs": [round(s, 4) for s in seconds],
            "peak_rss_mb": max(peaks) if peaks else None,
            "peak_rss_growth_mb": round(max(growth), 1) if growth else None}


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 2)
