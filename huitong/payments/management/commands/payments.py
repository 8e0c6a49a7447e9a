"""huitong payments reconcile FILE --gateway alipay|wechat — reconcile a gateway statement from the command line."""

import json as jsonlib
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from huitong.core.actors import Actor
from huitong.core.errors import DomainError
from huitong.core.money import format_yuan
from huitong.payments import reconciliation, selectors
from huitong.payments.models import DiscrepancyKind, StatementGateway

ACTOR = Actor.system("cli")


class Command(BaseCommand):
    help = "Payments: reconcile a gateway statement file"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        rec = sub.add_parser("reconcile", help="import a gateway statement (CSV) and print the discrepancies")
        rec.add_argument("file")
        rec.add_argument("--gateway", required=True, choices=StatementGateway.values)
        rec.add_argument("--json", action="store_true", help="machine-readable output")

    def handle(self, *args, action, **options):
        try:
            getattr(self, action)(**options)
        except DomainError as exc:
            fields = (exc.detail or {}).get("fields", {})
            lines = "\n".join(f"  {k}: {v}" for k, v in fields.items())
            raise CommandError(f"{exc.message}\n{lines}".rstrip()) from exc

    def reconcile(self, *, file, gateway, json=False, **options):
        path = Path(file)
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from exc
        run = reconciliation.reconcile_statement(
            gateway=gateway, file_name=path.name, content=content, actor=ACTOR
        )
        summary = selectors.reconciliation_summary(run)
        if json:
            self.stdout.write(
                jsonlib.dumps(
                    {
                        "run_id": run.pk,
                        "statement_rows": run.statement_rows,
                        "matched": run.matched,
                        **summary,
                    },
                    ensure_ascii=False,
                )
            )
            return
        self.stdout.write(
            f"reconciliation #{run.pk} {gateway} {path.name}: {run.statement_rows} rows "
            f"({format_yuan(run.statement_total_fen)}), period {run.period_start:%Y-%m-%d %H:%M} – "
            f"{run.period_end:%Y-%m-%d %H:%M}, {run.matched} matched"
        )
        for kind in DiscrepancyKind:
            self.stdout.write(f"  {kind.label}: {summary[kind.value]}")
        for line in run.lines.order_by("kind", "row_no", "id"):
            amounts = f"{_yuan(line.statement_amount_fen)} / {_yuan(line.huitong_amount_fen)}"
            status = f"{line.statement_status or '-'} / {line.huitong_status or '-'}"
            self.stdout.write(
                f"    {line.kind:22} {line.out_trade_no:32} row {line.row_no or '-':>4}  "
                f"amount {amounts}  status {status}"
            )


def _yuan(fen):
    return "-" if fen is None else format_yuan(fen)
