from django.core.management.base import BaseCommand
from django.db import connection, transaction

from hub.core.crypto import encrypted_fields, key_id_of, key_ring


class Command(BaseCommand):
    help = (
        "Re-encrypt every confidential value with the first key of FIELD_ENCRYPTION_KEYS. Run it "
        "after putting a new key first; remove the old key once it reports nothing left."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=1000)

    def handle(self, *args, batch, **options):
        active, _ = key_ring()
        total = 0
        for model, fields in encrypted_fields():
            table = connection.ops.quote_name(model._meta.db_table)
            pk = connection.ops.quote_name(model._meta.pk.column)
            for field in fields:
                column = connection.ops.quote_name(field.column)
                rotated = 0
                # Raw SQL on the stored ciphertexts: the model would hand back plaintext.
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"SELECT {pk}, {column} FROM {table} "  # noqa: S608
                        f"WHERE {column} IS NOT NULL AND {column} <> ''"
                    )
                    stale = [
                        (row_pk, token)
                        for row_pk, token in cursor.fetchall()
                        if key_id_of(token) != active
                    ]
                for start in range(0, len(stale), batch):
                    with transaction.atomic(), connection.cursor() as cursor:
                        cursor.executemany(
                            f"UPDATE {table} SET {column} = %s WHERE {pk} = %s",  # noqa: S608
                            [
                                (
                                    field.get_prep_value(
                                        field.from_db_value(token, None, connection)
                                    ),
                                    row_pk,
                                )
                                for row_pk, token in stale[start : start + batch]
                            ],
                        )
                rotated += len(stale)
                if rotated:
                    self.stdout.write(f"{model._meta.label}.{field.name}: {rotated} re-encrypted")
                total += rotated
        self.stdout.write(
            self.style.SUCCESS(
                f"{total} values re-encrypted; every confidential value is under key {active}."
            )
        )
