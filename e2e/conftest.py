"""Browser tests against the real server: a fresh SQLite database in a temp dir, the demo
estate loaded through the CLI, ``python -m app serve`` on a free port, and Debian's Chromium
with a CDP virtual authenticator per page. ``serving`` starts such a server with other settings
(PostgreSQL, several workers) for a module of its own.

The server is reached as ``http://localhost:PORT``: browsers refuse passkeys for an IP
address. Tests share one server and the demo cast, so a test that enrols asks the CLI for a
fresh link (``enrol_link``); a new link replaces any unused one of that person.

If the server does not come up, the error carries its log; a failed test gets the log's tail
as an extra report section.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from e2e.accessibility import LEDGER
from e2e.desktop_notifications import NotificationCentre
from e2e.push_support import shared_push_service

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
# The pages' browser is Chromium's headless shell (Debian's chromium-headless-shell): the same
# Chromium release and engine without the desktop browser around it, which costs the suite
# about a third of its time on two cores. The desktop build is launched where only it behaves as
# a phone does: notifications shown on the system's shade, and a camera refused at a prompt (the
# shell has no prompt and answers NotSupportedError). The benchmarks in bench/ time the phone's
# side in the desktop build, as they always have.
CHROMIUM = "/usr/lib/chromium/chromium-headless-shell"
CHROMIUM_DESKTOP = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ESTATE = "harbour-view"
OTHER_ESTATE = "maple-court"
STARTUP_SECONDS = 90  # a loaded machine starting several test servers at once is slow, not broken
SERVER_SETTINGS = {
    "DATABASE_URL", "PUBLIC_URL", "HOST", "PORT", "SECRET_KEY", "TLS_CERT", "TLS_KEY", "TRUSTED_PROXIES",
    "GATEPOST_VAR_DIR", "ENROLMENT_LINK_HOURS", "SESSION_DAYS", "RATE_LIMIT_PER_MINUTE", "LOG_LEVEL",
    "PERIODIC_SECONDS",
}
VIEWPORT = {"width": 390, "height": 844}
# Playwright's default is 30 s; a page of this app answers in milliseconds, so a stuck step
# should fail fast and leave time for the rest of the run.
TIMEOUT_MS = 10_000

_server_logs: list[Path] = []  # of the servers running now, for a failed test's report

# An init script (CDP, so the page's CSP does not apply to it): this browser has no passkey
# autofill, as an older phone would not.
NO_PASSKEY_AUTOFILL = (
    "if (window.PublicKeyCredential) Object.defineProperty(PublicKeyCredential, "
    "'isConditionalMediationAvailable', {value: () => Promise.resolve(false)});"
)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _log_tail(path: Path | None, lines: int = 60) -> str:
    if path is None or not path.exists():
        return "(no server log)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def parse_links(output: str) -> dict[str, str]:
    """``python -m app demo`` prints each person on one line and their link indented below."""
    links: dict[str, str] = {}
    name = None
    for line in output.splitlines():
        text = line.strip()
        if text.startswith(("http://", "https://")):
            if name is not None:
                links[name] = text
            name = None
        elif line.startswith("  ") and text:
            name = re.split(r"\s{2,}", text)[0]
    return links


def parse_link(output: str) -> str:
    """``enrol-link`` and ``add-person`` print ``Name: URL``."""
    match = re.search(r"(https?://\S+/enrol/\S+)", output)
    if not match:
        raise AssertionError(f"no enrolment link in CLI output:\n{output}")
    return match.group(1)


@dataclass
class Server:
    base_url: str
    env: dict[str, str]
    log: Path
    demo_links: dict[str, str]
    port: int = 0
    process: subprocess.Popen | None = None
    serve_args: tuple[str, ...] = ()
    # Links issued but not yet handed to a test, by (estate, person): each is that person's newest.
    _fresh: dict[tuple[str, str], str] = field(default_factory=dict)

    def run_cli(self, *args: str) -> str:
        """Run ``python -m app ARGS`` against the test database and return its stdout."""
        done = subprocess.run(
            [sys.executable, "-m", "app", *args],
            cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=60,
        )
        if done.returncode != 0:
            raise AssertionError(
                f"python -m app {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
            )
        return done.stdout

    def enrol_link(self, person: str, estate: str = ESTATE) -> str:
        """A fresh one-time link for a person; any unused earlier link of theirs stops working.

        A link still unused from ``demo`` or ``reissue_demo_links`` is handed out first (once);
        after that, a new one comes from ``enrol-link``.
        """
        fresh = self._fresh.pop((estate, person), None)
        if fresh is not None:
            return fresh
        return parse_link(self.run_cli("enrol-link", "--estate", estate, "--person", person))

    def reissue_demo_links(self) -> None:
        """New links for the whole demo cast in one CLI run (``demo`` again keeps the data and
        prints fresh links), for a module that enrols most of the cast; ``enrol_link`` then
        hands them out. Any link issued to a demo person before this stops working."""
        self.demo_links = parse_links(self.run_cli("demo"))
        self._fresh.update({(ESTATE, name): link for name, link in self.demo_links.items()})

    def url(self, path: str) -> str:
        return self.base_url + path

    # The server process, started by ``serving``: a test may stop it and start it again, on the
    # same port and database, with other settings.

    def start(self, **settings: str) -> None:
        self.env.update(settings)
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "app", "serve", *self.serve_args], cwd=ROOT, env=self.env, stdout=out,
                stderr=subprocess.STDOUT,
            )

    def wait_healthy(self) -> None:
        _wait_healthy(f"http://127.0.0.1:{self.port}/healthz", self.process, self.log)

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def restart(self, **settings: str) -> None:
        self.stop()
        self.start(**settings)
        self.wait_healthy()

    def _sqlite(self, **options):
        import sqlite3

        return sqlite3.connect(self.env["DATABASE_URL"].removeprefix("sqlite:///"), timeout=10, **options)

    def sql(self, query: str, *params) -> list[tuple]:
        """What the server stored, read from its SQLite file (for what no page shows: that an
        action was stored once)."""
        with self._sqlite() as db:
            return db.execute(query, params).fetchall()

    def execute(self, statement: str, *params) -> None:
        """A change made behind the app's back, as time would make it (a session running out)."""
        with self._sqlite() as db:
            db.execute(statement, params)


