"""A push service of our own for tests: a local HTTP endpoint that checks what a real one
checks (the VAPID JWT: ES256 by the key the request names, for this origin, not expired) and,
playing the browser, decrypts the aes128gcm payload with the subscription keys the test made.

Headless Chromium cannot subscribe with a vendor's push service, so tests stub
``PushManager.prototype.subscribe`` to return ``Subscriber.subscription_json()`` and point
the server at this endpoint (``PUSH_SERVICE_HOSTS=localhost:PORT``). Used by the integration
tests too; no browser needed here.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Subscriber:
    """The browser's side of a subscription: its key pair and auth secret, made by the test."""

    private_key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def p256dh(self) -> str:
        return b64url(self.private_key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint))

    def subscription_json(self, endpoint: str) -> dict:
        """What ``PushSubscription.toJSON()`` gives."""
        return {"endpoint": endpoint, "expirationTime": None, "keys": {"p256dh": self.p256dh, "auth": b64url(self.auth)}}

    def decrypt(self, body: bytes) -> bytes:
        return http_ece.decrypt(body, private_key=self.private_key, auth_secret=self.auth, version="aes128gcm")


class VapidProblem(AssertionError):
    pass


def check_vapid(authorization: str, audience: str, expected_key: str | None = None) -> dict:
    """Verify ``Authorization: vapid t=JWT, k=KEY`` as a push service does; return the claims."""
    scheme, _, params = authorization.partition(" ")
    if scheme.lower() != "vapid":
        raise VapidProblem(f"not a vapid authorization: {authorization[:40]!r}")
    values = dict(part.strip().split("=", 1) for part in params.split(","))
    token, key = values.get("t", ""), values.get("k", "")
    if expected_key is not None and key != expected_key:
        raise VapidProblem("signed with another key than the server offers to browsers")
    header_b64, claims_b64, signature_b64 = token.split(".")
    header = json.loads(unb64url(header_b64))
    if header.get("alg") != "ES256":
        raise VapidProblem(f"alg {header.get('alg')!r}, not ES256")
    raw = unb64url(signature_b64)
    if len(raw) != 64:
        raise VapidProblem("an ES256 signature is r||s, 64 bytes")
    signature = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
    try:
        public.verify(signature, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as exc:
        raise VapidProblem("the JWT signature does not verify") from exc
    claims = json.loads(unb64url(claims_b64))
    if claims.get("aud") != audience:
        raise VapidProblem(f"aud {claims.get('aud')!r}, expected {audience!r}")
    if not isinstance(claims.get("exp"), int) or claims["exp"] <= time.time():
        raise VapidProblem("exp missing or in the past")
    if claims["exp"] > time.time() + 24 * 3600:
        raise VapidProblem("exp more than 24 hours ahead")
    if not str(claims.get("sub", "")).startswith(("mailto:", "https://")):
        raise VapidProblem(f"sub {claims.get('sub')!r}")
    return claims


@dataclass
class Delivery:
    path: str
    headers: dict[str, str]
    status: int
    claims: dict | None = None
    payload: dict | None = None
    problem: str | None = None


class PushService:
    """A local push service on a free port. ``endpoint(name)`` makes a subscription URL;
    ``respond(name, *statuses)`` queues the answers for that endpoint (default 201)."""

    def __init__(self, host: str = "localhost"):
        self.subscribers: dict[str, Subscriber] = {}
        self.deliveries: list[Delivery] = []
        self.expected_key: str | None = None
        self._answers: dict[str, list[int]] = {}
        self._changed = threading.Condition()
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                service._receive(self.path, dict(self.headers.items()), body, self)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self.host = host
        self.origin = f"http://{host}:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    @property
    def allow_entry(self) -> str:
        """The PUSH_SERVICE_HOSTS entry that lets the server call this service."""
        return f"{self.host}:{self.port}"

    def endpoint(self, name: str) -> str:
        self.subscribers.setdefault(name, Subscriber())
        return f"{self.origin}/push/{name}"

    def subscription(self, name: str) -> dict:
        endpoint = self.endpoint(name)
        return self.subscribers[name].subscription_json(endpoint)

    def respond(self, name: str, *statuses: int) -> None:
        with self._changed:
            self._answers.setdefault(name, []).extend(statuses)

    def _receive(self, path: str, headers: dict, body: bytes, handler) -> None:
        name = path.rsplit("/", 1)[-1]
        with self._changed:
            answers = self._answers.get(name) or []
            status = answers.pop(0) if answers else 201
        delivery = Delivery(path=path, headers={k.lower(): v for k, v in headers.items()}, status=status)
        try:
            delivery.claims = check_vapid(delivery.headers.get("authorization", ""), self.origin, self.expected_key)
            if delivery.headers.get("content-encoding") != "aes128gcm":
                raise VapidProblem(f"content-encoding {delivery.headers.get('content-encoding')!r}")
            subscriber = self.subscribers[name]
            delivery.payload = json.loads(subscriber.decrypt(body))
        except Exception as exc:  # reported to the test, which fails on any problem
            delivery.problem = f"{exc.__class__.__name__}: {exc}"
            delivery.status = 400
        with self._changed:  # recorded before the answer: once the sender has it, so has the test
            self.deliveries.append(delivery)
            self._changed.notify_all()
        handler.send_response(delivery.status)
        handler.send_header("content-length", "0")
        handler.end_headers()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Delivery]:
        """The first ``count`` deliveries, waiting for them as long as ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.deliveries) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(self.deliveries)} push deliveries after {timeout} s, wanted {count}")
                self._changed.wait(left)
            return list(self.deliveries[:count])

    def sent_to(self, name: str) -> list[Delivery]:
        with self._changed:
            return [d for d in self.deliveries if d.path.rsplit("/", 1)[-1] == name]

    def wait_for_endpoint(self, name: str, count: int = 1, timeout: float = 10.0) -> list[Delivery]:
        """The deliveries to one subscription, once there are ``count`` of them."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(found := [d for d in self.deliveries if d.path.rsplit("/", 1)[-1] == name]) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(found)} push deliveries to {name} after {timeout} s, wanted {count}")
                self._changed.wait(left)
            return found

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


_shared: PushService | None = None


def shared_push_service() -> PushService:
    """The one push service of an e2e run: the server is started with it on its allow-list."""
    global _shared
    if _shared is None:
        _shared = PushService()
    return _shared
