"""Inserting and picking out many rows at the speed the database allows: COPY on PostgreSQL,
one prepared executemany elsewhere; ids as one array parameter. Inserted rows bypass model
instances, so values must be what the column stores; fields that transform values on the way in
(encrypted and JSON fields) are applied here."""

import orjson
from django.db import connection, models
from django.db.models.expressions import RawSQL

from hub.core.crypto import EncryptedTextField

# As json.dumps(value, default=str) writes it, several times faster: dates, Decimals and the
# like as their str(), keys that are not strings as strings.
_JSON_OPTIONS = (
    orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
)


def _json_text(value) -> str:
    return orjson.dumps(value, default=str, option=_JSON_OPTIONS).decode()


def _prepared(fields, rows: list[tuple]) -> list[tuple]:
    transforms = {
        index: field.get_prep_value if isinstance(field, EncryptedTextField) else _json_text
        for index, field in enumerate(fields)
        if isinstance(field, EncryptedTextField | models.JSONField)
    }
    if not transforms:
        return rows
    return [
        tuple(
            transforms[index](value) if index in transforms else value
            for index, value in enumerate(row)
        )
        for row in rows
    ]


def bulk_insert(model, columns: list[str], rows: list[tuple]) -> None:
    """Insert `rows` (tuples in the order of `columns`, by field name) into `model`'s table."""
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in columns]
    rows = _prepared(fields, rows)
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


def bulk_create_returning_ids(model, objects: list) -> None:
    """Save new model instances and set their primary keys, filling the fields that fill
    themselves (auto_now and the like) as `save` would. On PostgreSQL the ids are taken from
    the table's sequence first and the rows copied in, which is several times faster than an
    INSERT of as many rows; elsewhere it is Django's bulk_create."""
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objects, batch_size=500)
        return
    if not objects:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, len(objects)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    for instance, pk in zip(objects, ids, strict=True):
        instance.pk = pk
        instance._state.adding = False
    bulk_insert(
        model,
        ["id", *(field.name for field in fields)],
        [
            (instance.pk, *(field.pre_save(instance, True) for field in fields))
            for instance in objects
        ],
    )


def id_list(ids):
    """Ids for an `__in` filter. On PostgreSQL they travel as one array parameter: a chunk's
    thousands of placeholders would otherwise be parsed by the driver for every query. The
    array goes as its text, which the driver need not adapt element by element."""
    ids = list(ids)
    if connection.vendor == "postgresql":
        array = "{" + ",".join(str(int(pk)) for pk in ids) + "}"
        return RawSQL("SELECT unnest(%s::bigint[])", (array,))
    return ids
