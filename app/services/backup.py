"""A whole installation in one file, and back: ``python -m app backup --to DIR`` and
``python -m app restore FILE``.

A backup is one tar file, ``gatepost-YYYYMMDDTHHMMSSZ.tar``, holding:

- ``manifest.json``: the engine, when it was made, the last migration, and what it holds;
- the database: ``database.sqlite.gz`` (SQLite's online backup, a consistent copy made while
  the app goes on writing, gzipped: a database file is mostly index pages and free space, and
  shrinks several times; backups of earlier versions hold ``database.sqlite`` and restore as
  well) or ``database.dump`` (``pg_dump``'s custom format: one snapshot, compressed; from
  Debian's postgresql-client of the server's major version or newer);
- ``uploads/``: the photos people uploaded (``services.uploads``);
- ``secret_key``, when the server keeps its signing secret under var/ (guests' pass links and
  QR codes are signed with it: restored without it, every pass given out stops working);
- ``field_keys.json``, when the server keeps the keys ID numbers and phones are sealed with
  under var/ (``services.sealed``): restored without them, no sealed value can be read again.
  Keys given in ``GATEPOST_FIELD_KEYS`` stay with the environment, as SECRET_KEY does: keep a
  copy of them apart from the backups.

The database is copied first, then the uploads. A photo is written once, whole (under a
temporary name, then renamed), and never changed, so the copy holds every photo the database
names; one uploaded during the backup may be in it too, named by no row, which is harmless.

A backup is written under a ``.partial`` name, readable by its owner only, and renamed once
complete, so a file named ``gatepost-*.tar`` is always whole; those older than ``keep_days``
are removed after a new one is made.

``restore`` brings an empty installation (no estate in its database, no uploads) back to the
state of the backup, then brings the schema up to date, as ``migrate`` does. It refuses a
database that holds data, and a backup of the other engine.

A backup holds everything: ID numbers and phones of visitors, and the keys that open them, the
estates' signing keys, the server's push key and its secret. Whoever has the file can read every
visitor's ID number: keep it as carefully as the server itself (encrypted storage, few readers).
"""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from app.settings import Settings

PREFIX = "gatepost-"
SUFFIX = ".tar"
OLDER_SUFFIXES = (".sqlite", ".dump")  # database-only backups of earlier versions, pruned alike
FORMAT = 1
MANIFEST = "manifest.json"
UPLOADS = "uploads"
SECRET = "secret_key"
FIELD_KEYS = "field_keys.json"  # services.sealed.KEY_FILE


class BackupFailed(RuntimeError):
    """The operator gets this sentence."""


class RestoreRefused(RuntimeError):
    """The operator gets this sentence; nothing was changed."""


def _engine(settings: Settings) -> str:
    return "sqlite" if settings.is_sqlite else "postgres"


def _database_name(engine: str) -> str:
    return "database.sqlite" if engine == "sqlite" else "database.dump"


# gzip's level 6 (its default) takes a few seconds for a large estate's year on SQLite; level 1
# leaves the file a fifth larger for a third of the time. The backup runs at night.
GZIP_LEVEL = 6


def _gzip(path: Path) -> Path:
    """``path`` gzipped beside it (and removed); returns the new file."""
    packed = path.with_name(path.name + ".gz")
    with open(path, "rb") as source, gzip.open(packed, "wb", compresslevel=GZIP_LEVEL) as target:
        shutil.copyfileobj(source, target, 1024 * 1024)
    path.unlink()
    return packed


def _gunzip(path: Path) -> Path:
    """A ``.gz`` file unpacked beside it (and removed); any other file as it is."""
    if path.suffix != ".gz":
        return path
    unpacked = path.with_suffix("")
    with gzip.open(path, "rb") as source, open(unpacked, "wb") as target:
        shutil.copyfileobj(source, target, 1024 * 1024)
    path.unlink()
    return unpacked


# Backing up ----------------------------------------------------------------------------------


