"""Facts about the machine a run measured, so figures are never quoted without their context."""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _mem_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return 0.0


def load_average() -> list[float]:
    """Other work on the box skews every figure: the report prints this beside them."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def facts() -> dict[str, object]:
    import numpy
    import onnxruntime

    return {
        "cores": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_gib": _mem_gib(),
        "os": f"{platform.system()} {platform.release()}",
        "python": sys.version.split()[0],
        "numpy": numpy.__version__,
        "onnxruntime": onnxruntime.__version__,
        "load_average_at_start": load_average(),
    }
