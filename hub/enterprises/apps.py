from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    name = "hub.enterprises"
    label = "enterprises"
    verbose_name = _("Enterprises")

    def ready(self):
        from hub.enterprises import schema  # noqa: F401  (registers the OpenAPI auth scheme)
