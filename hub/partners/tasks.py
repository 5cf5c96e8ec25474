from hub.core.outbox import outbox_task
from hub.partners import services
from hub.partners.models import Partner


@outbox_task(name="partners.partner_resolve")
def partner_resolve_task(partner_id):
    partner = Partner.objects.filter(pk=partner_id).first()
    if partner is not None:
        services.partner_resolve(partner=partner)


@outbox_task(name="partners.party_links_refresh")
def party_links_refresh_task(partner_id):
    partner = Partner.objects.filter(pk=partner_id).first()
    if partner is not None:
        services.party_links_refresh(partner=partner)
