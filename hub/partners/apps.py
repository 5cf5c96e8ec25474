from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "hub.partners"
    label = "partners"
    verbose_name = _("Supply-chain partners")

    def ready(self):
        from hub.partners.services import consignment_parties_link
        from hub.submissions.follow_ups import follow_up_register

        follow_up_register(consignment_parties_link)
