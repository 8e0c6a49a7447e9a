"""The ``huitong`` console command: Django's manage.py plus Huitong's own commands (demo, seed_demo, ...)."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huitong.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["huitong", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
