"""Shared helpers of the benchmarks: data paths, timing, memory, the machine."""

import os
import platform
import resource
import time
from pathlib import Path

from rag.evaluate.metrics import percentile

ROOT = Path(__file__).resolve().parent.parent
RTQA = ROOT.parent / "shared" / "bench" / "rtqa-dev"


def machine() -> str:
    """CPU model, cores and Python, for the report."""
    cpu = "unknown CPU"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def timed(function, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - started, result


def runs(function, n: int = 3, warmup: int = 1) -> list[float]:
    """Wall seconds of n runs after warm-up runs."""
    for _ in range(warmup):
        function()
    return [timed(function)[0] for _ in range(n)]


def p(values, q: float) -> float:
    """The q-th percentile, as `newsqa eval` computes it (one percentile function for the project)."""
    return percentile(list(values), q)


def median(values) -> float:
    return percentile(list(values), 50)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb(pid: int | None = None) -> float:
    """Current resident memory of a process, in MB."""
    with open(f"/proc/{pid or os.getpid()}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0
