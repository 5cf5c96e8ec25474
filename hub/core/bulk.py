"""Inserting many rows at the speed the database allows: COPY on PostgreSQL, one prepared
executemany elsewhere. Rows bypass model instances, so values must be what the column stores;
fields that transform values on the way in (encrypted fields) are applied here."""

from django.db import connection

from hub.core.crypto import EncryptedTextField


def bulk_insert(model, columns: list[str], rows: list[tuple]) -> None:
    """Insert `rows` (tuples in the order of `columns`, by field name) into `model`'s table."""
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in columns]
    encrypted = [
        index for index, field in enumerate(fields) if isinstance(field, EncryptedTextField)
    ]
    if encrypted:
        rows = [
            tuple(
                fields[index].get_prep_value(value) if index in encrypted else value
                for index, value in enumerate(row)
            )
            for row in rows
        ]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    column_list = ", ".join(quote(field.column) for field in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(fields))
            cursor.executemany(
                f"INSERT INTO {table} ({column_list}) VALUES ({placeholders})",  # noqa: S608
                rows,
            )
