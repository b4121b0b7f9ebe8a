"""`minka import <kind> <file> [--dry-run] [--user USERNAME]`: import a registry list."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from minka.core.errors import DomainError
from minka.registry.importers import KINDS, import_file, summary_lines


class Command(BaseCommand):
    help = (
        "Import communities, households (one row per person) or organizations (one row per "
        "member) from a CSV or XLSX file. Nothing is written if any row has an error."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="check the file and count, write nothing"
        )
        parser.add_argument(
            "--user",
            help="import as this user: only their area may change, and history names them",
        )

    def handle(self, *args, **options):
        user = None
        if options["user"]:
            try:
                user = get_user_model().objects.get(username=options["user"])
            except get_user_model().DoesNotExist:
                raise CommandError(
                    _("There is no user “%(name)s”.") % {"name": options["user"]}
                ) from None
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        try:
            result = import_file(
                kind=options["kind"],
                data=data,
                filename=path.name,
                user=user,
                dry_run=options["dry_run"],
            )
        except DomainError as exc:
            raise CommandError(str(exc)) from exc

        for warning in result.warnings:
            self.stderr.write(str(warning))
        if result.errors:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(
                _("%(count)d errors in %(file)s; nothing was imported.")
                % {"count": len(result.errors), "file": path.name}
            )
        self.stdout.write(
            _("%(file)s: %(rows)d rows read.") % {"file": path.name, "rows": result.rows}
        )
        for line in summary_lines(result):
            self.stdout.write(f"  {line}")
        if result.dry_run:
            self.stdout.write(_("Dry run: nothing was written."))
