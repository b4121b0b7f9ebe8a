"""Time `minka seed` on a freshly migrated SQLite database.

    .venv/bin/python bench/seed_load.py --scale marenass [--seed 1] [--keep]

Creates a temporary data directory, points MINKA_DATA_DIR at it before Django reads its settings
(so the database is $MINKA_DATA_DIR/minka.sqlite3), migrates (not timed), then times the seed
alone and prints the seconds and the row counts. Record results in bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="marenass", choices=["small", "marenass", "highlands"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the database and print its path")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="minka-bench-"))
    # Must precede Django's settings import: they place the database under MINKA_DATA_DIR.
    os.environ["MINKA_DATA_DIR"] = str(data_dir)
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "minka.config.settings"
    import django
    from django.core.management import call_command

    django.setup()
    from minka.demo.generator import row_counts

    try:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        migrate_seconds = time.perf_counter() - started

        started = time.perf_counter()
        call_command("seed", scale=args.scale, seed=args.seed, verbosity=0, stdout=sys.stderr)
        seconds = time.perf_counter() - started

        counts = row_counts()
        size_mb = (data_dir / "minka.sqlite3").stat().st_size / 1e6
        print(f"date      {date.today().isoformat()}")
        print(f"machine   {os.cpu_count()} cores, Python {platform.python_version()}")
        print(f"scale     {args.scale} (seed {args.seed})")
        print(f"migrate   {migrate_seconds:.1f} s (not counted)")
        print(f"seed      {seconds:.1f} s")
        print(f"rows      {sum(counts.values()):,}")
        for label, count in counts.items():
            print(f"  {label:<24}{count:>10,}")
        print(f"database  {size_mb:.0f} MB")
        if args.keep:
            print(f"kept      {data_dir}")
    finally:
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
