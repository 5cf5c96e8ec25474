from celery import shared_task

from hub.core.outbox import outbox_task
from hub.risk import services


@outbox_task(name="risk.profiles_refresh")
def profiles_refresh_task(declaration_ids):
    services.profiles_refresh(declaration_ids=declaration_ids)


@outbox_task(name="risk.enterprise_profiles_refresh")
def enterprise_profiles_refresh_task(enterprise_ids):
    services.enterprise_profiles_refresh(enterprise_ids=enterprise_ids)


@shared_task(name="risk.open_profiles_refresh")
def open_profiles_refresh_task():
    """Periodic: what changes with time alone (months of participation, the history windows)
    and inputs without a hook (partner registrations) reach the open profiles."""
    return services.profiles_refresh(declaration_ids=services.open_declaration_ids()).written
