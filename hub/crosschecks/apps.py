from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrosschecksConfig(AppConfig):
    name = "hub.crosschecks"
    label = "crosschecks"
    verbose_name = _("Cross-checks")

    def ready(self):
        from hub.crosschecks import services, tolerances  # noqa: F401 (registers its check)
        from hub.declarations.follow_ups import declarations_changed, payments_received
        from hub.submissions.follow_ups import consignments_received

        declarations_changed.register(services.crosschecks_request)
        consignments_received.register(services.consignments_crosscheck_request)
        payments_received.register(services.payments_crosscheck_request)
