import threading

import pytest
from django.db import connection, transaction

from hub.declarations.models import Declaration
from hub.declarations.services import declaration_receive
from tests.conftest import wait_for
from tests.factories import declaration_document

NUMBER = "220120261000000001"


def waiting_for_a_row_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def in_thread(target, results, name):
    def run():
        try:
            results[name] = target()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite writers never overlap")
def test_a_declaration_delivered_twice_at_once_is_stored_once_and_then_amended(
    transactional_db,
):
    inserted, release, results = threading.Event(), threading.Event(), {}

    def first_delivery():
        with transaction.atomic():
            [result] = declaration_receive(documents=[declaration_document(NUMBER)], actor=None)
            inserted.set()
            release.wait(timeout=60)
        return result

    def second_delivery():
        [result] = declaration_receive(
            documents=[declaration_document(NUMBER, items=1)], actor=None
        )
        return result

    first = in_thread(first_delivery, results, "first")
    assert inserted.wait(timeout=60)
    second = in_thread(second_delivery, results, "second")
    wait_for(waiting_for_a_row_lock)  # the second insert waits on the first's uncommitted row
    release.set()
    first.join(timeout=60)
    second.join(timeout=60)

    assert (results["first"].status, results["second"].status) == ("created", "amended")
    assert results["second"].declaration_id == results["first"].declaration_id
    declaration = Declaration.objects.get()
    assert (declaration.revision, declaration.items.count()) == (2, 1)
