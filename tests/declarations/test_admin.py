import pytest

from hub.declarations.models import Declaration
from hub.declarations.services import declaration_receive
from tests.factories import UserFactory, declaration_document

pytestmark = pytest.mark.django_db


def test_the_admin_shows_a_declaration_with_its_items_and_offers_no_way_to_change_it(client):
    declaration_receive(documents=[declaration_document(items=2)], actor=None)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    declaration = Declaration.objects.get()

    listing = client.get("/admin/declarations/declaration/")
    page = client.get(f"/admin/declarations/declaration/{declaration.pk}/change/")

    assert listing.status_code == page.status_code == 200
    assert "Precision bearing type 2" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    assert client.get("/admin/declarations/declaration/add/").status_code == 403
