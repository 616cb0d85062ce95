"""The compliance rules, applied to what a vendor submitted.

A proposal is compliant when it passes every rule, non-compliant otherwise,
with one reason per failure in words a buyer can act on:

* knock-out questions have the required answer;
* every certification the RFP requires is held and valid on the deadline
  (the buyer's local date; `vendors.Certification.is_valid_on`), as declared
  in the submitted version, so re-running the check later gives the same answer;
* in every lot, the proposed centres together speak every required language;
* every proposed centre's location model for this buyer
  (`vendors.selectors.location_model_for`, with the buyer's overrides) is one
  the RFP accepts.

`proposals.services.proposals_compliance_check` runs it when the technical
envelope opens and on demand, and stores the result on each proposal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from proposals.content import SubmittedContent
from proposals.models import ComplianceStatus
from rfp.models import RFP
from vendors.geography import LocationModel, country_name
from vendors.models import Certification


@dataclass(frozen=True)
class ComplianceResult:
    status: str
    reasons: list[str]


def _quote(text: str, length: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def deadline_day(rfp: RFP) -> object:
    """The deadline's date where the buyer is: certificates run by calendar day."""
    assert rfp.submission_deadline is not None and rfp.organization is not None
    return timezone.localtime(rfp.submission_deadline, rfp.organization.time_zone).date()


def evaluate_compliance(
    *,
    rfp: RFP,
    content: SubmittedContent,
    location_of: Callable[[str], LocationModel] | None,
) -> ComplianceResult:
    """Apply every rule. `rfp` has its content prefetched (selectors.rfp_for_proposals)
    and its required certifications and languages. Without `location_of` the
    location rule is skipped (the vendor's own preview: a buyer's view of a
    country is its own business)."""
    reasons: list[str] = []
    reasons += _knockout_reasons(rfp, content)
    reasons += _certification_reasons(rfp, content)
    lots = {lot.pk: lot for lot in rfp.lots.all()}
    required_languages = {language.code: language.name for language in rfp.required_languages.all()}
    accepted = {
        LocationModel.ONSHORE: rfp.accept_onshore,
        LocationModel.NEARSHORE: rfp.accept_nearshore,
        LocationModel.OFFSHORE: rfp.accept_offshore,
    }
    for lot_id, part in sorted(content.lots.items()):
        lot = lots.get(lot_id)
        if lot is None:
            continue
        spoken = {code for centre in part.centres for code in centre.languages}
        missing = [name for code, name in required_languages.items() if code not in spoken]
        if missing:
            reasons.append(
                f"Lot “{lot.name}”: no proposed delivery centre speaks {_join(sorted(missing))}."
            )
        for centre in part.centres if location_of is not None else []:
            model = location_of(centre.country)
            if not accepted.get(model, False):
                reasons.append(
                    f"Lot “{lot.name}”: {centre.city} ({country_name(centre.country)}) is "
                    f"{model.label.lower()} for {rfp.organization}, and this RFP does not "
                    f"accept {model.label.lower()} delivery."
                )
    status = ComplianceStatus.NON_COMPLIANT if reasons else ComplianceStatus.COMPLIANT
    return ComplianceResult(str(status), reasons)


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


def _knockout_reasons(rfp: RFP, content: SubmittedContent) -> list[str]:
    reasons = []
    for section in rfp.sections.all():
        for question in section.questions.all():
            if not question.is_knockout:
                continue
            value = content.answers.get(question.pk)
            if value == question.knockout_answer:
                continue
            required = question.knockout_answer_label
            label = {"yes": "Yes", "no": "No"}.get(str(value), str(value))
            given = "gives no answer" if value in (None, "", []) else f"answers “{label}”"
            reasons.append(
                f"Knock-out question “{_quote(question.text)}”: the required answer is "
                f"“{required}”; the proposal {given}."
            )
    return reasons


def _certification_reasons(rfp: RFP, content: SubmittedContent) -> list[str]:
    day = deadline_day(rfp)
    reasons = []
    for required in rfp.required_certifications.all():
        held = [c for c in content.certifications if c.type_slug == required.slug]
        # The same rule as the vendor's profile: issued on or before, not expired.
        valid = any(
            Certification(issued_on=c.issued_on, expires_on=c.expires_on).is_valid_on(day)  # type: ignore[arg-type]
            for c in held
        )
        if valid:
            continue
        if held:
            reasons.append(
                f"Mandatory certification {required.name}: not valid on "
                f"{day:%d %b %Y} (the submission deadline)."
            )
        else:
            reasons.append(f"Mandatory certification {required.name}: not held.")
    return reasons
