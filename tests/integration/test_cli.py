"""The operator's command line: migrate, demo (twice), add-person, enrol-link, and serve's refusals."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile

import pytest

from tests.databases import fresh_sqlite

# Each test makes SQLite databases of its own, whatever engine the suite runs on: once is enough.
pytestmark = pytest.mark.sqlite_only

LINK = re.compile(r"http://localhost:8000/enrol/([A-Za-z0-9_-]{32})")


def cli(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app", *args], env=env, capture_output=True, text=True, timeout=timeout,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
    )


def fresh_env() -> dict[str, str]:
    var = tempfile.mkdtemp(prefix="gatepost-cli-")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PUBLIC_URL", "PORT")}
    env.update(GATEPOST_VAR_DIR=var, DATABASE_URL=fresh_sqlite(var))
    return env


def test_demo_twice_keeps_the_estate_and_prints_fresh_links():
    env = fresh_env()
    assert cli("migrate", env=env).returncode == 0
    first = cli("demo", env=env)
    assert first.returncode == 0, first.stderr
    second = cli("demo", env=env)
    assert second.returncode == 0, second.stderr
    for name in ("Zhou Min", "Chen Jing", "Li Qiang", "Wang Fang"):
        assert name in first.stdout and name in second.stdout
    first_links, second_links = set(LINK.findall(first.stdout)), set(LINK.findall(second.stdout))
    assert len(first_links) == len(second_links) == 10  # the whole demo cast
    assert first_links.isdisjoint(second_links)
    count = subprocess.run(
        [sys.executable, "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]);"
         "print(c.execute('select count(*) from estate').fetchone()[0], c.execute('select count(*) from unit').fetchone()[0])",
         env["DATABASE_URL"].removeprefix("sqlite:///")], capture_output=True, text=True,
    )
    assert count.stdout.split() == ["1", "60"]


def test_operator_bootstraps_the_first_admin_and_can_issue_a_new_link():
    env = fresh_env()
    cli("migrate", env=env)
    added = cli("add-person", "--estate", "maple", "--create-estate", "Maple Court", "--role", "admin",
                "--name", "Ada Admin", env=env)
    assert added.returncode == 0, added.stderr
    assert LINK.search(added.stdout)
    again = cli("enrol-link", "--estate", "maple", "--person", "Ada Admin", "--revoke-old", env=env)
    assert again.returncode == 0 and LINK.search(again.stdout)
    assert LINK.search(again.stdout).group(1) != LINK.search(added.stdout).group(1)
    missing = cli("enrol-link", "--estate", "maple", "--person", "Nobody", env=env)
    assert missing.returncode == 1 and "no single person" in missing.stderr


def test_add_person_to_an_unknown_estate_explains_how_to_create_it():
    env = fresh_env()
    cli("migrate", env=env)
    result = cli("add-person", "--estate", "nowhere", "--role", "admin", "--name", "X", env=env)
    assert result.returncode == 1
    assert "--create-estate" in result.stderr


def test_serve_refuses_an_unmigrated_database_with_a_clear_message():
    env = fresh_env()
    result = cli("serve", env=env)
    assert result.returncode == 1
    assert "python -m app migrate" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_refuses_an_unreachable_database_with_a_clear_message():
    env = fresh_env()
    env["DATABASE_URL"] = "postgresql://postgres@127.0.0.1:9/nowhere"
    result = cli("serve", env=env)
    assert result.returncode == 1
    assert "cannot be reached" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_public_url_with_an_ip_address_is_refused():
    env = fresh_env()
    env["PUBLIC_URL"] = "http://192.168.1.20:8000"
    result = cli("migrate", env=env)
    assert result.returncode == 1
    assert "not an IP address" in result.stderr


def test_backup_prints_where_the_copy_went_and_refuses_a_database_that_is_not_there(tmp_path):
    env = fresh_env()
    assert cli("migrate", env=env).returncode == 0
    made = cli("backup", "--to", str(tmp_path), env=env)
    assert made.returncode == 0, made.stderr
    assert re.fullmatch(rf"Backed up to {tmp_path}/gatepost-\d{{8}}T\d{{6}}Z\.tar \(\d+\.\d MB\)\n", made.stdout)

    missing = cli("backup", "--to", str(tmp_path), env={**env, "DATABASE_URL": f"sqlite:///{tmp_path}/none.sqlite"})
    assert missing.returncode == 1
    assert "There is no database at" in missing.stderr
    assert len(list(tmp_path.iterdir())) == 1  # the first backup; no partial file or scratch folder left
