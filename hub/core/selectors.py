from django.db.models import QuerySet

from hub.core.models import AuditEvent
from hub.core.roles import CustomsRole, has_customs_role


def audit_event_list(
    *, visible_to, action: str = "", enterprise_id: int | None = None
) -> QuerySet[AuditEvent]:
    """Customs auditors read the whole trail; nobody else reads it here."""
    if not has_customs_role(visible_to, CustomsRole.AUDITOR):
        return AuditEvent.objects.none()
    events = AuditEvent.objects.select_related("actor_user")
    if action:
        events = events.filter(action__startswith=action)
    if enterprise_id is not None:
        events = events.filter(enterprise_id=enterprise_id)
    return events
