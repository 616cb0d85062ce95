"""Every write about RFPs: drafting, the lifecycle, addenda, invitations, Q&A,
templates and reminders. Whichever door a request comes through (page, API,
Celery beat), the rules are here.

Edits carry the RFP's `version` (optimistic locking): a stale version is
refused with ConflictError and nothing is saved. After publication an edit
is an addendum: it needs a summary for vendors, who are notified and
acknowledge it. Changes to internal fields (the budget) never reach vendors.

The modules, by sub-domain (callers use `from rfp import services` and the names below):
- `_editing`: what every edit goes through (lock, version check, change list, addendum);
- `drafting`: creating an RFP (blank, from a template), templates, details and
  timeline, documents;
- `content`: lots, questionnaire sections and questions, pricing lines, service levels;
- `lifecycle`: submit, approve, return to draft, close at the deadline, evaluation,
  award, cancel;
- `distribution`: invitations, intend to bid or decline, addendum acknowledgement,
  deadline reminders;
- `clarifications`: vendors' questions and the buyer's answers.
"""

from rfp.services._editing import EDITABLE_STATUSES, rfp_addendum_record, rfp_addendum_summary_check
from rfp.services.clarifications import clarification_answer, clarification_ask
from rfp.services.content import (
    PRICING_FIELDS,
    SERVICE_LEVEL_FIELDS,
    lot_create,
    lot_delete,
    lot_update,
    pricing_line_create,
    pricing_line_delete,
    pricing_line_update,
    question_create,
    question_delete,
    question_section_create,
    question_section_delete,
    question_section_update,
    question_update,
    service_level_create,
    service_level_delete,
    service_level_update,
)
from rfp.services.distribution import (
    addendum_acknowledge,
    rfp_decline,
    rfp_intend_to_bid,
    rfp_invitation_create,
    rfp_invitation_delete,
    rfp_invitations_attach_new_company,
    rfp_invitations_create,
    rfp_send_deadline_reminders,
)
from rfp.services.drafting import (
    reference_prefix,
    rfp_attachment_add,
    rfp_attachment_delete,
    rfp_attachment_downloaded,
    rfp_create,
    rfp_create_from_template,
    rfp_save_as_template,
    rfp_template_delete,
    rfp_timeline_errors,
    rfp_update,
    sanitize_scope_html,
)
from rfp.services.lifecycle import (
    TRANSITIONS,
    rfp_approval_refusal,
    rfp_approve,
    rfp_award,
    rfp_cancel,
    rfp_return_to_draft,
    rfp_start_evaluation,
    rfp_submit_for_approval,
    rfps_close_past_deadline,
    transition_allowed,
)

__all__ = [
    "EDITABLE_STATUSES",
    "PRICING_FIELDS",
    "SERVICE_LEVEL_FIELDS",
    "TRANSITIONS",
    "addendum_acknowledge",
    "clarification_answer",
    "clarification_ask",
    "lot_create",
    "lot_delete",
    "lot_update",
    "pricing_line_create",
    "pricing_line_delete",
    "pricing_line_update",
    "question_create",
    "question_delete",
    "question_section_create",
    "question_section_delete",
    "question_section_update",
    "question_update",
    "reference_prefix",
    "rfp_addendum_record",
    "rfp_addendum_summary_check",
    "rfp_approval_refusal",
    "rfp_approve",
    "rfp_attachment_add",
    "rfp_attachment_delete",
    "rfp_attachment_downloaded",
    "rfp_award",
    "rfp_cancel",
    "rfp_create",
    "rfp_create_from_template",
    "rfp_decline",
    "rfp_intend_to_bid",
    "rfp_invitation_create",
    "rfp_invitation_delete",
    "rfp_invitations_attach_new_company",
    "rfp_invitations_create",
    "rfp_return_to_draft",
    "rfp_save_as_template",
    "rfp_send_deadline_reminders",
    "rfp_start_evaluation",
    "rfp_submit_for_approval",
    "rfp_template_delete",
    "rfp_timeline_errors",
    "rfp_update",
    "rfps_close_past_deadline",
    "sanitize_scope_html",
    "service_level_create",
    "service_level_delete",
    "service_level_update",
    "transition_allowed",
]
