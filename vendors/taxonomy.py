"""The starting taxonomy of BPO services, industries, certifications and
technologies. Loaded once by a data migration; editable in the admin after."""

from __future__ import annotations

from django.utils.text import slugify as django_slugify

CATEGORIES: list[tuple[str, str, str, list[str]]] = [
    (
        "back-office",
        "Back office",
        "Internal processes: finance, HR, data, IT.",
        [
            "Bookkeeping and accounting",
            "Accounts payable",
            "Accounts receivable",
            "Payroll",
            "HR administration",
            "Recruitment",
            "Data entry",
            "Transcription",
            "Document processing",
            "Claims processing",
            "Medical billing and coding",
            "IT help desk",
            "Application support",
            "Procurement and order management",
        ],
    ),
    (
        "front-office",
        "Front office",
        "Customer-facing work: support, sales, marketing, trust and safety.",
        [
            "Customer support by phone",
            "Customer support by chat",
            "Customer support by e-mail",
            "Customer support on social media",
            "Technical support",
            "Sales and telemarketing",
            "Lead generation",
            "Marketing",
            "Content moderation",
            "Collections",
        ],
    ),
    (
        "kpo",
        "Knowledge process outsourcing",
        "Expert work: research, analytics, legal, engineering.",
        [
            "Market research",
            "Data analytics",
            "Financial analysis",
            "Legal process outsourcing",
            "Engineering services",
        ],
    ),
    (
        "multifunctional",
        "Multifunctional",
        "End-to-end processes spanning front and back office.",
        ["End-to-end process outsourcing", "Shared-services operation"],
    ),
]

INDUSTRIES = [
    "Telecommunications",
    "Retail and e-commerce",
    "Software and SaaS",
    "Healthcare",
    "Insurance",
    "Banking and financial services",
    "Real estate",
    "Food service and hospitality",
    "Travel and transportation",
    "Energy and utilities",
    "Media and entertainment",
    "Public sector",
    "Education",
    "Logistics",
    "Manufacturing",
    "Gaming",
]

CERTIFICATIONS = [
    ("ISO/IEC 27001", "Information security management"),
    ("ISO 9001", "Quality management"),
    ("SOC 2 Type II", "Service organization controls: security, availability, confidentiality"),
    ("PCI DSS", "Payment card data security"),
    ("HIPAA", "US health information privacy compliance"),
    ("GDPR", "EU data-protection compliance"),
    ("COPC", "Customer experience operations standard"),
    ("ISO 22301", "Business continuity management"),
    ("ISO/IEC 27701", "Privacy information management"),
    ("HITRUST", "Health information trust framework"),
    ("ISO/IEC 20000-1", "IT service management"),
]

TECHNOLOGIES: list[tuple[str, list[str]]] = [
    ("crm", ["Salesforce", "Microsoft Dynamics 365", "HubSpot", "Zoho CRM"]),
    ("ticketing", ["Zendesk", "ServiceNow", "Freshdesk", "Jira Service Management"]),
    ("contact_centre", ["Genesys Cloud", "Five9", "NICE CXone", "Amazon Connect", "Talkdesk"]),
    ("rpa", ["UiPath", "Automation Anywhere", "Microsoft Power Automate", "Blue Prism"]),
    ("ai_analytics", ["Generative AI assistants", "Speech analytics", "Power BI", "Tableau"]),
    ("cloud", ["AWS", "Microsoft Azure", "Google Cloud"]),
    ("workforce", ["Verint WFM", "Calabrio", "Playvox"]),
    ("finance", ["SAP", "Oracle NetSuite", "Workday", "QuickBooks", "Xero"]),
]

SECURITY_CONTROLS = [
    "Clean-desk policy",
    "Biometric or badge access to production floors",
    "CCTV on production floors",
    "Data-loss prevention (DLP)",
    "Encryption at rest and in transit",
    "Multi-factor authentication for all agents",
    "Background checks for all staff",
    "Annual security awareness training",
    "Penetration testing at least yearly",
    "Secure work-from-home with managed devices",
    "24/7 security operations centre",
    "Documented incident-response plan",
]


def slugify(text: str) -> str:
    return django_slugify(text.replace("/", " "))
