"""The hub's URLs plus one view that records a job the way a service does: the request that the
outbox tests make while Redis is down."""

from django.db import transaction
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from hub.core.outbox import outbox_enqueue
from hub.urls import urlpatterns as hub_urlpatterns
from tests.core.outbox_tasks import record_effect


@csrf_exempt
@require_POST
def record_job(request):
    with transaction.atomic():
        outbox_enqueue(record_effect, request.POST["label"])
    return HttpResponse(status=201)


urlpatterns = [path("jobs", record_job), *hub_urlpatterns]
