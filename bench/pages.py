"""Server time and query count of the main pages on a seeded database.

    .venv/bin/python bench/pages.py --data-dir DIR [--user officer] [--repeat 5]

DIR holds a seeded minka.sqlite3 (e.g. from `bench/seed_load.py --scale marenass --keep`) or
set DATABASE_URL for PostgreSQL. Each page is requested through Django's test client (no network,
no browser): the figure is server time — URL resolution, scope, queries, rendering. Prints the
median of --repeat runs and the number of SQL queries. Record results in bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--user", action="append", default=[])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.environ["MINKA_DATA_DIR"] = args.data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "minka.config.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from minka.core.models import User
    from minka.core.scope import restrict
    from minka.registry.models import Community, Organization, Person

    settings.ALLOWED_HOSTS = ["*"]
    for username in args.user or ["admin", "officer"]:
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        # Records the user may see, so detail pages measure a real page and not a 404.
        community = restrict(Community.objects.order_by("pk"), user).first()
        organization = restrict(Organization.objects.order_by("pk"), user).first()
        person = restrict(Person.objects.order_by("pk"), user).first()
        pages = [
            ("home", "/"),
            ("communities", "/registry/communities/"),
            ("households", "/registry/households/"),
            ("persons", "/registry/persons/"),
            ("persons page 200", "/registry/persons/?page=200"),
            ("persons by DNI", f"/registry/persons/?q={person.dni}"),
            ("persons by name", "/registry/persons/?q=Quispe+Mamani"),
            ("organizations", "/registry/organizations/"),
            ("community detail", f"/registry/communities/{community.pk}/"),
            ("organization detail", f"/registry/organizations/{organization.pk}/"),
            ("person detail", f"/registry/persons/{person.pk}/"),
            ("api persons", "/api/v1/persons?limit=50"),
        ]
        print(f"user {username}")
        for label, url in pages:
            timings = []
            for _ in range(args.repeat):
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    response = client.get(url)
                    timings.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    print(f"  {label}: HTTP {response.status_code}", file=sys.stderr)
            print(f"  {label:<22}{statistics.median(timings):8.1f} ms  {len(queries):3d} queries")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
