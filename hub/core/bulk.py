"""Inserting and picking out many rows at the speed the database allows: COPY on PostgreSQL,
one prepared executemany elsewhere; ids as one array parameter. Inserted rows bypass model
instances, so values must be what the column stores; fields that transform values on the way in
(encrypted and JSON fields) are applied here."""

from functools import cache

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


def _prepared(fields, rows: list[tuple]) -> list:
    transforms = [
        (index, field.get_prep_value if isinstance(field, EncryptedTextField) else _json_text)
        for index, field in enumerate(fields)
        if isinstance(field, EncryptedTextField | models.JSONField)
    ]
    if not transforms:
        return rows
    # Only the transformed columns are touched: a revision has forty columns and one to
    # transform, and a pass over every value of every row cost more than the transform.
    prepared = []
    for row in rows:
        row = list(row)
        for index, transform in transforms:
            row[index] = transform(row[index])
        prepared.append(row)
    return prepared


# Up to this many values, one INSERT costs less than a COPY, which takes two round trips to
# PostgreSQL (its start, then the data and its end) besides taking ids from the sequence first;
# beyond it, quoting every value into the statement costs more than COPY's row encoding.
FEW_VALUES = 100


def _insert_values_sql(table: str, column_list: str, rows: list[tuple]) -> tuple[str, list]:
    row_placeholders = "(" + ", ".join(["%s"] * len(rows[0])) + ")"
    return (
        f"INSERT INTO {table} ({column_list}) "  # noqa: S608
        f"VALUES {', '.join([row_placeholders] * len(rows))}",
        [value for row in rows for value in row],
    )


def bulk_insert(model, columns: list[str], rows: list[tuple], *, prepared=False) -> None:
    """Insert `rows` (tuples in the order of `columns`, by field name) into `model`'s table.
    `prepared` rows already hold what the columns store, confidential values encrypted."""
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in columns]
    if not prepared:
        rows = _prepared(fields, rows)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    column_list = ", ".join(quote(field.column) for field in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(rows) * len(fields) <= FEW_VALUES:
            cursor.execute(*_insert_values_sql(table, column_list, rows))
        elif connection.vendor == "postgresql":
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
    themselves (auto_now and the like) as `save` would. On PostgreSQL a few values go in one
    INSERT ... RETURNING; more have their ids taken from the table's sequence first and are
    copied in, which is several times faster than an INSERT of as many rows. Elsewhere it is
    Django's bulk_create."""
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objects, batch_size=500)
        return
    if not objects:
        return
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    values = [tuple(field.pre_save(instance, True) for field in fields) for instance in objects]
    few = len(objects) * len(fields) <= FEW_VALUES
    with connection.cursor() as cursor:
        if few:
            quote = connection.ops.quote_name
            sql, params = _insert_values_sql(
                quote(model._meta.db_table),
                ", ".join(quote(field.column) for field in fields),
                _prepared(fields, values),
            )
            cursor.execute(sql + " RETURNING id", params)
        else:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [model._meta.db_table, len(objects)],
            )
        ids = [row[0] for row in cursor.fetchall()]
    for instance, pk in zip(objects, ids, strict=True):
        instance.pk = pk
        instance._state.adding = False
    if not few:
        bulk_insert(
            model,
            ["id", *(field.name for field in fields)],
            [(pk, *row) for pk, row in zip(ids, values, strict=True)],
        )


def id_list(ids):
    """Ids for an `__in` filter. On PostgreSQL they travel as one array parameter: a chunk's
    thousands of placeholders would otherwise be parsed by the driver for every query. The
    array goes as its text, which the driver need not adapt element by element."""
    ids = list(ids)
    if connection.vendor == "postgresql":
        return RawSQL(*id_list_sql(ids))  # noqa: S611 (a constant statement; ids are a parameter)
    return ids


def id_list_sql(ids) -> tuple[str, list]:
    """What goes inside `IN (...)` in raw SQL, and its parameters, as `id_list` sends them."""
    ids = [int(pk) for pk in ids]
    if connection.vendor == "postgresql":
        return "SELECT unnest(%s::bigint[])", ["{" + ",".join(map(str, ids)) + "}"]
    return ", ".join(["%s"] * len(ids)), ids


@cache
def _reading(model):
    """The select list of `model`'s columns in the table aliased `row`, and each field's
    converters from what the database returns to what the model holds."""
    fields = model._meta.concrete_fields
    columns = [f"row.{connection.ops.quote_name(field.column)}" for field in fields]
    converters = []
    for field in fields:
        column = field.get_col(model._meta.db_table)
        functions = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        converters.append((column, functions))
    return [field.attname for field in fields], columns, converters


def instance_first(model, where: str, params, *, extra: dict[str, str] | None = None):
    """The first row of `model`'s table (aliased `row`) matching the SQL condition `where`, as an
    instance, or None; `extra` maps attribute names to SQL expressions also read onto it. For the
    reads every API request makes, where the ORM's query building cost more than the query."""
    extra = extra or {}
    attnames, columns, converters = _reading(model)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join([*columns, *extra.values()])} "  # noqa: S608
            f"FROM {connection.ops.quote_name(model._meta.db_table)} AS row {where} LIMIT 1",
            params,
        )
        found = cursor.fetchone()
    if found is None:
        return None
    values = []
    for value, (column, functions) in zip(found, converters, strict=False):
        for function in functions:
            value = function(value, column, connection)
        values.append(value)
    instance = model.from_db(connection.alias, attnames, values)
    for name, value in zip(extra, found[len(columns) :], strict=True):
        setattr(instance, name, value)
    return instance