def _wait_healthy(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}:\n{_log_tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, OSError) as exc:
            last_error = exc
        try:  # the poll interval doubles as a check that the server is still running
            process.wait(timeout=0.05)
        except subprocess.TimeoutExpired:
            pass
    raise RuntimeError(f"the server did not answer {url} within {STARTUP_SECONDS} s ({last_error}):\n{_log_tail(log)}")


@contextmanager
def serving(tmp: Path, settings: dict[str, str] | None = None, serve_args: tuple[str, ...] = ()) -> Iterator[Server]:
    """``python -m app serve SERVE_ARGS`` on a free port, its database migrated and the demo
    estate loaded; files under ``tmp``. ``settings`` add to or replace the test settings (a
    ``DATABASE_URL``, say): the developer's own settings (a database, TLS, a proxy) are no
    business of this server."""
    port = _free_port()
    inherited = {k: v for k, v in os.environ.items() if k not in SERVER_SETTINGS}
    env = {
        **inherited,
        "GATEPOST_VAR_DIR": str(tmp),
        "DATABASE_URL": f"sqlite:///{tmp / 'gatepost.sqlite'}",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "PUBLIC_URL": f"http://localhost:{port}",
        # Every test signs in from 127.0.0.1; the per-minute limit is for real phones.
        "RATE_LIMIT_PER_MINUTE": "10000",
        "LOG_LEVEL": "warning",
        "PYTHONUNBUFFERED": "1",
        # Push may also go to the tests' own push service (e2e/push_support.py).
        "PUSH_SERVICE_HOSTS": shared_push_service().allow_entry,
        **(settings or {}),
    }
    log = tmp / "server.log"
    cli = Server(base_url=f"http://localhost:{port}", env=env, log=log, demo_links={}, port=port,
                 serve_args=serve_args)
    cli.run_cli("migrate")
    cli.start()  # the server only needs the tables; it boots while the demo estate loads
    _server_logs.append(log)
    try:
        cli.demo_links = parse_links(cli.run_cli("demo"))
        cli._fresh.update({(ESTATE, name): link for name, link in cli.demo_links.items()})
        cli.wait_healthy()
        yield cli
    finally:
        cli.stop()
        _server_logs.remove(log)


