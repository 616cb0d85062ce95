"""The main navigation: (label, URL name, capability needed or None) per side.

Each app adds its own line here; the layout shows what the user may use.
"""

from __future__ import annotations

BUYER_NAV: list[tuple[str, str, str | None]] = [
    ("Dashboard", "dashboard", None),
    ("RFPs", "rfp_list", None),
    ("Proposals", "proposal_list", "proposals.read"),
    ("Evaluations", "scoring_list", None),
    ("Vendors", "vendor_directory", None),
    ("Team", "organization_members", "organization.manage_members"),
]

VENDOR_NAV: list[tuple[str, str, str | None]] = [
    ("Dashboard", "dashboard", None),
    ("RFPs", "rfp_list", None),
    ("Proposals", "proposal_list", None),
    ("Outcomes", "scoring_outcomes", None),
    ("Company profile", "vendor_profile", None),
    ("Colleagues", "vendor_company_users", None),
]
