"""The loyalty ledgers are append-only in the database itself: UPDATE and DELETE are refused (the
same approach as the inventory movement ledger)."""

from django.db import migrations

TABLES = ["loyalty_pointsentry", "loyalty_lotuse", "loyalty_storedvalueentry", "loyalty_giftcardentry"]

SQLITE = [
    sql
    for table in TABLES
    for sql in (
        f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;""",
        f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;""",
    )
]
SQLITE_DROP = [sql for table in TABLES for sql in (f"DROP TRIGGER IF EXISTS {table}_no_update;",
                                                   f"DROP TRIGGER IF EXISTS {table}_no_delete;")]
POSTGRES = [
    """CREATE OR REPLACE FUNCTION loyalty_ledger_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only'; END; $$ LANGUAGE plpgsql;""",
    *(f"""CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table}
          FOR EACH ROW EXECUTE FUNCTION loyalty_ledger_append_only();""" for table in TABLES),
]
POSTGRES_DROP = [*(f"DROP TRIGGER IF EXISTS {table}_no_change ON {table};" for table in TABLES),
                 "DROP FUNCTION IF EXISTS loyalty_ledger_append_only();"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("loyalty", "0001_initial")]
    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        )
    ]
