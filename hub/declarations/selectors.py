from datetime import date
from decimal import Decimal

from django.db.models import QuerySet
from django.http import Http404

from hub.declarations.models import (
    BankPayment,
    Declaration,
    DeclarationItem,
    DeclarationStatusChange,
    ExchangeRate,
)
from hub.enterprises.models import Enterprise
from hub.enterprises.selectors import enterprise_list, sees_every_enterprise

REPORTING_CURRENCY = "CNY"


def declaration_list(*, visible_to) -> QuerySet[Declaration]:
    """Customs staff and the customs system see every declaration; an enterprise's members and
    ERP keys see those whose consignee is their enterprise, once customs approved it (approval is
    when its identifiers were checked); anyone else none."""
    if sees_every_enterprise(visible_to):
        return Declaration.objects.all()
    return Declaration.objects.filter(
        consignee__in=enterprise_list(visible_to=visible_to).filter(
            status=Enterprise.Status.APPROVED
        )
    )


def declaration_get(*, number: str, visible_to) -> Declaration:
    """404 for a declaration the viewer may not see: its existence is not disclosed either."""
    declaration = declaration_list(visible_to=visible_to).filter(number=number).first()
    if declaration is None:
        raise Http404
    return declaration


def declaration_item_list(*, declaration: Declaration) -> QuerySet[DeclarationItem]:
    return declaration.items.order_by("item_number")


def declaration_status_change_list(
    *, declaration: Declaration
) -> QuerySet[DeclarationStatusChange]:
    return declaration.status_changes.order_by("occurred_at", "id")


def bank_payment_list(*, visible_to) -> QuerySet[BankPayment]:
    """Payment records are the banks' data, given to customs: customs staff and the customs
    system see them, enterprises do not."""
    if sees_every_enterprise(visible_to):
        return BankPayment.objects.all()
    return BankPayment.objects.none()


def exchange_rate_on(currency: str, day: date) -> Decimal | None:
    """Yuan for one unit of `currency`: the latest rate published on or before `day`, None when
    there is none."""
    if currency == REPORTING_CURRENCY:
        return Decimal(1)
    return (
        ExchangeRate.objects.filter(currency=currency, day__lte=day)
        .order_by("-day")
        .values_list("rate", flat=True)
        .first()
    )
