"""`minka seed --scale {small,marenass,highlands} --seed N [--reset]`: generate the demo."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from minka.demo import generator


class Command(BaseCommand):
    help = (
        "Generate a deterministic synthetic demo programme (communities, households, "
        "organizations, providers, programmes and one user per role) into an empty registry."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            choices=sorted(generator.SCALES),
            default="small",
            help="small: 20 communities; marenass: 600 communities, 88,000 households; "
            "highlands: 4,000 communities, 460,000 households. Default: small.",
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="Random seed; the same seed gives the same data."
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the registry, programmes, territories, role assignments and demo users "
            "first.",
        )

    def handle(self, *args: Any, scale: str, seed: int, reset: bool, **options: Any) -> None:
        log = self.stdout.write if options.get("verbosity", 1) >= 1 else generator.silent
        with transaction.atomic():
            if reset:
                generator.reset(log=log)
            else:
                found = generator.existing_data()
                if found:
                    raise CommandError(
                        "The database already holds data ("
                        + ", ".join(found)
                        + "). Run `minka seed --reset` to delete it and generate the demo again."
                    )
            result = generator.generate(scale=scale, seed=seed, log=log)
        if options.get("verbosity", 1) < 1:
            return
        self.stdout.write(f"Seeded scale {scale!r} with seed {seed} in {result.seconds:.1f} s:")
        for label, count in result.counts.items():
            self.stdout.write(f"  {label:<24}{count:>10,}")
        self.stdout.write(f"Demo logins (password “{generator.DEMO_PASSWORD}”):")
        for username, role in generator.DEMO_LOGINS:
            self.stdout.write(f"  {username:<12}{role}")
        self.stdout.write(self.style.SUCCESS("Done."))
