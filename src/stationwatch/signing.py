"""Ed25519 signatures over the ledger head, so a published dataset can be checked by anyone."""
from __future__ import annotations

import base64
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .model import canonical_json


class SigningError(ValueError):
    pass


def generate(private_path: Path, public_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    private_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    private_path.chmod(0o600)
    public_path.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                          serialization.PublicFormat.SubjectPublicKeyInfo))


def _load_private(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as e:
        raise SigningError(f"{path}: not a PEM private key without password ({e})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningError(f"{path}: not an Ed25519 key")
    return key


def _load_public(path: Path) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except ValueError as e:
        raise SigningError(f"{path}: not a PEM public key ({e})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise SigningError(f"{path}: not an Ed25519 public key")
    return key


def _signed_part(head: dict) -> bytes:
    return canonical_json({"seq": head["seq"], "hash": head["hash"], "at": head["at"]}).encode()


def sign_head(head: dict, private_path: Path) -> dict:
    key = _load_private(private_path)
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"seq": head["seq"], "hash": head["hash"], "at": head["at"],
            "public_key": base64.b64encode(public).decode(),
            "signature": base64.b64encode(key.sign(_signed_part(head))).decode()}


def check_signature(signed: dict, public_path: Path) -> None:
    key = _load_public(public_path)
    try:
        key.verify(base64.b64decode(signed["signature"]), _signed_part(signed))
    except (InvalidSignature, KeyError, ValueError):
        raise SigningError("the signature does not match this head and public key") from None
