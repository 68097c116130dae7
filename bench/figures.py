"""What every bench prints its figures with: percentiles, and the machine they were taken on."""

from __future__ import annotations

import contextlib
import os
import platform
from collections.abc import Sequence


def percentile(values: Sequence[float], fraction: float) -> float:
    """The value at ``fraction`` of the sorted ``values`` (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def machine() -> str:
    """CPUs, their model, Python and the load average now: what a figure depends on."""
    model = "unknown CPU"
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
        for row in cpuinfo:
            if row.startswith("model name"):
                model = row.split(":", 1)[1].strip()
                break
    load = os.getloadavg()
    return (
        f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}, "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
