"""`minka verify`: integrity checks; exits non-zero naming the first broken records."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from minka.core.integrity import CHECKS


class Command(BaseCommand):
    help = "Check the database's integrity (schema, identifiers, households, accounts, ...)."

    def handle(self, *args, **options):
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            raise CommandError(f"{len(pending)} migrations are not applied; run `minka migrate`.")
        problems = 0
        for name, check in CHECKS:
            found = list(check())
            problems += len(found)
            status = "ok" if not found else f"{len(found)} problem(s)"
            self.stdout.write(f"{name}: {status}")
            for problem in found:
                self.stderr.write(f"  {problem}")
        if problems:
            raise CommandError(f"verify found {problems} problem(s)")
        self.stdout.write(self.style.SUCCESS("All integrity checks passed."))
