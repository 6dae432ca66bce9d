"""Evidence files: checked by their content, kept outside the web root under random names.

The type of a file is decided from its first bytes, never from the name or the content type the
browser sent. A file is written only once it has passed every check, and a file written during a
transaction that is rolled back is removed again, so a failed save leaves nothing behind.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import filetype
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from casework.errors import DomainError
from casework.extensions import db

MAX_EVIDENCE_MB = 10
MAX_EVIDENCE_BYTES = MAX_EVIDENCE_MB * 1024 * 1024
CHUNK_BYTES = 64 * 1024
SNIFF_BYTES = 8192  # what the ``filetype`` library reads to recognise a file
MAX_FILE_NAME = 255
STORED_NAME_BYTES = 32
FIELD = "file"
_PENDING = "casework.incidents.files_written"
_STORED_NAME = re.compile("[0-9a-f]+")
# Control characters (Unicode category Cc) other than tab, line feed, form feed and carriage return.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class FileKind:
    """A type of file we accept: what it is called, its content type, its usual extensions.

    ``detected`` lists the MIME types the ``filetype`` library reports for content of this kind.
    """

    label: str
    content_type: str
    extensions: tuple[str, ...]
    detected: frozenset[str]


# Plain text has no signature: it is whatever is left that decodes as UTF-8 without control
# characters (checked over the whole file, see ``_TextCheck``).
PLAIN_TEXT = FileKind("plain text", "text/plain", (".txt",), frozenset())
FILE_KINDS: tuple[FileKind, ...] = (
    FileKind("PDF", "application/pdf", (".pdf",), frozenset({"application/pdf"})),
    FileKind("PNG", "image/png", (".png",), frozenset({"image/png"})),
    FileKind("JPEG", "image/jpeg", (".jpg", ".jpeg"), frozenset({"image/jpeg"})),
    FileKind("GIF", "image/gif", (".gif",), frozenset({"image/gif"})),
    # ISO media files share the "ftyp" box: only MP4 brands count (HEIC photos and QuickTime MOV do not).
    FileKind("MP4", "video/mp4", (".mp4", ".m4v", ".m4a"), frozenset({"video/mp4", "video/x-m4v", "audio/mp4"})),
    FileKind("MP3", "audio/mpeg", (".mp3",), frozenset({"audio/mpeg"})),
)
ACCEPTED_DESCRIPTION = "PDF, PNG, JPEG, GIF, MP4, MP3 or plain text"


@dataclass(frozen=True)
class Upload:
    """A file as it arrived: the name the browser gave and its content."""

    file_name: str
    stream: BinaryIO


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed the checks, ready to be written."""

    file_name: str
    kind: FileKind
    size_bytes: int
    sha256: str
    stream: BinaryIO


class _TextCheck:
    """Whether a stream of chunks is UTF-8 text without control characters."""

    def __init__(self) -> None:
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.is_text = True

    def feed(self, chunk: bytes, *, final: bool = False) -> None:
        if not self.is_text:
            return
        try:
            text = self.decoder.decode(chunk, final=final)
        except UnicodeDecodeError:
            self.is_text = False
            return
        if _CONTROL_CHARACTERS.search(text):
            self.is_text = False


def _refuse(message: str) -> DomainError:
    return DomainError(message, field=FIELD)


def clean_file_name(file_name: str, kind: FileKind) -> str:
    """The name to offer on download: no folders or control characters, and an extension that fits the content."""
    name = file_name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C").strip()
    name = name.strip(". ") or "evidence"
    if Path(name).suffix.lower() not in kind.extensions:
        name += kind.extensions[0]
    if len(name) > MAX_FILE_NAME:
        suffix = Path(name).suffix
        name = name[: MAX_FILE_NAME - len(suffix)] + suffix
    return name


def _seekable(stream: BinaryIO) -> BinaryIO:
    if stream.seekable():
        stream.seek(0)
        return stream
    return io.BytesIO(stream.read(MAX_EVIDENCE_BYTES + 1))


def kind_of(head: bytes) -> FileKind | None:
    """The accepted kind the content's signature shows (``filetype``); ``None`` when it has no known signature
    (it may be plain text). A known signature of a kind we do not accept is refused."""
    guess = filetype.guess(head)
    if guess is None:
        return None
    kind = next((kind for kind in FILE_KINDS if guess.mime in kind.detected), None)
    if kind is None:
        raise _refuse(f"The selected file must be a {ACCEPTED_DESCRIPTION} file")
    return kind


def check(upload: Upload) -> CheckedFile:
    """Size, type (by content) and digest of an upload; a ``DomainError`` on the file field if it is refused."""
    stream = _seekable(upload.stream)
    head = stream.read(SNIFF_BYTES)
    if not head:
        raise _refuse("The selected file is empty")
    kind = kind_of(head)
    text = _TextCheck() if kind is None else None
    digest = hashlib.sha256()
    size = 0
    chunk = head
    while chunk:
        size += len(chunk)
        if size > MAX_EVIDENCE_BYTES:
            raise _refuse(f"The selected file must be {MAX_EVIDENCE_MB} MB or smaller")
        digest.update(chunk)
        if text is not None:
            text.feed(chunk)
        chunk = stream.read(CHUNK_BYTES)
    if text is not None:
        text.feed(b"", final=True)
        if not text.is_text:
            raise _refuse(f"The selected file must be a {ACCEPTED_DESCRIPTION} file")
    accepted = kind or PLAIN_TEXT
    stream.seek(0)
    return CheckedFile(clean_file_name(upload.file_name, accepted), accepted, size, digest.hexdigest(), stream)


def evidence_dir() -> Path:
    """Where evidence files live: ``EVIDENCE_DIR`` (default ``instance/evidence``), never served by the app."""
    return Path(current_app.config["EVIDENCE_DIR"])


def new_stored_name() -> str:
    """A random, unguessable name for a stored file."""
    return secrets.token_hex(STORED_NAME_BYTES)


def path_of(stored_name: str) -> Path:
    """The stored file's path (stored names are our own hex tokens, never user input)."""
    if not _STORED_NAME.fullmatch(stored_name):
        raise ValueError("not a stored evidence name")
    return evidence_dir() / stored_name


def save(checked: CheckedFile, stored_name: str) -> Path:
    """Write a checked file; it is removed again if the current transaction rolls back."""
    db.session.connection()  # a transaction is open, so its commit or rollback decides what happens to the file
    folder = evidence_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    target = path_of(stored_name)
    partial = folder / f".{stored_name}.part"
    try:
        with partial.open("xb") as out:
            while chunk := checked.stream.read(CHUNK_BYTES):
                out.write(chunk)
        partial.chmod(0o600)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    db.session.info.setdefault(_PENDING, []).append(target)
    return target


@event.listens_for(Session, "after_commit")
def _keep_written_files(session: Session) -> None:
    session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_soft_rollback")
def _remove_written_files(session: Session, previous_transaction: SessionTransaction) -> None:
    if previous_transaction.nested:
        return
    for path in session.info.pop(_PENDING, []):
        path.unlink(missing_ok=True)
