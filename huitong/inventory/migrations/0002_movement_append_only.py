"""The movement ledger is append-only in the database itself: UPDATE and DELETE are refused."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER inventory_movement_no_update BEFORE UPDATE ON inventory_stockmovement
       BEGIN SELECT RAISE(ABORT, 'inventory_stockmovement is append-only'); END;""",
    """CREATE TRIGGER inventory_movement_no_delete BEFORE DELETE ON inventory_stockmovement
       BEGIN SELECT RAISE(ABORT, 'inventory_stockmovement is append-only'); END;""",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS inventory_movement_no_update;",
               "DROP TRIGGER IF EXISTS inventory_movement_no_delete;"]
POSTGRES = [
    """CREATE OR REPLACE FUNCTION inventory_movement_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'inventory_stockmovement is append-only'; END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER inventory_movement_no_change BEFORE UPDATE OR DELETE ON inventory_stockmovement
       FOR EACH ROW EXECUTE FUNCTION inventory_movement_append_only();""",
]
POSTGRES_DROP = ["DROP TRIGGER IF EXISTS inventory_movement_no_change ON inventory_stockmovement;",
                 "DROP FUNCTION IF EXISTS inventory_movement_append_only();"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("inventory", "0001_initial")]
    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        )
    ]