@pytest.fixture(scope="session")
def server() -> Server:
    tmp = Path(tempfile.mkdtemp(prefix="gatepost-e2e-"))
    try:
        with serving(tmp) as cli:
            yield cli
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def base_url(server: Server) -> str:
    return server.base_url


@pytest.fixture(scope="session")
def demo_links(server: Server) -> dict[str, str]:
    return server.demo_links


@pytest.fixture(scope="session")
def run_cli(server: Server):
    return server.run_cli


@pytest.fixture(scope="session")
def enrol_link(server: Server):
    return server.enrol_link


@pytest.fixture(scope="session")
def other_estate(server: Server) -> dict[str, str]:
    """A second estate, Maple Court, with a resident of its own (Tan Mei, with her link)."""
    out = server.run_cli(
        "add-person", "--estate", OTHER_ESTATE, "--create-estate", "Maple Court",
        "--role", "resident", "--name", "Tan Mei",
    )
    return {"slug": OTHER_ESTATE, "name": "Maple Court", "links": {"Tan Mei": parse_link(out)}}


@pytest.fixture(scope="session")
def browser() -> Browser:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Authenticator:
    """The CDP virtual authenticator of one page: a platform passkey with user verification."""

    def __init__(self, page: Page):
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("WebAuthn.enable")
        self.id = self.cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
            "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
            "hasUserVerification": True, "isUserVerified": True, "automaticPresenceSimulation": True,
        }})["authenticatorId"]

    def credentials(self) -> list[dict]:
        return self.cdp.send("WebAuthn.getCredentials", {"authenticatorId": self.id})["credentials"]

    def remove(self) -> None:
        self.cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": self.id})


