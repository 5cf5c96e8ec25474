from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "hub.partners"
    label = "partners"
    verbose_name = _("Supply-chain partners")

    def ready(self):
        from hub.partners.services import consignment_parties_link
        from hub.submissions.follow_ups import consignments_received

        consignments_received.register(consignment_parties_link)
