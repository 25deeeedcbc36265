"""The shared secret check and the Standard Webhooks v1 signature check, with the TypeScript kit's rules."""

import base64
import binascii
import hashlib
import hmac
import re
import time
from typing import Iterable, List, Mapping, Optional, Sequence, Union

SIGNATURE_TOLERANCE_SECONDS = 300
"""accepted clock difference, both ways, between sender and receiver"""

_SIGNING_KEY_PREFIX = "whsec_"
_UNIX_SECONDS = re.compile(r"[0-9]{1,15}")


def verify_secret(got: Optional[str], secrets: Iterable[str]) -> bool:
    """True when `got` equals one of `secrets` (several during a rotation). Compares SHA-256 digests in
    constant time and compares every secret, so neither content nor length leaks. Empty strings never match."""
    if not got:
        return False
    digest = hashlib.sha256(got.encode("utf-8")).digest()
    matched = False
    for secret in secrets:
        if secret:
            matched = hmac.compare_digest(digest, hashlib.sha256(secret.encode("utf-8")).digest()) or matched
    return matched


class SignatureError(ValueError):
    """A refused delivery; `code` is missing_headers, invalid_timestamp, timestamp_too_old,
    timestamp_too_new, invalid_signature or invalid_key."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


HeaderValue = Union[str, Sequence[str]]


def _header(headers: Mapping[str, HeaderValue], name: str) -> str:
    values: List[str] = []
    for key, value in headers.items():
        if key.lower() == name:
            values.extend([value] if isinstance(value, str) else list(value))
    return " ".join(values)


def _b64decode(value: str) -> bytes:
    padded = value.rstrip("=") + "=" * (-len(value.rstrip("=")) % 4)
    return base64.b64decode(padded, validate=True)


def _signing_key(key: str) -> bytes:
    if not key.startswith(_SIGNING_KEY_PREFIX):
        return key.encode("utf-8")
    try:
        decoded = _b64decode(key[len(_SIGNING_KEY_PREFIX):])
    except (binascii.Error, ValueError):
        decoded = b""
    if not decoded:
        raise SignatureError("invalid_key", "a whsec_ key must carry a base64 key")
    return decoded


def verify_signature(
    headers: Mapping[str, HeaderValue],
    body: Union[bytes, str],
    keys: Iterable[str],
    *,
    now: Optional[float] = None,
) -> None:
    """Check Standard Webhooks v1 headers (webhook-id, webhook-timestamp, webhook-signature; any case)
    against the exact body bytes: one v1 signature made with any of `keys` (rotation) and a timestamp
    within 5 minutes of now, in either direction. Keys are `whsec_` + base64; any other key is used as
    its UTF-8 bytes. Raises SignatureError; returns None when the delivery is genuine."""
    message_id = _header(headers, "webhook-id")
    raw_timestamp = _header(headers, "webhook-timestamp")
    signatures = _header(headers, "webhook-signature")
    missing = [
        name
        for name, value in (("webhook-id", message_id), ("webhook-timestamp", raw_timestamp), ("webhook-signature", signatures))
        if not value
    ]
    if missing:
        raise SignatureError("missing_headers", f"missing signature header(s): {', '.join(missing)}")
    if not _UNIX_SECONDS.fullmatch(raw_timestamp):
        raise SignatureError("invalid_timestamp", "webhook-timestamp must be unix seconds")
    timestamp = int(raw_timestamp)
    current = int(time.time() if now is None else now)
    if current - timestamp > SIGNATURE_TOLERANCE_SECONDS:
        raise SignatureError("timestamp_too_old", "webhook-timestamp is more than 300 s old")
    if timestamp - current > SIGNATURE_TOLERANCE_SECONDS:
        raise SignatureError("timestamp_too_new", "webhook-timestamp is more than 300 s in the future")
    # compared as sent, like the reference libraries: decoding first would let other strings through
    # (the unused bits of the last character, a missing padding)
    candidates: List[bytes] = []
    for entry in signatures.split():
        parts = entry.rstrip(",").split(",")
        if len(parts) == 2 and parts[0] == "v1":
            candidates.append(parts[1].encode("utf-8"))
    payload = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    signed = f"{message_id}.{timestamp}.".encode("utf-8") + payload
    matched = False
    for key in keys:
        if not key:
            continue
        expected = base64.b64encode(hmac.new(_signing_key(key), signed, hashlib.sha256).digest())
        for candidate in candidates:
            matched = hmac.compare_digest(candidate, expected) or matched
    if not matched:
        raise SignatureError("invalid_signature", "no signature matches the body and the key(s)")
