"""The hub's Ed25519 signing key and the canonical records it signs.

The private key comes from AGREEMENT_SIGNING_KEY (32 bytes, base64); its public half is published
at /api/v1/signing-key so that anyone holding a record can check it without the hub."""

import base64
import hashlib
import json
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@lru_cache(maxsize=4)
def _private_key(encoded: str) -> Ed25519PrivateKey:
    try:
        seed = base64.b64decode(encoded, validate=True)
        return Ed25519PrivateKey.from_private_bytes(seed)
    except ValueError as error:
        raise ImproperlyConfigured(
            "AGREEMENT_SIGNING_KEY must be 32 random bytes in base64, e.g. from "
            '`python -c "import os, base64; print(base64.b64encode(os.urandom(32)).decode())"`'
        ) from error


def signing_key() -> Ed25519PrivateKey:
    if not settings.AGREEMENT_SIGNING_KEY:
        raise ImproperlyConfigured("Set AGREEMENT_SIGNING_KEY to sign agreements.")
    return _private_key(settings.AGREEMENT_SIGNING_KEY)


def public_key_bytes() -> bytes:
    return signing_key().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id() -> str:
    return hashlib.sha256(public_key_bytes()).hexdigest()[:16]


def canonical_json(record: dict) -> str:
    return json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def sign(payload: str) -> str:
    return base64.b64encode(signing_key().sign(payload.encode())).decode()


def signature_valid(payload: str, signature: str) -> bool:
    try:
        signing_key().public_key().verify(base64.b64decode(signature), payload.encode())
    except (InvalidSignature, ValueError):
        return False
    return True
