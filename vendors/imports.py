"""Bulk import of vendors by a buyer.

1. `vendor_import_upload`: the buyer uploads a CSV or XLSX. The request only checks what is
   cheap (size, type by content, the zip guard), stores the file privately under a random
   name and starts a check job: opening a spreadsheet can take hundreds of megabytes, which
   a web worker must not spend (issue 15, finding 2).
2. `vendor_import_check` (the check job's handler, in a worker): reads the file, checks
   every row and stores the preview on the upload, or why the file as a whole cannot be
   imported (wrong headers, encoding, too many rows, a cell too long).
3. `vendor_import_checked_preview`: that stored preview, for the page (no file is read).
4. `vendor_import_confirm`: once the check found every row right, starts the import job
   (once per upload, however often confirmed).
5. `vendor_import_execute` (the import job's handler): reads and checks every row again
   (the directory may have changed since), then creates each vendor as an unclaimed
   profile and invites its contact to claim it — all in the job's one transaction, so a
   failure leaves nothing imported and no e-mail sent.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, fields
from typing import IO, Any

import openpyxl
import pycountry
from countryinfo import CountryInfo
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator, validate_email
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from openpyxl.styles import Font
from openpyxl.worksheet.table import Table, TableStyleInfo

from accounts.audit import audit_record
from accounts.models import BuyerOrganization, User
from bpo_portal.errors import (
    ApplicationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ServiceUnavailableError,
)
from bpo_portal.exports import append_row, csv_writer
from bpo_portal.permissions import Capability, require_buyer
from bpo_portal.uploads import XLSX_CONTENT_TYPE, validate_upload, zip_archive_problem
from jobs.models import Job, JobState, StagedUpload
from jobs.registry import Progress
from jobs.services import job_create, staged_upload_create
from vendors.geography import country_name, is_known_country
from vendors.models import ServiceFunction, VendorCompany
from vendors.services import (
    find_duplicate_company,
    vendor_claim_invitation_send,
    vendor_company_create_unclaimed,
    website_domain,
)

IMPORT_KIND = "vendor_import"
CHECK_KIND = "vendor_import_check"
MAX_ROWS = 5000
MAX_FILE_SIZE = 5 * 1024 * 1024
# After this many blank rows in a row, the rest of a sheet is taken to be empty
# (spreadsheets often carry a million formatted but empty rows).
MAX_BLANK_RUN = 1000

COLUMNS = ["name", "website", "country", "contact e-mail", "functions"]
REQUIRED_COLUMNS = ["name", "country", "contact e-mail"]
_HEADER_ALIASES = {
    "name": {"name", "vendor", "vendor name", "company", "company name", "legal name"},
    "website": {"website", "web site", "url", "site", "web address"},
    "country": {"country", "country code", "headquarters country", "hq country"},
    "contact e-mail": {
        "contact e-mail",
        "contact email",
        "contact e-mail address",
        "contact email address",
        "e-mail",
        "email",
        "e-mail address",
        "email address",
    },
    "functions": {"functions", "function", "services", "service functions"},
}
_COLUMN_FOR_HEADER = {
    alias: column for column, aliases in _HEADER_ALIASES.items() for alias in aliases
}


MAX_CELL_LENGTH = 2_000


class ImportFileError(Exception):
    """The file as a whole cannot be imported; the message says why, for a person."""


@dataclass
class ImportRow:
    number: int  # the row's number in the spreadsheet (the header is row 1)
    name: str
    website: str
    country: str
    contact_email: str
    functions: str
    extra_cells: bool = False
    country_code: str = ""
    function_ids: list[int] = field(default_factory=list)
    function_names: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # worth a look, but no obstacle

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def country_label(self) -> str:
        return country_name(self.country_code) if self.country_code else ""


_ROW_FIELDS = frozenset(f.name for f in fields(ImportRow))


@dataclass
class ImportPreview:
    rows: list[ImportRow]
    notices: list[str] = field(default_factory=list)
    # Why the file as a whole cannot be imported (then there are no rows).
    refused: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "rows": [asdict(row) for row in self.rows],
            "notices": self.notices,
            "refused": self.refused,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ImportPreview:
        return cls(
            rows=[
                ImportRow(**{k: v for k, v in row.items() if k in _ROW_FIELDS})
                for row in data.get("rows", [])
            ],
            notices=list(data.get("notices", [])),
            refused=str(data.get("refused", "")),
        )

    @property
    def problem_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if row.errors]

    @property
    def warning_count(self) -> int:
        return sum(1 for row in self.rows if row.warnings and not row.errors)

    @property
    def error_count(self) -> int:
        return len(self.problem_rows)

    @property
    def ready_count(self) -> int:
        return len(self.rows) - self.error_count

    @property
    def valid(self) -> bool:
        return bool(self.rows) and not self.error_count and not self.refused


# --- Reading the file ------------------------------------------------------------------


def _normalise_header(text: str) -> str:
    return " ".join(text.replace("_", " ").replace("\ufeff", "").strip().lower().split())


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str) and len(value) > MAX_CELL_LENGTH:
        raise ImportFileError(
            f"A cell holds more than {MAX_CELL_LENGTH} characters; no vendor field is that "
            "long. Shorten it and upload the file again."
        )
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def _csv_table(handle: IO[bytes], notices: list[str], size: dict[str, int]) -> Iterator[list[str]]:
    data = handle.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise ImportFileError(
                "The file's characters could not be read. In Excel, save it as "
                "“CSV UTF-8 (comma delimited)” and upload it again."
            ) from None
        notices.append(
            "The file is not in UTF-8, so it was read as Windows (Western European) text. "
            "If some names look wrong below, save it as “CSV UTF-8” and upload it again."
        )
    size["rows"] = text.count("\n") + (0 if text.endswith("\n") else 1)
    first_line = text.split("\n", 1)[0]
    # Excel writes ';' where the decimal separator is a comma; tabs come from pasting.
    delimiter = max([",", ";", "\t"], key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for record in reader:
            yield [_cell_text(cell) for cell in record]
    except csv.Error as exc:
        raise ImportFileError(
            f"The CSV file could not be read near line {reader.line_num}: {exc}. "
            "Check it in a spreadsheet program, save it as CSV again and upload it again."
        ) from None


def _xlsx_table(handle: IO[bytes], size: dict[str, int]) -> Iterator[list[str]]:
    unreadable = ImportFileError(
        "This Excel file could not be read. Open it in Excel, save it as an Excel "
        "workbook (.xlsx) and upload it again."
    )
    # Also for a stored file opened later: no zip bomb reaches openpyxl.
    problem = zip_archive_problem(handle)
    if problem is not None:
        raise ImportFileError(problem)
    try:
        # read_only streams the sheet instead of loading the whole workbook.
        workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except Exception:
        raise unreadable from None
    try:
        names = {name.strip().lower(): name for name in workbook.sheetnames}
        sheet = workbook[names["vendors"]] if "vendors" in names else workbook.worksheets[0]
        if isinstance(sheet.max_row, int):  # from the sheet's declared dimension, if any
            size["rows"] = sheet.max_row
        for values in sheet.iter_rows(values_only=True):
            yield [_cell_text(value) for value in values]
    except ImportFileError:
        raise
    except Exception:
        raise unreadable from None
    finally:
        workbook.close()


# Called now and then while a file is read: (the row reached, the rows the file declares).
RowProgress = Callable[[int, int | None], None]
PROGRESS_EVERY = 250  # rows


def read_import_file(
    handle: IO[bytes], *, content_type: str, on_row: RowProgress | None = None
) -> ImportPreview:
    """Rows as the file gives them, not yet checked. Raises ImportFileError.
    Opens spreadsheets: call it in a worker, never in a web request."""
    notices: list[str] = []
    size: dict[str, int] = {}
    table = (
        _xlsx_table(handle, size)
        if content_type == XLSX_CONTENT_TYPE
        else _csv_table(handle, notices, size)
    )
    header: list[str] | None = None
    for cells in table:
        if any(cells):
            header = cells
            break
    if header is None:
        raise ImportFileError("The file is empty.")
    positions: dict[str, int] = {}
    ignored: list[str] = []
    for index, title in enumerate(header):
        column = _COLUMN_FOR_HEADER.get(_normalise_header(title))
        if column is None:
            if title:
                ignored.append(title)
            continue
        if column in positions:
            raise ImportFileError(
                f"Two columns are called “{column}”. Keep one of them and upload the file again."
            )
        positions[column] = index
    missing = [column for column in REQUIRED_COLUMNS if column not in positions]
    if missing:
        raise ImportFileError(
            f"The file has no {' or '.join(f'“{m}”' for m in missing)} column. Its first row "
            f"must name the columns: {', '.join(COLUMNS)}. Start from the template if in doubt."
        )
    if ignored:
        notices.append(f"These columns are not imported: {', '.join(ignored)}.")

    def cell(cells: list[str], column: str) -> str:
        index = positions.get(column)
        return cells[index] if index is not None and index < len(cells) else ""

    rows: list[ImportRow] = []
    blank_run = 0
    for number, cells in enumerate(table, start=2):
        if on_row is not None and number % PROGRESS_EVERY == 0:
            on_row(number, size.get("rows"))
        if not any(cells):
            blank_run += 1
            if blank_run >= MAX_BLANK_RUN:
                break
            continue
        blank_run = 0
        if len(rows) >= MAX_ROWS:
            raise ImportFileError(
                f"The file has more than {MAX_ROWS:,} vendors. Split it into files of at most "
                f"{MAX_ROWS:,} rows and import them one after the other."
            )
        rows.append(
            ImportRow(
                number=number,
                name=cell(cells, "name"),
                website=cell(cells, "website"),
                country=cell(cells, "country"),
                contact_email=cell(cells, "contact e-mail"),
                functions=cell(cells, "functions"),
                extra_cells=any(cells[len(header) :]),
            )
        )
    if not rows:
        raise ImportFileError("There are no vendors in the file: it has only the header row.")
    return ImportPreview(rows=rows, notices=notices)


# --- Checking the rows -----------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def resolve_country(text: str) -> str | None:
    """'PH', 'PHL', 'Philippines', 'the Philippines', 'UK', 'Vietnam' -> ISO alpha-2."""
    text = " ".join(text.split())
    candidates = [text]
    if text.lower().startswith("the "):
        candidates.append(text[4:])
    for candidate in candidates:
        code: str | None = None
        try:
            code = str(pycountry.countries.lookup(candidate).alpha_2)
        except LookupError:
            try:  # countryinfo knows common alternative spellings: UK, Russia, Ivory Coast
                code = str(CountryInfo(candidate).iso(2))
            except (LookupError, ValueError, KeyError, TypeError):
                code = None
        if code and is_known_country(code):
            return code.upper()
    return None


def _function_lookup() -> dict[str, tuple[int, str]]:
    lookup: dict[str, tuple[int, str]] = {}
    for pk, name, slug in ServiceFunction.objects.values_list("pk", "name", "slug"):
        lookup[name.casefold()] = (pk, name)
        lookup[slug.casefold()] = (pk, name)
    return lookup


_validate_url = URLValidator(schemes=["http", "https"])


def _check_row(row: ImportRow, functions: dict[str, tuple[int, str]]) -> None:
    errors = row.errors
    if row.extra_cells:
        errors.append(
            "This row has more cells than there are columns: look for a stray comma or "
            "separator, or put text with commas in quotes."
        )
    if not row.name:
        errors.append("Enter the vendor's name.")
    elif len(row.name) > 200:
        errors.append("The name is longer than 200 characters.")
    if row.website:
        url = row.website if "://" in row.website else f"https://{row.website}"
        try:
            _validate_url(url)
            if len(url) > 200:
                raise ValidationError("too long")
            row.website = url
        except ValidationError:
            errors.append(
                f"“{row.website}” is not a website address (for example https://example.com)."
            )
    if not row.country:
        errors.append("Enter the country: a two-letter code such as PH, or its English name.")
    else:
        row.country_code = resolve_country(row.country) or ""
        if not row.country_code:
            errors.append(
                f"“{row.country}” is not a country we recognise. Use a two-letter code such "
                "as PH, or the country's English name."
            )
    if not row.contact_email:
        errors.append("Enter the contact's e-mail address: they are invited to claim the profile.")
    else:
        try:
            validate_email(row.contact_email)
            row.contact_email = row.contact_email.lower()
        except ValidationError:
            errors.append(f"“{row.contact_email}” is not a valid e-mail address.")
    for part in row.functions.split(";"):
        part = part.strip()
        if not part:
            continue
        found = functions.get(part.casefold())
        if found is None:
            hint = " Separate functions with “;”." if "," in part else ""
            errors.append(
                f"“{part}” is not a service function we know: use the names on the "
                f"Functions sheet of the template.{hint}"
            )
        elif found[0] not in row.function_ids:
            row.function_ids.append(found[0])
            row.function_names.append(found[1])


def _check_repeats(rows: Iterable[ImportRow]) -> None:
    """The same company, website or contact twice in the file."""
    by_name: dict[tuple[str, str], int] = {}
    by_domain: dict[str, int] = {}
    by_email: dict[str, int] = {}
    for row in rows:
        if row.name and row.country_code:
            key = (row.name.casefold(), row.country_code)
            if key in by_name:
                row.errors.append(f"Same company as row {by_name[key]} (same name and country).")
            by_name.setdefault(key, row.number)
        domain = website_domain(row.website) if row.website else ""
        if domain:
            if domain in by_domain:
                row.errors.append(f"Same website as row {by_domain[domain]} ({domain}).")
            by_domain.setdefault(domain, row.number)
        if row.contact_email and "@" in row.contact_email:
            email = row.contact_email.lower()
            if email in by_email:
                row.errors.append(
                    f"The same contact e-mail is on row {by_email[email]}: "
                    "a person can claim only one company."
                )
            by_email.setdefault(email, row.number)


def _chunks(values: list[str], size: int = 500) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _check_registered(rows: list[ImportRow]) -> None:
    """Companies already on BPO Portal, as find_duplicate_company decides. One query finds
    the candidates, so that a file of thousands of rows needs few more."""
    checkable = [row for row in rows if row.name and row.country_code]
    names = sorted({row.name.strip().lower() for row in checkable if row.name.isascii()})
    domains = sorted({website_domain(row.website) for row in checkable if row.website} - {""})
    known_names: set[str] = set()
    known_domains: set[str] = set()
    for chunk in _chunks(names):
        known_names.update(
            VendorCompany.objects.annotate(lower_name=Lower("legal_name"))
            .filter(lower_name__in=chunk)
            .values_list("lower_name", flat=True)
        )
    for chunk in _chunks(domains):
        known_domains.update(
            VendorCompany.objects.filter(website_domain__in=chunk).values_list(
                "website_domain", flat=True
            )
        )
    for row in checkable:
        candidate = (
            not row.name.isascii()  # case rules beyond ASCII differ between databases
            or row.name.strip().lower() in known_names
            or (row.website and website_domain(row.website) in known_domains)
        )
        if not candidate:
            continue
        existing = find_duplicate_company(
            legal_name=row.name, headquarters_country=row.country_code, website=row.website
        )
        if existing is not None:
            row.errors.append(
                f"Already on BPO Portal as {existing.display_name}: remove this row and find "
                "the vendor in the directory."
            )


# Words that end company names without telling companies apart: "Acme Inc." is "Acme".
_LEGAL_FORMS = {
    "ab", "ag", "bv", "co", "company", "corp", "corporation", "cv", "de", "gmbh", "inc",
    "incorporated", "limited", "llc", "llp", "ltd", "ltda", "nv", "plc", "private", "pte",
    "pty", "pvt", "sa", "sac", "sarl", "sas", "spa", "srl", "the",
}  # fmt: skip


def _name_key(name: str) -> str:
    words = re.findall(r"\w+", name.casefold())
    while len(words) > 1 and words[-1] in _LEGAL_FORMS:
        words.pop()
    return " ".join(words)


def _check_similar(rows: list[ImportRow]) -> None:
    """Names that differ from a registered company's only by legal form or punctuation
    ("Manila Bay Contact Solutions" and "Manila Bay Contact Solutions Inc."): a warning,
    since find_duplicate_company, which decides, does not count them as the same."""
    checkable = [row for row in rows if not row.errors]
    countries = {row.country_code for row in checkable}
    if not countries:
        return
    known: dict[tuple[str, str], str] = {}
    for legal_name, trading_name, country in VendorCompany.objects.filter(
        headquarters_country__in=countries
    ).values_list("legal_name", "trading_name", "headquarters_country"):
        display = f"{legal_name} ({trading_name})" if trading_name else legal_name
        for name in (legal_name, trading_name):
            if name:
                known.setdefault((_name_key(name), str(country)), display)
    for row in checkable:
        similar = known.get((_name_key(row.name), row.country_code))
        if similar:
            row.warnings.append(
                f"Looks like {similar}, already on BPO Portal. If it is the same company, "
                "remove this row."
            )


def check_import_rows(preview: ImportPreview) -> ImportPreview:
    functions = _function_lookup()
    for row in preview.rows:
        _check_row(row, functions)
    _check_repeats(preview.rows)
    _check_registered(preview.rows)
    _check_similar(preview.rows)
    return preview


# --- Who may see an import --------------------------------------------------------------


def vendor_imports_for(*, organization: BuyerOrganization) -> QuerySet[StagedUpload]:
    return (
        StagedUpload.objects.filter(kind=IMPORT_KIND, organization=organization)
        .select_related("uploaded_by", "job", "check_job")
        .order_by("-created_at")
    )


def vendor_imports_recent(
    *, organization: BuyerOrganization, limit: int = 10
) -> list[StagedUpload]:
    """The latest imports for the list, without their previews (up to 5,000 rows each)."""
    return list(vendor_imports_for(organization=organization).defer("preview")[:limit])


def vendor_import_for_user(*, user: User, pk: int) -> StagedUpload:
    """An import of the user's organization; only for those who may manage vendors."""
    membership = require_buyer(user, Capability.MANAGE_VENDORS)
    upload = vendor_imports_for(organization=membership.organization).filter(pk=pk).first()
    if upload is None:
        raise NotFoundError("This import does not exist, or you cannot see it.")
    return upload


