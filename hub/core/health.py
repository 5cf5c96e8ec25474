"""Liveness of the parts the hub depends on, for /healthz and the operator on call."""

import time

import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from hub.core.models import OutboxJob

HEARTBEAT_KEY_PREFIX = "hub:worker-heartbeat:"


def redis_client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)


def worker_heartbeat_write(hostname: str) -> None:
    redis_client().set(
        HEARTBEAT_KEY_PREFIX + hostname,
        f"{time.time():.3f}",
        ex=settings.WORKER_HEARTBEAT_SECONDS * 3,
    )


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:
        return {"ok": False, "vendor": connection.vendor, "error": str(exc)}


def check_redis_and_workers() -> tuple[dict, dict]:
    if settings.JOBS_IN_PROCESS:
        return {"ok": True, "mode": "not configured"}, {"ok": True, "mode": "in-process"}
    try:
        client = redis_client()
        client.ping()
        now = time.time()
        workers = {}
        for key in client.scan_iter(match=HEARTBEAT_KEY_PREFIX + "*", count=100):
            beat = client.get(key)
            if beat is not None:
                name = key.decode()[len(HEARTBEAT_KEY_PREFIX) :]
                workers[name] = round(now - float(beat), 1)
    except redis.RedisError as exc:
        return {"ok": False, "error": str(exc)}, {"ok": False, "error": "Redis is unreachable"}
    return (
        {"ok": True},
        {"ok": bool(workers), "seconds_since_heartbeat": workers}
        if workers
        else {
            "ok": False,
            "error": "no worker heartbeat in the last "
            f"{settings.WORKER_HEARTBEAT_SECONDS * 3} seconds",
        },
    )


def check_outbox() -> dict:
    open_jobs = OutboxJob.objects.filter(status=OutboxJob.Status.PENDING)
    oldest = open_jobs.order_by("created_at").values_list("created_at", flat=True).first()
    return {
        "open": open_jobs.count(),
        "failed": OutboxJob.objects.filter(status=OutboxJob.Status.FAILED).count(),
        "oldest_open_seconds": round((timezone.now() - oldest).total_seconds(), 1)
        if oldest
        else None,
    }


def health_report() -> dict:
    database = check_database()
    redis_status, workers = check_redis_and_workers()
    report = {"database": database, "redis": redis_status, "worker": workers}
    if database["ok"]:
        report["outbox"] = check_outbox()
    report["ok"] = database["ok"] and redis_status["ok"] and workers["ok"]
    return report
