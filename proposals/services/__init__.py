"""Every write about proposals: drafting, submission, withdrawal, the envelopes
and compliance. Whichever door a request comes through (page, API, Celery
beat, the demo), the rules are here. `from proposals import services` reaches
each of them; the modules, by sub-domain:

* editing: what every change to a working copy checks first: the vendor's own
  proposal, locked, before the deadline; the part's version (optimistic locking);
  all or nothing.
* parsing: reading what people type (prices, numbers, answers).
* drafting: starting a proposal and saving the parts of its working copy.
* attachments: supporting documents and files answering questions.
* submission: submitting (an immutable ProposalVersion and its receipt) and
  withdrawing.
* envelopes: opening the technical envelope at the deadline and the commercial
  one once scoring's registered check says the technical evaluation is final.
* compliance: the automatic check, stored, and the buyer's override.
* reading: who may download a file; buyers' reads and downloads, recorded.
"""

from proposals.services.attachments import proposal_attachment_add, proposal_attachment_remove
from proposals.services.compliance import proposal_compliance_override, proposals_compliance_check
from proposals.services.drafting import (
    NOT_OPEN_TO_YOU,
    CommitmentInput,
    proposal_answers_save,
    proposal_centres_save,
    proposal_prices_save,
    proposal_settings_update,
    proposal_slas_save,
    proposal_staffing_save,
    proposal_start,
)
from proposals.services.envelopes import (
    TechnicalEvaluationCheck,
    commercial_envelope_blockers,
    commercial_envelope_open,
    technical_envelope_open,
    technical_envelope_open_if_due,
    technical_envelopes_open_due,
    technical_evaluation_check_register,
)
from proposals.services.parsing import clean_answer, parse_decimal, parse_price
from proposals.services.reading import (
    ensure_can_download,
    proposal_attachment_download,
    proposal_read_record,
    proposal_technical_read_record,
)
from proposals.services.submission import proposal_submit, proposal_withdraw

__all__ = [
    "NOT_OPEN_TO_YOU",
    "CommitmentInput",
    "TechnicalEvaluationCheck",
    "clean_answer",
    "commercial_envelope_blockers",
    "commercial_envelope_open",
    "ensure_can_download",
    "parse_decimal",
    "parse_price",
    "proposal_answers_save",
    "proposal_attachment_add",
    "proposal_attachment_download",
    "proposal_attachment_remove",
    "proposal_centres_save",
    "proposal_compliance_override",
    "proposal_prices_save",
    "proposal_read_record",
    "proposal_settings_update",
    "proposal_slas_save",
    "proposal_staffing_save",
    "proposal_start",
    "proposal_submit",
    "proposal_technical_read_record",
    "proposal_withdraw",
    "proposals_compliance_check",
    "technical_envelope_open",
    "technical_envelope_open_if_due",
    "technical_envelopes_open_due",
    "technical_evaluation_check_register",
]
