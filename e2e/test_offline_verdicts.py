"""The phone's offline verdicts (static/js/verdict.js) in Chromium: every case of the vector file
the Python rules are checked against (tests/unit/test_offline_verdicts.py), and the signature
check of a code signed by the server's own code."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from uuid import uuid4

from app.domain import tokens

VECTORS = json.loads((Path(__file__).resolve().parent.parent / "tests" / "vectors" / "offline_verdicts.json").read_text())

JUDGE_ALL = """(cases) => cases.map((c) => {
  const v = GatepostVerdict.judge(c.entry, Date.parse(c.now), c.timezone, c.watchlist, c.list_age_seconds,
                                  c.max_age_seconds);
  return {reason: v.reason, entries_left: v.entries_left === undefined ? "absent" : v.entries_left,
          next_window: v.next_window || null};
})"""

VERIFY = """async ([key, token]) => {
  const code = GatepostVerdict.readCode(token);
  if (!code) return null;
  return {kind: code.kind, id: code.id, ok: await GatepostVerdict.verifySignature(key, code)};
}"""


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def with_verdict_rules(page):
    page.goto("/signin")
    page.add_script_tag(url="/static/js/verdict.js")  # resolves once the script has run
    return page


def test_the_phone_gives_every_offline_verdict_the_server_would(page):
    with_verdict_rules(page)
    got = page.evaluate(JUDGE_ALL, VECTORS["cases"])
    problems = []
    for case, verdict in zip(VECTORS["cases"], got):
        expect = case["expect"]
        wanted = {"reason": expect["reason"]}
        seen = {"reason": verdict["reason"]}
        if "entries_left" in expect:
            wanted["entries_left"], seen["entries_left"] = expect["entries_left"], verdict["entries_left"]
        if "next_window" in expect:
            wanted["next_window"] = [ms(t) for t in expect["next_window"]]
            seen["next_window"] = verdict["next_window"]
        if wanted != seen:
            problems.append(f"{case['name']}: expected {wanted}, phone said {seen}")
    assert not problems, "\n".join(problems)
    assert len(got) == len(VECTORS["cases"]) > 30


def test_the_phone_checks_a_codes_signature_with_the_estates_public_key(page):
    with_verdict_rules(page)
    key, other = tokens.new_private_key(), tokens.new_private_key()
    record = uuid4()
    token = tokens.sign(tokens.Code(tokens.Kind.VISITOR_PASS, record), key)
    public = tokens.public_key_bytes(key).hex()
    assert page.evaluate(VERIFY, [public, token]) == {"kind": "visitor_pass", "id": str(record), "ok": True}
    # Another estate's key, a changed character, a slip's code, and text that is no code at all.
    assert page.evaluate(VERIFY, [tokens.public_key_bytes(other).hex(), token])["ok"] is False
    flipped = token[:40] + ("A" if token[40] != "A" else "B") + token[41:]  # a character of the signature
    assert page.evaluate(VERIFY, [public, flipped]) == {"kind": "visitor_pass", "id": str(record), "ok": False}
    slip = tokens.sign(tokens.Code(tokens.Kind.RELEASE_SLIP, record), key)
    assert page.evaluate(VERIFY, [public, slip])["kind"] == "release_slip"
    assert page.evaluate(VERIFY, [public, "NOT A PASS"]) is None


def test_where_the_browser_has_no_ed25519_the_vendored_library_checks_the_signature(page):
    with_verdict_rules(page)
    page.evaluate("""() => {
      crypto.subtle.importKey = () => Promise.reject(new DOMException("no Ed25519 here", "NotSupportedError"));
      GatepostVerdict.setNobleUrl("/static/vendor/noble-ed25519-3.2.0/index.js");
    }""")
    key = tokens.new_private_key()
    token = tokens.sign(tokens.Code(tokens.Kind.VISITOR_PASS, uuid4()), key)
    assert page.evaluate(VERIFY, [tokens.public_key_bytes(key).hex(), token])["ok"] is True
    assert page.evaluate(VERIFY, [tokens.public_key_bytes(tokens.new_private_key()).hex(), token])["ok"] is False
