"""Search every file under some folders for secrets, in the forms they could take on disk.

A needle is a name and the byte strings that would betray it: text as UTF-8 (which is also how
msgpack and SQLite store it) and UTF-16; keys as raw bytes, hex and base64. A hit names the
file, the needle and the form, never the secret itself, so a failing test does not print it.
"""
from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import msgpack


@dataclass(frozen=True)
class Needle:
    name: str
    forms: dict[str, bytes]


@dataclass(frozen=True)
class Hit:
    path: Path
    needle: str
    form: str

    def __str__(self) -> str:
        return f"{self.path}: {self.needle} ({self.form})"


def text_needle(name: str, text: str) -> Needle:
    forms = {"utf-8": text.encode(), "utf-16-le": text.encode("utf-16-le"), "utf-16-be": text.encode("utf-16-be"),
             "msgpack": msgpack.packb(text)}
    return Needle(name, forms)


def key_needle(name: str, secret: bytes) -> Needle:
    forms = {"raw": secret, "hex": secret.hex().encode(), "HEX": secret.hex().upper().encode(),
             "base64": base64.b64encode(secret).rstrip(b"="), "base64url": base64.urlsafe_b64encode(secret).rstrip(b"=")}
    return Needle(name, forms)


def files_under(folders: Iterable[Path], limit: int = 10_000) -> list[Path]:
    """Every regular file below the folders (symlinks not followed), at most `limit`."""
    found: list[Path] = []
    for folder in folders:
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file() and not path.is_symlink():
                found.append(path)
                if len(found) >= limit:
                    raise AssertionError(f"more than {limit} files under {folders}: the scan is bounded")
    return found


def scan(files: Iterable[Path], needles: Iterable[Needle]) -> list[Hit]:
    """Every (file, needle, form) found. A file that vanished meanwhile (a -wal at checkpoint) is skipped."""
    needles = list(needles)
    hits = []
    for path in files:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            continue
        for needle in needles:
            for form, pattern in needle.forms.items():
                if pattern in data:
                    hits.append(Hit(path, needle.name, form))
    return hits
