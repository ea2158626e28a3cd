"""The gate manifest of a large estate: how big it is on the wire, how long the server takes to
build it, and how long a guard's phone takes to check a scanned code against it.

Issue 15 ("Performance"): for an estate with 3,000 units and 1,000 active passes, the bytes
compressed, the time to build it on the server, the time to verify a code on the phone.

The estate: 3,000 units in 20 buildings, 1,000 passes valid today or tomorrow (700 for one day,
200 over several days with up to three entries, 100 recurring on weekdays, a few with a car,
vehicle and party), 2,000 passes of the last months that the manifest leaves out, 40 barred
people on the watchlist.

- Size: the manifest's JSON as served, and gzipped at level 6 (the app's compression).
- Build, on the server (SQLite and PostgreSQL): ``gate_manifest.build`` in-process, one after
  another (median of 15); floor: the same query's rows dumped as JSON as they come (no entry
  shaped, no watchlist hash), the least the list's data costs to read and write out. Then through
  the served app (HTTP, keep-alive, gzip): a fresh download, and the phone's check with its ETag
  (a 304), each the median of 15.
- Verify, on the phone: Chromium, the CPU throttled 4x (a phone four times slower than this
  machine), the scanner page with its manifest kept in IndexedDB; ``GatepostOfflineGate.judge``
  for 40 scanned codes (the signature with the estate's public key, the pass found in the list,
  the actions this phone holds laid over it, the verdict's rules), each timed; floor: the
  signature check alone on the same codes. With WebCrypto's Ed25519, and with the vendored
  ``@noble/ed25519`` where a browser has none.

    .venv/bin/python bench/bench_gate_manifest.py [--engines sqlite,postgres] [--throttle 4]
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_scan import APP_COMMAND, Http, Served, fresh_database, server_env  # noqa: E402

UNITS, BUILDINGS, ACTIVE, PAST, BARRED = 3000, 20, 1000, 2000, 40
BUILDS = 15
CODES = 40


# In a child process: the estate, and the server's build timed in-process ----------------------


async def _child(out: Path) -> None:
    from datetime import timedelta

    from app import db
    from app.domain.roles import Role
    from app.domain.tokens import Kind as CodeKind
    from app.domain.watchlist import norm_name
    from app.models.estates import Building, Estate, Gate, Unit
    from app.models.visitors import VisitorPass, WatchlistEntry
    from app.services import codes, gate_manifest, invitations, people, schema, sealed, sessions
    from app.services.clock import utcnow
    from app.services.people import NewPerson
    from app.services.scope import EstateGrant, EstateRef, Scope, Viewer
    from app.settings import get_settings

    await db.start(get_settings())
    await schema.migrate()
    estate = Estate(name="Bench Estate", slug="bench")
    await estate.save()
    buildings = [Building(estate=estate.id, code=str(b + 1), name="") for b in range(BUILDINGS)]
    await Building.insert(*buildings)
    per = UNITS // BUILDINGS
    units = [Unit(estate=estate.id, building=b.id, label=f"{b.code}-{1 + n // 50}-{(n % 50) // 2 + 1:02d}{n % 2 + 1:02d}")
             for b in buildings for n in range(per)]
    for start in range(0, len(units), 500):
        await Unit.insert(*units[start:start + 500])
    await Gate(estate=estate.id, name="North Gate").save()
    guard = await people.create(estate.id, NewPerson(name="Li Qiang", roles=(Role.GATE_GUARD,)), actor=None)
    rng = random.Random(15)
    now = utcnow()
    surnames, given = ["Zhang", "Wang", "Li", "Zhao", "Chen", "Liu", "Yang", "Huang"], ["Wei", "Fang", "Na", "Jie", "Lei"]
    rows = []
    for n in range(ACTIVE + PAST):
        unit = rng.choice(units).id
        name = f"{rng.choice(surnames)} {rng.choice(given)} {n}"
        fields = {"estate": estate.id, "unit": unit, "guest_name": name, "guest_phone": f"139{n:08d}",
                  "purpose": rng.choice(["family_friend", "delivery", "repair", "other"]), "max_entries": 1}
        if n >= ACTIVE:  # last months'
            start = now - timedelta(days=rng.randint(3, 90))
            fields.update(starts_at=start, ends_at=start + timedelta(hours=4), entries=1)
        elif n < 700:
            start = now + timedelta(hours=rng.randint(-6, 30))
            fields.update(starts_at=start, ends_at=start + timedelta(hours=rng.choice([2, 4, 8])))
        elif n < 900:
            fields.update(starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=rng.randint(1, 5)),
                          max_entries=3, entries=rng.randint(0, 2))
        else:
            fields.update(starts_at=now - timedelta(days=30), ends_at=now + timedelta(days=60), max_entries=None,
                          weekdays="0,1,2,3,4", daily_start="08:00", daily_end="17:30", purpose="domestic_help")
        if n % 10 == 0:
            fields.update(vehicle_plate=f"沪A{n:05d}", party_size=rng.randint(1, 4))
        rows.append(invitations.pass_row(**fields))
    for start in range(0, len(rows), 500):
        await VisitorPass.insert(*rows[start:start + 500])
    await WatchlistEntry.insert(*[
        WatchlistEntry(**sealed.seal(WatchlistEntry, dict(
            estate=estate.id, name=f"Barred {n}", name_key=norm_name(f"Barred {n}"), phone=f"138{n:08d}",
            reason="bench"))) for n in range(BARRED)])
    tokens = [await codes.sign(estate.id, CodeKind.VISITOR_PASS, r.id) for r in rng.sample(rows[:ACTIVE], CODES)]

    ref = EstateRef(estate.id, estate.slug, estate.name, "Asia/Shanghai")
    roles = frozenset({Role.GATE_GUARD})
    scope = Scope(Viewer(guard, "Li Qiang", "en", guard, {estate.slug: EstateGrant(ref, roles)}), ref, roles)
    body, _ = await gate_manifest.build(scope)  # warm: the estate's key, the statements
    builds = []
    for _ in range(BUILDS):
        began = time.perf_counter()
        body, _ = await gate_manifest.build(scope)
        builds.append((time.perf_counter() - began) * 1000)

    from app.domain import offline

    floors = []
    for _ in range(BUILDS):
        began = time.perf_counter()
        start, end = offline.horizon(utcnow(), scope.estate.timezone)
        raw = await VisitorPass.select(*gate_manifest.COLUMNS).where(
            scope.where(VisitorPass)
            & (((VisitorPass.ends_at >= start) & (VisitorPass.starts_at < end)) | (VisitorPass.inside == True))  # noqa: E712
        ).order_by(VisitorPass.id)
        json.dumps(raw, default=str, separators=(",", ":")).encode()
        floors.append((time.perf_counter() - began) * 1000)
    manifest = json.loads(body)
    out.write_text(json.dumps({
        "slug": estate.slug, "session": await sessions.start(guard, "bench"), "tokens": tokens,
        "bytes": len(body), "gzipped": len(gzip.compress(body, 6)), "passes": len(manifest["passes"]),
        "watchlist": len(manifest["watchlist"]), "builds": builds, "floors": floors,
    }))
    await db.stop()


# Through the served app ---------------------------------------------------------------------


async def _http(port: int, data: dict) -> dict:
    client = Http(port)
    client.cookies.update({"gp_session": data["session"], "gp_lang": "en"})
    path = f"/e/{data['slug']}/gate/manifest"
    fresh, unchanged = [], []
    try:
        status, body = await client.request("GET", path)
        assert status == 200, status
        for _ in range(BUILDS):
            began = time.perf_counter()
            status, body = await client.request("GET", path)
            fresh.append((time.perf_counter() - began) * 1000)
            assert status == 200, status
        etag = await _etag(client, path)
        for _ in range(BUILDS):
            began = time.perf_counter()
            status, _ = await client.request("GET", path, headers={"If-None-Match": etag})
            unchanged.append((time.perf_counter() - began) * 1000)
            assert status == 304, status
    finally:
        await client.aclose()
    return {"fresh": fresh, "unchanged": unchanged}


async def _etag(client: Http, path: str) -> str:
    """The ETag of the manifest (the lean client keeps no headers: one raw request)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", client.port)
    cookies = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    writer.write(f"GET {path} HTTP/1.1\r\nHost: localhost:{client.port}\r\nCookie: {cookies}\r\n"
                 f"Connection: close\r\n\r\n".encode())
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    writer.close()
    for line in head.split("\r\n"):
        if line.lower().startswith("etag:"):
            return line.split(":", 1)[1].strip()
    raise RuntimeError(f"no ETag in:\n{head[:500]}")


