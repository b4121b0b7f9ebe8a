"""`minka serve [ADDR:PORT]`: serve Minka on the embedded default (threaded, no reloader).

For production run a WSGI server instead, e.g. `gunicorn minka.config.wsgi` (see README)."""

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Minka locally (default 127.0.0.1:8000)."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, **options):
        call_command("runserver", options["addrport"], use_reloader=False, insecure_serving=True)
