"""Ed25519 keys for signing and verifying checkpoints of the event chain (see
:mod:`modelsteward.domain.checkpoint`). Key files are PEM: a PKCS#8 private key (written with
mode 0600 by :func:`new_key`) or, for verifying only, a SubjectPublicKeyInfo public key."""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from modelsteward.domain.checkpoint import KEY_PREFIX, Checkpoint
from modelsteward.errors import InvalidInput


def new_key(path: Path) -> Ed25519PrivateKey:
    """Generate a private key and write it to ``path`` (which must not exist) readable by its
    owner only; also write the public key beside it as ``<path>.pub``."""
    if path.exists():
        raise InvalidInput(f"{path} already exists; --new-key never overwrites a key. Drop "
                           "--new-key to sign with it, or name another file.")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
        path.with_name(path.name + ".pub").write_bytes(key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    except OSError as exc:
        raise InvalidInput(f"Cannot write the key {path}: {exc.strerror}. Choose a writable "
                           "path.") from None
    return key


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"Cannot read the key {path}: {exc.strerror}. Give the key file "
                           "`steward log checkpoint --new-key` wrote.") from None


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(_read(path), password=None)
    except (ValueError, TypeError):
        raise InvalidInput(f"{path} is not an unencrypted PEM private key. Make one with "
                           f"`steward log checkpoint --key {path} --new-key`.") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InvalidInput(f"{path} is not an Ed25519 key; checkpoints are signed with Ed25519 "
                           "(make one with --new-key).")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    """The public key in ``path``: a public key file, or the public half of a private one."""
    data = _read(path)
    if b"PRIVATE KEY" in data:
        return load_private_key(path).public_key()
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError):
        raise InvalidInput(f"{path} is not a PEM public or private key. Give the key "
                           "(or its .pub file) that signed the checkpoint.") from None
    if not isinstance(key, Ed25519PublicKey):
        raise InvalidInput(f"{path} is not an Ed25519 key; checkpoints are signed with "
                           "Ed25519.")
    return key


def key_text(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return KEY_PREFIX + base64.b64encode(raw).decode("ascii")


def sign(key: Ed25519PrivateKey, seq: int, digest: str, time: str) -> Checkpoint:
    unsigned = Checkpoint(seq, digest, time, key_text(key.public_key()))
    signature = base64.b64encode(key.sign(unsigned.signed_bytes())).decode("ascii")
    return Checkpoint(seq, digest, time, unsigned.key, signature)


def signature_problem(checkpoint: Checkpoint, trusted: Ed25519PublicKey | None) -> str:
    """Why the checkpoint's signature does not hold (``""`` when it does). With ``trusted``,
    the checkpoint must also be signed by that key, not just by the key it names."""
    if trusted is not None and key_text(trusted) != checkpoint.key:
        return "it was not signed by the given key"
    try:
        raw = base64.b64decode(checkpoint.key.removeprefix(KEY_PREFIX), validate=True)
        public = Ed25519PublicKey.from_public_bytes(raw)
        public.verify(base64.b64decode(checkpoint.signature, validate=True),
                      checkpoint.signed_bytes())
    except (InvalidSignature, ValueError, binascii.Error):
        return "its signature does not match its contents (it was altered or forged)"
    return ""
