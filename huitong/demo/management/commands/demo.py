"""``huitong demo [addrport]``: migrate, seed the demo business, collect static files, print where to
look and how to log in, then serve (``--no-serve`` stops before serving)."""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from huitong.demo.seed import ADMIN_USERNAME, demo_password

DEFAULT_ADDRPORT = "127.0.0.1:8000"


def base_url(addrport: str) -> str:
    """"8000" → http://127.0.0.1:8000, "0.0.0.0:9000" → http://127.0.0.1:9000, "[::1]:8000" stays."""
    host, _sep, port = addrport.rpartition(":")
    if not host:
        host = "127.0.0.1"
    if host in {"0.0.0.0", "[::]"}:
        host = "127.0.0.1"
    return f"http://{host}:{port}"


class Command(BaseCommand):
    help = "Run the demo: migrate, seed the demo business 山茗堂, collect static files and serve it."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default=DEFAULT_ADDRPORT)
        parser.add_argument("--no-serve", action="store_true", help="prepare everything but do not serve")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar while seeding")
        parser.add_argument("--days", type=int, default=90, help="days of order history to seed")
        parser.add_argument("--orders-per-day", type=float, default=24, help="orders on an ordinary weekday")

    def handle(self, *args, addrport, no_serve, no_progress, days, orders_per_day, **options):
        self.stdout.write("迁移数据库 / migrating the database …")
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("生成演示数据 / seeding the demo business …")
        call_command("seed_demo", days=days, orders_per_day=orders_per_day, no_progress=no_progress,
                     stdout=self.stdout)
        call_command("collectstatic", interactive=False, verbosity=0)
        self._print_welcome(base_url(addrport))
        if not no_serve:
            call_command("serve", addrport)

    def _print_welcome(self, url: str) -> None:
        lines = [
            "",
            "汇通 Huitong 演示 — 山茗堂 (tea & specialty food)",
            f"  商城前台 storefront   {url}/",
            f"  管理后台 admin        {url}/admin/",
            f"  API 文档 API docs     {url}/api/v1/docs",
            f"  OpenAPI              {url}/api/v1/openapi.json",
            f"  管理员 admin login    {ADMIN_USERNAME} / {demo_password()}",
            "  其他角色 other roles  operator, warehouse, customer_service, finance (same password)",
            "",
        ]
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))
