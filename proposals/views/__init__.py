"""The browser door for proposals. Thin: find what the user may see (selectors),
parse the form, call one service, render (shaped by presenters). Rules live in
proposals.services; who sees what lives in proposals.selectors.

By side: vendor (starting, the editor pages, attachments, check and submit,
receipts, withdrawal), buyer (per RFP: the list, answers and prices side by side,
the envelopes, compliance; one proposal read through the envelopes), and shared
(the pages both reach by one URL: the list, one proposal, a proposal's file).
"""

from proposals.views.buyer import (
    proposal_compliance_override,
    proposal_rfp_answers,
    proposal_rfp_compliance_check,
    proposal_rfp_list,
    proposal_rfp_open_commercial,
    proposal_rfp_prices,
)
from proposals.views.shared import proposal_attachment_download, proposal_detail, proposal_list
from proposals.views.vendor import (
    proposal_attachment_remove,
    proposal_attachments,
    proposal_check,
    proposal_lot_centres,
    proposal_lot_pricing,
    proposal_lot_slas,
    proposal_lot_staffing,
    proposal_questionnaire,
    proposal_receipt,
    proposal_settings,
    proposal_start,
    proposal_withdraw,
)

__all__ = [
    "proposal_attachment_download",
    "proposal_attachment_remove",
    "proposal_attachments",
    "proposal_check",
    "proposal_compliance_override",
    "proposal_detail",
    "proposal_list",
    "proposal_lot_centres",
    "proposal_lot_pricing",
    "proposal_lot_slas",
    "proposal_lot_staffing",
    "proposal_questionnaire",
    "proposal_receipt",
    "proposal_rfp_answers",
    "proposal_rfp_compliance_check",
    "proposal_rfp_list",
    "proposal_rfp_open_commercial",
    "proposal_rfp_prices",
    "proposal_settings",
    "proposal_start",
    "proposal_withdraw",
]
