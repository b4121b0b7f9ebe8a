from django.db import migrations

from minka.core.triggers import append_only, insert_guard

UNBALANCED = (
    "NOT EXISTS (SELECT 1 FROM ledger_leg WHERE journal_id = NEW.id) "
    "OR EXISTS (SELECT 1 FROM ledger_leg WHERE journal_id = NEW.id "
    "GROUP BY currency HAVING SUM(amount_minor) <> 0)"
)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial"), ("core", "0004_append_only_audit")]

    operations = [
        append_only("ledger_journal", sealable=True, seal_check=UNBALANCED),
        append_only("ledger_leg"),
        insert_guard("ledger_leg", parent="ledger_journal", fk="journal_id"),
    ]
