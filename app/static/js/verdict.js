// The verdict a guard's phone gives with no signal: app/domain/offline.py and passes.check in
// JavaScript. Both are checked against the same cases (tests/vectors/offline_verdicts.json), so
// the phone and the server cannot disagree unnoticed. Times are milliseconds since 1970; a
// pass's recurring hours are read in the estate's time zone as Python's zoneinfo reads them
// (a time in a daylight-saving gap or overlap takes the offset from before the change).
//
// Also reads a QR code's token (kind, record id) and checks its Ed25519 signature with the
// estate's public key: WebCrypto where the browser has Ed25519, the vendored @noble/ed25519
// where not.
(function (scope) {
  "use strict";

  var DAY = 86400000;
  var formatters = {};

  function parts(ms, tz) {
    var f = formatters[tz];
    if (!f) {
      f = formatters[tz] = new Intl.DateTimeFormat("en-US", {
        timeZone: tz, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric",
        hour: "numeric", minute: "numeric", second: "numeric",
      });
    }
    var out = {};
    f.formatToParts(new Date(ms)).forEach(function (p) { if (p.type !== "literal") out[p.type] = parseInt(p.value, 10); });
    return out;
  }

  function offset(ms, tz) {
    var p = parts(ms, tz);
    var asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
    return asUtc - Math.floor(ms / 1000) * 1000;
  }

  // The instant of a wall time in a zone; in a gap or an overlap, with the earlier offset.
  function zoned(day, hhmm, tz) {
    var hm = hhmm.split(":");
    var wall = Date.UTC(day.y, day.m - 1, day.d, parseInt(hm[0], 10), parseInt(hm[1], 10), 0);
    var before = offset(wall - DAY / 2, tz);
    var after = offset(wall + DAY / 2, tz);
    if (before === after) return wall - before;
    var beforeFits = offset(wall - before, tz) === before;
    var afterFits = offset(wall - after, tz) === after;
    if (afterFits && !beforeFits) return wall - after;
    return wall - before;
  }

  function dayOf(ms, tz) {
    var p = parts(ms, tz);
    return { y: p.year, m: p.month, d: p.day };
  }

  function addDays(day, n) {
    var t = new Date(Date.UTC(day.y, day.m - 1, day.d) + n * DAY);
    return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
  }

  function ordinal(day) { return Date.UTC(day.y, day.m - 1, day.d); }

  function weekday(day) { return (new Date(ordinal(day)).getUTCDay() + 6) % 7; } // Monday is 0

  function recurrence(item, tz) {
    return {
      weekdays: item.weekdays.split(",").filter(function (x) { return x !== ""; }).map(Number),
      start: item.daily_start, end: item.daily_end,
      first: dayOf(item.starts * 1000, tz), last: dayOf(item.ends * 1000, tz), tz: tz,
    };
  }

  function windowOn(rec, day) {
    if (rec.weekdays.indexOf(weekday(day)) < 0) return null;
    if (ordinal(day) < ordinal(rec.first) || ordinal(day) > ordinal(rec.last)) return null;
    return [zoned(day, rec.start, rec.tz), zoned(day, rec.end, rec.tz)];
  }

  function scan(rec, start, step) {
    for (var i = 0; i < 7; i++) {
      var day = addDays(start, i * step);
      var w = ordinal(rec.first) <= ordinal(day) && ordinal(day) <= ordinal(rec.last) ? windowOn(rec, day) : null;
      if (w) return w;
    }
    return null;
  }

  function nextWindow(rec, now) {
    var today = dayOf(now, rec.tz);
    for (var i = 0; i < 8; i++) {
      var w = windowOn(rec, addDays(today, i));
      if (w && w[1] >= now) return w;
    }
    return null;
  }

  function left(item) {
    return item.max === null || item.max === undefined ? null : Math.max(item.max - item.used, 0);
  }

  function timing(item, now, tz) {
    if (!item.weekdays) {
      var starts = item.starts * 1000, ends = item.ends * 1000;
      if (now < starts) return { reason: "not_yet_valid", next_window: [starts, ends] };
      if (now > ends) return { reason: "expired" };
      return null;
    }
    var rec = recurrence(item, tz);
    var first = scan(rec, rec.first, 1), last = scan(rec, rec.last, -1);
    if (!first || !last || now > last[1]) return { reason: "expired" };
    if (now < first[0]) return { reason: "not_yet_valid", next_window: first };
    var today = windowOn(rec, dayOf(now, tz));
    if (today && today[0] <= now && now <= today[1]) return null;
    return { reason: "outside_hours", next_window: nextWindow(rec, now) };
  }

  // passes.check: the most useful reason wins.
  function check(item, now, tz, watchlisted) {
    if (item.revoked) return { reason: "revoked" };
    if (watchlisted) return { reason: "watchlist" };
    if (item.inside) return { reason: "already_inside", entries_left: left(item) };
    var t = timing(item, now, tz);
    if (t) return t;
    var l = left(item);
    if (l === 0) return { reason: "used_up", entries_left: 0 };
    return { reason: "valid", entries_left: l };
  }

  // offline.judge: no verdict from a list older than its limit.
  function judge(item, now, tz, watchlist, listAgeSeconds, maxAgeSeconds) {
    if (listAgeSeconds > maxAgeSeconds) return { reason: "stale" };
    if (!item) return { reason: "unknown" };
    var watched = (item.watch || []).some(function (h) { return watchlist.indexOf(h) >= 0; });
    return check(item, now, tz, watched);
  }

  // Codes ----------------------------------------------------------------------------------------

  var ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  var KINDS = { 1: "visitor_pass", 2: "release_slip", 3: "checkpoint" };
  var TOKEN_BYTES = 81, BODY_BYTES = 17;

  function base32(text) {
    var clean = (text || "").trim().toUpperCase().replace(/\s+/g, "");
    var bits = 0, value = 0, out = [];
    for (var i = 0; i < clean.length; i++) {
      var v = ALPHABET.indexOf(clean[i]);
      if (v < 0) return null;
      value = (value << 5) | v;
      bits += 5;
      if (bits >= 8) {
        out.push((value >>> (bits - 8)) & 255);
        bits -= 8;
      }
    }
    return new Uint8Array(out);
  }

  function hex(bytes) {
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  function fromHex(text) {
    var out = new Uint8Array(text.length / 2);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(text.substr(i * 2, 2), 16);
    return out;
  }

  // {kind, id, body, signature} of a token, or null when it is not one of ours at all.
  function readCode(token) {
    var raw = base32(token);
    if (!raw || raw.length !== TOKEN_BYTES) return null;
    var body = raw.slice(0, BODY_BYTES), signature = raw.slice(BODY_BYTES);
    if (body[0] >> 4 !== 1 || !KINDS[body[0] & 15]) return null;
    var h = hex(body.slice(1));
    var id = h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
    return { kind: KINDS[body[0] & 15], id: id, body: body, signature: signature };
  }

  var nobleUrl = "";
  function verifySignature(publicKeyHex, code) {
    var key = fromHex(publicKeyHex);
    var subtle = scope.crypto && scope.crypto.subtle;
    var viaWebCrypto = subtle ? subtle.importKey("raw", key, { name: "Ed25519" }, false, ["verify"]).then(function (k) {
      return subtle.verify({ name: "Ed25519" }, k, code.signature, code.body);
    }) : Promise.reject(new Error("no WebCrypto"));
    return viaWebCrypto.catch(function (error) {
      if (error && error.name === "DataError") return false;
      if (!nobleUrl) throw error;
      return import(nobleUrl).then(function (ed) { return ed.verifyAsync(code.signature, code.body, key); });
    }).catch(function () { return false; });
  }

  scope.GatepostVerdict = {
    check: check, judge: judge, readCode: readCode, verifySignature: verifySignature, zoned: zoned,
    setNobleUrl: function (url) { nobleUrl = url; },
  };
})(typeof self !== "undefined" ? self : window);
