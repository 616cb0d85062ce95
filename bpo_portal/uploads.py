"""Uploaded files: limited in size and type, checked by content (not by name),
stored under random names, and served only by views that check the right to see them.

Files are read and written through Django's storage API only (no local path), so the
same code runs on the local folder and on S3-compatible object storage
(settings.base.object_storage): a file written by one web node or worker is read by another.
"""

from __future__ import annotations

import logging
import mimetypes
import zipfile
from collections.abc import Iterable
from typing import Any

import filetype
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError
from django.conf import settings
from django.core.files.storage import Storage
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, HttpRequest

from bpo_portal.errors import ApplicationError, NotFoundError

logger = logging.getLogger(__name__)

# What object storage raises when it cannot do what was asked (the service down or slow,
# credentials refused, the bucket gone): botocore's errors, not OSError. A missing object
# is FileNotFoundError, handled apart. The middleware answers these with a 503 and
# STORAGE_DOWN_MESSAGE; the upload's transaction has rolled back, so nothing is half-saved.
OBJECT_STORAGE_ERRORS: tuple[type[Exception], ...] = (BotoCoreError, ClientError)
# Of those, the ones worth trying again after a pause (a job retries them).
OBJECT_STORAGE_UNREACHABLE: tuple[type[Exception], ...] = (BotoConnectionError, HTTPClientError)
STORAGE_DOWN_MESSAGE = (
    "Files cannot be stored or read just now: the file store is not answering. "
    "Please try again in a few minutes."
)

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# kind -> (content types accepted, label for messages)
KINDS: dict[str, tuple[set[str], str]] = {
    "pdf": ({"application/pdf"}, "PDF"),
    "image": ({"image/png", "image/jpeg"}, "PNG or JPEG image"),
    "office": (
        {
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            XLSX_CONTENT_TYPE,
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        },
        "Word, Excel or PowerPoint file",
    ),
    "xlsx": (
        {XLSX_CONTENT_TYPE},
        "Excel workbook (.xlsx)",
    ),
    "csv": ({"text/csv"}, "CSV file"),
}
DOCUMENT_KINDS = ("pdf", "image", "office")

_OFFICE_BY_EXTENSION = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": XLSX_CONTENT_TYPE,
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


def sniff_content_type(upload: UploadedFile[Any]) -> str | None:
    """The content type read from the file's bytes; None if unrecognised."""
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    name = (upload.name or "").lower()
    if kind is not None:
        if kind.mime == "application/zip":
            # .docx/.xlsx/.pptx are zip files: tell them apart by their parts.
            for extension, mime in _OFFICE_BY_EXTENSION.items():
                marker = {"docx": b"word/", "xlsx": b"xl/", "pptx": b"ppt/"}[extension[1:]]
                if name.endswith(extension) and _zip_has_part(upload, marker):
                    return mime
            return "application/zip"
        return str(kind.mime)
    if _looks_like_text(head):
        return "text/csv" if name.endswith(".csv") else "text/plain"
    return None


def _zip_has_part(upload: UploadedFile[Any], prefix: bytes) -> bool:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            return any(n.encode().startswith(prefix) for n in archive.namelist())
    except zipfile.BadZipFile:
        return False
    finally:
        upload.seek(0)


# Zip-based files (.xlsx, .docx, .pptx, archives): checked before anything unpacks them, so a
# small, highly compressed file cannot eat the worker's memory (issue 15, finding 2).
ZIP_MAX_UNPACKED = 50 * 1_048_576
ZIP_MAX_RATIO = 100
ZIP_MAX_MEMBERS = 5_000
_ZIP_RATIO_FLOOR = 1_048_576  # tiny members may compress well; only big ones must not
_ZIP_TYPES = {"application/zip", *KINDS["office"][0]}