# --- Upload, check, preview, confirm ---------------------------------------------------------


def _read_stored(upload: StagedUpload, *, on_row: RowProgress | None = None) -> ImportPreview:
    """The stored file's rows, not yet checked. Raises ImportFileError (the file cannot be
    imported) or NotFoundError (it is gone). For the worker only: it opens spreadsheets."""
    try:
        handle = upload.file.open("rb")
    except FileNotFoundError:
        raise NotFoundError(
            "The uploaded file is no longer available. Upload it again to import it."
        ) from None
    try:
        return read_import_file(handle, content_type=upload.content_type, on_row=on_row)
    finally:
        handle.close()


def vendor_import_upload(*, actor: User, file: UploadedFile[Any] | None) -> StagedUpload:
    """Store the uploaded file and start checking it in a worker.

    Only the cheap checks run here (size, type by content, the zip guard: no spreadsheet is
    opened), with the reason beside the file field. Whether the file's rows can be read
    and imported is for the check job (`vendor_import_check`); the page shows its progress,
    then the rows. If the queue is down, the file is kept and the page offers to try the
    check again."""
    membership = require_buyer(actor, Capability.MANAGE_VENDORS)
    content_type = validate_upload(
        file, field="file", kinds=("csv", "xlsx"), max_size=MAX_FILE_SIZE
    )
    assert file is not None
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    upload: StagedUpload | None = None
    try:
        with transaction.atomic():
            upload = staged_upload_create(
                kind=IMPORT_KIND,
                organization=membership.organization,
                uploaded_by=actor,
                content=file,
                filename=file.name or "vendors",
                content_type=content_type,
                size=file.size or 0,
                sha256=digest.hexdigest(),
            )
            upload.check_job = job_create(
                kind=CHECK_KIND,
                params={"upload_id": upload.pk},
                organization=membership.organization,
                created_by=actor,
                title=f"Check of {upload.filename}",
            )
            upload.save(update_fields=["check_job"])
    except ServiceUnavailableError:
        # Raised after the commit: the file is stored and its check job is marked failed
        # with the reason; the page shows both, with "Try again".
        if upload is None:
            raise
    assert upload is not None
    return upload


