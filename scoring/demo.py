"""Demo evaluation, made through the real services. Idempotent: an evaluation
whose scoring has started is left alone, and so are weights already derived.

On Northwind's RFP whose deadline has passed (the proposals demo opens its
three proposals): the criteria it was published with (the customer-support
starter's, copied when the RFP was created, locked at publication), Erin
Brooks and Omar Haddad on the panel for Quality and Technology, no conflicts
of interest, realistic scores with comments, all submitted. They disagree on
one item (BPP's references: 8 against 4), which is flagged for discussion.
The consensus and the award are left for the user.

On Northwind's finance draft, Quality's sub-weights are derived by AHP, as a
buyer does while drafting (criteria lock when the RFP is published).
"""

from __future__ import annotations

from accounts.models import BuyerOrganization, User
from accounts.selectors import active_user_by_email
from proposals.models import Proposal, ProposalStatus
from proposals.selectors import envelope_state
from rfp.demo import FINANCE
from rfp.models import RFP, RFPStatus
from scoring import selectors, services
from scoring.models import Criterion, Evaluation, WeightMatrix

PAST_TITLE = "After-hours and overflow customer support"

MANILA = "Manila Bay Contact Solutions Inc."
BPP = "Bangalore Process Partners Pvt Ltd"
MONTERREY = "Monterrey Nearshore Services S.A. de C.V."

# Quality's five sub-criteria compared in pairs (Saaty's scale), in their order: SLA
# commitments, references and experience, controls (or quality management),
# certifications, knock-out questions.
QUALITY_JUDGEMENTS = {
    (0, 1): 2,
    (0, 2): 2,
    (0, 3): 4,
    (0, 4): 3,
    (1, 2): 1,
    (1, 3): 3,
    (1, 4): 2,
    (2, 3): 3,
    (2, 4): 2,
    (3, 4): 1 / 2,
}

# evaluator e-mail -> vendor -> criterion -> (score, comment)
SCORES: dict[str, dict[str, dict[str, tuple[int, str]]]] = {
    "evaluator@northwind.example": {
        MANILA: {
            "References and experience": (
                8,
                "Two US pharmacy patient lines at 1.2 million contacts a year, voice and chat, "
                "24/7: very close to our helpline.",
            ),
            "Quality management": (7, "Weekly calibration with the client; sound but standard."),
            "Platforms and tools": (
                8,
                "Genesys Cloud and WEM, both already integrated with "
                "Salesforce Health Cloud elsewhere.",
            ),
            "Automation": (6, "Chatbot deflection mentioned without figures."),
            "Security": (7, "ISO 27001 and PCI DSS; clean-desk policy described."),
        },
        BPP: {
            "References and experience": (
                8,
                "Three US health systems on billing and claims: the same patients, the same "
                "questions about bills.",
            ),
            "Quality management": (8, "Speech analytics on 100 % of calls is a real strength."),
            "Platforms and tools": (7, "Own WFM suite; integration with our CRM to be built."),
            "Automation": (8, "Agent assist and RPA for claims look-ups, with handle-time gains."),
            "Security": (6, "No PCI DSS; card payments would go through our IVR."),
        },
        MONTERREY: {
            "References and experience": (
                7,
                "Telecom and fintech, both since 2016; no healthcare reference.",
            ),
            "Quality management": (
                9,
                "COPC-aligned programme with customer-verbatim reviews and joint calibration "
                "every other week: best of the three.",
            ),
            "Platforms and tools": (6, "Verint WFM; CRM integration not described."),
            "Automation": (5, "Little on self-service or agent assist."),
            "Security": (7, "ISO 27001 and PCI DSS held."),
        },
    },
    "evaluator2@northwind.example": {
        MANILA: {
            "References and experience": (
                7,
                "Relevant pharmacy programmes; references to be called.",
            ),
            "Quality management": (7, "Six evaluations per agent a month is fine."),
            "Platforms and tools": (7, "Genesys Cloud: matches our own roadmap."),
            "Automation": (6, "Automation is an add-on, not part of the offer."),
            "Security": (8, "Strong physical security at both Philippine sites."),
        },
        BPP: {
            "References and experience": (
                4,
                "Billing and claims back-office work, not patient helplines; no voice "
                "reference named.",
            ),
            "Quality management": (8, "Analytics coverage is excellent."),
            "Platforms and tools": (7, "Solid, but nothing integrated with our stack yet."),
            "Automation": (7, "Good RPA track record in revenue cycle."),
            "Security": (6, "Lacks PCI DSS, mitigated by our IVR."),
        },
        MONTERREY: {
            "References and experience": (
                7,
                "Long-running bilingual programmes, outside healthcare.",
            ),
            "Quality management": (8, "COPC framework, evaluated monthly."),
            "Platforms and tools": (7, "Standard stack, easy to integrate."),
            "Automation": (6, "Basic IVR and chat routing."),
            "Security": (7, "Certifications in order."),
        },
    },
}


