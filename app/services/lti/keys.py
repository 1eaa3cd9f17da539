"""Our RSA signing keys: made on first use, kept in the database (so every app server
signs with the same key), published as a JWKS, rotated on demand."""

from __future__ import annotations

import json
import secrets
from typing import Any

import jwt
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from app.extensions import db
from app.models import utcnow
from app.models_lti import LtiKey

KEY_BITS = 2048
ALGORITHM = "RS256"


def _new_key() -> LtiKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode("ascii")
    key = LtiKey(kid=secrets.token_urlsafe(16), private_pem=pem)
    db.session.add(key)
    return key


def _live_keys() -> list[LtiKey]:
    return list(db.session.scalars(
        sa.select(LtiKey).where(LtiKey.retired_at.is_(None)).order_by(LtiKey.id)))


def signing_key() -> LtiKey:
    """The key that signs now (the newest live one), made and committed on first use."""
    keys = _live_keys()
    if keys:
        return keys[-1]
    key = _new_key()
    db.session.commit()
    return key


def rotate(retire_old: bool = False) -> LtiKey:
    """Make a new signing key. The old ones stay published (tokens they signed still check)
    unless `retire_old`, which drops them from the JWKS at once."""
    if retire_old:
        for key in _live_keys():
            key.retired_at = utcnow()
    key = _new_key()
    db.session.commit()
    return key


def _public_jwk(key: LtiKey) -> dict[str, Any]:
    private = serialization.load_pem_private_key(key.private_pem.encode("ascii"), None)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
    return {**jwk, "kid": key.kid, "alg": ALGORITHM, "use": "sig"}


def jwks() -> dict[str, Any]:
    """Our public keys, as platforms fetch them."""
    signing_key()
    return {"keys": [_public_jwk(key) for key in _live_keys()]}


def sign(claims: dict[str, Any]) -> str:
    """A JWT of these claims signed by our current key (its kid in the header)."""
    key = signing_key()
    return jwt.encode(claims, key.private_pem, algorithm=ALGORITHM, headers={"kid": key.kid})