def _check_progress(progress: Progress) -> RowProgress:
    def on_row(number: int, declared: int | None) -> None:
        # A sheet may declare a million formatted but empty rows: then say only how far.
        if declared and number <= declared <= 2 * MAX_ROWS:
            progress(5 + 75 * number / declared, f"Reading row {number:,} of {declared:,}")
        else:
            progress(40, f"Reading row {number:,}")

    return on_row


def vendor_import_check(*, job: Job, progress: Progress) -> dict[str, Any]:
    """The check job's handler, in a worker: read the uploaded file, check every row and
    store the preview on the upload. It only reads, and writes the same preview however
    often it runs, so a worker that dies half-way leaves the next one to start over."""
    upload = StagedUpload.objects.filter(check_job=job).first()
    if upload is None:
        raise ApplicationError("The uploaded file is no longer available. Upload it again.")
    progress(2, "Reading the file")
    try:
        preview = _read_stored(upload, on_row=_check_progress(progress))
    except ImportFileError as exc:
        preview = ImportPreview(rows=[], refused=str(exc))
    else:
        total = len(preview.rows)
        progress(85, f"Checking {total:,} row{'s' if total != 1 else ''}")
        check_import_rows(preview)
    StagedUpload.objects.filter(pk=upload.pk).update(preview=preview.to_json())
    return _check_summary(preview)


