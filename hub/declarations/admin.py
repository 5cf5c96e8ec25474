from django.contrib import admin

from hub.core.admin import ReadOnly
from hub.declarations.models import (
    BankPayment,
    Declaration,
    DeclarationItem,
    DeclarationStatusChange,
    ExchangeRate,
    InspectionOutcome,
)

# The customs system and the banks are the source of this data; it changes through their feeds,
# which validate it and keep the audit trail.


class ItemInline(ReadOnly, admin.TabularInline):
    model = DeclarationItem


class StatusChangeInline(ReadOnly, admin.TabularInline):
    model = DeclarationStatusChange


@admin.register(Declaration)
class DeclarationAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["number", "revision", "consignee_name", "consignee", "status", "declared_at"]
    list_filter = ["status", "customs_office"]
    search_fields = ["number", "consignee_code", "transport_document_number", "invoice_number"]
    inlines = [ItemInline, StatusChangeInline]


@admin.register(BankPayment)
class BankPaymentAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["reference", "payer_name", "payer", "amount", "currency", "paid_on"]
    search_fields = ["reference", "payer_code", "invoice_reference"]


@admin.register(ExchangeRate)
class ExchangeRateAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["currency", "day", "rate"]
    list_filter = ["currency"]


@admin.register(InspectionOutcome)
class InspectionOutcomeAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["declaration", "kind", "result", "inspected_at", "recorded_by"]
    list_filter = ["kind", "result"]
