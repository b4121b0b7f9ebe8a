"""`minka export iati [--programme CODE] [--output FILE]`: the IATI 2.03 activity file of one
programme (or of every programme that has recorded its IATI publisher), as the portal serves it.

With `--schema-dir` the file is validated against the official XSD (a folder holding
iati-activities-schema.xsd and its siblings), and with `--ruleset` against the IATI Standard
Ruleset (standard.json); any violation is printed and the command fails."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from minka.core.errors import DomainError
from minka.portal import iati, iati_rules, selectors
from minka.programmes.models import Programme


class Command(BaseCommand):
    help = "Export public data: `export iati` writes the IATI 2.03 activity file."

    def add_arguments(self, parser):
        kinds = parser.add_subparsers(dest="kind", required=True, metavar="KIND")
        export = kinds.add_parser("iati", help="the IATI 2.03 activity file")
        export.add_argument("--programme", help="programme code (default: every publishing one)")
        export.add_argument("--output", default="-", help="file to write; '-' (default) for stdout")
        export.add_argument("--schema-dir", help="validate against the XSD in this folder")
        export.add_argument("--ruleset", help="check the IATI Standard Ruleset (standard.json)")
        export.add_argument(
            "--codelists",
            help="folder of IATI codelists (OrganisationRegistrationAgency.xml) for the ruleset",
        )

    def handle(self, *args, **options):
        if options["kind"] == "iati":
            self.iati(options)

    def iati(self, options):
        code = options["programme"]
        if code:
            programme = Programme.objects.filter(code__iexact=code).first()
            if programme is None:
                raise CommandError(f"There is no programme with code “{code}”.")
            programmes = [programme]
        else:
            programmes = [p for p in selectors.public_programmes() if selectors.publisher_of(p)]
            if not programmes:
                raise CommandError(
                    "No programme has recorded its IATI publisher (the executing institution's "
                    "IATI organisation identifier)."
                )
        try:
            publication = selectors.iati_publication(programmes)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        document = iati.build_activities(publication)
        problems = self.check(document, options)
        content = iati.to_bytes(document)
        output = options["output"]
        if output == "-":
            sys.stdout.buffer.write(content)
            sys.stdout.flush()
        else:
            Path(output).write_bytes(content)
            self.stderr.write(f"{len(publication.activities)} activities written to {output}.")
        if problems:
            raise CommandError("\n".join(problems))

    def check(self, document, options) -> list[str]:
        problems: list[str] = []
        if options["schema_dir"]:
            schema = iati.load_schema(Path(options["schema_dir"]))
            problems += [f"XSD {line}" for line in iati.schema_errors(document, schema)]
        if options["ruleset"]:
            prefixes: frozenset[str] = frozenset()
            if options["codelists"]:
                codelist = Path(options["codelists"]) / "OrganisationRegistrationAgency.xml"
                prefixes = iati_rules.org_id_prefixes_from_codelist(codelist)
            evaluator = iati_rules.Evaluator(
                iati_rules.load_ruleset(Path(options["ruleset"])), org_id_prefixes=prefixes
            )
            problems += [str(o) for o in iati_rules.failures(evaluator.evaluate(document))]
        return problems
