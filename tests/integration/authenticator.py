"""A software WebAuthn authenticator, so the passkey routes can be tested without a browser.

It answers the server's options the way a phone's platform authenticator would: a P-256 key
per credential, attestation format "none", discoverable credentials (sign-in needs no user
name), and a sign count that goes up with every use. What it returns is shaped like
``PublicKeyCredential.toJSON()`` (base64url strings), which is what ``static/js/passkey.js``
posts. Keyword arguments let a test play a phishing page (``origin=``), an old challenge
(``challenge=``), a forged signature (``tamper=True``) or a cloned key (``clone()``).
"""

from __future__ import annotations

import copy
import hashlib
import json
import secrets
import struct
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.encode_cbor import encode_cbor

ORIGIN = "http://localhost:8000"
RP_ID = "localhost"

FLAG_UP = 0x01  # user present
FLAG_UV = 0x04  # user verified
FLAG_AT = 0x40  # attested credential data included


@dataclass
class Credential:
    credential_id: bytes
    private_key: ec.EllipticCurvePrivateKey
    user_handle: bytes
    rp_id: str
    sign_count: int = 0

    def cose_public_key(self) -> bytes:
        numbers = self.private_key.public_key().public_numbers()
        return encode_cbor({
            1: 2,  # kty: EC2
            3: -7,  # alg: ES256
            -1: 1,  # crv: P-256
            -2: numbers.x.to_bytes(32, "big"),
            -3: numbers.y.to_bytes(32, "big"),
        })


def _client_data(kind: str, challenge: str, origin: str) -> bytes:
    return json.dumps(
        {"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False},
        separators=(",", ":"),
    ).encode()


def _auth_data(rp_id: str, flags: int, sign_count: int, attested: bytes = b"") -> bytes:
    return hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + struct.pack(">I", sign_count) + attested


class SoftAuthenticator:
    """One phone's passkeys. ``create`` answers registration options, ``get`` sign-in options."""

    def __init__(self, origin: str = ORIGIN):
        self.origin = origin
        self.credentials: list[Credential] = []

    # navigator.credentials.create() ----------------------------------------------------------

    def create(self, public_key: dict, *, origin: str | None = None, challenge: str | None = None) -> dict:
        rp_id = public_key["rp"]["id"]
        credential = Credential(
            credential_id=secrets.token_bytes(32),
            private_key=ec.generate_private_key(ec.SECP256R1()),
            user_handle=base64url_to_bytes(public_key["user"]["id"]),
            rp_id=rp_id,
        )
        attested = (
            bytes(16)  # AAGUID: zeros, as attestation "none" allows
            + struct.pack(">H", len(credential.credential_id))
            + credential.credential_id
            + credential.cose_public_key()
        )
        auth_data = _auth_data(rp_id, FLAG_UP | FLAG_UV | FLAG_AT, credential.sign_count, attested)
        client_data = _client_data("webauthn.create", challenge or public_key["challenge"], origin or self.origin)
        attestation = encode_cbor({"fmt": "none", "attStmt": {}, "authData": auth_data})
        self.credentials.append(credential)
        cid = bytes_to_base64url(credential.credential_id)
        return {
            "id": cid,
            "rawId": cid,
            "type": "public-key",
            "response": {
                "clientDataJSON": bytes_to_base64url(client_data),
                "attestationObject": bytes_to_base64url(attestation),
                "transports": ["internal", "hybrid"],
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }

    # navigator.credentials.get() -------------------------------------------------------------

    def get(self, public_key: dict, *, origin: str | None = None, challenge: str | None = None,
            tamper: bool = False, credential: Credential | None = None) -> dict:
        """Sign in with the newest passkey for the relying party (a discoverable credential)."""
        credential = credential or self.newest(public_key["rpId"])
        credential.sign_count += 1
        auth_data = _auth_data(credential.rp_id, FLAG_UP | FLAG_UV, credential.sign_count)
        client_data = _client_data("webauthn.get", challenge or public_key["challenge"], origin or self.origin)
        signature = credential.private_key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        if tamper:
            auth_data = auth_data[:-1] + bytes([auth_data[-1] ^ 0x01])  # the count, once signed
        cid = bytes_to_base64url(credential.credential_id)
        return {
            "id": cid,
            "rawId": cid,
            "type": "public-key",
            "response": {
                "clientDataJSON": bytes_to_base64url(client_data),
                "authenticatorData": bytes_to_base64url(auth_data),
                "signature": bytes_to_base64url(signature),
                "userHandle": bytes_to_base64url(credential.user_handle),
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }

    def newest(self, rp_id: str = RP_ID) -> Credential:
        mine = [c for c in self.credentials if c.rp_id == rp_id]
        assert mine, f"this authenticator holds no passkey for {rp_id}"
        return mine[-1]

    def clone(self) -> SoftAuthenticator:
        """A copy of the keys *and* their counters, as a cloned authenticator would have."""
        twin = SoftAuthenticator(self.origin)
        twin.credentials = [copy.copy(c) for c in self.credentials]
        return twin


# The browser's side of the ceremonies, as static/js/passkey.js does them ---------------------

ENGLISH = {"Accept-Language": "en"}


def link_token(url: str) -> str:
    """The token at the end of an enrolment link."""
    return url.rsplit("/", 1)[1]


async def enrol(client, csrf: str, token: str, phone: SoftAuthenticator, **create):
    """Open the link's ceremony, let the phone make a passkey, post it; the verify response."""
    headers = {"X-CSRFToken": csrf, **ENGLISH}
    options = await client.post(f"/enrol/{token}/options", headers=headers)
    assert options.is_success, options.text
    body = options.json()
    credential = phone.create(body["publicKey"], **create)
    return await client.post(
        f"/enrol/{token}/verify", headers=headers,
        json={"challengeId": body["challengeId"], "credential": credential},
    )


async def sign_in_options(client, csrf: str, headers: dict | None = None) -> dict:
    options = await client.post("/signin/options", headers={"X-CSRFToken": csrf, **ENGLISH, **(headers or {})})
    assert options.is_success, options.text
    return options.json()


async def sign_in(client, csrf: str, phone: SoftAuthenticator, *, options: dict | None = None,
                  next: str | None = None, headers: dict | None = None, **get):
    """Ask for a challenge, let the phone answer it (no user name given), post the answer
    (with ``headers`` added to both requests, e.g. the address a proxy forwards)."""
    options = options or await sign_in_options(client, csrf, headers)
    payload = {"challengeId": options["challengeId"], "credential": phone.get(options["publicKey"], **get)}
    if next is not None:
        payload["next"] = next
    return await client.post(
        "/signin/verify", headers={"X-CSRFToken": csrf, **ENGLISH, **(headers or {})}, json=payload
    )
