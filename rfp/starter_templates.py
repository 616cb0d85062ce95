"""The starter library: four RFP templates every buyer can start from.

Loaded as global templates (no organization) by a data migration through
`load_starter_templates`, which is idempotent: a template already present
(same key) is left as it is, so edits made in the admin survive.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rfp.models import CHARGE_DEFAULTS, METRIC_DEFAULTS, MetricKind

KNOCKOUT_DATA_PROTECTION = {
    "text": "Will all client data be stored and processed only in the countries you name "
    "in your proposal, under a signed data-processing agreement?",
    "kind": "yes_no",
    "knockout": "yes",
    "guidance": "A 'No' makes the proposal non-compliant.",
}

STARTER_TEMPLATES: list[dict[str, Any]] = [
    {
        "key": "customer-support",
        "title": "Customer support",
        "description": "Multichannel customer service: phone, chat and e-mail, with CSAT, "
        "service level and first-contact resolution targets.",
        "summary": "We are looking for a partner to run our customer support by phone, chat "
        "and e-mail, with consistent quality and room to grow.",
        "scope_of_work": (
            "<p>The vendor answers our customers' enquiries on our behalf, using our CRM and "
            "knowledge base.</p>"
            "<ul><li>Inbound calls, chats and e-mails in the languages listed</li>"
            "<li>Order, billing and account questions; complaints handled to resolution</li>"
            "<li>Escalation to our second-line teams under an agreed matrix</li>"
            "<li>Quality monitoring, reporting and monthly business reviews</li></ul>"
        ),
        "service_category": "front-office",
        "service_functions": [
            "customer-support-by-phone",
            "customer-support-by-chat",
            "customer-support-by-e-mail",
        ],
        "languages": ["en"],
        "certifications": ["iso-iec-27001", "pci-dss"],
        "coverage": "extended",
        "lots": [
            {
                "name": "Voice, chat and e-mail support",
                "description": "First-line support on every channel.",
                "volumes": {
                    "fte_count": "40",
                    "seats": "44",
                    "hours_per_month": "6400",
                    "contacts_per_month": "55000",
                },
                "contract_term_months": 36,
                "ramp_up_months": 3,
                "sla_type": "customer",
                "pricing": [
                    ("setup", "Setup: facilities, systems access, recruitment"),
                    ("training", "Initial training per agent"),
                    ("per_fte", "Dedicated agent, fully loaded"),
                    ("per_contact", "Overflow contacts above forecast"),
                    ("fixed_monthly", "Management, quality and reporting"),
                ],
                "slas": [
                    ("service_level", "80% of calls answered within 20 seconds", "80", "%"),
                    ("csat", "Customer satisfaction", "85", "%"),
                    ("fcr", "First-contact resolution", "75", "%"),
                    ("aht", "Average handle time", "360", "seconds"),
                    ("attrition", "Agent attrition", "35", "% per year"),
                ],
            }
        ],
        "sections": [
            {
                "title": "Company and experience",
                "questions": [
                    {
                        "text": "Describe two customer-support programmes of similar size you "
                        "run today, with the client's industry and channels.",
                        "guidance": "Volumes, languages, years running, results achieved.",
                    },
                    {
                        "text": "How many agents do you employ in the delivery centre(s) you "
                        "propose?",
                        "kind": "number",
                    },
                ],
            },
            {
                "title": "Delivery and quality",
                "questions": [
                    {
                        "text": "How do you forecast and schedule to meet the service level?",
                        "guidance": "Workforce-management tools, intraday management, shrinkage.",
                    },
                    {
                        "text": "Which channels can you start with on day one?",
                        "kind": "multiple_choice",
                        "choices": ["Phone", "Chat", "E-mail", "Social media", "Messaging apps"],
                    },
                    {
                        "text": "Describe your quality-monitoring programme and calibration "
                        "with the client.",
                    },
                ],
            },
            {
                "title": "Security and compliance",
                "questions": [
                    KNOCKOUT_DATA_PROTECTION,
                    {
                        "text": "Are your agents' workstations PCI DSS compliant for taking "
                        "card payments?",
                        "kind": "yes_no",
                    },
                ],
            },
        ],
    },
    {
        "key": "finance-and-accounting",
        "title": "Finance and accounting",
        "description": "Accounts payable, accounts receivable and general-ledger support, "
        "priced per transaction, with accuracy and cycle-time KPIs.",
        "summary": "We want to outsource transactional finance — accounts payable, accounts "
        "receivable and month-end support — to improve accuracy and close faster.",
        "scope_of_work": (
            "<p>The vendor processes our finance transactions in our ERP, following our "
            "policies and delegation of authority.</p>"
            "<ul><li>Invoice capture, three-way match, exception handling and payment runs</li>"
            "<li>Customer invoicing, cash application and collections reminders</li>"
            "<li>Journal entries, reconciliations and month-end close support</li></ul>"
        ),
        "service_category": "back-office",
        "service_functions": [
            "accounts-payable",
            "accounts-receivable",
            "bookkeeping-and-accounting",
        ],
        "languages": ["en"],
        "certifications": ["soc-2-type-ii", "iso-iec-27001"],
        "coverage": "business_hours",
        "lots": [
            {
                "name": "Accounts payable",
                "description": "Invoice to payment.",
                "volumes": {"transactions_per_month": "12000", "fte_count": "12"},
                "contract_term_months": 36,
                "ramp_up_months": 4,
                "sla_type": "customer",
                "pricing": [
                    ("transition", "Transition: knowledge transfer and process documentation"),
                    ("per_transaction", "Invoice processed end to end"),
                    ("fixed_monthly", "Team lead and controls"),
                ],
                "slas": [
                    ("accuracy", "Invoices processed without error", "99.5", "%"),
                    ("other", "Invoices processed within 3 working days", "95", "%"),
                ],
            },
            {
                "name": "Accounts receivable and general ledger",
                "description": "Billing, cash application, reconciliations and close support.",
                "volumes": {"transactions_per_month": "8000", "fte_count": "8"},
                "contract_term_months": 36,
                "ramp_up_months": 4,
                "sla_type": "customer",
                "pricing": [
                    ("transition", "Transition: knowledge transfer and process documentation"),
                    ("per_fte", "Dedicated accountant, fully loaded"),
                ],
                "slas": [
                    ("accuracy", "Cash applied correctly", "99", "%"),
                    ("other", "Month-end close tasks completed by working day 3", "100", "%"),
                ],
            },
        ],
        "sections": [
            {
                "title": "Experience",
                "questions": [
                    {
                        "text": "Which ERP systems do your teams work in today?",
                        "kind": "multiple_choice",
                        "choices": ["SAP", "Oracle", "Microsoft Dynamics", "NetSuite", "Other"],
                    },
                    {
                        "text": "Describe a finance transformation you delivered: starting "
                        "point, what you changed, and the results.",
                    },
                ],
            },
            {
                "title": "Controls and compliance",
                "questions": [
                    {
                        "text": "Do you hold a current SOC 1 Type II or SOC 2 Type II report "
                        "covering the proposed delivery centre?",
                        "kind": "yes_no",
                        "knockout": "yes",
                        "guidance": "Upload the bridge letter if the report is older than "
                        "twelve months.",
                    },
                    {
                        "text": "How do you keep segregation of duties between invoice "
                        "processing and payment release?",
                    },
                    {
                        "text": "Upload your internal-controls overview.",
                        "kind": "file",
                        "mandatory": False,
                    },
                ],
            },
        ],
    },
    {
        "key": "it-help-desk",
        "title": "IT help desk",
        "description": "24/7 service desk for employees: tickets, password resets, end-user "
        "devices, priced per user and per device, with uptime and resolution KPIs.",
        "summary": "We need a 24/7 IT service desk for our employees, with first-line "
        "resolution and device support.",
        "scope_of_work": (
            "<p>The vendor runs our first-line IT service desk in our ITSM tool.</p>"
            "<ul><li>Incidents and service requests by phone, chat and portal</li>"
            "<li>Password resets, access requests, software installs</li>"
            "<li>Remote support for laptops and mobile devices</li>"
            "<li>Escalation to our second line and to third-party suppliers</li></ul>"
        ),
        "service_category": "back-office",
        "service_functions": ["it-help-desk", "technical-support"],
        "languages": ["en"],
        "certifications": ["iso-iec-20000-1", "iso-iec-27001"],
        "coverage": "24_7",
        "lots": [
            {
                "name": "Service desk",
                "description": "First-line support for every employee.",
                "volumes": {
                    "users": "5000",
                    "devices": "6500",
                    "contacts_per_month": "4000",
                },
                "contract_term_months": 36,
                "ramp_up_months": 2,
                "sla_type": "multilevel",
                "pricing": [
                    ("setup", "Setup: tooling integration and knowledge base"),
                    ("per_user", "Service desk per supported user"),
                    ("per_device", "Device support per managed device"),
                    ("maintenance", "Knowledge-base and tooling maintenance"),
                    ("upgrades", "Major ITSM upgrade support"),
                ],
                "slas": [
                    ("fcr", "First-contact resolution", "70", "%"),
                    ("service_level", "Calls answered within 60 seconds", "90", "%"),
                    ("uptime", "Self-service portal availability", "99.9", "%"),
                    ("csat", "User satisfaction", "90", "%"),
                ],
            }
        ],
        "sections": [
            {
                "title": "Service desk operations",
                "questions": [
                    {
                        "text": "Which ITSM tools are your agents certified on?",
                        "kind": "multiple_choice",
                        "choices": [
                            "ServiceNow",
                            "Jira Service Management",
                            "Zendesk",
                            "Freshservice",
                            "Other",
                        ],
                    },
                    {
                        "text": "Describe how you staff nights and weekends to keep the "
                        "service level.",
                    },
                    {
                        "text": "Is your service desk aligned with ITIL 4?",
                        "kind": "single_choice",
                        "choices": ["Yes, certified", "Yes, aligned but not certified", "No"],
                    },
                ],
            },
            {
                "title": "Security",
                "questions": [
                    {
                        "text": "Can you provide a 24/7 service from at least two delivery "
                        "centres, so that one can take over if the other fails?",
                        "kind": "yes_no",
                        "knockout": "yes",
                    },
                    {
                        "text": "How do you verify a caller's identity before a password reset?",
                    },
                ],
            },
        ],
    },
    {
        "key": "hr-and-payroll",
        "title": "HR and payroll",
        "description": "Payroll processing and HR administration, priced per payslip and "
        "per FTE, with accuracy and on-time payment KPIs.",
        "summary": "We are looking for a partner to run payroll and HR administration for our "
        "employees, accurately and on time, every pay period.",
        "scope_of_work": (
            "<p>The vendor runs our payroll and employee administration.</p>"
            "<ul><li>Monthly payroll: inputs, calculation, payslips, payments, filings</li>"
            "<li>Joiners, movers and leavers; employee records</li>"
            "<li>An employee helpdesk for pay and HR questions</li></ul>"
        ),
        "service_category": "back-office",
        "service_functions": ["payroll", "hr-administration"],
        "languages": ["en"],
        "certifications": ["iso-iec-27001", "gdpr"],
        "coverage": "business_hours",
        "lots": [
            {
                "name": "Payroll",
                "description": "Monthly payroll for all employees.",
                "volumes": {"transactions_per_month": "3000", "users": "3000"},
                "contract_term_months": 48,
                "ramp_up_months": 3,
                "sla_type": "customer",
                "pricing": [
                    ("setup", "Setup: payroll configuration and parallel runs"),
                    ("per_transaction", "Payslip processed"),
                    ("fixed_monthly", "Statutory filings and year-end"),
                ],
                "slas": [
                    ("accuracy", "Payslips without error", "99.8", "%"),
                    ("other", "Employees paid on the pay date", "100", "%"),
                ],
            },
            {
                "name": "HR administration and employee helpdesk",
                "description": "Employee records and the helpdesk for pay and HR questions.",
                "volumes": {"fte_count": "6", "contacts_per_month": "1200"},
                "contract_term_months": 48,
                "ramp_up_months": 3,
                "sla_type": "internal",
                "pricing": [
                    ("transition", "Transition and knowledge transfer"),
                    ("per_fte", "HR administrator, fully loaded"),
                ],
                "slas": [
                    ("csat", "Employee satisfaction with the helpdesk", "85", "%"),
                    ("other", "Employee records updated within 2 working days", "98", "%"),
                ],
            },
        ],
        "sections": [
            {
                "title": "Payroll experience",
                "questions": [
                    {
                        "text": "In which countries do you run payroll today?",
                        "guidance": "List the countries and the number of payslips a month "
                        "in each.",
                    },
                    {
                        "text": "How many payroll clients do you serve?",
                        "kind": "number",
                    },
                ],
            },
            {
                "title": "Data protection",
                "questions": [
                    KNOCKOUT_DATA_PROTECTION,
                    {
                        "text": "Describe how you restrict access to salary data within your team.",
                    },
                ],
            },
        ],
    },
]


def load_starter_templates(apps: Any) -> int:
    """Create the missing starter templates. `apps` is a migration's app registry
    (or django.apps.apps). Returns how many were created."""
    RFP = apps.get_model("rfp", "RFP")
    Lot = apps.get_model("rfp", "Lot")
    PricingLine = apps.get_model("rfp", "PricingLine")
    ServiceLevel = apps.get_model("rfp", "ServiceLevel")
    QuestionSection = apps.get_model("rfp", "QuestionSection")
    Question = apps.get_model("rfp", "Question")
    ServiceCategory = apps.get_model("vendors", "ServiceCategory")
    ServiceFunction = apps.get_model("vendors", "ServiceFunction")
    CertificationType = apps.get_model("vendors", "CertificationType")
    Language = apps.get_model("vendors", "Language")

    created = 0
    for spec in STARTER_TEMPLATES:
        if RFP.objects.filter(
            is_template=True, organization__isnull=True, template_key=spec["key"]
        ).exists():
            continue
        rfp = RFP.objects.create(
            organization=None,
            is_template=True,
            template_key=spec["key"],
            title=spec["title"],
            template_description=spec["description"],
            summary=spec["summary"],
            scope_of_work=spec["scope_of_work"],
            service_category=ServiceCategory.objects.filter(slug=spec["service_category"]).first(),
            coverage=spec["coverage"],
        )
        rfp.service_functions.set(
            ServiceFunction.objects.filter(slug__in=spec["service_functions"])
        )
        rfp.required_languages.set(Language.objects.filter(code__in=spec["languages"]))
        rfp.required_certifications.set(
            CertificationType.objects.filter(slug__in=spec["certifications"])
        )
        for lot_order, lot_spec in enumerate(spec["lots"]):
            lot = Lot.objects.create(
                rfp=rfp,
                name=lot_spec["name"],
                description=lot_spec["description"],
                order=lot_order,
                contract_term_months=lot_spec["contract_term_months"],
                ramp_up_months=lot_spec["ramp_up_months"],
                sla_type=lot_spec["sla_type"],
                **{name: Decimal(value) for name, value in lot_spec["volumes"].items()},
            )
            for order, (charge_type, description) in enumerate(lot_spec["pricing"]):
                recurrence, basis, unit = CHARGE_DEFAULTS[charge_type]
                PricingLine.objects.create(
                    lot=lot,
                    charge_type=charge_type,
                    description=description,
                    unit=unit,
                    recurrence=recurrence,
                    volume_basis=basis,
                    order=order,
                )
            for order, (metric, name, target, unit) in enumerate(lot_spec["slas"]):
                _, direction = METRIC_DEFAULTS[metric]
                if metric == MetricKind.OTHER:
                    direction = "higher"
                ServiceLevel.objects.create(
                    lot=lot,
                    metric=metric,
                    name=name,
                    target=Decimal(target),
                    unit=unit,
                    direction=direction,
                    data_source="Vendor's monthly performance report, audited quarterly",
                    measurement_frequency="monthly",
                    service_credit_percent=Decimal("2"),
                    order=order,
                )
        for section_order, section_spec in enumerate(spec["sections"]):
            section = QuestionSection.objects.create(
                rfp=rfp, title=section_spec["title"], order=section_order
            )
            for order, question in enumerate(section_spec["questions"]):
                Question.objects.create(
                    section=section,
                    text=question["text"],
                    kind=question.get("kind", "text"),
                    choices=question.get("choices", []),
                    mandatory=question.get("mandatory", True),
                    guidance=question.get("guidance", ""),
                    is_knockout="knockout" in question,
                    knockout_answer=question.get("knockout", ""),
                    order=order,
                )
        created += 1
    return created
