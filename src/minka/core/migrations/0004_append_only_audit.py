from django.db import migrations

from minka.core.triggers import append_only


class Migration(migrations.Migration):
    dependencies = [("core", "0003_auditchainhead_maintenancewindow_auditevent")]

    operations = [append_only("core_auditevent")]