def seed_scoring() -> list[str]:
    """Derive the finance draft's Quality weights, and set up and score the demo
    evaluation, if missing; a line for each thing made."""
    organization = BuyerOrganization.objects.filter(name="Northwind Health").first()
    pm = active_user_by_email("pm@northwind.example")
    evaluators = [active_user_by_email(email) for email in SCORES]
    if organization is None or pm is None or any(e is None for e in evaluators):
        return []
    made = _ahp_on_the_draft(organization, pm)
    rfp = (
        RFP.objects.filter(organization=organization, title=PAST_TITLE, is_template=False)
        .select_related("organization")
        .first()
    )
    if rfp is None:
        return made
    existing = Evaluation.objects.filter(rfp=rfp).first()
    if existing is not None and existing.scoring_started:
        return made
    if not envelope_state(rfp).technical_open:
        return made
    if not Proposal.objects.filter(rfp=rfp, status=ProposalStatus.SUBMITTED).exists():
        return made

    # The criteria came with the starter template and locked at publication; an RFP
    # published without any gets them here, once (flagged in the results).
    evaluation = services.evaluation_setup(actor=pm, rfp=rfp)
    quality = Criterion.objects.get(evaluation=evaluation, parent=None, name="Quality")
    technology = Criterion.objects.get(evaluation=evaluation, parent=None, name="Technology")
    for person in evaluators:
        assert person is not None
        services.assignments_set(
            actor=pm, evaluation=evaluation, evaluator=person, criteria=[quality, technology]
        )
    evaluation = services.evaluation_start_scoring(actor=pm, evaluation=evaluation)
    evaluation = Evaluation.objects.select_related("rfp__organization").get(pk=evaluation.pk)

    for person in evaluators:
        assert person is not None
        workload = selectors.evaluator_workload(evaluation=evaluation, user=person)
        services.conflicts_declare(
            actor=person,
            evaluation=evaluation,
            declarations={
                v.proposal.company_id: services.Declaration(False) for v in workload.vendors
            },
        )
        workload = selectors.evaluator_workload(evaluation=evaluation, user=person)
        given = SCORES[person.email]
        for vendor in workload.vendors:
            mine = given.get(vendor.proposal.company.legal_name, {})
            services.scores_save(
                actor=person,
                evaluation=evaluation,
                proposal=vendor.proposal,
                scores={
                    (item.criterion.pk, item.lot.pk): services.ScoreInput(
                        *mine.get(item.criterion.name, (6, ""))
                    )
                    for item in vendor.items
                },
            )
        services.scores_submit(actor=person, evaluation=evaluation)
    return [
        *made,
        f"{rfp.reference} evaluation: the published criteria, two evaluators' "
        "scores submitted (one item flagged for discussion); consensus, finalising the "
        "technical evaluation (which opens the prices) and award left to you",
    ]


def _ahp_on_the_draft(organization: BuyerOrganization, pm: User) -> list[str]:
    """Quality's sub-weights of the finance draft derived by pairwise comparison."""
    rfp = RFP.objects.filter(
        organization=organization, title=FINANCE, is_template=False, status=RFPStatus.DRAFT
    ).first()
    evaluation = Evaluation.objects.filter(rfp=rfp).select_related("rfp").first() if rfp else None
    if evaluation is None:
        return []
    quality = Criterion.objects.filter(evaluation=evaluation, parent=None, name="Quality").first()
    if quality is None:
        return []
    if WeightMatrix.objects.filter(evaluation=evaluation, parent=quality).exists():
        return []
    children = list(Criterion.objects.filter(parent=quality).order_by("order", "id"))
    if len(children) != 5:
        return []
    services.weights_set_by_ahp(
        actor=pm,
        evaluation=evaluation,
        parent=quality,
        criterion_ids=[c.pk for c in children],
        judgements=QUALITY_JUDGEMENTS,
    )
    return [f"{evaluation.rfp.reference} draft: Quality's sub-weights derived by AHP"]