def _check_summary(preview: ImportPreview) -> dict[str, Any]:
    """The check job's result: counts for the list of imports (the rows are on the upload)."""
    total = len(preview.rows)
    if preview.refused:
        summary = f"This file cannot be imported: {preview.refused}"
    elif preview.error_count:
        summary = f"{preview.error_count:,} of {total:,} rows have problems."
    else:
        summary = f"All {total:,} row{'s are' if total != 1 else ' is'} ready to import."
    return {
        "summary": summary,
        "refused": bool(preview.refused),
        "rows": total,
        "problems": preview.error_count,
        "warnings": preview.warning_count,
    }


def vendor_import_checked_preview(*, upload: StagedUpload) -> ImportPreview | None:
    """What the check job found (every row with its errors, or why the file is refused),
    or None while it has not finished. Reads no file. Nothing is saved."""
    check = upload.check_job
    if check is None or check.state != JobState.DONE or upload.preview is None:
        return None
    return ImportPreview.from_json(upload.preview)


def vendor_import_preview(*, upload: StagedUpload) -> ImportPreview:
    """Read the stored file and check every row now (in a worker: it opens spreadsheets).
    Nothing is saved. Raises ApplicationError if the file cannot be imported."""
    try:
        preview = _read_stored(upload)
    except ImportFileError as exc:
        raise ApplicationError(str(exc)) from None
    return check_import_rows(preview)


