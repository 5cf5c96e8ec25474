from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskConfig(AppConfig):
    name = "hub.risk"
    label = "risk"
    verbose_name = _("Risk profiling")

    def ready(self):
        from django.db.models.signals import post_save

        from hub.agreements.models import Agreement
        from hub.crosschecks.follow_ups import crosschecks_done
        from hub.declarations.follow_ups import declarations_changed, inspections_recorded
        from hub.enterprises.models import RatingChange
        from hub.risk import services

        crosschecks_done.register(services.profiles_refresh_enqueue)
        declarations_changed.register(services.profiles_refresh_enqueue)
        inspections_recorded.register(services.inspections_recorded_enqueue)
        # Ratings and agreements have no follow-up hook of their own; each save happens inside
        # its service's transaction, so the job is recorded with the change or not at all.
        post_save.connect(_enterprise_changed, sender=RatingChange, dispatch_uid="risk-rating")
        post_save.connect(_enterprise_changed, sender=Agreement, dispatch_uid="risk-agreement")


def _enterprise_changed(sender, instance, raw=False, **kwargs):
    from hub.agreements.models import Agreement
    from hub.risk.services import enterprise_change_enqueue

    # Drafts and signatures change nothing customs relies on until customs countersigns.
    if raw or getattr(instance, "status", None) in Agreement.IN_PROGRESS:
        return
    enterprise_change_enqueue(enterprise_id=instance.enterprise_id)
