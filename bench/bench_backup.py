"""Backup and restore on the demo estate, on SQLite and PostgreSQL: the backup file's size, the
time ``backup.run`` takes, and the time ``python -m app restore`` takes into an empty
installation (the whole command: Python's start, the restore and its migrate), the backup beside its floor measured in the same run: the bare copy
of the database alone (SQLite's backup API into a file; ``pg_dump`` alone).

    .venv/bin/python bench/bench_backup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.databases import fresh_postgres  # noqa: E402


def cli(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "app", *args], env=env, cwd=ROOT, check=True, capture_output=True)


def timed(run, count: int) -> list[float]:
    spent = []
    for _ in range(count):
        started = time.perf_counter()
        run()
        spent.append(time.perf_counter() - started)
    return spent


def ms(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:.0f} ms (min {min(values) * 1000:.0f})"


def measure(engine: str, runs: int) -> None:
    var = Path(tempfile.mkdtemp(prefix="gatepost-bench-backup-"))
    database = fresh_postgres() if engine == "postgres" else None
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env["GATEPOST_VAR_DIR"] = str(var)
    if database:
        env["DATABASE_URL"] = database.url
    try:
        cli(env, "migrate")
        cli(env, "demo")
        out = var / "backups"
        script = ("import sys; from pathlib import Path; from app.settings import get_settings;"
                  "from app.services import backup; from app.services.clock import utcnow;"
                  "import time; s = get_settings(); t = time.perf_counter();"
                  "backup.run(s, Path(sys.argv[1]), keep_days=14, now=utcnow()); print(time.perf_counter() - t)")

        def make_backup():  # timed inside its process: Python's start is not the backup's
            shutil.rmtree(out, ignore_errors=True)
            done = subprocess.run([sys.executable, "-c", script, str(out)], env=env, cwd=ROOT, check=True,
                                  capture_output=True, text=True)
            return float(done.stdout.strip())

        def floor():
            target = var / "floor.copy"
            target.unlink(missing_ok=True)
            if database is None:
                source, copy = sqlite3.connect(var / "gatepost.sqlite"), sqlite3.connect(target)
                source.backup(copy)
                copy.close()
                source.close()
            else:
                subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--file={target}", database.url],
                               check=True, capture_output=True)

        backups = [make_backup() for _ in range(runs)]
        floors = timed(floor, runs)
        [made] = out.glob("gatepost-*.tar")
        size = made.stat().st_size
        kept = var.parent / f"{var.name}.tar"
        shutil.copy(made, kept)

        def restore():  # into an empty installation: a new var directory and an empty database
            empty = Path(tempfile.mkdtemp(prefix="gatepost-bench-restore-"))
            target = fresh_postgres() if database else None
            restore_env = {**env, "GATEPOST_VAR_DIR": str(empty)}
            if target:
                restore_env["DATABASE_URL"] = target.url
            try:
                started = time.perf_counter()
                cli(restore_env, "restore", str(kept))
                return time.perf_counter() - started
            finally:
                shutil.rmtree(empty, ignore_errors=True)
                if target:
                    target.drop()

        restores = [restore() for _ in range(max(1, runs // 2))]
        kept.unlink()
        print(f"{engine:9} backup file {size / 1e6:.2f} MB; backup {ms(backups)}, floor (database copy alone) "
              f"{ms(floors)}; restore with migrate {ms(restores)}")
    finally:
        shutil.rmtree(var, ignore_errors=True)
        if database:
            database.drop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print("Backup of the demo estate (one file: database, uploads, secret), each run a new process:")
    for engine in ("sqlite", "postgres"):
        measure(engine, args.runs)


if __name__ == "__main__":
    main()
