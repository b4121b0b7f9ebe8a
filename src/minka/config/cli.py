"""The `minka` console script: Django's management entry point with Minka's settings."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minka.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["minka", *sys.argv[1:]])


if __name__ == "__main__":
    main()
