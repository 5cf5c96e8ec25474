from django.db import migrations

from hub.core.roles import CustomsRole

CONTENT_COLUMNS = (
    "occurred_at, action, actor_user_id, actor_label, enterprise_id, object_type, object_id, "
    "data, request_id"
)

POSTGRES_FORWARD = f"""
CREATE FUNCTION core_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'the audit trail is append-only: events cannot be deleted';
    END IF;
    IF OLD.seq IS NOT NULL OR ROW({', '.join('NEW.' + c for c in CONTENT_COLUMNS.split(', '))})
            IS DISTINCT FROM ROW({', '.join('OLD.' + c for c in CONTENT_COLUMNS.split(', '))}) THEN
        RAISE EXCEPTION 'the audit trail is append-only: only sealing may update an event';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_auditevent_append_only BEFORE UPDATE OR DELETE ON core_auditevent
    FOR EACH ROW EXECUTE FUNCTION core_auditevent_append_only();
"""
POSTGRES_REVERSE = """
DROP TRIGGER core_auditevent_append_only ON core_auditevent;
DROP FUNCTION core_auditevent_append_only();
"""
# SQLite guards updates only: Django's test flush empties tables with DELETE there.
SQLITE_FORWARD = f"""
CREATE TRIGGER core_auditevent_append_only BEFORE UPDATE ON core_auditevent
FOR EACH ROW WHEN OLD.seq IS NOT NULL
    OR {' OR '.join(f'NEW.{c} IS NOT OLD.{c}' for c in CONTENT_COLUMNS.split(', '))}
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only: only sealing may update an event');
END;
"""
SQLITE_REVERSE = "DROP TRIGGER core_auditevent_append_only;"


def install_append_only_trigger(apps, schema_editor):
    sql = {"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql)


def remove_append_only_trigger(apps, schema_editor):
    sql = {"postgresql": POSTGRES_REVERSE, "sqlite": SQLITE_REVERSE}.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql)


def create_roles_and_chain_head(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for role in CustomsRole:
        Group.objects.get_or_create(name=role.value)
    apps.get_model("core", "AuditChainHead").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        migrations.RunPython(create_roles_and_chain_head, migrations.RunPython.noop),
        migrations.RunPython(install_append_only_trigger, remove_append_only_trigger),
    ]
