"""`minka ledger ...`: the ledger's reports on the console.

    minka ledger trial-balance --programme CODE [--currency PEN] [--as-of DATE] [--format table|csv]
    minka ledger statement --account ID [--from DATE] [--to DATE] [--format table|csv]
    minka ledger summary --programme CODE --by source|concept|organization|territory|total
                         [--as-of DATE] [--format table|csv|xlsx] [--output FILE]

Reads everything, as an auditor does, unless `--user USERNAME` narrows it to what that user
may see. Amounts are in major units (soles, dollars)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404
from django.utils.translation import gettext as _

from minka.core.tabular import write_csv, write_xlsx
from minka.ledger import reports, selectors
from minka.programmes.models import Programme

STATEMENT_COLUMNS = [
    reports.TableColumn("date", "date", "text"),
    reports.TableColumn("journal", "journal", "text"),
    reports.TableColumn("kind", "kind", "text"),
    reports.TableColumn("memo", "memo", "text"),
    reports.TableColumn("debit", "debit"),
    reports.TableColumn("credit", "credit"),
    reports.TableColumn("balance", "balance"),
]


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(_("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": value}) from exc


class Command(BaseCommand):
    help = "Ledger reports: trial balance, account statement, programme money summary."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)

        trial = actions.add_parser("trial-balance", help="debits and credits per account")
        trial.add_argument("--programme", required=True, help="programme code")
        trial.add_argument("--currency", default="")
        trial.add_argument("--as-of", dest="as_of", type=_date)
        trial.add_argument("--format", choices=["table", "csv"], default="table")
        trial.add_argument("--output", type=Path, help="write to this file")

        statement = actions.add_parser("statement", help="an account's movements")
        statement.add_argument("--account", required=True, type=int, help="account id")
        statement.add_argument("--from", dest="date_from", type=_date)
        statement.add_argument("--to", dest="date_to", type=_date)
        statement.add_argument("--format", choices=["table", "csv"], default="table")
        statement.add_argument("--output", type=Path, help="write to this file")

        summary = actions.add_parser("summary", help="budget, committed, disbursed, accounted")
        summary.add_argument("--programme", required=True, help="programme code")
        summary.add_argument(
            "--by", required=True, choices=[*selectors.SUMMARY_DIMENSIONS, "total"]
        )
        summary.add_argument("--as-of", dest="as_of", type=_date)
        summary.add_argument("--format", choices=["table", "csv", "xlsx"], default="table")
        summary.add_argument("--output", type=Path, help="write to this file")
        for sub in (trial, statement, summary):
            sub.add_argument("--user", help="read only what this user may see")

    def handle(self, *args, **options):
        self.reader = self._reader(options.get("user"))
        handler = {
            "trial-balance": self.trial_balance,
            "statement": self.statement,
            "summary": self.summary,
        }[options["action"]]
        handler(options)

    # --- actions -------------------------------------------------------------------------------

    def trial_balance(self, options: dict[str, Any]) -> None:
        programme = self._programme(options["programme"])
        if not selectors.reads_whole_books(user=self.reader, programme=programme):
            raise CommandError(_("This user does not read the programme's whole books."))
        sheets = selectors.trial_balance(
            user=self.reader,
            programme=programme,
            currency=options["currency"].upper(),
            as_of=options["as_of"],
        )
        self._emit(
            reports.TRIAL_BALANCE_COLUMNS,
            reports.trial_balance_table(sheets),
            options,
            title=_("Trial balance"),
        )
        unbalanced = [sheet.currency for sheet in sheets if not sheet.balanced]
        if unbalanced:
            raise CommandError(
                _("Debits and credits differ in %(currencies)s.")
                % {"currencies": ", ".join(unbalanced)}
            )

    def statement(self, options: dict[str, Any]) -> None:
        try:
            account = selectors.get_account_for_user(user=self.reader, pk=options["account"])
        except Http404 as exc:
            raise CommandError(
                _("There is no account %(id)s that you may see.") % {"id": options["account"]}
            ) from exc
        result = selectors.account_statement(
            user=self.reader,
            account=account,
            date_from=options["date_from"],
            date_to=options["date_to"],
        )
        rows = [
            {
                "date": leg.journal.effective_date.isoformat(),
                "journal": leg.journal_id,
                "kind": leg.journal.kind,
                "memo": leg.journal.memo,
                "debit": leg.amount_minor if leg.amount_minor > 0 else None,
                "credit": -leg.amount_minor if leg.amount_minor < 0 else None,
                "balance": leg.running_minor,
                "currency": account.currency,
            }
            for leg in result.lines.iterator()
        ]
        if options["format"] == "table":
            self.stdout.write(f"{account.name} [{account.key}] {account.currency}")
            opening = reports.table_value(
                reports.TableColumn("v", "v"),
                {"v": result.opening_minor, "currency": account.currency},
            )
            self.stdout.write(_("Opening balance: %(amount)s") % {"amount": opening})
        self._emit(STATEMENT_COLUMNS, rows, options, title=_("Statement"))

    def summary(self, options: dict[str, Any]) -> None:
        programme = self._programme(options["programme"])
        by = options["by"]
        result = selectors.money_summary(
            user=self.reader,
            programme=programme,
            as_of=options["as_of"],
            dimensions=[] if by == "total" else [by],
        )
        columns, rows = result.table(by)
        if options["format"] == "xlsx" and not options["output"]:
            raise CommandError(_("An XLSX file needs --output FILE."))
        self._emit(columns, rows, options, title=f"{programme.code} {by}")
        for currency, checks in result.problems.items():
            self.stderr.write(
                _("%(currency)s does not reconcile: %(checks)s")
                % {"currency": currency, "checks": ", ".join(checks)}
            )

    # --- helpers -------------------------------------------------------------------------------

    def _reader(self, username: str | None) -> Any:
        if not username:
            return selectors.ConsoleOperator()
        try:
            return get_user_model().objects.get(username=username, is_active=True)
        except get_user_model().DoesNotExist:
            raise CommandError(_("There is no user “%(name)s”.") % {"name": username}) from None

    def _programme(self, code: str) -> Programme:
        programme = selectors.ledger_programmes(user=self.reader).filter(code__iexact=code).first()
        if programme is None:
            raise CommandError(
                _("There is no programme “%(code)s” that you may see.") % {"code": code}
            )
        return programme

    def _emit(
        self,
        columns: Sequence[reports.TableColumn],
        rows: Iterable[dict[str, Any]],
        options: dict[str, Any],
        *,
        title: str,
    ) -> None:
        fmt = options["format"]
        output: Path | None = options.get("output")
        values = [{c.key: reports.table_value(c, row) for c in columns} for row in rows]
        header = [(c.key, str(c.label)) for c in columns]
        if fmt == "xlsx":
            body = write_xlsx(values, header, sheet_title=title)
        elif fmt == "csv":
            body = write_csv(values, header)
        else:
            body = _table(columns, values).encode()
        if output is not None:
            try:
                output.write_bytes(body)
            except OSError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(_("Written to %(file)s.") % {"file": output})
        else:
            self.stdout.write(body.decode("utf-8-sig"), ending="")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:,}"
    return str(value)


def _table(columns: Sequence[reports.TableColumn], rows: list[dict[str, Any]]) -> str:
    """Columns padded to their widest cell; numbers right-aligned."""
    cells = [[str(c.label) for c in columns]] + [
        [_text(row.get(c.key)) for c in columns] for row in rows
    ]
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    lines = []
    for index, line in enumerate(cells):
        parts = []
        for column, cell, width in zip(columns, line, widths, strict=True):
            right = column.kind != "text" and index > 0
            parts.append(cell.rjust(width) if right else cell.ljust(width))
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines) + "\n"
