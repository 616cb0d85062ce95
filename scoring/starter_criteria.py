"""The criteria every RFP starts from: the standard set, and one set per starter template.

A starter template (rfp.starter_templates) carries its evaluation criteria like
its lots and questions, so an RFP started from it has sensible criteria and
weights from its first draft (the editor's "Evaluation criteria" step, see
scoring.apps). Front-office work (customer support) weighs location and
languages as the standard set does; back-office work (finance, HR and payroll,
the IT help desk) weighs them less and controls or tools more.

`load_starter_criteria` gives every starter template that has none its set. It
is idempotent and takes an app registry (a migration's, or django.apps.apps),
like `rfp.starter_templates.load_starter_templates`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

# Plain values of scoring.models.Source and Standard: this module is also read by a
# migration, which must not depend on the models as they are today.
GROUP, EVALUATORS, TCO, SLA = "", "evaluators", "tco", "sla"
LOCATION_MODEL, BUSINESS_HOURS, LANGUAGES = "location_model", "business_hours", "languages"
KNOCKOUTS, CERTIFICATIONS = "knockouts", "certifications"


@dataclass(frozen=True)
class CriterionSpec:
    name: str
    weight: str
    source: str = GROUP
    standard: str = ""
    rubric: str = ""
    children: tuple[CriterionSpec, ...] = ()


REFERENCES = (
    "Comparable programmes (size, industry, channels, languages) running today, with results "
    "a reference would confirm. Score low for generic claims without names, volumes or outcomes."
)
SECURITY = (
    "Data protection, access control, clean-desk and network segregation; audits and incident "
    "history."
)


def _cost() -> CriterionSpec:
    return CriterionSpec(
        "Cost",
        "40",
        standard="cost",
        children=(CriterionSpec("Total cost of ownership", "100", TCO),),
    )


def _location(model: str, hours: str, languages: str, weight: str) -> CriterionSpec:
    return CriterionSpec(
        "Location",
        weight,
        standard="location",
        children=(
            CriterionSpec("Location model", model, LOCATION_MODEL),
            CriterionSpec("Business-hours overlap", hours, BUSINESS_HOURS),
            CriterionSpec("Language match", languages, LANGUAGES),
        ),
    )


DEFAULT_CRITERIA: tuple[CriterionSpec, ...] = (
    _cost(),
    CriterionSpec(
        "Quality",
        "30",
        standard="quality",
        children=(
            CriterionSpec("SLA commitments", "30", SLA),
            CriterionSpec("References and experience", "25", EVALUATORS, rubric=REFERENCES),
            CriterionSpec(
                "Quality management",
                "25",
                EVALUATORS,
                rubric="Quality monitoring, calibration with the client, coaching and root-cause "
                "analysis. Score high for a closed loop with measurable targets.",
            ),
            CriterionSpec("Certifications", "10", CERTIFICATIONS),
            CriterionSpec("Knock-out questions", "10", KNOCKOUTS),
        ),
    ),
    CriterionSpec(
        "Technology",
        "15",
        standard="technology",
        children=(
            CriterionSpec(
                "Platforms and tools",
                "40",
                EVALUATORS,
                rubric="Contact-centre, CRM and workforce-management platforms, and how they "
                "integrate with ours. Score high for proven integrations with our systems.",
            ),
            CriterionSpec(
                "Automation",
                "30",
                EVALUATORS,
                rubric="Self-service, bots, agent assist and process automation with evidence "
                "of results (containment, handle time).",
            ),
            CriterionSpec("Security", "30", EVALUATORS, rubric=SECURITY),
        ),
    ),
    _location("50", "30", "20", "15"),
)


def _back_office(
    *, controls: str, controls_rubric: str, platforms_rubric: str, automation_rubric: str
) -> tuple[CriterionSpec, ...]:
    """Back-office work: quality and controls weigh more, location and languages less."""
    return (
        _cost(),
        CriterionSpec(
            "Quality",
            "35",
            standard="quality",
            children=(
                CriterionSpec("SLA commitments", "30", SLA),
                CriterionSpec("References and experience", "25", EVALUATORS, rubric=REFERENCES),
                CriterionSpec(controls, "25", EVALUATORS, rubric=controls_rubric),
                CriterionSpec("Certifications", "10", CERTIFICATIONS),
                CriterionSpec("Knock-out questions", "10", KNOCKOUTS),
            ),
        ),
        CriterionSpec(
            "Technology",
            "17",
            standard="technology",
            children=(
                CriterionSpec("Platforms and tools", "40", EVALUATORS, rubric=platforms_rubric),
                CriterionSpec("Automation", "35", EVALUATORS, rubric=automation_rubric),
                CriterionSpec("Security", "25", EVALUATORS, rubric=SECURITY),
            ),
        ),
        _location("60", "20", "20", "8"),
    )


STARTER_CRITERIA: dict[str, tuple[CriterionSpec, ...]] = {
    "customer-support": DEFAULT_CRITERIA,
    "finance-and-accounting": _back_office(
        controls="Controls and accuracy",
        controls_rubric="Segregation of duties, maker-checker on payments, reconciliations and "
        "audit evidence (SOC 1 / SOC 2). Score high for measured accuracy and clean audits.",
        platforms_rubric="The ERP systems the team works in today (SAP, Oracle, NetSuite...) "
        "and experience with ours.",
        automation_rubric="Invoice capture, matching and reconciliation automation, with "
        "evidence of touchless rates or cycle times.",
    ),
    "hr-and-payroll": _back_office(
        controls="Payroll accuracy and compliance",
        controls_rubric="First-time-right payroll, statutory filings on time in every country, "
        "controls on salary changes. Score high for measured accuracy across countries.",
        platforms_rubric="The HR and payroll platforms the team runs (Workday, SAP SuccessFactors, "
        "ADP...) and integration with ours.",
        automation_rubric="Self-service for employees and managers, automated checks before "
        "each payroll run.",
    ),
    "it-help-desk": (
        CriterionSpec(
            "Cost",
            "35",
            standard="cost",
            children=(CriterionSpec("Total cost of ownership", "100", TCO),),
        ),
        CriterionSpec(
            "Quality",
            "30",
            standard="quality",
            children=(
                CriterionSpec("SLA commitments", "30", SLA),
                CriterionSpec("References and experience", "25", EVALUATORS, rubric=REFERENCES),
                CriterionSpec(
                    "Service management",
                    "25",
                    EVALUATORS,
                    rubric="ITIL-aligned incident, request and problem management; knowledge "
                    "base and shift-left. Score high for measured first-contact resolution.",
                ),
                CriterionSpec("Certifications", "10", CERTIFICATIONS),
                CriterionSpec("Knock-out questions", "10", KNOCKOUTS),
            ),
        ),
        CriterionSpec(
            "Technology",
            "25",
            standard="technology",
            children=(
                CriterionSpec(
                    "Platforms and tools",
                    "40",
                    EVALUATORS,
                    rubric="ITSM, remote-support and monitoring tools the agents are certified "
                    "on, and integration with ours.",
                ),
                CriterionSpec(
                    "Automation",
                    "30",
                    EVALUATORS,
                    rubric="Password-reset self-service, virtual agents and runbook automation "
                    "with evidence of deflection.",
                ),
                CriterionSpec("Security", "30", EVALUATORS, rubric=SECURITY),
            ),
        ),
        _location("40", "40", "20", "10"),
    ),
}


def create_criteria(
    criterion_model: Any, evaluation: Any, specs: tuple[CriterionSpec, ...]
) -> None:
    """Create a criteria tree from specs (with any app registry's Criterion model)."""

    def create(spec: CriterionSpec, parent: Any, order: int) -> None:
        criterion = criterion_model.objects.create(
            evaluation=evaluation,
            parent=parent,
            name=spec.name,
            source=spec.source,
            standard=spec.standard,
            rubric=spec.rubric,
            weight=Decimal(spec.weight),
            order=order,
        )
        for index, child in enumerate(spec.children):
            create(child, criterion, index)

    for index, spec in enumerate(specs):
        create(spec, None, index)


def load_starter_criteria(apps: Any) -> int:
    """Give each starter template without an evaluation its criteria. Returns how many."""
    RFP = apps.get_model("rfp", "RFP")
    Evaluation = apps.get_model("scoring", "Evaluation")
    Criterion = apps.get_model("scoring", "Criterion")
    made = 0
    for template in RFP.objects.filter(is_template=True, organization__isnull=True):
        if Evaluation.objects.filter(rfp=template).exists():
            continue
        evaluation = Evaluation.objects.create(rfp=template)
        create_criteria(
            Criterion, evaluation, STARTER_CRITERIA.get(template.template_key, DEFAULT_CRITERIA)
        )
        made += 1
    return made
