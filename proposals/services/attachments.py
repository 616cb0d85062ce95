"""A working copy's supporting documents and the files that answer file questions."""

from __future__ import annotations

import hashlib
import mimetypes
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from bpo_portal.errors import ApplicationError, NotFoundError
from bpo_portal.uploads import DOCUMENT_KINDS, validate_upload
from proposals.models import Envelope, Proposal, ProposalAnswer, ProposalAttachment
from proposals.services.editing import lock_own_proposal, touch
from rfp.models import Question

MAX_ATTACHMENTS = 50


def validated_upload(upload: UploadedFile[Any] | None, *, field: str) -> str:
    """The shared check (size, real type among documents), and the name must
    not claim another type than the content: a PNG named .pdf misleads
    whoever opens it."""
    content_type = validate_upload(upload, field=field, kinds=DOCUMENT_KINDS)
    assert upload is not None
    claimed = mimetypes.guess_type(upload.name or "")[0]
    if claimed and claimed != content_type:
        kind = (mimetypes.guess_extension(content_type) or "").lstrip(".").upper() or content_type
        raise ApplicationError.for_fields(
            {
                field: f"The file is named “{upload.name}” but its content is a {kind} file. "
                "Rename it or export it again in the right format."
            }
        )
    return content_type


def _sha256_of(upload: UploadedFile[Any]) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def store_attachment(
    locked: Proposal,
    actor: User,
    upload: UploadedFile[Any],
    content_type: str,
    *,
    question: Question | None = None,
    description: str = "",
    envelope: str = Envelope.TECHNICAL,
) -> ProposalAttachment:
    current = ProposalAttachment.objects.filter(proposal=locked, removed_at__isnull=True)
    if current.count() >= MAX_ATTACHMENTS:
        raise ApplicationError.for_fields(
            {"file": f"A proposal can hold {MAX_ATTACHMENTS} files: remove one first."}
        )
    sha = _sha256_of(upload)
    if question is not None:
        same = current.filter(question=question, sha256=sha).first()
        if same is not None:
            return same  # the same file sent again (an autosave): keep the one we have
        current.filter(question=question).update(removed_at=timezone.now())
    name = (upload.name or "file").rsplit("/", 1)[-1][:200]
    return ProposalAttachment.objects.create(
        proposal=locked,
        envelope=envelope,
        question=question,
        description=description[:200],
        file=upload,
        name=name,
        content_type=content_type,
        size=upload.size or 0,
        sha256=sha,
        uploaded_by=actor,
    )


def proposal_attachment_add(
    *,
    actor: User,
    proposal: Proposal,
    upload: UploadedFile[Any] | None,
    description: str = "",
    envelope: str = Envelope.TECHNICAL,
) -> ProposalAttachment:
    """A supporting document (PDF, image, Word, Excel or PowerPoint), checked by
    its content and size. On a two-envelope RFP a price sheet goes in the
    commercial envelope, which the buyer opens after the technical evaluation."""
    content_type = validated_upload(upload, field="file")
    assert upload is not None
    if envelope not in Envelope.values:
        raise ApplicationError.for_fields(
            {"envelope": "Choose the technical or commercial envelope."}
        )
    if len(description) > 200:
        raise ApplicationError.for_fields(
            {"description": "Keep the description under 200 characters."}
        )
    with transaction.atomic():
        locked = lock_own_proposal(actor, proposal)
        if not locked.rfp.two_envelopes:
            envelope = Envelope.TECHNICAL
        attachment = store_attachment(
            locked, actor, upload, content_type, description=description.strip(), envelope=envelope
        )
        touch(locked, actor)
    return attachment


def proposal_attachment_remove(*, actor: User, attachment: ProposalAttachment) -> None:
    """Take a file out of the draft. The file itself is kept while a submitted
    version refers to it."""
    with transaction.atomic():
        locked = lock_own_proposal(actor, attachment.proposal)
        row = (
            ProposalAttachment.objects.select_for_update(of=("self",))
            .filter(pk=attachment.pk, proposal=locked, removed_at__isnull=True)
            .first()
        )
        if row is None:
            raise NotFoundError("Attachment not found.")
        row.removed_at = timezone.now()
        row.save(update_fields=["removed_at"])
        if row.question_id is not None:
            ProposalAnswer.objects.filter(
                proposal=locked, question_id=row.question_id, value=row.pk
            ).delete()
            locked.answers_version += 1
            locked.save(update_fields=["answers_version"])
        touch(locked, actor)