def vendor_import_confirm(*, actor: User, upload: StagedUpload) -> Job:
    """Start importing, once the check found every row right. Confirming the same upload
    again returns the same job."""
    membership = require_buyer(actor, Capability.MANAGE_VENDORS, upload.organization_id)
    with transaction.atomic():
        locked = (
            StagedUpload.objects.select_for_update(of=("self",))
            .select_related("check_job", "job")
            .get(pk=upload.pk)
        )
        if locked.job is not None:
            return locked.job
        preview = vendor_import_checked_preview(upload=locked)
        if preview is None:
            check = locked.check_job
            if check is None:  # uploaded before files were checked in the worker
                raise ConflictError("This file has not been checked. Upload it again to import it.")
            if check.state == JobState.FAILED:
                raise ConflictError(
                    "The file could not be checked, so it cannot be imported yet. Try the "
                    "check again, or upload the file again."
                )
            raise ConflictError(
                "The file is still being checked. Import it once every row has been checked."
            )
        if preview.refused:
            raise ApplicationError(f"This file cannot be imported: {preview.refused}")
        if not preview.valid:
            raise ApplicationError(
                f"{preview.error_count} of {len(preview.rows)} rows have problems. Correct them "
                "in your file and upload it again: nothing is imported until every row is right."
            )
        count = len(preview.rows)
        job = job_create(
            kind=IMPORT_KIND,
            params={"upload_id": locked.pk},
            organization=membership.organization,
            created_by=actor,
            title=f"Import of {count:,} vendor{'s' if count != 1 else ''} from {locked.filename}",
        )
        locked.job = job
        locked.save(update_fields=["job"])
        audit_record(
            actor=actor,
            action="vendor.import_started",
            obj=job,
            organization=membership.organization,
            summary=f"{actor} started importing {count} vendors from {locked.filename}",
        )
    return job


