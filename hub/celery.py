import os

from celery import Celery, bootsteps

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")

app = Celery("hub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class WorkerHeartbeat(bootsteps.StartStopStep):
    """Writes a short-lived key to Redis so that /healthz can tell whether any worker is alive."""

    requires = {"celery.worker.components:Timer"}

    def start(self, worker):
        from django.conf import settings

        from hub.core.health import worker_heartbeat_write

        worker_heartbeat_write(worker.hostname)
        self.timer_ref = worker.timer.call_repeatedly(
            settings.WORKER_HEARTBEAT_SECONDS,
            worker_heartbeat_write,
            (worker.hostname,),
            priority=10,
        )

    def stop(self, worker):
        if getattr(self, "timer_ref", None) is not None:
            self.timer_ref.cancel()


app.steps["worker"].add(WorkerHeartbeat)
