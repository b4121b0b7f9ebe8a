"""Server time of the programme dashboard (monitoring) on a seeded database.

    .venv/bin/python bench/dashboard.py --scale marenass [--repeat 7] [--data-dir DIR]

Without --data-dir, creates a temporary data directory, points MINKA_DATA_DIR at it before
Django reads its settings (as bench/seed_load.py does), migrates and seeds the scale (not timed),
then requests the MARENASS dashboard through Django's test client as the programme manager: the
whole programme, a department, a province and a district (drill-down), a community page, the
district report and its XLSX. Prints the median of --repeat runs and the number of SQL queries.
Target: ≤ 500 ms server time at `marenass`. Record results in bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="marenass", choices=["small", "marenass", "highlands"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--user", default="manager")
    parser.add_argument("--data-dir", help="an already seeded data directory (kept)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary database")
    args = parser.parse_args()

    data_dir = (
        Path(args.data_dir) if args.data_dir else Path(tempfile.mkdtemp(prefix="minka-bench-"))
    )
    os.environ["MINKA_DATA_DIR"] = str(data_dir)
    if not args.data_dir:
        os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "minka.config.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from minka.core.models import User
    from minka.monitoring.models import AssetValuation
    from minka.programmes.models import Programme

    try:
        if not args.data_dir:
            call_command("migrate", verbosity=0)
            started = time.perf_counter()
            call_command("seed", scale=args.scale, seed=args.seed, verbosity=0, stdout=sys.stderr)
            print(f"seeded    {args.scale} in {time.perf_counter() - started:.1f} s (not counted)")
        settings.ALLOWED_HOSTS = ["*"]
        programme = Programme.objects.get(code="MARENASS")
        valuation = (
            AssetValuation.objects.filter(programme=programme)
            .select_related("community__district")
            .first()
        )
        district = valuation.community.district.path if valuation else "0302"
        client = Client()
        client.force_login(User.objects.get(username=args.user))
        base = f"/monitoring/?programme={programme.pk}"
        pages = [
            ("dashboard (programme)", base),
            ("dashboard (department)", f"{base}&area={district[:2]}"),
            ("dashboard (province)", f"{base}&area={district[:4]}"),
            ("dashboard (district)", f"{base}&area={district}"),
            ("dashboard (year 2025)", f"{base}&year=2025"),
        ]
        if valuation:
            pages.append(
                (
                    "community page",
                    f"/monitoring/communities/{valuation.community_id}/?programme={programme.pk}",
                )
            )
        pages += [
            ("report by district", f"/monitoring/reports/{programme.pk}/district/"),
            ("report by district xlsx", f"/monitoring/reports/{programme.pk}/district.xlsx"),
        ]
        print(f"date      {date.today().isoformat()}")
        print(
            f"machine   {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"{connection.vendor}"
        )
        print(f"user      {args.user}; median of {args.repeat} (first request not counted)")
        for label, url in pages:
            client.get(url)  # warm caches (templates, translations) as a running server has
            timings = []
            for _ in range(args.repeat):
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    response = client.get(url)
                    timings.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    print(f"  {label}: HTTP {response.status_code}", file=sys.stderr)
            print(f"  {label:<26}{statistics.median(timings):8.1f} ms  {len(queries):3d} queries")
        if args.keep and not args.data_dir:
            print(f"kept      {data_dir}")
    finally:
        if not args.data_dir and not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
