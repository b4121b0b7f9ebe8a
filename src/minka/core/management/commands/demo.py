"""`minka demo`: set up the embedded database with the demo programme and serve it."""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from minka.registry.models import Community


class Command(BaseCommand):
    help = "Migrate, load the gazetteer and the demo programme (first run only), then serve."

    def add_arguments(self, parser):
        parser.add_argument("--scale", default="small", choices=["small", "marenass", "highlands"])
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--no-serve", action="store_true", help="set up only")
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        if not Community.objects.exists():
            call_command("seed", scale=options["scale"], seed=options["seed"])
        else:
            from minka.demo.generator import DEMO_LOGINS, DEMO_PASSWORD

            self.stdout.write(
                f"The demo programme is already loaded. Logins (password: {DEMO_PASSWORD}):"
            )
            for username, role in DEMO_LOGINS:
                self.stdout.write(f"  {username:<10} {role}")
        if not options["no_serve"]:
            self.stdout.write(f"Minka: http://{options['addrport']}/")
            call_command("serve", options["addrport"])