# On the phone -------------------------------------------------------------------------------

TIME_JUDGE = """async (tokens) => {
  const gate = window.GatepostOfflineGate, rules = window.GatepostVerdict;
  const manifest = (await window.GatepostOutbox.getValue("manifest:" + document.querySelector("[data-offline-gate]").dataset.estate)).manifest;
  const judged = [], signatures = [], reasons = {};
  for (const token of tokens) {  // the signature alone first, then the whole check: alternating
    let began = performance.now();
    const ok = await rules.verifySignature(manifest.public_key, rules.readCode(token));
    signatures.push(performance.now() - began);
    if (!ok) throw new Error("a good code's signature was refused");
    began = performance.now();
    const verdict = await gate.judge(token);
    judged.push(performance.now() - began);
    reasons[verdict.reason] = (reasons[verdict.reason] || 0) + 1;
  }
  return {judged, signatures, reasons};
}"""

NO_ED25519 = """crypto.subtle.importKey = () => Promise.reject(new DOMException("no Ed25519 here", "NotSupportedError"));"""


def _phone(base: str, data: dict, throttle: float) -> dict:
    from playwright.sync_api import sync_playwright

    from e2e.conftest import CHROMIUM_ARGS, CHROMIUM_DESKTOP

    results = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM_DESKTOP, headless=True, args=list(CHROMIUM_ARGS))
        try:
            for variant in ("WebCrypto Ed25519", "@noble/ed25519"):
                context = browser.new_context(base_url=base, viewport={"width": 390, "height": 844},
                                              service_workers="block")
                context.add_cookies([{"name": "gp_session", "value": data["session"], "url": base},
                                     {"name": "gp_lang", "value": "en", "url": base}])
                if variant != "WebCrypto Ed25519":
                    context.add_init_script(NO_ED25519)
                page = context.new_page()
                page.set_default_timeout(60_000)
                page.goto(f"/e/{data['slug']}/gate")
                page.locator("[data-offline-list-age]").filter(has_text=":").wait_for()  # the list is kept
                context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": throttle})
                page.evaluate(TIME_JUDGE, data["tokens"][:5])  # warm: the key imported, the library loaded
                context.set_offline(True)
                results[variant] = page.evaluate(TIME_JUDGE, data["tokens"])
                context.close()
        finally:
            browser.close()
    return results


