import statistics
import time


def measure(function, repeat=5):
    """Median wall time of `function()` over `repeat` runs, in seconds."""
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)