def run(settings: Settings, directory: Path, *, keep_days: int, now: datetime) -> Path:
    """Make a backup in ``directory``; returns its path."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    target = directory / f"{PREFIX}{stamp}{SUFFIX}"
    partial = target.with_name(target.name + ".partial")
    partial.touch(mode=0o600)
    engine = _engine(settings)
    try:
        with tempfile.TemporaryDirectory(dir=directory, prefix=".gatepost-backup-") as scratch:
            database = Path(scratch) / _database_name(engine)
            if settings.is_sqlite:
                _sqlite(settings.sqlite_path, database)
            else:
                _postgres(settings.database_url, database)
            migration = _last_migration(settings, database)
            if settings.is_sqlite:
                database = _gzip(database)
            uploads = settings.var_dir / UPLOADS
            secret = settings.var_dir / SECRET
            with tarfile.open(partial, "w") as tar:
                tar.add(database, arcname=database.name)
                count = 0
                if uploads.is_dir():
                    for path in sorted(uploads.rglob("*")):
                        if path.is_file() and not path.name.startswith("."):  # not a photo half-written
                            tar.add(path, arcname=f"{UPLOADS}/{path.relative_to(uploads).as_posix()}")
                            count += 1
                # only the secret the server uses: one from SECRET_KEY stays with the environment
                kept_secret = secret.is_file() and secret.read_text().strip() == settings.secret_key
                if kept_secret:
                    tar.add(secret, arcname=SECRET)
                field_keys = settings.var_dir / FIELD_KEYS
                kept_keys = settings.field_keys is None and field_keys.is_file()
                if kept_keys:
                    tar.add(field_keys, arcname=FIELD_KEYS)
                manifest = {"format": FORMAT, "engine": engine, "made_at": now.isoformat(),
                            "database": database.name, "migration": migration, "uploads": count,
                            "secret_key": kept_secret, "field_keys": kept_keys}
                _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=2).encode())
        partial.rename(target)
    finally:
        partial.unlink(missing_ok=True)
    prune(directory, keep_days=keep_days, now=now)
    return target


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), 0o600
    tar.addfile(info, io.BytesIO(data))


def _sqlite(path: str, into: Path) -> None:
    if not Path(path).exists():
        raise BackupFailed(f"There is no database at {path}.")
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    copy = sqlite3.connect(into)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()


def _postgres(url: str, into: Path) -> None:
    if shutil.which("pg_dump") is None:
        raise BackupFailed("pg_dump is missing: install Debian's postgresql-client.")
    done = subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--file={into}", url],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupFailed(f"pg_dump failed: {done.stderr.strip()}")


def _last_migration(settings: Settings, database: Path) -> str:
    """The newest migration the copied database has had (for the manifest)."""
    if settings.is_sqlite:
        with sqlite3.connect(database) as copy:
            row = copy.execute("SELECT MAX(name) FROM migration").fetchone()
        return row[0] or ""
    done = subprocess.run(["psql", "--no-psqlrc", "-At", "-c", "SELECT MAX(name) FROM migration",
                           settings.database_url], capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else ""


def prune(directory: Path, *, keep_days: int, now: datetime) -> list[Path]:
    """Remove whole backups older than ``keep_days`` (nothing else in the folder)."""
    cutoff = (now - timedelta(days=keep_days)).timestamp()
    removed = []
    for path in directory.glob(f"{PREFIX}*"):
        if path.name.endswith((SUFFIX, *OLDER_SUFFIXES)) and path.stat().st_mtime < cutoff:
            path.unlink()
            removed.append(path)
    return removed


# Restoring -----------------------------------------------------------------------------------


def read_manifest(file: Path) -> dict:
    try:
        with tarfile.open(file, "r") as tar:
            member = tar.extractfile(MANIFEST)
            manifest = json.loads(member.read()) if member else None
    except (OSError, tarfile.TarError, KeyError, ValueError) as exc:
        raise RestoreRefused(f"{file} is not a Gatepost backup ({exc}).") from exc
    if not manifest or manifest.get("format") != FORMAT:
        raise RestoreRefused(f"{file} is not a Gatepost backup this version can read.")
    return manifest


def restore(settings: Settings, file: Path) -> dict:
    """Bring this empty installation back to the state of ``file``; returns its manifest.
    The caller brings the schema up to date afterwards (``schema.migrate``)."""
    manifest = read_manifest(file)
    engine = _engine(settings)
    if manifest["engine"] != engine:
        raise RestoreRefused(f"This backup is of a {manifest['engine']} database and this installation uses "
                             f"{engine}: restore it on a {manifest['engine']} installation.")
    uploads = settings.var_dir / UPLOADS
    if uploads.is_dir() and any(p.is_file() for p in uploads.rglob("*")):
        raise RestoreRefused(f"{uploads} holds files already: restore into an empty installation.")
    if settings.is_sqlite:
        _refuse_unless_empty_sqlite(settings.sqlite_path)
    else:
        _refuse_unless_empty_postgres(settings.database_url)

    settings.var_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=settings.var_dir, prefix=".gatepost-restore-") as scratch, \
            tarfile.open(file, "r") as tar:
        tar.extract(manifest["database"], scratch, filter="data")
        database = _gunzip(Path(scratch) / manifest["database"])
        if settings.is_sqlite:
            _restore_sqlite(database, settings.sqlite_path)
        else:
            _restore_postgres(database, settings.database_url)
        members = [m for m in tar.getmembers() if m.name.startswith(f"{UPLOADS}/") and m.isfile()]
        tar.extractall(settings.var_dir, members=members, filter="data")
        if manifest.get("secret_key"):
            tar.extract(SECRET, scratch, filter="data")
            os.replace(Path(scratch) / SECRET, settings.var_dir / SECRET)
            os.chmod(settings.var_dir / SECRET, 0o600)
        if manifest.get("field_keys"):
            tar.extract(FIELD_KEYS, scratch, filter="data")
            os.chmod(Path(scratch) / FIELD_KEYS, 0o600)
            os.replace(Path(scratch) / FIELD_KEYS, settings.var_dir / FIELD_KEYS)
            from app.services import sealed

            sealed.use(None)  # read the restored keys when next needed (the migrations after this)
    return manifest


def _refuse_unless_empty_sqlite(path: str) -> None:
    if not Path(path).exists():
        return
    with sqlite3.connect(path) as db:
        has_estates = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'estate'").fetchone()
        if has_estates and db.execute("SELECT 1 FROM estate LIMIT 1").fetchone():
            raise RestoreRefused(f"The database at {path} holds estates: restore into an empty installation.")


def _refuse_unless_empty_postgres(url: str) -> None:
    def ask(sql: str) -> str:
        done = subprocess.run(["psql", "--no-psqlrc", "-At", "-c", sql, url], capture_output=True, text=True)
        if done.returncode != 0:
            raise RestoreRefused(f"The database cannot be read: {done.stderr.strip()}")
        return done.stdout.strip()

    if ask("SELECT to_regclass('public.estate') IS NOT NULL") == "t" and ask("SELECT EXISTS (SELECT 1 FROM estate)") == "t":
        raise RestoreRefused("The database holds estates: restore into an empty installation.")


def _restore_sqlite(copy: Path, path: str) -> None:
    """The copy written into the installation's database file through SQLite's backup API, which
    replaces every page (and keeps the file's write-ahead log in step)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    source, target = sqlite3.connect(copy), sqlite3.connect(path)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def _restore_postgres(dump: Path, url: str) -> None:
    if shutil.which("pg_restore") is None:
        raise RestoreRefused("pg_restore is missing: install Debian's postgresql-client.")
    # --clean drops the empty tables a `migrate` may have made; all or nothing.
    done = subprocess.run(["pg_restore", "--no-owner", "--clean", "--if-exists", "--single-transaction",
                           "--exit-on-error", f"--dbname={url}", str(dump)], capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupFailed(f"pg_restore failed: {done.stderr.strip()}")


__all__ = ["run", "prune", "restore", "read_manifest", "BackupFailed", "RestoreRefused"]