def spread(values: list[float]) -> str:
    ordered = sorted(values)
    return (f"median {statistics.median(ordered):.1f} ms, p90 {ordered[int(len(ordered) * 0.9)]:.1f} ms "
            f"(n={len(ordered)})")


def bench_engine(engine: str, throttle: float, phone: bool) -> None:
    tmp = Path(tempfile.mkdtemp(prefix=f"gatepost-bench-manifest-{engine}-"))
    url, pg = fresh_database(engine, tmp)
    env = server_env(url, tmp)
    try:
        out = tmp / "child.json"
        child = subprocess.run([sys.executable, __file__, "--child", str(out)], cwd=ROOT, env=env,
                               capture_output=True, text=True)
        if child.returncode != 0:
            raise RuntimeError(f"the {engine} estate failed:\n{child.stdout}{child.stderr}")
        data = json.loads(out.read_text())
        server = Served(APP_COMMAND, env, tmp, "app")
        try:
            http = asyncio.run(_http(server.port, data))
            on_phone = _phone(f"http://localhost:{server.port}", data, throttle) if phone else {}
        finally:
            server.stop()
    finally:
        if pg is not None:
            pg.drop()

    print(f"\n{engine}: the gate manifest of an estate with {UNITS:,} units, {ACTIVE:,} active passes "
          f"({PAST:,} past ones left out) and {BARRED} barred people (load average {os.getloadavg()[0]:.1f})")
    print(f"  size: {data['bytes']:,} bytes of JSON, {data['gzipped']:,} gzipped (level 6, as served): "
          f"{data['gzipped'] / data['passes']:.0f} bytes a pass ({data['passes']} passes, "
          f"{data['watchlist']} watchlist hashes)")
    print(f"  build on the server, in-process: {spread(data['builds'])}   | floor, the same query's rows dumped "
          f"as they come: {spread(data['floors'])}")
    print(f"  through the served app: a fresh download {spread(http['fresh'])}; the phone's check with its ETag "
          f"(304) {spread(http['unchanged'])}")
    for variant, figures in on_phone.items():
        reasons = ", ".join(f"{n} {r}" for r, n in sorted(figures["reasons"].items()))
        print(f"  verify a scanned code on the phone (Chromium, CPU {throttle:g}x slower), {variant}: "
              f"{spread(figures['judged'])} ({reasons})   | floor, the signature alone: "
              f"{spread(figures['signatures'])}")


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        asyncio.run(_child(Path(sys.argv[2])))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--throttle", type=float, default=4.0)
    args = parser.parse_args()
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    for n, engine in enumerate(engines):
        bench_engine(engine, args.throttle, phone=n == 0)  # the phone's side is the same on either


if __name__ == "__main__":
    main()
