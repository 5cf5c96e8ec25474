"""Encryption at rest for the fields the catalogue marks confidential.

Keys come from FIELD_ENCRYPTION_KEYS, a comma-separated ring of `<key id>:<32 bytes, base64>`;
the first key encrypts, every key decrypts, so a key is rotated by putting a new one first and
running `manage.py rotate_keys`. A value is stored as `enc1:<key id>:<base64 of nonce+ciphertext>`,
AES-256-GCM, with the column's name as associated data so that a ciphertext copied into another
column does not decrypt. A column of long, repetitive text (a consignment's document) is deflated
before it is encrypted and stored as `enc1z:...`: encrypted text does not compress, so PostgreSQL
would otherwise keep it, and write it to its log and backups, at full length and more.

An encrypted value cannot be searched, so a value that must be matched (an identifier) also gets
a blind index: HMAC-SHA256 under BLIND_INDEX_KEY, a key of its own, so that whoever reads the
index column without the key learns nothing but which rows hold equal values.
"""

import base64
import binascii
import hashlib
import hmac
import os
import zlib
from collections.abc import Sequence
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "enc1"
DEFLATED_PREFIX = "enc1z"
NONCE_BYTES = 12
# The fastest level: a 30-line document deflates to a sixth at it, barely less than at the best.
DEFLATE_LEVEL = 1


class DecryptionError(Exception):
    pass


@lru_cache(maxsize=8)
def _ring(configured: str) -> tuple[str, dict[str, AESGCM]]:
    keys: dict[str, AESGCM] = {}
    active = ""
    for entry in filter(None, (part.strip() for part in configured.split(","))):
        key_id, _, encoded = entry.partition(":")
        try:
            raw = base64.b64decode(encoded, validate=True)
        except ValueError:
            raw = b""
        if not key_id or len(raw) != 32:
            raise ImproperlyConfigured(
                "FIELD_ENCRYPTION_KEYS entries are '<key id>:<32 random bytes in base64>', "
                "separated by commas, the key that encrypts first."
            )
        keys[key_id] = AESGCM(raw)
        active = active or key_id
    if not keys:
        raise ImproperlyConfigured("Set FIELD_ENCRYPTION_KEYS to store confidential fields.")
    return active, keys


def key_ring() -> tuple[str, dict[str, AESGCM]]:
    return _ring(settings.FIELD_ENCRYPTION_KEYS)


def encrypt(plaintext: str, *, context: str, deflate: bool = False) -> str:
    return encrypt_many([plaintext], context=context, deflate=deflate)[0]


def encrypt_many(plaintexts: Sequence[str], *, context: str, deflate: bool = False) -> list[str]:
    """`encrypt` for many values of one column: the key looked up once, and the nonces taken
    from one draw of the system's random source rather than a system call each. `deflate`
    compresses each value first."""
    active, keys = key_ring()
    cipher = keys[active]
    associated = context.encode()
    prefix = f"{DEFLATED_PREFIX if deflate else PREFIX}:{active}:"
    nonces = os.urandom(NONCE_BYTES * len(plaintexts))
    tokens = []
    for start, plaintext in zip(range(0, len(nonces), NONCE_BYTES), plaintexts, strict=True):
        nonce = nonces[start : start + NONCE_BYTES]
        data = plaintext.encode()
        if deflate:
            data = zlib.compress(data, DEFLATE_LEVEL)
        sealed = cipher.encrypt(nonce, data, associated)
        tokens.append(prefix + binascii.b2a_base64(nonce + sealed, newline=False).decode())
    return tokens


def decrypt(token: str, *, context: str) -> str:
    try:
        prefix, key_id, encoded = token.split(":", 2)
        if prefix not in (PREFIX, DEFLATED_PREFIX):
            raise ValueError
        blob = base64.b64decode(encoded)
        cipher = key_ring()[1][key_id]
        data = cipher.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], context.encode())
        return (zlib.decompress(data) if prefix == DEFLATED_PREFIX else data).decode()
    except KeyError as error:
        raise DecryptionError(f"no key {error} in FIELD_ENCRYPTION_KEYS") from None
    except (ValueError, InvalidTag, zlib.error) as error:
        raise DecryptionError(f"not a valid ciphertext for {context}") from error


@lru_cache(maxsize=4)
def _blind_index_key(configured: str) -> bytes:
    try:
        raw = base64.b64decode(configured, validate=True)
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise ImproperlyConfigured(
            "Set BLIND_INDEX_KEY to 32 random bytes in base64 to match identifiers. It must not "
            "change once identifiers are stored (see `manage.py partner_identifiers_reindex`)."
        )
    return raw


def blind_index(value: str, *, context: str) -> str:
    """The keyed hash under which equal values can be found; `context` separates the uses, so
    that an index from one column is no help in another."""
    key = _blind_index_key(settings.BLIND_INDEX_KEY)
    return hmac.new(key, f"{context}\x00{value}".encode(), hashlib.sha256).hexdigest()


def key_id_of(token: str) -> str:
    return token.split(":", 2)[1]


class EncryptedTextField(models.TextField):
    """A text column stored encrypted, and deflated first when `deflate` is set (for long,
    repetitive text). It cannot be filtered on: match on a blind index instead."""

    def __init__(self, *args, deflate: bool = False, **kwargs):
        self.deflate = deflate
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.deflate:
            kwargs["deflate"] = True
        return name, path, args, kwargs

    def contribute_to_class(self, cls, name, *args, **kwargs):
        super().contribute_to_class(cls, name, *args, **kwargs)
        self.encryption_context = f"{cls._meta.label_lower}.{name}"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value, context=self.encryption_context)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value, context=self.encryption_context, deflate=self.deflate)


def encrypted_fields() -> list[tuple[type[models.Model], list[EncryptedTextField]]]:
    from django.apps import apps

    found = []
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if fields:
            found.append((model, fields))
    return found
