"""Time-based one-time passwords (RFC 6238) and recovery codes: the mechanics of the second factor.

``pyotp`` computes the codes and ``segno`` draws the enrolment QR code as SVG on the server (no
script, nothing from a CDN). A code is accepted once: the time step it belongs to is remembered,
so a code seen over someone's shoulder cannot be replayed.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import secrets
from datetime import datetime

import pyotp
import segno

ISSUER = "Casework"
STEP_SECONDS = 30
# One step either side forgives a phone clock that is up to 30 seconds out.
DRIFT_STEPS = 1
RECOVERY_CODES = 10


def new_secret() -> str:
    """A fresh 160-bit base32 secret."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, email: str) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The QR code for ``uri`` as an inline SVG element, with a title for screen readers."""
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(
        buffer, kind="svg", xmldecl=False, svgns=True, scale=5, title="QR code for your authenticator app"
    )
    return buffer.getvalue().decode()


def matching_step(secret: str, code: str, *, now: datetime, after_step: int | None) -> int | None:
    """The time step whose code ``code`` is (within the drift allowed), if later than ``after_step``."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if (after_step is None or step > after_step) and hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def new_recovery_codes() -> list[str]:
    """Ten one-use codes like ``k7m2-9xqa-4hb3``, shown once."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return [
        "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3)) for _ in range(RECOVERY_CODES)
    ]


def hash_recovery_code(code: str) -> str:
    """Recovery codes carry about 60 random bits, so a plain SHA-256 is enough to store them."""
    return hashlib.sha256(code.strip().lower().replace(" ", "").encode()).hexdigest()
