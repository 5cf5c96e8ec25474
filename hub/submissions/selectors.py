from django.db.models import QuerySet
from django.http import Http404

from hub.enterprises.selectors import enterprise_list
from hub.submissions.models import Consignment, ConsignmentRevision


def consignment_list(*, visible_to) -> QuerySet[Consignment]:
    return Consignment.objects.filter(enterprise__in=enterprise_list(visible_to=visible_to))


def consignment_get(*, visible_to, reference: str, enterprise_id: int | None = None) -> Consignment:
    """A consignment by its reference. References are unique within an enterprise, so a viewer who
    sees several enterprises (customs) names the enterprise when the reference is ambiguous."""
    consignments = consignment_list(visible_to=visible_to).filter(reference=reference)
    if enterprise_id is not None:
        consignments = consignments.filter(enterprise_id=enterprise_id)
    found = list(consignments.select_related("current_revision")[:2])
    if len(found) != 1:
        raise Http404
    return found[0]


def revision_list(*, consignment: Consignment) -> QuerySet[ConsignmentRevision]:
    return consignment.revisions.select_related("agreement").order_by("number")