# --- The job -------------------------------------------------------------------------------


def _describe_problems(preview: ImportPreview, limit: int = 5) -> str:
    problems = preview.problem_rows
    listed = "; ".join(f"row {row.number}: {row.errors[0]}" for row in problems[:limit])
    more = f" (and {len(problems) - limit} more rows)" if len(problems) > limit else ""
    return (
        f"Nothing was imported: {len(problems)} rows have problems now{more} — {listed} "
        "Correct the file and upload it again."
    )


def _serialise_imports() -> None:
    """Two imports at once could both add the same new vendor; take turns. (SQLite
    already lets one writer at a time.)"""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('vendors.import'))")


def vendor_import_execute(*, job: Job, progress: Progress) -> dict[str, Any]:
    """The job's handler: runs in the job's transaction (all or nothing)."""
    upload = StagedUpload.objects.filter(pk=job.params.get("upload_id"), job=job).first()
    if upload is None:
        raise ApplicationError("The uploaded file is no longer available. Upload it again.")
    actor = job.created_by
    if actor is None:
        raise ApplicationError("The person who started this import no longer has an account.")
    try:
        require_buyer(actor, Capability.MANAGE_VENDORS, upload.organization_id)
    except PermissionDeniedError:
        raise ApplicationError(
            f"{actor.display_name} started this import but may no longer manage vendors, so "
            "nothing was imported. Upload the file again to import it yourself."
        ) from None
    progress(1, "Reading the file")
    _serialise_imports()
    preview = vendor_import_preview(upload=upload)
    if not preview.valid:
        raise ApplicationError(_describe_problems(preview))
    total = len(preview.rows)
    progress(5, f"Adding {total:,} vendors")
    vendor_ids: list[int] = []
    step = max(1, total // 100)  # about a hundred progress updates, however long the file
    for done, row in enumerate(preview.rows, start=1):
        try:
            company = vendor_company_create_unclaimed(
                actor=actor,
                legal_name=row.name,
                headquarters_country=row.country_code,
                website=row.website,
                contact_email=row.contact_email,
                function_ids=row.function_ids,
            )
            vendor_claim_invitation_send(actor=actor, company=company)
        except ApplicationError as exc:
            raise ApplicationError(
                f"Row {row.number} ({row.name}): {exc.message} Nothing was imported."
            ) from exc
        vendor_ids.append(company.pk)
        if done % step == 0 or done == total:
            progress(5 + 95 * done // total, f"Added {done:,} of {total:,} vendors")
    audit_record(
        actor=actor,
        action="vendor.import_done",
        obj=job,
        organization=upload.organization,
        summary=f"{actor} imported {total} vendors from {upload.filename}",
    )
    return {
        "summary": (
            f"{total:,} vendor{'s were' if total != 1 else ' was'} added to the directory, and "
            f"{'their contacts were' if total != 1 else 'its contact was'} invited to claim "
            f"{'their profiles' if total != 1 else 'the profile'}."
        ),
        "created": total,
        "invited": total,
        "vendor_ids": vendor_ids,
    }


def imported_vendors(*, job: Job) -> QuerySet[VendorCompany]:
    """The vendors a finished import created (those still there)."""
    ids = job.result.get("vendor_ids", []) if isinstance(job.result, dict) else []
    return (
        VendorCompany.objects.filter(Q(pk__in=ids), imported_by=job.organization_id)
        .prefetch_related("service_functions")
        .order_by("legal_name")
    )


# --- The template ------------------------------------------------------------------------


def import_template(*, file_format: str) -> tuple[bytes, str, str]:
    """The file to fill in: (content, file name, content type)."""
    if file_format == "csv":
        buffer = io.StringIO()
        csv_writer(buffer).writerow(COLUMNS)
        # A BOM so that Excel opens the file as UTF-8.
        return ("\ufeff" + buffer.getvalue()).encode(), "vendor-import.csv", "text/csv"
    if file_format != "xlsx":
        raise NotFoundError("There is no template in that format.")

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Vendors"
    append_row(sheet, COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDE", (40, 32, 18, 34, 60), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    functions = workbook.create_sheet("Functions")
    append_row(functions, ["Category", "Function", "Short name"])
    for cell in functions[1]:
        cell.font = Font(bold=True)
    for name, slug, category in ServiceFunction.objects.values_list(
        "name", "slug", "category__name"
    ):
        append_row(functions, [category, name, slug])
    for letter, width in zip("ABC", (32, 40, 36), strict=True):
        functions.column_dimensions[letter].width = width
    functions.freeze_panes = "A2"
    if functions.max_row > 1:
        table = Table(displayName="ServiceFunctions", ref=f"A1:C{functions.max_row}")
        table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
        functions.add_table(table)
    buffer_bytes = io.BytesIO()
    workbook.save(buffer_bytes)
    return buffer_bytes.getvalue(), "vendor-import.xlsx", XLSX_CONTENT_TYPE