def zip_archive_problem(handle: Any) -> str | None:
    """Why this zip file must not be opened (None if it is fine): too many members, too much
    unpacked data (declared and actually read, in small chunks) or a suspicious ratio."""
    too_big = (
        f"The file unpacks to more than {ZIP_MAX_UNPACKED // 1_048_576} MB or is compressed "
        "suspiciously well. Save it again without embedded content, or split it, and "
        "upload it again."
    )
    handle.seek(0)
    try:
        with zipfile.ZipFile(handle) as archive:
            members = archive.infolist()
            if len(members) > ZIP_MAX_MEMBERS:
                return f"The file holds more than {ZIP_MAX_MEMBERS} parts; it cannot be opened."
            declared = 0
            for member in members:
                declared += member.file_size
                ratio = member.file_size / max(member.compress_size, 1)
                if declared > ZIP_MAX_UNPACKED or (
                    member.file_size > _ZIP_RATIO_FLOOR and ratio > ZIP_MAX_RATIO
                ):
                    return too_big
            actual = 0
            for member in members:
                with archive.open(member) as stream:
                    while chunk := stream.read(65_536):
                        actual += len(chunk)
                        if actual > ZIP_MAX_UNPACKED:
                            return too_big
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError):
        return "The file is damaged and cannot be opened. Save it again and upload it again."
    finally:
        handle.seek(0)
    return None


def check_zip_archive(handle: Any, *, field: str) -> None:
    """Refuse a zip bomb with a message beside ``field``. Raises ApplicationError."""
    problem = zip_archive_problem(handle)
    if problem is not None:
        raise ApplicationError.for_fields({field: problem})


def _looks_like_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        if exc.start < len(head) - 4:
            try:
                head.decode("cp1252")
            except UnicodeDecodeError:
                return False
    return True


def validate_upload(
    upload: UploadedFile[Any] | None,
    *,
    field: str,
    kinds: Iterable[str] = DOCUMENT_KINDS,
    max_size: int | None = None,
) -> str:
    """Check size and real type; return the content type. Raises ApplicationError."""
    if upload is None:
        raise ApplicationError.for_fields({field: "Choose a file to upload."})
    limit = max_size or settings.MAX_UPLOAD_SIZE
    if upload.size is not None and upload.size > limit:
        size_mb, limit_mb = upload.size / 1_048_576, limit / 1_048_576
        raise ApplicationError.for_fields(
            {field: f"The file is {size_mb:.1f} MB; the limit is {limit_mb:.0f} MB."}
        )
    if not upload.size:
        raise ApplicationError.for_fields({field: "The file is empty."})
    accepted: set[str] = set()
    labels = []
    for kind in kinds:
        types, label = KINDS[kind]
        accepted |= types
        labels.append(label)
    content_type = sniff_content_type(upload)
    if content_type not in accepted:
        claimed = mimetypes.guess_type(upload.name or "")[0]
        detail = (
            f" Its name says {claimed}, but its content does not match."
            if claimed in accepted
            else ""
        )
        raise ApplicationError.for_fields({field: f"Upload a {' or '.join(labels)}.{detail}"})
    if content_type in _ZIP_TYPES:
        check_zip_archive(upload, field=field)
    return content_type or "application/octet-stream"


def serve_private_file(
    request: HttpRequest, file_field: Any, *, filename: str, content_type: str = ""
) -> FileResponse:
    """Stream a stored file as a download. The caller has checked the right to see it.

    On object storage too the bytes pass through this view rather than a redirect to a
    signed URL: the permission check, the audit record and the download are one request,
    no bearer link can be forwarded or leak into logs, and the bucket need not be
    reachable from browsers."""
    if not file_field:
        raise NotFoundError("This file is no longer available.")
    try:
        handle = file_field.open("rb")
    except FileNotFoundError as exc:
        raise NotFoundError("This file is no longer available.") from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=filename or "download",
        content_type=content_type or "application/octet-stream",
    )
    if "Content-Length" not in response:
        # An object's size came with opening it (S3's HEAD); FileResponse measures only
        # local files.
        response["Content-Length"] = str(handle.file.size)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def stored_file_delete(storage: Storage, name: str) -> None:
    """Delete a stored file, best effort: a file left behind is litter, not lost data, and
    must not turn an action that succeeded into an error. Object storage raises its
    client's own errors (botocore's), not OSError, hence the broad except."""
    try:
        storage.delete(name)
    except Exception as exc:
        logger.warning("Could not delete the stored file %s: %s", name, exc)
