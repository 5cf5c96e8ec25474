from django.db.models import QuerySet
from django.http import Http404
from guardian.shortcuts import get_objects_for_user

from hub.enterprises.models import Enterprise
from hub.enterprises.permissions import SUBMIT, VIEW
from hub.enterprises.selectors import enterprise_list
from hub.submissions.models import Consignment, ConsignmentRevision, Upload


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


def _enterprises_by_permission(viewer, permission: str) -> QuerySet[Enterprise]:
    """An ERP key's own enterprise; for a person, those where a membership grants `permission`."""
    if getattr(viewer, "enterprise_id", None):
        return Enterprise.objects.filter(pk=viewer.enterprise_id)
    if viewer.is_authenticated and viewer.pk is not None:
        return get_objects_for_user(viewer, permission, klass=Enterprise, accept_global_perms=False)
    return Enterprise.objects.none()


def submission_enterprise_list(*, visible_to) -> QuerySet[Enterprise]:
    """The enterprises the viewer may share data for: its own for an ERP key, those where a
    person is an admin or a submitter."""
    return _enterprises_by_permission(visible_to, SUBMIT)


def upload_list(*, visible_to) -> QuerySet[Upload]:
    """Uploaded files are their enterprise's own: its members and ERP keys see them. Customs
    see the consignments shared, not the files, refused ones included, that led to them."""
    return Upload.objects.filter(
        enterprise__in=_enterprises_by_permission(visible_to, VIEW)
    ).select_related("enterprise", "agreement")


def upload_get(*, visible_to, pk) -> Upload:
    try:
        return upload_list(visible_to=visible_to).get(pk=pk)
    except (Upload.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
