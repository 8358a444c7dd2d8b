"""Guards below the application on PostgreSQL: entries and transactions cannot be updated or
deleted, and a transaction whose entries do not sum to zero per currency cannot commit.
(SQLite has no deferred triggers; there the model layer and `ledger.posting` enforce both.)"""

from django.db import migrations

POSTGRES_UP = """
CREATE FUNCTION parley_ledger_immutable() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'ledger rows are immutable (% on %); post a correcting transaction', TG_OP, TG_TABLE_NAME;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER ledger_entry_immutable BEFORE UPDATE OR DELETE ON ledger_entry
  FOR EACH ROW EXECUTE FUNCTION parley_ledger_immutable();
CREATE TRIGGER ledger_transaction_immutable BEFORE UPDATE OR DELETE ON ledger_transaction
  FOR EACH ROW EXECUTE FUNCTION parley_ledger_immutable();

CREATE FUNCTION parley_ledger_balanced() RETURNS trigger AS $$
DECLARE
  bad record;
BEGIN
  SELECT currency, SUM(amount) AS total INTO bad
    FROM ledger_entry WHERE transaction_id = NEW.transaction_id
    GROUP BY currency HAVING SUM(amount) <> 0 LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'ledger transaction % does not balance in %: sum %', NEW.transaction_id, bad.currency, bad.total;
  END IF;
  RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER ledger_entry_balanced AFTER INSERT ON ledger_entry
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION parley_ledger_balanced();
"""

POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS ledger_entry_balanced ON ledger_entry;
DROP FUNCTION IF EXISTS parley_ledger_balanced();
DROP TRIGGER IF EXISTS ledger_transaction_immutable ON ledger_transaction;
DROP TRIGGER IF EXISTS ledger_entry_immutable ON ledger_entry;
DROP FUNCTION IF EXISTS parley_ledger_immutable();
"""


# params=None: the SQL goes to the server as written. With params, Django merges them in
# client-side first, and the PL/pgSQL format markers (`%`) read as broken placeholders.
def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN, params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
