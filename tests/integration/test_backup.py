"""``python -m app backup`` and ``restore``: one file with the database, the uploaded photos and
the server's secret, readable by its owner only; old copies removed; and an installation
backed up, wiped and restored holds exactly what it held, row for row and photo for photo."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from app.models.estates import Estate
from app.services import backup
from app.services.clock import utcnow
from app.settings import get_settings
from tests.databases import _psql, fresh_postgres, fresh_sqlite, run_async
from tests.integration.conftest import ENGINE
from tests.integration.test_cli import cli


async def test_a_backup_is_one_file_holding_the_database_and_only_its_owner_can_read_it(make_estate, tmp_path):
    estate = await make_estate("Backed-up Gardens")
    made = backup.run(get_settings(), tmp_path / "backups", keep_days=14, now=utcnow())

    assert made.name.startswith("gatepost-") and made.name.endswith(".tar")
    assert os.stat(made).st_mode & 0o077 == 0
    assert [p.name for p in made.parent.iterdir()] == [made.name]  # no partial file or scratch left
    manifest = backup.read_manifest(made)
    assert manifest["engine"] == ENGINE and manifest["migration"]
    with tarfile.open(made) as tar:
        tar.extract(manifest["database"], tmp_path, filter="data")
    copy = tmp_path / manifest["database"]
    if ENGINE == "sqlite":
        assert manifest["database"] == "database.sqlite.gz"  # gzipped: a database file shrinks several times
        unpacked = tmp_path / "database.sqlite"
        unpacked.write_bytes(gzip.decompress(copy.read_bytes()))
        with sqlite3.connect(unpacked) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert connection.execute("SELECT name FROM estate WHERE slug = ?", (estate.slug,)).fetchone() == \
                ("Backed-up Gardens",)
    else:
        listing = subprocess.run(["pg_restore", "--list", str(copy)], capture_output=True, text=True, check=True)
        assert "TABLE DATA public estate" in listing.stdout
        assert "TABLE DATA public visitor_pass" in listing.stdout
    assert await Estate.exists().where(Estate.slug == estate.slug)  # the database itself untouched


def test_old_backups_go_and_everything_else_in_the_folder_stays(tmp_path):
    now = utcnow()
    old, recent = tmp_path / "gatepost-20200101T000000Z.tar", tmp_path / "gatepost-20991231T000000Z.tar"
    older_kind = tmp_path / "gatepost-20200102T000000Z.dump"
    unfinished, unrelated = tmp_path / "gatepost-20200101T000000Z.tar.partial", tmp_path / "notes.txt"
    for path in (old, recent, older_kind, unfinished, unrelated):
        path.write_text("x")
    month_ago = (now - timedelta(days=30)).timestamp()
    for path in (old, older_kind, unfinished, unrelated):
        os.utime(path, (month_ago, month_ago))

    assert sorted(backup.prune(tmp_path, keep_days=14, now=now)) == sorted([old, older_kind])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in (recent, unfinished, unrelated))


# The round trip, on an installation of its own (the suite's database stays as it is) -------


class Installation:
    """A var directory and a database of its own, used through the command line."""

    def __init__(self):
        self.var = Path(tempfile.mkdtemp(prefix="gatepost-restore-"))
        self.postgres = fresh_postgres() if ENGINE == "postgres" else None
        url = self.postgres.url if self.postgres else fresh_sqlite(str(self.var))
        self.env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PUBLIC_URL", "PORT")}
        self.env.update(GATEPOST_VAR_DIR=str(self.var), DATABASE_URL=url)

    def cli(self, *args: str):
        done = cli(*args, env=self.env)
        assert done.returncode == 0, done.stderr
        return done

    def wipe(self) -> None:
        """Everything gone: the var directory (database file, photos, secret) and, on
        PostgreSQL, every table."""
        shutil.rmtree(self.var)
        self.var.mkdir()
        if self.postgres:
            _psql(self.postgres.url, "DROP SCHEMA public CASCADE; CREATE SCHEMA public")

    def rows(self) -> dict[str, list[tuple]]:
        """Every table's rows, as text, in a fixed order."""
        if self.postgres is None:
            with sqlite3.connect(self.env["DATABASE_URL"].removeprefix("sqlite:///")) as connection:
                tables = [r[0] for r in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
                return {t: sorted(tuple(map(str, row)) for row in connection.execute(f'SELECT * FROM "{t}"'))
                        for t in tables}
        import asyncpg

        async def read():
            connection = await asyncpg.connect(self.postgres.url)
            try:
                tables = [r[0] for r in await connection.fetch(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")]
                return {t: sorted(tuple(map(str, row.values())) for row in await connection.fetch(f'SELECT * FROM "{t}"'))
                        for t in tables}
            finally:
                await connection.close()

        return run_async(read)

    def files(self) -> dict[str, str]:
        return {str(p.relative_to(self.var)): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(self.var.rglob("*")) if p.is_file()
                and (p.parts[len(self.var.parts)] == "uploads" or p.name in ("secret_key", "field_keys.json"))}

    def close(self) -> None:
        shutil.rmtree(self.var, ignore_errors=True)
        if self.postgres:
            self.postgres.drop()


@pytest.fixture
def installation():
    made = Installation()
    yield made
    made.close()


def test_an_installation_backed_up_wiped_and_restored_holds_what_it_held(installation, tmp_path):
    installation.cli("migrate")
    installation.cli("demo")
    photo = installation.var / "uploads" / str(uuid.uuid4()) / f"{uuid.uuid4()}.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"\xff\xd8 a photo of a sofa \xff\xd9")
    before_rows, before_files = installation.rows(), installation.files()
    assert len(before_rows["audit_event"]) > 50 and len(before_rows["unit"]) == 60
    assert sorted(before_files) == sorted(["secret_key", "field_keys.json", str(photo.relative_to(installation.var))])

    made = installation.cli("backup", "--to", str(tmp_path / "backups"))
    [file] = (tmp_path / "backups").iterdir()
    assert str(file) in made.stdout
    installation.wipe()
    assert installation.files() == {}

    restored = installation.cli("restore", str(file))
    assert "1 uploaded photos" in restored.stdout
    assert installation.rows() == before_rows
    assert installation.files() == before_files
    assert "Every audit chain is whole." in installation.cli("audit", "verify").stdout
    # the keys came back with the rows: every sealed value's key is there (none MISSING)
    status = installation.cli("keys", "status").stdout
    assert "current" in status and "MISSING" not in status
    assert (installation.var / "field_keys.json").stat().st_mode & 0o777 == 0o600


@pytest.mark.sqlite_only  # the SQLite copy is what earlier versions kept unpacked
def test_a_backup_of_an_earlier_version_with_its_database_unpacked_restores(installation, tmp_path):
    installation.cli("migrate")
    installation.cli("demo")
    before = installation.rows()
    installation.cli("backup", "--to", str(tmp_path / "now"))
    [made] = (tmp_path / "now").iterdir()
    earlier = tmp_path / "gatepost-20261101T000000Z.tar"
    with tarfile.open(made) as new, tarfile.open(earlier, "w") as old:  # as earlier versions wrote it
        for member in new.getmembers():
            data = new.extractfile(member).read()
            if member.name == "database.sqlite.gz":
                member.name, data = "database.sqlite", gzip.decompress(data)
            elif member.name == "manifest.json":
                data = data.replace(b'"database.sqlite.gz"', b'"database.sqlite"')
            member.size = len(data)
            old.addfile(member, io.BytesIO(data))
    installation.wipe()
    installation.cli("restore", str(earlier))
    assert installation.rows() == before


def test_restore_refuses_an_installation_that_holds_data_and_changes_nothing(installation, tmp_path):
    installation.cli("migrate")
    installation.cli("demo")
    installation.cli("backup", "--to", str(tmp_path))
    [file] = tmp_path.glob("gatepost-*.tar")
    before = installation.rows()

    refused = cli("restore", str(file), env=installation.env)
    assert refused.returncode == 1
    assert "restore into an empty installation" in refused.stderr
    assert installation.rows() == before

    not_a_backup = tmp_path / "notes.tar"
    not_a_backup.write_text("x")
    refused = cli("restore", str(not_a_backup), env=installation.env)
    assert refused.returncode == 1 and "is not a Gatepost backup" in refused.stderr
