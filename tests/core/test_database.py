import pytest
from django.db import connection

from hub.core.bulk import instance_first
from tests.factories import ApiKeyFactory, EnterpriseFactory

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)
def test_postgresql_prepares_a_statement_its_connection_repeats():
    api_key = ApiKeyFactory(enterprise=EnterpriseFactory())

    for _ in range(3):
        assert instance_first(type(api_key), "WHERE row.prefix = %s", [api_key.prefix])

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]
    assert any("row.prefix = $1" in statement for statement in prepared), prepared
