"""A bounded HTTP load generator for benchmarks on 127.0.0.1: a fixed number of requests over a
few keep-alive connections, each answered before the next is sent on that connection."""

import http.client
import statistics
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass
class LoadResult:
    requests: int
    seconds: float
    latencies_ms: list[float]
    statuses: dict[int, int]

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.latencies_ms)

    @property
    def p99_ms(self) -> float:
        return statistics.quantiles(self.latencies_ms, n=100)[98]


def run_load(
    url: str,
    method: str,
    bodies: list[bytes],
    headers: dict,
    connections: int = 4,
    timeout: float = 60,
) -> LoadResult:
    """Send every body once, spread over `connections` connections in parallel."""
    parts = urlsplit(url)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    shares = [bodies[start::connections] for start in range(connections)]

    def worker(share):
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        own_latencies, own_statuses = [], {}
        for body in share:
            started = time.perf_counter()
            connection.request(
                method, parts.path, body=body, headers={**headers, "Content-Length": str(len(body))}
            )
            response = connection.getresponse()
            response.read()
            own_latencies.append((time.perf_counter() - started) * 1000)
            own_statuses[response.status] = own_statuses.get(response.status, 0) + 1
        connection.close()
        with lock:
            latencies.extend(own_latencies)
            for code, count in own_statuses.items():
                statuses[code] = statuses.get(code, 0) + count

    threads = [threading.Thread(target=worker, args=(share,)) for share in shares]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return LoadResult(len(bodies), time.perf_counter() - started, latencies, statuses)
