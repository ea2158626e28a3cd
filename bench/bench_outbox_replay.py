"""A guard's phone reconnects with 500 admissions kept in its outbox: how long until the server
has acknowledged them all, what each costs the server, and does any land twice?

Target (issue 15, "Performance"): all 500 acknowledged in under 30 s on this machine, on SQLite
and on PostgreSQL; no duplicates on the server (0).

How it is measured, on each database (fresh, the app served as in production, pinned to core 0):
- The phone is Chromium with the gate page open, signed in as a guard, the page's own outbox
  (``static/js/outbox.js`` and ``outbox-core.js``) doing the sending. While the context is
  offline, 500 admissions are written to its IndexedDB in the outbox's shape, as the offline
  verdict's Admit form leaves them (token, gate, ``offline=valid``, the time it was
  taken, a key made on the phone), each for a pass of its own, taken a second apart. The service
  worker is blocked, so the page alone sends (no Background Sync beside it).
- The clock starts at the page's ``online`` event (the context back online) and stops when the
  outbox is empty: every action delivered, its answer read whole. Per action: that time / 500,
  the request's round trip as the page's Resource Timing saw it (median, p90), and the CPU the
  server's process spent (from /proc) divided by 500.
- Duplicates: the visits the server stored for the 500 passes (must be 500, one per pass), then
  every fifth action sent again with its key by a bare client, as a phone that lost the answers
  would: the server must answer from what it stored and add no visit.
- Floors, in the same run on the same server and database: the same admissions (500 other passes)
  sent one after another by a lean client of this script (no browser, no IndexedDB): the server's
  own time per action; and a bare ASGI handler (``bench_scan.floor_app``) doing only the pass's
  conditional UPDATE: the least an admission could cost.

    .venv/bin/python bench/bench_outbox_replay.py [--engines sqlite,postgres] [--actions 500]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_scan import APP_COMMAND, Http, Served, fresh_database, server_env  # noqa: E402

TARGET_S = 30
AGAIN_EVERY = 5  # every fifth action sent again with its key, as a phone that lost the answers would

# Written in one transaction to the outbox's store, in the shape ``outbox.js`` gives an action
# (one ``put`` each would take longer than the replay: it is not what is measured).
ENQUEUE = """({items, person}) => new Promise((resolve, reject) => {
  performance.setResourceTimingBufferSize(10000);
  const request = indexedDB.open("gatepost", 1);
  request.onerror = () => reject(request.error);
  request.onsuccess = () => {
    const tx = request.result.transaction("actions", "readwrite");
    for (const item of items) tx.objectStore("actions").put({...item, person, state: "waiting", attempts: 0});
    tx.oncomplete = () => window.GatepostOutbox.all().then((all) => resolve(all.length));
    tx.onerror = () => reject(tx.error);
  };
})"""

# Counts the outbox's answers (``changed(true)``: an action delivered or refused) without
# reading IndexedDB, which would add to what is measured.
WATCH = """(count) => {
  const replay = window.__replay = {online: null, done: null, answered: 0};
  addEventListener("online", () => { replay.online = performance.now(); }, {once: true});
  addEventListener("outbox:changed", (event) => {
    if (!event.detail || !event.detail.answered) return;
    replay.answered += 1;
    if (replay.answered === count) replay.done = performance.now();
  });
}"""

LEFT = """async () => (await window.GatepostOutbox.all()).map((i) => [i.state, i.reason || i.last_problem || ""])"""

TIMINGS = """(path) => performance.getEntriesByType("resource")
  .filter((e) => e.initiatorType === "fetch" && new URL(e.name).pathname === path).map((e) => e.duration)"""


def visits(engine: str, url: str, pass_ids: list[str]) -> tuple[int, int]:
    """Visits stored for these passes, and how many passes they belong to."""
    if engine == "sqlite":
        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            db.execute("CREATE TEMP TABLE wanted (id TEXT)")
            db.executemany("INSERT INTO wanted VALUES (?)", [(i,) for i in pass_ids])
            return db.execute("SELECT count(*), count(DISTINCT visitor_pass) FROM visit "
                              "WHERE visitor_pass IN (SELECT id FROM wanted)").fetchone()
    import asyncpg

    async def run():
        conn = await asyncpg.connect(url)
        try:
            row = await conn.fetchrow("SELECT count(*), count(DISTINCT visitor_pass) FROM visit "
                                      "WHERE visitor_pass = ANY($1::uuid[])", pass_ids)
            return row[0], row[1]
        finally:
            await conn.close()

    return asyncio.run(run())


def actions(data: dict, tokens: list[str], base: str) -> list[dict]:
    """Admissions as the offline verdict's Admit form leaves them in the outbox, a second apart,
    taken within the last ten minutes."""
    start = datetime.now(timezone.utc) - timedelta(minutes=10)
    now_ms = int(time.time() * 1000) - 600_000
    items = []
    for n, token in enumerate(tokens):
        key = str(uuid.uuid4())
        taken = (start + timedelta(seconds=n)).isoformat()
        items.append({
            "key": key, "url": f"{base}/e/{data['slug']}/gate/admit", "multipart": False,
            "fields": [["token", token], ["gate", data["gate"]], ["offline", "valid"], ["device_time", taken],
                       ["idem_key", key]],
            "label": f"Admit · Guest {n}", "created": now_ms + n * 1000,
        })
    return items


async def send_bare(port: int, data: dict, items: list[dict], mode: str = "replay") -> tuple[list[float], int]:
    """The same requests the outbox makes, one after another, from a lean client: each one's
    round trip in ms, and how many were accepted."""
    client = Http(port)
    client.cookies.update({"gp_session": data["session"], "gp_lang": "en"})
    status, page = await client.request("GET", f"/e/{data['slug']}/gate")
    assert status == 200, status
    csrf = page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    headers = {"HX-Request": "true", "X-CSRFToken": csrf, "X-Gatepost-Outbox": mode}
    times, accepted = [], 0
    try:
        for item in items:
            form = dict(item["fields"])
            form["sent_at"] = datetime.now(timezone.utc).isoformat()
            path = "/" + item["url"].split("/", 3)[3]
            began = time.perf_counter()
            status, body = await client.request("POST", path, form, headers)
            times.append((time.perf_counter() - began) * 1000)
            accepted += status == 200 and 'data-verdict="admitted"' in body
    finally:
        await client.aclose()
    return times, accepted


async def floor_admits(port: int, ids: list[str]) -> list[float]:
    client = Http(port, "127.0.0.1")
    times = []
    try:
        for pass_id in ids:
            began = time.perf_counter()
            status, _ = await client.request("POST", "/floor/admit", {"id": pass_id})
            times.append((time.perf_counter() - began) * 1000)
            assert status == 200, status
    finally:
        await client.aclose()
    return times


def phone_replay(server: Served, data: dict, items: list[dict]) -> dict:
    from playwright.sync_api import sync_playwright

    from e2e.conftest import CHROMIUM_ARGS, CHROMIUM_DESKTOP

    base = f"http://localhost:{server.port}"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM_DESKTOP, headless=True, args=list(CHROMIUM_ARGS))
        try:
            context = browser.new_context(base_url=base, viewport={"width": 390, "height": 844},
                                          service_workers="block")
            context.add_cookies([{"name": "gp_session", "value": data["session"], "url": base},
                                 {"name": "gp_lang", "value": "en", "url": base}])
            page = context.new_page()
            page.set_default_timeout(60_000)
            page.goto(f"/e/{data['slug']}/gate")
            person = page.locator('meta[name="gp-person"]').get_attribute("content")
            context.set_offline(True)
            kept = page.evaluate(ENQUEUE, {"items": items, "person": person})
            assert kept == len(items), kept
            page.evaluate(WATCH, len(items))
            cpu_before = server.cpu_seconds()
            context.set_offline(False)
            deadline = time.monotonic() + 180
            while page.evaluate("window.__replay.done") is None:
                if time.monotonic() > deadline:
                    left = page.evaluate(LEFT)
                    raise RuntimeError(f"{len(left)} actions still on the phone after 180 s: {left[:5]}")
                time.sleep(0.1)
            cpu = server.cpu_seconds() - cpu_before
            left = page.evaluate(LEFT)
            if left:
                raise RuntimeError(f"{len(left)} actions not delivered: {left[:5]}")
            replay = page.evaluate("window.__replay")
            timings = page.evaluate(TIMINGS, f"/e/{data['slug']}/gate/admit")
            sent_log = page.evaluate("async () => (await window.GatepostOutbox.sentLog()).length")
        finally:
            browser.close()
    return {"seconds": (replay["done"] - replay["online"]) / 1000, "requests": timings, "cpu": cpu,
            "log": sent_log}


def spread(values: list[float]) -> str:
    ordered = sorted(values)
    return (f"median {statistics.median(ordered):.1f} ms, p90 {ordered[int(len(ordered) * 0.9)]:.1f} ms "
            f"(n={len(ordered)})")


def bench_engine(engine: str, count: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix=f"gatepost-bench-replay-{engine}-"))
    url, pg = fresh_database(engine, tmp)
    env = server_env(url, tmp)
    try:
        out = tmp / "setup.json"
        setup = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_scan.py"), "--setup", str(count * 2),
                                str(out)], cwd=ROOT, env=env, capture_output=True, text=True)
        if setup.returncode != 0:
            raise RuntimeError(f"setting up the {engine} database failed:\n{setup.stdout}{setup.stderr}")
        data = json.loads(out.read_text())
        app = Served(APP_COMMAND, env, tmp, "app")
        try:
            base = f"http://localhost:{app.port}"
            phone_items = actions(data, data["tokens"][:count], base)
            bare_items = actions(data, data["tokens"][count:count * 2], base)
            phone_passes = data["pass_ids"][:count]
            load_before = os.getloadavg()[0]
            phone = phone_replay(app, data, phone_items)
            stored, distinct = visits(engine, url, phone_passes)
            again, accepted_again = asyncio.run(send_bare(app.port, data, phone_items[::AGAIN_EVERY]))
            stored_again, _ = visits(engine, url, phone_passes)
            cpu_before = app.cpu_seconds()
            began = time.perf_counter()
            bare, bare_accepted = asyncio.run(send_bare(app.port, data, bare_items))
            bare_seconds = time.perf_counter() - began
            bare_cpu = app.cpu_seconds() - cpu_before
        finally:
            app.stop()
        floor_server = Served([sys.executable, "-m", "uvicorn", "bench.bench_scan:floor_app", "--factory", "--host",
                               "127.0.0.1", "--port", "{port}", "--log-level", "warning"], env, tmp, "floor")
        try:
            began = time.perf_counter()
            floor = asyncio.run(floor_admits(floor_server.port, data["floor_ids"][:count]))
            floor_seconds = time.perf_counter() - began
        finally:
            floor_server.stop()
    finally:
        if pg is not None:
            pg.drop()

    seconds = phone["seconds"]
    print(f"\n{engine}: {count} admissions kept on a phone with no signal, then it reconnects "
          f"(Chromium, the page's outbox; server on core 0; load average {load_before:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after)")
    print(f"  phone: all {count} acknowledged {seconds:.1f} s after reconnecting"
          f"{'  meets' if seconds < TARGET_S else '  MISSES'} (target < {TARGET_S} s); {seconds * 1000 / count:.1f} ms "
          f"per action; each request's round trip {spread(phone['requests'])}; server CPU "
          f"{phone['cpu'] * 1000 / count:.1f} ms per action")
    duplicates = stored - distinct
    print(f"  duplicates on the server: {duplicates}{'  meets' if duplicates == 0 and stored == count else '  MISSES'} "
          f"(target 0; {stored} visits for {distinct} of {count} passes); {len(again)} of the keys sent again: "
          f"{stored_again - stored} new visits, {accepted_again} answered 'Admitted' from what was stored "
          f"({spread(again)})")
    print(f"  floor, the same admissions sent one after another by a lean client (no browser): {count} in "
          f"{bare_seconds:.1f} s, {bare_accepted} admitted; {spread(bare)}; server CPU {bare_cpu * 1000 / count:.1f} ms "
          f"per action")
    print(f"  floor, a bare handler's conditional UPDATE of the pass: {count} in {floor_seconds:.1f} s; {spread(floor)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--actions", type=int, default=500)
    args = parser.parse_args()
    for engine in filter(None, args.engines.split(",")):
        bench_engine(engine.strip(), args.actions)


if __name__ == "__main__":
    main()
