"""`minka atf export --programme CODE --format {csv,xml} --output FILE`: a bank batch of the
programme's approved ATFs, as CSV or ISO 20022 pain.001.001.03 XML."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from minka.contracts.services import atf_batch_export
from minka.core.errors import DomainError
from minka.core.models import User
from minka.programmes.models import Programme


class Command(BaseCommand):
    help = "Funds-transfer authorisations (ATF): export the approved ones as a bank batch."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        export = actions.add_parser(
            "export",
            help="write the programme's approved, not yet executed ATFs as a bank batch",
        )
        export.add_argument("--programme", required=True, help="programme code, e.g. MARENASS")
        export.add_argument(
            "--format",
            required=True,
            choices=["csv", "xml"],
            dest="file_format",
            help="csv for spreadsheets; xml for ISO 20022 pain.001.001.03",
        )
        export.add_argument("--output", required=True, help="file to write; '-' for stdout")
        export.add_argument(
            "--debtor-account", help="XML: the programme's account (IBAN or account number)"
        )
        export.add_argument("--debtor-bic", default="", help="XML: the programme's bank BIC")
        export.add_argument(
            "--debtor-name",
            help="XML: the account holder (default: the executing institution or programme)",
        )
        export.add_argument(
            "--message-id", help="XML: the batch's unique id (default: programme code and time)"
        )
        export.add_argument(
            "--again",
            action="store_true",
            help="include ATFs already sent in an earlier batch (a bank file lost in transit)",
        )

    def handle(self, *args, **options):
        if options["action"] == "export":
            self.export(options)

    def export(self, options):
        code = options["programme"]
        programme = Programme.objects.filter(code__iexact=code).first()
        if programme is None:
            raise CommandError(_("There is no programme with code “%(code)s”.") % {"code": code})
        # The console operator acts as the programme's system administrator.
        operator = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        try:
            batch = atf_batch_export(
                user=operator,
                programme=programme,
                file_format=options["file_format"],
                again=options["again"],
                debtor_account=options["debtor_account"] or "",
                debtor_bic=options["debtor_bic"] or "",
                debtor_name=options["debtor_name"] or "",
                message_id=options["message_id"] or "",
            )
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        output = options["output"]
        if output == "-":
            sys.stdout.buffer.write(batch.content)
            sys.stdout.flush()
            return
        try:
            Path(output).write_bytes(batch.content)
        except OSError as exc:
            raise CommandError(
                _("Could not write %(file)s: %(error)s") % {"file": output, "error": exc.strerror}
            ) from exc
        self.stdout.write(
            _("%(count)d approved ATFs of %(code)s written to %(file)s (batch %(batch)s).")
            % {
                "count": batch.count,
                "code": programme.code,
                "file": output,
                "batch": batch.message_id,
            }
        )
