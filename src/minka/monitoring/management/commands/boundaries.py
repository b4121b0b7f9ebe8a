"""`minka boundaries load FILE.geojson`: load department, province or district outlines for the
programme map (no internet tiles needed)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from minka.core.errors import DomainError
from minka.monitoring.services import boundaries_load


class Command(BaseCommand):
    help = "Load administrative boundaries (GeoJSON) for the programme map."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="Load a GeoJSON FeatureCollection of outlines.")
        load.add_argument("files", nargs="+", type=Path)

    def handle(self, *args, action: str, files: list[Path], **options):
        for file in files:
            try:
                data = file.read_bytes()
            except OSError as exc:
                raise CommandError(f"{file}: {exc.strerror}") from exc
            try:
                result = boundaries_load(data=data)
            except DomainError as exc:
                raise CommandError(f"{file}: {exc}") from exc
            levels = ", ".join(f"level {k}: {v}" for k, v in sorted(result.levels.items()))
            self.stdout.write(
                f"{file.name}: {result.created} created, {result.updated} updated ({levels})"
            )
