"""Fixed-window request counters, shared by every web process.

With Redis the hit is counted in one round trip (INCR, and EXPIRE on the window's first hit);
Django's cache API would take three (add, exists, incr) and build a client for each, which showed
up in the cost of every API request. Without Redis the local cache stands in."""

from functools import lru_cache

import redis
from django.conf import settings
from django.core.cache import cache


@lru_cache(maxsize=2)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url)


def window_hit(key: str, *, seconds: int) -> int:
    """Count a hit in the window named `key`, which lasts `seconds`; the hits so far."""
    if settings.REDIS_URL:
        pipeline = _client(settings.REDIS_URL).pipeline(transaction=False)
        pipeline.incr(key)
        pipeline.expire(key, seconds, nx=True)
        return pipeline.execute()[0]
    cache.add(key, 0, timeout=seconds)
    try:
        return cache.incr(key)
    except ValueError:  # the window's key expired between the two calls
        cache.add(key, 1, timeout=seconds)
        return 1
