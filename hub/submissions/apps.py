from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubmissionsConfig(AppConfig):
    name = "hub.submissions"
    label = "submissions"
    verbose_name = _("Shared consignments")
