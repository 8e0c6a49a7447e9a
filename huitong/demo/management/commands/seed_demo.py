"""``huitong seed_demo``: seed the demo business (idempotent; see ``huitong.demo.seed``)."""

from django.core.management.base import BaseCommand

from huitong.demo.seed import seed_demo


class Command(BaseCommand):
    help = "Seed the demo tea & specialty-food business 山茗堂 (safe to run again: nothing is duplicated)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=90, help="days of order history, ending today")
        parser.add_argument("--orders-per-day", type=float, default=24, help="orders on an ordinary weekday, all channels (weekends and holidays bring more)")
        parser.add_argument("--seed", type=int, default=20240917, help="random seed (same seed, same business)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, days, orders_per_day, seed, no_progress, **options):
        report = seed_demo(days=days, orders_per_day=orders_per_day, seed=seed, progress=not no_progress)
        self.stdout.write(f"catalog: {report.products_created} products, {report.skus_created} SKUs created")
        if report.business_seeded:
            statuses = ", ".join(f"{status} {n}" for status, n in sorted(report.orders_by_status.items()))
            self.stdout.write(f"orders: {report.orders_created} ({statuses}); restocks: {report.restocks}")
            self.stdout.write(f"members with RFM scores: {report.members}; campaign coupons: {report.coupons_issued}; "
                              f"flash sale: {report.flash_sale_id or '-'}")
        else:
            self.stdout.write("demo stores already exist: order history left as it is")
        self.stdout.write(self.style.SUCCESS(f"staff login: {report.admin_username} / {report.admin_password}"))
