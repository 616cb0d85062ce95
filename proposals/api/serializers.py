"""Proposal API shapes.

Output is built by `proposal_data`, which asks `proposals.selectors` what the
user may see: a buyer before the deadline gets the vendor, the status and the
time, nothing else; after the deadline the submitted content through the
envelopes. Vendors get their own working copy with the version of each part.
Errors from the services keep their keys: `prices.12`, `answers.7`,
`centres.3`, `slas.4.proposed_value`, `headcount.2`.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from proposals import checklist, selectors
from proposals.content import content_for_envelopes, money_text
from proposals.models import ComplianceStatus, Envelope, Proposal, ProposalVersion

# --- Input --------------------------------------------------------------------------------------


class ProposalCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    rfp = serializers.IntegerField(help_text="The RFP to respond to.")


class SettingsUpdateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    version = serializers.IntegerField(help_text="The proposal's `version` you edited.")
    currency = serializers.CharField(required=False, max_length=3)
    lots = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="Ids of the lots you bid on."
    )


class AnswerInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    question = serializers.IntegerField()
    value = serializers.JSONField(
        allow_null=True,
        help_text="Text; 'yes'/'no' (or true/false); a number as a string; one choice; a list "
        "of choices; or, for a file question, the id of one of your attachments. Null or '' "
        "clears the answer.",
    )


class AnswersSerializer(serializers.Serializer):  # type: ignore[type-arg]
    version = serializers.IntegerField(help_text="The proposal's `answers_version` you edited.")
    answers = AnswerInputSerializer(many=True)


class PriceInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    pricing_line = serializers.IntegerField()
    unit_price = serializers.CharField(
        allow_blank=True,
        allow_null=True,
        help_text='A decimal string in the proposal\'s currency, e.g. "1250.50". Blank clears.',
    )
    comment = serializers.CharField(required=False, allow_blank=True, max_length=500)


class PricesSerializer(serializers.Serializer):  # type: ignore[type-arg]
    version = serializers.IntegerField(help_text="The lot's `versions.pricing` you edited.")
    prices = PriceInputSerializer(many=True)


class CommitmentInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    service_level = serializers.IntegerField()
    accepts_target = serializers.BooleanField(
        allow_null=True, help_text="true: commit to the target; false: propose another value."
    )
    proposed_value = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    comment = serializers.CharField(required=False, allow_blank=True)


class CommitmentsSerializer(serializers.Serializer):  # type: ignore[type-arg]
    version = serializers.IntegerField(help_text="The lot's `versions.slas` you edited.")
    commitments = CommitmentInputSerializer(many=True)


class CentreInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    delivery_centre = serializers.IntegerField()
    share = serializers.CharField(help_text='Percentage of the lot\'s volume, e.g. "60".')


class CentresSerializer(serializers.Serializer):  # type: ignore[type-arg]
    version = serializers.IntegerField(help_text="The lot's `versions.centres` you edited.")
    centres = CentreInputSerializer(
        many=True, help_text="The whole set: centres left out are no longer proposed."
    )


class StaffingSerializer(serializers.Serializer):  # type: ignore[type-arg]
    version = serializers.IntegerField(help_text="The lot's `versions.staffing` you edited.")
    headcount = serializers.ListField(
        child=serializers.CharField(allow_null=True, allow_blank=True),
        help_text="Headcount for each month of the lot's ramp-up, month 1 first.",
    )
    transition_plan = serializers.CharField(required=False, allow_blank=True)


class AttachmentUploadSerializer(serializers.Serializer):  # type: ignore[type-arg]
    file = serializers.FileField()
    description = serializers.CharField(required=False, allow_blank=True, max_length=200)
    envelope = serializers.ChoiceField(
        choices=Envelope.choices, required=False, default=Envelope.TECHNICAL
    )


class WithdrawSerializer(serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.CharField(required=False, allow_blank=True)


class ComplianceOverrideSerializer(serializers.Serializer):  # type: ignore[type-arg]
    status = serializers.ChoiceField(
        choices=[("", "Automatic"), *ComplianceStatus.choices[1:]], allow_blank=True
    )
    justification = serializers.CharField()


class CommercialOpenSerializer(serializers.Serializer):  # type: ignore[type-arg]
    comment = serializers.CharField(required=False, allow_blank=True)


# --- Output (documented shapes; built as dicts by the functions below) --------------------------


class RefSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    name = serializers.CharField()


class RFPRefSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()
    submission_deadline = serializers.DateTimeField(allow_null=True)


class ReceiptSerializer(serializers.Serializer):  # type: ignore[type-arg]
    number = serializers.IntegerField()
    submitted_at = serializers.DateTimeField()
    submitted_by = serializers.CharField()
    sha256 = serializers.CharField()
    counts = serializers.BooleanField(help_text="The version the buyer evaluates.")


class ComplianceSerializer(serializers.Serializer):  # type: ignore[type-arg]
    status = serializers.CharField(help_text="compliant, non_compliant or '' (not checked).")
    automatic_status = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())
    checked_at = serializers.DateTimeField(allow_null=True)
    override = serializers.DictField(allow_null=True)


class LotCostSerializer(serializers.Serializer):  # type: ignore[type-arg]
    lot = serializers.IntegerField()
    currency = serializers.CharField()
    total = serializers.CharField(allow_null=True)
    rfp_currency = serializers.CharField()
    exchange_rate = serializers.CharField(allow_null=True)
    total_in_rfp_currency = serializers.CharField(allow_null=True)
    breakdown = serializers.DictField(child=serializers.CharField(allow_null=True))
    monthly_run_rate_in_rfp_currency = serializers.CharField(allow_null=True)
    missing_lines = serializers.ListField(child=serializers.IntegerField())


class ProposalSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    rfp = RFPRefSerializer()
    company = RefSerializer()
    status = serializers.CharField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    sealed = serializers.BooleanField(
        help_text="Buyers: true until the deadline; nothing but the vendor and the time is shown."
    )
    commercial_open = serializers.BooleanField()
    compliance = ComplianceSerializer(required=False)
    costs = LotCostSerializer(many=True, required=False)
    currency = serializers.CharField(required=False)
    version = serializers.IntegerField(required=False, help_text="Vendors: settings version.")
    answers_version = serializers.IntegerField(required=False)
    changed_since_submission = serializers.BooleanField(required=False)
    receipt = ReceiptSerializer(required=False, allow_null=True)


class ProposalDetailSerializer(ProposalSerializer):
    content = serializers.JSONField(
        required=False,
        help_text="Buyers, after the deadline: the submitted version through the envelopes.",
    )
    draft = serializers.JSONField(
        required=False, help_text="Vendors: the working copy with the version of each part."
    )


# --- Building the output ------------------------------------------------------------------------


def receipt_data(version: ProposalVersion, *, counts: bool) -> dict[str, Any]:
    return {
        "number": version.number,
        "submitted_at": version.submitted_at,
        "submitted_by": version.submitted_by_name,
        "sha256": version.sha256,
        "counts": counts,
    }


def cost_data(cost: selectors.LotCost) -> dict[str, Any]:
    tco = cost.tco
    return {
        "lot": cost.lot_id,
        "currency": cost.currency,
        "total": money_text(tco.total, cost.currency) if tco else None,
        "rfp_currency": cost.rfp_currency,
        "exchange_rate": f"{cost.rate.normalize():f}" if cost.rate is not None else None,
        "total_in_rfp_currency": _text(cost.total),
        "breakdown": {label: _text(amount) for label, amount in cost.breakdown},
        "monthly_run_rate_in_rfp_currency": _text(cost.monthly_run_rate),
        "missing_lines": cost.missing_lines,
    }


def _text(value: Any) -> str | None:
    return None if value is None else f"{value:f}"


def compliance_data(proposal: Proposal) -> dict[str, Any]:
    override = None
    if proposal.compliance_overridden_at is not None:
        override = {
            "status": proposal.compliance_override,
            "justification": proposal.compliance_override_reason,
            "by": str(proposal.compliance_overridden_by or ""),
            "at": proposal.compliance_overridden_at.isoformat(),
        }
    return {
        "status": proposal.effective_compliance,
        "automatic_status": proposal.compliance_status,
        "reasons": list(proposal.compliance_reasons),
        "checked_at": proposal.compliance_checked_at,
        "override": override,
    }


def proposal_data(
    proposal: Proposal,
    access: selectors.ProposalAccess,
    *,
    detail: bool = False,
    costs: dict[int, selectors.LotCost] | None = None,
) -> dict[str, Any]:
    """One proposal as this user may see it. `costs` (buyers, commercial
    envelope open) are computed by the caller from the submitted version."""
    rfp = proposal.rfp
    data: dict[str, Any] = {
        "id": proposal.pk,
        "rfp": {
            "id": rfp.pk,
            "reference": rfp.reference,
            "title": rfp.title,
            "submission_deadline": rfp.submission_deadline,
        },
        "company": {"id": proposal.company_id, "name": proposal.company.display_name},
        "status": proposal.status,
        "submitted_at": proposal.submitted_at,
        "withdrawn_at": proposal.withdrawn_at,
        "sealed": not access.technical_visible,
        "commercial_open": access.commercial_visible,
    }
    version = proposal.submitted_version
    if access.is_vendor:
        data.update(
            currency=proposal.currency,
            version=proposal.version,
            answers_version=proposal.answers_version,
            changed_since_submission=proposal.changed_since_submission,
            receipt=receipt_data(version, counts=proposal.counts) if version else None,
        )
        return data
    if not access.technical_visible or not proposal.counts or version is None:
        return data
    data["compliance"] = compliance_data(proposal)
    if access.commercial_visible and costs is not None:
        data["costs"] = [cost_data(cost) for cost in costs.values()]
    if detail:
        data["content"] = content_for_envelopes(
            version.content, commercial_open=access.commercial_visible
        )
    return data


def draft_data(proposal: Proposal) -> dict[str, Any]:
    """A vendor's working copy (see selectors.proposal_working_copy)."""
    return {
        "currency": proposal.currency,
        "versions": {"settings": proposal.version, "answers": proposal.answers_version},
        "answers": [
            {"question": answer.question_id, "value": answer.value}
            for answer in sorted(proposal.answers.all(), key=lambda a: a.question_id)
        ],
        "lots": [
            {
                "lot": part.lot_id,
                "versions": {
                    "pricing": part.pricing_version,
                    "slas": part.slas_version,
                    "centres": part.centres_version,
                    "staffing": part.staffing_version,
                },
                "prices": [
                    {
                        "pricing_line": price.pricing_line_id,
                        "unit_price": money_text(price.unit_price, proposal.currency)
                        if checklist.price_decimals_problem(price.unit_price, proposal.currency)
                        is None
                        else f"{price.unit_price.normalize():f}",
                        "comment": price.comment,
                    }
                    for price in part.prices.all()
                ],
                "commitments": [
                    {
                        "service_level": c.service_level_id,
                        "accepts_target": c.accepts_target,
                        "proposed_value": _text(c.proposed_value),
                        "comment": c.comment,
                    }
                    for c in part.sla_commitments.all()
                ],
                "centres": [
                    {"delivery_centre": c.delivery_centre_id, "share": f"{c.share:f}"}
                    for c in part.centres.all()
                ],
                "staffing_plan": part.staffing_plan,
                "transition_plan": part.transition_plan,
            }
            for part in proposal.lots.all()
        ],
        "attachments": [
            {
                "id": a.pk,
                "name": a.name,
                "content_type": a.content_type,
                "size": a.size,
                "sha256": a.sha256,
                "envelope": a.envelope,
                "question": a.question_id,
                "description": a.description,
            }
            for a in proposal.attachments.all()
        ],
        "problems": [
            {"field": p.field, "message": p.message} for p in checklist.proposal_problems(proposal)
        ],
    }