@dataclass
class Phone:
    """One browser context and page, as a person's phone: ``page`` and its ``authenticator``.

    ``problems`` collects what must never happen on any page: an uncaught script error, or the
    browser refusing something under the Content-Security-Policy. The fixture fails the test
    on any.
    """

    context: BrowserContext
    page: Page
    authenticator: Authenticator | None
    problems: list[str] = field(default_factory=list)

    def watch(self) -> None:
        self.page.on("pageerror", lambda error: self.problems.append(f"uncaught: {error}"))
        self.page.on("console", self._console)

    def _console(self, message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.problems.append(f"CSP: {message.text}")


def _context_options(base_url: str, locale: str, accept_language: str | None) -> dict:
    return dict(base_url=base_url, viewport=VIEWPORT, locale=locale,
                extra_http_headers={"Accept-Language": accept_language or locale})


def _phone(context: BrowserContext, *, authenticator: bool, autofill: bool) -> Phone:
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    if not autofill:
        context.add_init_script(NO_PASSKEY_AUTOFILL)
    page = context.new_page()
    phone = Phone(context, page, Authenticator(page) if authenticator else None)
    phone.watch()
    return phone


def open_phone(browser: Browser, base_url: str, locale: str = "en-US", *, accept_language: str | None = None,
               authenticator: bool = True, autofill: bool = False) -> Phone:
    """A phone in ``browser`` (see ``new_phone``); its caller closes its context."""
    context = browser.new_context(**_context_options(base_url, locale, accept_language))
    return _phone(context, authenticator=authenticator, autofill=autofill)


@pytest.fixture
def new_phone(browser: Browser, server: Server, tmp_path_factory):
    """Factory: ``new_phone(locale="en-US", accept_language=None, authenticator=True,
    autofill=False, notifications=None)`` opens a fresh context at 390x844 whose navigator.language is ``locale``
    and whose Accept-Language is ``accept_language`` (default: the locale).

    ``autofill=False`` hides passkey autofill (conditional mediation) from the sign-in page:
    the virtual authenticator answers a conditional request at once, where a phone waits for
    the person to pick a passkey, so the page would sign in before a test taps the button.
    ``test_enrol_and_sign_in`` covers the autofill path with ``autofill=True``.

    ``notifications=`` a ``NotificationCentre`` gives the phone a notification shade the test
    can read and tap (see ``e2e/desktop_notifications.py``).
    """
    def make(locale: str = "en-US", *, accept_language: str | None = None, authenticator: bool = True,
             autofill: bool = False, notifications: NotificationCentre | None = None) -> Phone:
        if notifications is None:
            phone = open_phone(browser, server.base_url, locale, accept_language=accept_language,
                               authenticator=authenticator, autofill=autofill)
        else:
            # A browser of its own whose notifications go to the test's shade: Chromium shows
            # them over D-Bus only from a persistent profile.
            context = browser.browser_type.launch_persistent_context(
                tmp_path_factory.mktemp("profile"), executable_path=CHROMIUM_DESKTOP, headless=True, args=CHROMIUM_ARGS,
                env={**os.environ, "DBUS_SESSION_BUS_ADDRESS": notifications.address},
                **_context_options(server.base_url, locale, accept_language),
            )
            phone = _phone(context, authenticator=authenticator, autofill=autofill)
        phones.append(phone)
        return phone

    phones: list[Phone] = []
    yield make
    problems = [problem for phone in phones for problem in phone.problems]
    for phone in phones:
        phone.context.close()
    assert not problems, "\n".join(problems)


@pytest.fixture
def short_consent_timeout(server):
    """For a test that sets the estate's consent timeout through the admin's form: afterwards it
    goes back to 180 s whatever happened, so later tests are not timed out under their feet (and
    the offline list's limit to its default 12 hours)."""
    yield
    path = server.env["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        db.execute("UPDATE estate SET consent_timeout_seconds = 180, offline_max_age_hours = 12 WHERE slug = ?",
                   (ESTATE,))


@pytest.fixture
def notification_centre():
    """A notification shade for ``new_phone(notifications=...)``. Ask for it before ``new_phone``,
    so the phones close before their bus goes (Chromium without its bus may not close cleanly)."""
    directory = Path(tempfile.mkdtemp(prefix="gp-bus-"))  # short: a socket path has a length limit
    centre = NotificationCentre(directory)
    yield centre
    centre.close()
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def phone(new_phone) -> Phone:
    """A phone in English with a passkey-capable authenticator."""
    return new_phone("en-US")


@pytest.fixture
def page(phone: Phone) -> Page:
    return phone.page


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for log in _server_logs:
            report.sections.append((f"server log (tail of {log})", _log_tail(log)))


AXE_SUMMARY = ARTIFACTS / "axe-summary.txt"


def pytest_sessionstart(session):
    if not hasattr(session.config, "workerinput"):  # the run itself, not one of its processes
        AXE_SUMMARY.unlink(missing_ok=True)


def pytest_sessionfinish(session):
    """The process that walked the screens (one of several under xdist) writes what axe found:
    the details in artifacts/axe.json, the summary beside them for the run's report."""
    if LEDGER.checked:
        ARTIFACTS.mkdir(exist_ok=True)
        LEDGER.write(ARTIFACTS / "axe.json")
        AXE_SUMMARY.write_text("\n".join(LEDGER.summary()))


def pytest_terminal_summary(terminalreporter):
    """What axe found in this run: screens checked, findings by rule and impact (all of them,
    those below serious too), and the details in artifacts/axe.json."""
    if AXE_SUMMARY.exists():
        terminalreporter.write_sep("-", "accessibility")
        for line in AXE_SUMMARY.read_text().splitlines():
            terminalreporter.write_line(line)
