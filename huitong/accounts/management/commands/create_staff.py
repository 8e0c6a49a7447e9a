from django.core.management.base import BaseCommand, CommandError

from huitong.accounts import services
from huitong.core.errors import DomainError
from huitong.core.permissions import Role


class Command(BaseCommand):
    help = "Create or update a staff user with roles: huitong create_staff NAME --password P --role warehouse"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--password", required=True)
        parser.add_argument("--role", action="append", default=[], choices=Role.values)
        parser.add_argument("--superuser", action="store_true")

    def handle(self, *args, username, password, role, superuser, **options):
        try:
            user = services.create_staff_user(username=username, password=password, roles=role, superuser=superuser)
        except DomainError as exc:
            raise CommandError(f"{exc.message}: {exc.detail}") from exc
        self.stdout.write(f"staff user {user.username} roles={','.join(role) or '-'}")
