"""The permission matrix: every URL of the project, requested as every kind of visitor.

`build_world` makes one world through the real services: Northwind Health with its
four roles, another buyer organization (with a draft of its own), vendor A (invited,
has submitted, with certifications, evidence, a reference, a colleague) and vendor B
(invited to nothing), a SEALED RFP whose deadline is 14 days ahead, an OPENED RFP
whose deadline passed with a scored evaluation and a proposed award, an EARLY RFP (two
envelopes, deadline passed, scoring started, nothing scored: its prices must stay sealed
and every way of opening them early is refused), an Excel report,
a vendor import waiting for confirmation, invitations and tokens. Unique markers
(a price, answers, titles, score comments) are planted to be searched for.

`ROUTES` says, for every named URL pattern, which door it is (public, any signed-in
user, buyers, vendors) and which objects of the world fill its arguments. A pattern
without a row fails `test_every_url_pattern_has_a_row`: no URL escapes the matrix.

`test_every_url_as_every_role` requests every URL (pages: GET and an empty POST; API:
every method it routes, with an empty JSON body) as anonymous, the four buyer roles,
the other organization's admin, vendor A, vendor B and a superuser (who also reads
every Django admin list and every proposal in the admin). Each request runs in a
transaction rolled back afterwards, so the world stays as built and the tables it
wrote to are known. Every response is held to `problems_with` (no 5xx; log-in or 401
for anonymous; the error shape; doors; no 2xx and no write on what a role must not
reach; `NEVER_SHOWN`, `MUST_SHOW`) and to the promised statuses in `PROMISES`. A
failure prints a table of everything unexpected; MATRIX_REPORT=path writes the whole
grid of statuses (one file a shard: path-0, path-1...).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import sys
import traceback
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest
from django.contrib import admin
from django.core.signals import got_request_exception
from django.db import connection, transaction
from django.test import Client, TestCase
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from accounts.models import BuyerRole, User, WebhookDelivery, WebhookSubscription
from accounts.services import api_token_create, buyer_organization_update, invitation_create
from bpo_portal import health
from jobs.models import JobState
from proposals import services as proposal_services
from proposals.models import ProposalLot
from reports.services import report_request
from rfp import services as rfp_services
from rfp.models import RFP, QuestionKind
from scoring import award as award_services
from scoring import services as scoring_services
from scoring.models import Criterion, Evaluation
from scoring.selectors import evaluator_workload
from tests import worlds
from tests.conftest import add_member, existing_user, make_user, person
from tests.proposals.factories import equip_vendor, fill
from tests.rfp.conftest import make_ready_rfp, publish, reload
from tests.scoring.factories import declare_none, main, make_vendor, pass_deadline
from tests.vendors.factories import add_centre, pdf_upload
from tests.vendors.test_import import GOOD_ROWS, csv_file
from vendors import services as vendor_services
from vendors.imports import vendor_import_upload
from vendors.models import CertificationType, Industry, ServiceFunction, VendorMembership

# --- What must never leak -------------------------------------------------------------------------

SEALED_PRICE = "876543.21"  # vendor A's price in its sealed proposal
SEALED_ANSWER = "Quokka-4417 sealed programme answer"
OPENED_PRICE = "765432.19"  # vendor A's price in its proposal on the opened RFP
OPENED_ANSWER = "Wombat-2290 opened programme answer"
EARLY_PRICE = "654321.87"  # vendor A's price on the two-envelope RFP, still in its sealed envelope
EARLY_TITLE = "Matrix two-envelope back-office RFP"
SEALED_TITLE = "Matrix sealed helpline RFP"
OPENED_TITLE = "Matrix opened claims RFP"
OTHER_TITLE = "Lumiere confidential store support RFP"
VENDOR_A_NAME = "Manila Contact Co"
VENDOR_A_QUESTION = "Kestrel-5150 question from vendor A"
TECHNOLOGY_COMMENT = "Heron-8822 technology comment of the second evaluator"
QUALITY_COMMENT = "Ibis-3364 quality comment"

SEALED_SHOWN = (SEALED_PRICE, "876,543.21", SEALED_ANSWER)
OPENED_SHOWN = (OPENED_PRICE, "765,432.19", OPENED_ANSWER)
EARLY_SHOWN = (EARLY_PRICE, "654,321.87")  # to every buyer, until the evaluation is final
EARLY_REFUSAL = "The prices stay sealed until the technical evaluation is finalised"
SCORE_COMMENTS = (TECHNOLOGY_COMMENT, QUALITY_COMMENT)

ORG_ROLES = ("admin", "procurement_manager", "evaluator", "viewer")
BUYER_ROLES = (*ORG_ROLES, "other_buyer")
VENDOR_ROLES = ("vendor_a", "vendor_b")
ROLES = ("anonymous", *BUYER_ROLES, *VENDOR_ROLES, "superuser")

# role -> what must never appear in any response body to that role, whatever the URL.
NEVER_SHOWN: dict[str, tuple[str, ...]] = {
    "anonymous": (
        *SEALED_SHOWN,
        *OPENED_SHOWN,
        *EARLY_SHOWN,
        SEALED_TITLE,
        OPENED_TITLE,
        EARLY_TITLE,
        OTHER_TITLE,
    ),
    "admin": (*SEALED_SHOWN, *EARLY_SHOWN, OTHER_TITLE),
    "procurement_manager": (*SEALED_SHOWN, *EARLY_SHOWN, OTHER_TITLE),
    "evaluator": (*SEALED_SHOWN, *EARLY_SHOWN, OTHER_TITLE, TECHNOLOGY_COMMENT),
    "viewer": (*SEALED_SHOWN, *EARLY_SHOWN, OTHER_TITLE),
    "other_buyer": (
        *SEALED_SHOWN,
        *OPENED_SHOWN,
        *EARLY_SHOWN,
        SEALED_TITLE,
        OPENED_TITLE,
        EARLY_TITLE,
        VENDOR_A_QUESTION,
        *SCORE_COMMENTS,
    ),
    "vendor_a": (OTHER_TITLE, *SCORE_COMMENTS),
    "vendor_b": (
        *SEALED_SHOWN,
        *OPENED_SHOWN,
        *EARLY_SHOWN,
        SEALED_TITLE,
        OPENED_TITLE,
        EARLY_TITLE,
        OTHER_TITLE,
        VENDOR_A_NAME,
        VENDOR_A_QUESTION,
        *SCORE_COMMENTS,
    ),
    "superuser": (*SEALED_SHOWN, *EARLY_SHOWN),
}


# --- The table: every URL name, its door, and how its arguments are filled ----------------------


class Door(StrEnum):
    PUBLIC = "public"  # anonymous visitors may use it
    ANY = "any"  # any signed-in user; each object decides
    BUYER = "buyer"  # buyer organizations only: vendors get 403/404
    VENDOR = "vendor"  # vendor companies only: buyers never get a 2xx
    ANY_READ_BUYER_WRITE = "any reads, buyers write"  # the API's RFP and its parts
    ANY_READ_VENDOR_WRITE = "any reads, vendors write"  # the API's proposals, profiles


def door_for(door: Door, method: str) -> Door:
    if door == Door.ANY_READ_BUYER_WRITE:
        return Door.ANY if method == "GET" else Door.BUYER
    if door == Door.ANY_READ_VENDOR_WRITE:
        return Door.ANY if method == "GET" else Door.VENDOR
    return door


@dataclass(frozen=True)
class Ref:
    """An object of the world (its pk, or its token for invitations)."""

    key: str


@dataclass(frozen=True)
class Variant:
    label: str
    kwargs: dict[str, Any]


@dataclass(frozen=True)
class Route:
    door: Door
    variants: tuple[Variant, ...] = (Variant("", {}),)


class _RfpRefs:
    def __init__(self, rfp: str) -> None:
        self.rfp_name = rfp

    def __getattr__(self, name: str) -> Ref:
        return Ref(f"{self.rfp_name}.{name}")


def on(door: Door, *variants: Variant) -> Route:
    return Route(door, variants or (Variant("", {}),))


def v(label: str = "", **kwargs: Any) -> Variant:
    return Variant(label, kwargs)


def each_rfp(
    door: Door, kwargs: Callable[[_RfpRefs], dict[str, Any]], rfps: tuple[str, ...] = ()
) -> Route:
    """One variant per RFP of the world: the sealed one and the opened one."""
    names = rfps or ("sealed", "opened")
    return Route(door, tuple(Variant(name, kwargs(_RfpRefs(name))) for name in names))


PARTS = ("lot", "section", "question", "pricing-line", "kpi")
PART_REF = {
    "lot": "lot",
    "section": "section",
    "question": "question",
    "pricing-line": "pricing_line",
    "kpi": "service_level",
}
STEPS = ("details", "timeline", "lots", "questionnaire", "pricing", "slas", "vendors")
A, B = Ref("vendor_a.company"), Ref("vendor_b.company")
PUB, ANY, BUY, VEN = Door.PUBLIC, Door.ANY, Door.BUYER, Door.VENDOR
EARLY = ("sealed", "opened", "early")  # the URLs also requested on the EARLY RFP
BW, VW = Door.ANY_READ_BUYER_WRITE, Door.ANY_READ_VENDOR_WRITE

ROUTES: dict[str, Route] = {
    # --- site and accounts
    "home": on(PUB),
    "healthz": on(PUB),
    "dashboard": on(ANY),
    "onboarding": on(ANY),
    "organization_members": on(BUY),
    "membership_change_role": on(BUY, v(pk=Ref("org.viewer_membership"))),
    "membership_remove": on(BUY, v(pk=Ref("org.viewer_membership"))),
    "invitation_revoke": on(BUY, v(pk=Ref("org.invitation"))),
    "organization_settings": on(BUY),
    "audit_log": on(BUY),
    "webhook_list": on(BUY),
    "webhook_detail": on(BUY, v(pk=Ref("org.webhook"))),
    "webhook_action": on(BUY, v(pk=Ref("org.webhook"), action="off")),
    "webhook_redeliver": on(BUY, v(pk=Ref("org.webhook"), delivery_pk=Ref("org.webhook_delivery"))),
    "audit_log_export": on(BUY),
    "invitation_accept": on(PUB, v(token=Ref("org.invitation_token"))),
    "profile": on(ANY),
    "token_revoke": on(ANY, v(pk=Ref("admin.token"))),
    # --- RFPs
    "rfp_list": on(ANY),
    "rfp_create": on(BUY),
    "rfp_template_delete": on(BUY, v(template_pk=Ref("org.template"))),
    "rfp_detail": each_rfp(ANY, lambda r: {"pk": r.rfp}, ("sealed", "opened", "other")),
    "rfp_preview": each_rfp(BUY, lambda r: {"pk": r.rfp}),
    "rfp_timeline": each_rfp(BUY, lambda r: {"pk": r.rfp}),
    "rfp_check": each_rfp(BUY, lambda r: {"pk": r.rfp}),
    "rfp_cancel": each_rfp(BUY, lambda r: {"pk": r.rfp}),
    "rfp_save_as_template": each_rfp(BUY, lambda r: {"pk": r.rfp}),
    "rfp_transition": each_rfp(BUY, lambda r: {"pk": r.rfp, "action": "submit"}),
    "rfp_timeline_check": each_rfp(BUY, lambda r: {"pk": r.rfp}),
    "rfp_vendor_search": each_rfp(BUY, lambda r: {"pk": r.rfp}),
    "rfp_invite": each_rfp(BUY, lambda r: {"pk": r.rfp}),
    "rfp_edit": on(
        BUY,
        *(v(f"sealed {step}", pk=Ref("sealed.rfp"), step=step) for step in STEPS),
        v("opened details", pk=Ref("opened.rfp"), step="details"),
    ),
    "rfp_part_new": on(BUY, *(v(kind, pk=Ref("sealed.rfp"), kind_name=kind) for kind in PARTS)),
    "rfp_part_edit": on(
        BUY,
        *(
            v(kind, pk=Ref("sealed.rfp"), kind_name=kind, part_pk=Ref(f"sealed.{PART_REF[kind]}"))
            for kind in PARTS
        ),
    ),
    "rfp_part_delete": on(
        BUY,
        *(
            v(kind, pk=Ref("sealed.rfp"), kind_name=kind, part_pk=Ref(f"sealed.{PART_REF[kind]}"))
            for kind in PARTS
        ),
    ),
    "rfp_attachment_add": each_rfp(BUY, lambda r: {"pk": r.rfp}),
    "rfp_attachment_download": each_rfp(
        ANY, lambda r: {"pk": r.rfp, "attachment_pk": r.attachment}, ("sealed",)
    ),
    "rfp_attachment_delete": each_rfp(
        BUY, lambda r: {"pk": r.rfp, "attachment_pk": r.attachment}, ("sealed",)
    ),
    "rfp_invitation_delete": each_rfp(
        BUY, lambda r: {"pk": r.rfp, "invitation_pk": r.invitation_a}
    ),
    "rfp_questions": each_rfp(ANY, lambda r: {"pk": r.rfp}),
    "rfp_question_answer": each_rfp(
        BUY, lambda r: {"pk": r.rfp, "question_pk": r.clarification}, ("sealed",)
    ),
    "rfp_respond": each_rfp(VEN, lambda r: {"pk": r.rfp}),
    "rfp_addendum_acknowledge": each_rfp(VEN, lambda r: {"pk": r.rfp, "number": 1}, ("sealed",)),
    # --- proposals: the vendor's side
    "proposal_list": on(ANY),
    "proposal_start": each_rfp(VEN, lambda r: {"rfp_pk": r.rfp}),
    "proposal_detail": each_rfp(ANY, lambda r: {"pk": r.proposal}, EARLY),
    "proposal_settings": each_rfp(VEN, lambda r: {"pk": r.proposal}),
    "proposal_questionnaire": each_rfp(VEN, lambda r: {"pk": r.proposal}),
    "proposal_lot_pricing": each_rfp(VEN, lambda r: {"pk": r.proposal, "lot_pk": r.lot}),
    "proposal_lot_slas": each_rfp(VEN, lambda r: {"pk": r.proposal, "lot_pk": r.lot}),
    "proposal_lot_centres": each_rfp(VEN, lambda r: {"pk": r.proposal, "lot_pk": r.lot}),
    "proposal_lot_staffing": each_rfp(VEN, lambda r: {"pk": r.proposal, "lot_pk": r.lot}),
    "proposal_attachments": each_rfp(VEN, lambda r: {"pk": r.proposal}),
    "proposal_attachment_download": each_rfp(
        ANY, lambda r: {"pk": r.proposal, "attachment_pk": r.proposal_attachment}
    ),
    "proposal_attachment_remove": each_rfp(
        VEN, lambda r: {"pk": r.proposal, "attachment_pk": r.proposal_attachment}
    ),
    "proposal_check": each_rfp(VEN, lambda r: {"pk": r.proposal}),
    "proposal_receipt": each_rfp(VEN, lambda r: {"pk": r.proposal, "number": 1}),
    "proposal_withdraw": each_rfp(VEN, lambda r: {"pk": r.proposal}),
    "proposal_compliance": each_rfp(BUY, lambda r: {"pk": r.proposal}),
    # --- proposals: the buyer's side
    "proposal_rfp_list": each_rfp(BUY, lambda r: {"rfp_pk": r.rfp}, EARLY),
    "proposal_rfp_answers": each_rfp(BUY, lambda r: {"rfp_pk": r.rfp}, EARLY),
    "proposal_rfp_prices": each_rfp(BUY, lambda r: {"rfp_pk": r.rfp}, EARLY),
    "proposal_rfp_open_commercial": each_rfp(BUY, lambda r: {"rfp_pk": r.rfp}, EARLY),
    "proposal_rfp_compliance_check": each_rfp(BUY, lambda r: {"rfp_pk": r.rfp}),
    # --- jobs and reports
    "job_detail": on(BUY, v(pk=Ref("org.report_job"))),
    "job_status": on(BUY, v(pk=Ref("org.report_job"))),
    "job_retry": on(BUY, v(pk=Ref("org.report_job"))),
    "job_download": on(BUY, v(pk=Ref("org.report_job"))),
    "report_list": each_rfp(BUY, lambda r: {"rfp_pk": r.rfp}),
    # --- vendors: the buyers' directory and imports
    "vendor_directory": on(BUY),
    "vendor_detail": on(BUY, v("vendor A", pk=A), v("vendor B", pk=B)),
    "vendor_location_overrides": on(BUY),
    "vendor_import_start": on(BUY),
    "vendor_import_template": on(BUY, v("csv", file_format="csv"), v("xlsx", file_format="xlsx")),
    "vendor_import_detail": on(BUY, v(pk=Ref("org.vendor_import"))),
    "vendor_import_confirm": on(BUY, v(pk=Ref("org.vendor_import"))),
    # --- vendors: registration and their own profile
    "vendor_register": on(PUB),
    "vendor_register_done": on(PUB),
    "vendor_request_access": on(ANY, v("vendor A", pk=A)),
    "vendor_profile": on(VEN),
    "vendor_profile_details": on(VEN),
    "vendor_profile_services": on(VEN),
    "vendor_profile_technology": on(VEN),
    "vendor_profile_security": on(VEN),
    "vendor_centre_add": on(VEN),
    "vendor_centre_edit": on(VEN, v("A's", pk=Ref("vendor_a.centre"))),
    "vendor_certification_add": on(VEN),
    "vendor_certification_edit": on(VEN, v("A's", pk=Ref("vendor_a.certification"))),
    "vendor_reference_add": on(VEN),
    "vendor_reference_edit": on(VEN, v("A's", pk=Ref("vendor_a.reference"))),
    "vendor_child_delete": on(
        VEN,
        v("centre", kind="centre", pk=Ref("vendor_a.centre")),
        v("certification", kind="certification", pk=Ref("vendor_a.certification")),
        v("reference", kind="reference", pk=Ref("vendor_a.reference")),
    ),
    "vendor_certification_evidence": on(ANY, v("A's", pk=Ref("vendor_a.certification"))),
    "vendor_company_users": on(VEN),
    "vendor_company_user_action": on(
        VEN, v("remove A's colleague", pk=Ref("vendor_a.colleague_membership"), action="remove")
    ),
    # --- scoring
    "scoring_list": on(ANY),  # vendors are sent on to their outcomes
    "scoring_outcomes": on(VEN),
    "scoring_overview": each_rfp(BUY, lambda r: {"rfp_pk": r.rfp}, EARLY),
    "scoring_setup": each_rfp(BUY, lambda r: {"rfp_pk": r.rfp}),
    "scoring_criteria": each_rfp(BUY, lambda r: {"rfp_pk": r.rfp}),
    "scoring_criterion_new": each_rfp(BUY, lambda r: {"rfp_pk": r.rfp}),
    "scoring_criterion_edit": each_rfp(
        BUY, lambda r: {"rfp_pk": r.rfp, "criterion_pk": r.criterion}
    ),
    "scoring_criterion_delete": each_rfp(
        BUY, lambda r: {"rfp_pk": r.rfp, "criterion_pk": r.criterion}
    ),
    "scoring_method": each_rfp(BUY, lambda r: {"rfp_pk": r.rfp}),
    "scoring_weights": on(
        BUY,
        v("opened top", rfp_pk=Ref("opened.rfp"), level="top"),
        v("opened quality", rfp_pk=Ref("opened.rfp"), level=Ref("opened.criterion")),
        v("sealed top", rfp_pk=Ref("sealed.rfp"), level="top"),
    ),
    "scoring_ahp": on(
        BUY,
        v("opened top", rfp_pk=Ref("opened.rfp"), level="top"),
        v("opened quality", rfp_pk=Ref("opened.rfp"), level=Ref("opened.criterion")),
    ),
    "scoring_panel": each_rfp(BUY, lambda r: {"rfp_pk": r.rfp}),
    "scoring_start": each_rfp(BUY, lambda r: {"rfp_pk": r.rfp}),
    "scoring_my_work": each_rfp(BUY, lambda r: {"rfp_pk": r.rfp}),
    "scoring_conflicts": each_rfp(BUY, lambda r: {"rfp_pk": r.rfp}),
    "scoring_submit": each_rfp(BUY, lambda r: {"rfp_pk": r.rfp}),
    "scoring_score_vendor": each_rfp(BUY, lambda r: {"rfp_pk": r.rfp, "proposal_pk": r.proposal}),
    "scoring_consensus": each_rfp(BUY, lambda r: {"rfp_pk": r.rfp}),
    "scoring_consensus_item": each_rfp(
        BUY,
        lambda r: {
            "rfp_pk": r.rfp,
            "criterion_pk": r.technology_leaf,
            "proposal_pk": r.proposal,
            "lot_pk": r.lot,
        },
        ("opened",),
    ),
    "scoring_results": each_rfp(BUY, lambda r: {"rfp_pk": r.rfp}, EARLY),
    "scoring_drilldown": each_rfp(
        BUY, lambda r: {"rfp_pk": r.rfp, "proposal_pk": r.proposal}, EARLY
    ),
    "scoring_finalise": each_rfp(BUY, lambda r: {"rfp_pk": r.rfp}, EARLY),
    "scoring_award": each_rfp(BUY, lambda r: {"rfp_pk": r.rfp}),
    "scoring_award_propose": each_rfp(BUY, lambda r: {"rfp_pk": r.rfp, "lot_pk": r.lot}),
    "scoring_award_decide": each_rfp(
        BUY, lambda r: {"rfp_pk": r.rfp, "award_pk": r.award}, ("opened",)
    ),
    # --- API: accounts
    "api-me": on(ANY),
    "api-token-list": on(ANY),
    "api-token-detail": on(ANY, v("admin's", pk=Ref("admin.token"))),
    "api-member-list": on(BUY),
    "api-member-detail": on(BUY, v("viewer's", pk=Ref("org.viewer_membership"))),
    "api-invitation-list": on(BUY),
    "api-invitation-detail": on(BUY, v(pk=Ref("org.invitation"))),
    "api-not-found": on(PUB, v(rest="nothing-here/")),
    "api-webhook-list": on(BUY),
    "api-webhook-detail": on(BUY, v(pk=Ref("org.webhook"))),
    "api-webhook-deliveries": on(BUY, v(pk=Ref("org.webhook"))),
    "api-webhook-redeliver": on(
        BUY, v(pk=Ref("org.webhook"), delivery=Ref("org.webhook_delivery"))
    ),
    # --- API: RFPs
    "api-rfp-list": on(BW),
    "api-rfp-detail": each_rfp(BW, lambda r: {"pk": r.rfp}, ("sealed", "opened", "other")),
    **{
        f"api-rfp-{name}": each_rfp(BUY, lambda r: {"pk": r.rfp})
        for name in (
            "approve",
            "cancel",
            "readiness",
            "return-to-draft",
            "save-as-template",
            "start-evaluation",
            "submit",
            "timeline",
        )
    },
    "api-rfp-decline": each_rfp(VEN, lambda r: {"pk": r.rfp}),
    "api-rfp-intend-to-bid": each_rfp(VEN, lambda r: {"pk": r.rfp}),
    "api-rfp-template-list": on(BUY),
    **{
        f"api-rfp-{name}-list": each_rfp(BW, lambda r: {"rfp": r.rfp})
        for name in ("lot", "section", "question", "pricing-line", "service-level")
    },
    **{
        f"api-rfp-{name}-detail": on(
            BW,
            *(v(r, rfp=Ref(f"{r}.rfp"), pk=Ref(f"{r}.{ref}")) for r in ("sealed", "opened")),
        )
        for name, ref in (
            ("lot", "lot"),
            ("section", "section"),
            ("question", "question"),
            ("pricing-line", "pricing_line"),
            ("service-level", "service_level"),
        )
    },
    "api-rfp-invitation-list": each_rfp(BUY, lambda r: {"rfp": r.rfp}),
    "api-rfp-invitation-detail": each_rfp(BUY, lambda r: {"rfp": r.rfp, "pk": r.invitation_a}),
    "api-rfp-clarification-list": each_rfp(VW, lambda r: {"rfp": r.rfp}),
    "api-rfp-clarification-answer": each_rfp(
        BUY, lambda r: {"rfp": r.rfp, "pk": r.clarification}, ("sealed",)
    ),
    "api-rfp-addendum-list": each_rfp(ANY, lambda r: {"rfp": r.rfp}),
    "api-rfp-addendum-acknowledge": each_rfp(
        VEN, lambda r: {"rfp": r.rfp, "number": 1}, ("sealed",)
    ),
    # --- API: proposals
    "api-proposal-list": on(VW),
    "api-proposal-detail": each_rfp(VW, lambda r: {"pk": r.proposal}, EARLY),
    "api-proposal-answers": each_rfp(VEN, lambda r: {"pk": r.proposal}),
    "api-proposal-attachment": each_rfp(
        VW, lambda r: {"pk": r.proposal, "attachment": r.proposal_attachment}
    ),
    "api-proposal-attachments": each_rfp(VEN, lambda r: {"pk": r.proposal}),
    "api-proposal-centres": each_rfp(VEN, lambda r: {"pk": r.proposal, "lot": r.lot}),
    "api-proposal-compliance-override": each_rfp(BUY, lambda r: {"pk": r.proposal}),
    "api-proposal-prices": each_rfp(VEN, lambda r: {"pk": r.proposal, "lot": r.lot}),
    "api-proposal-service-levels": each_rfp(VEN, lambda r: {"pk": r.proposal, "lot": r.lot}),
    "api-proposal-staffing": each_rfp(VEN, lambda r: {"pk": r.proposal, "lot": r.lot}),
    "api-proposal-submit": each_rfp(VEN, lambda r: {"pk": r.proposal}),
    "api-proposal-versions": each_rfp(VEN, lambda r: {"pk": r.proposal}),
    "api-proposal-withdraw": each_rfp(VEN, lambda r: {"pk": r.proposal}),
    "api-proposal-envelope-detail": each_rfp(BUY, lambda r: {"pk": r.rfp}, EARLY),
    "api-proposal-envelope-check-compliance": each_rfp(BUY, lambda r: {"pk": r.rfp}),
    "api-proposal-envelope-open-commercial": each_rfp(BUY, lambda r: {"pk": r.rfp}, EARLY),
    # --- API: vendors
    "api-vendor-list": on(ANY),
    "api-vendor-detail": on(VW, v("vendor A", pk=A), v("vendor B", pk=B)),
    "api-vendor-qualification": on(BUY, v("vendor A", pk=A)),
    **{
        f"api-vendor-{name}-list": on(VW, v("vendor A", vendor=A), v("vendor B", vendor=B))
        for name in ("centre", "certification", "reference")
    },
    **{
        f"api-vendor-{name}-detail": on(VW, v("A's", vendor=A, pk=Ref(f"vendor_a.{ref}")))
        for name, ref in (
            ("centre", "centre"),
            ("certification", "certification"),
            ("reference", "reference"),
        )
    },
    # --- API: jobs, reports, evaluations
    "api-job-detail": on(BUY, v(pk=Ref("org.report_job"))),
    "api-job-download": on(BUY, v(pk=Ref("org.report_job"))),
    "api-job-retry": on(BUY, v(pk=Ref("org.report_job"))),
    "api-report-list": each_rfp(BUY, lambda r: {"rfp": r.rfp}),
    "api-rfp-ocds": each_rfp(BUY, lambda r: {"rfp": r.rfp}, EARLY),
    "api-evaluation-list": on(BUY),
    **{
        f"api-evaluation-{name}": each_rfp(BUY, lambda r: {"rfp": r.rfp})
        for name in (
            "detail",
            "ahp",
            "assignments",
            "awards",
            "conflicts",
            "consensus",
            "criteria",
            "scores",
            "start",
            "submit-scores",
            "weights",
        )
    },
    # The prices of the EARLY RFP: read, weighed and (not) opened before the evaluation is final.
    **{
        f"api-evaluation-{name}": each_rfp(BUY, lambda r: {"rfp": r.rfp}, EARLY)
        for name in ("finalise-technical", "results", "what-if")
    },
    "api-evaluation-proposal-results": each_rfp(
        BUY, lambda r: {"rfp": r.rfp, "proposal": r.proposal}, EARLY
    ),
    "api-evaluation-criterion": each_rfp(BUY, lambda r: {"rfp": r.rfp, "criterion": r.criterion}),
    "api-evaluation-approve-award": each_rfp(
        BUY, lambda r: {"rfp": r.rfp, "award": r.award}, ("opened",)
    ),
    "api-evaluation-return-award": each_rfp(
        BUY, lambda r: {"rfp": r.rfp, "award": r.award}, ("opened",)
    ),
    # --- API: the schema and its documentation
    "schema": on(PUB),
    "swagger-ui": on(PUB),
}

# The promises for the key URLs, per role; "." leaves a role to the generic rules. For
# anonymous visitors 302 is the redirect to log in. Variant "-" is a URL without one.
PROMISES = """
method URL name                        variant     anon admin  pm  eval view other  A    B   super
GET    rfp_detail                      sealed      302  200   200  200  200  404   200  404  404
GET    rfp_detail                      other       302  404   404  404  404  200   404  404  404
GET    rfp_preview                     sealed      302  200   200  200  200  404   404  404  404
POST   rfp_transition                  sealed      302  302   302  403  403  404   403  404  404
GET    rfp_attachment_download         sealed      302  200   200  200  200  404   200  404  404
GET    rfp_questions                   sealed      302  200   200  200  200  404   200  404  404
GET    rfp_question_answer             sealed      302  200   200  403  403  404   403  404  404
GET    proposal_detail                 sealed      302  200   200  404  200  404   200  404  404
GET    proposal_questionnaire          sealed      302  404   404  404  404  404   200  404  404
GET    proposal_attachment_download    sealed      302  403   403  404  403  404   200  404  404
GET    proposal_attachment_download    opened      302  200   200  404  200  404   200  404  404
GET    proposal_rfp_list               sealed      302  200   200  404  200  404   404  404  404
GET    proposal_rfp_answers            sealed      302  200   200  404  200  404   404  404  404
GET    proposal_rfp_prices             opened      302  200   200  404  200  404   404  404  404
GET    scoring_results                 opened      302  200   200  403  200  404   404  404  404
GET    scoring_drilldown               opened      302  200   200  403  200  404   404  404  404
GET    scoring_my_work                 opened      302  403   403  200  403  404   404  404  404
GET    scoring_score_vendor            opened      302  403   403  200  403  404   404  404  404
GET    scoring_consensus               opened      302  200   200  403  403  404   404  404  404
GET    scoring_award_decide            opened      302  200   403  403  403  404   404  404  404
GET    scoring_outcomes                -           302  404   404  404  404  404   200  200  404
GET    report_list                     opened      302  200   200  403  200  404   403  403  403
GET    job_download                    -           302  200   200  404  200  404   404  404  404
GET    audit_log                       -           302  200   403  403  403  200   403  403  403
GET    organization_members            -           302  200   403  403  403  200   403  403  403
POST   membership_remove               -           302  302   403  403  403  404   403  403  403
POST   token_revoke                    -           302  302   404  404  404  404   404  404  404
GET    vendor_directory                -           302  200   200  200  200  200   403  403  403
GET    vendor_detail                   vendor A    302  200   200  200  200  200   302  403  403
POST   vendor_detail                   vendor A    302  200   200  403  403  200   302  403  403
GET    vendor_detail                   vendor B    302  200   200  200  200  200   403  302  403
POST   vendor_detail                   vendor B    302  200   200  403  403  200   403  302  403
GET    vendor_certification_evidence   A's         302  200   200  200  200  200   200  404  404
GET    vendor_centre_edit              A's         302  403   403  403  403  403   200  404  403
POST   vendor_child_delete             centre      302  403   403  403  403  403   302  404  403
GET    api-rfp-detail                  sealed      401  200   200  200  200  404   200  404  403
GET    api-rfp-detail                  other       401  404   404  404  404  200   404  404  403
POST   api-rfp-cancel                  sealed      401  400   400  .    .    404   403  403  403
POST   api-rfp-intend-to-bid           sealed      401  403   403  403  403  403   200  404  403
GET    api-rfp-lot-list                sealed      401  200   200  200  200  404   200  404  404
DELETE api-rfp-lot-detail              sealed      401  400   400  .    .    404   403  403  403
GET    api-rfp-clarification-list      sealed      401  200   200  200  200  404   200  404  403
GET    api-proposal-detail             sealed      401  200   200  404  200  404   200  404  403
GET    api-proposal-attachment         sealed      401  403   403  404  403  404   200  404  403
POST   api-proposal-submit             sealed      401  403   403  403  403  403   201  404  403
GET    api-proposal-envelope-detail    sealed      401  200   200  200  200  404   403  403  403
GET    api-evaluation-results          opened      401  200   200  403  200  404   403  403  403
GET    api-rfp-ocds                    opened      401  200   200  403  200  404   403  403  403
GET    api-rfp-ocds                    early       401  200   200  403  200  404   403  403  403
GET    scoring_criterion_edit          opened      302  409   409  403  403  404   404  404  404
POST   scoring_criterion_edit          opened      302  409   409  403  403  404   404  404  404
POST   scoring_criterion_delete        opened      302  409   409  403  403  404   404  404  404
GET    scoring_weights                 opened top  302  409   409  403  403  404   404  404  404
POST   scoring_ahp                     opened top  302  409   409  403  403  404   404  404  404
POST   scoring_criterion_new           opened      302  409   409  403  403  404   404  404  404
DELETE api-evaluation-criterion        opened      401  409   409  403  403  404   403  403  403
PATCH  api-evaluation-criterion        opened      401  400   400  400  400  404   403  403  403
GET    scoring_criterion_edit          sealed      302  200   200  403  403  404   404  404  404
POST   scoring_criterion_delete        sealed      302  302   302  403  403  404   404  404  404
DELETE api-evaluation-criterion        sealed      401  400   400  403  403  404   403  403  403
GET    proposal_rfp_prices             early       302  200   200  404  200  404   404  404  404
GET    scoring_results                 early       302  200   200  403  200  404   404  404  404
GET    scoring_finalise                early       302  200   200  403  403  404   404  404  404
GET    api-evaluation-results          early       401  200   200  403  200  404   403  403  403
POST   api-proposal-envelope-open-commercial early 401  409   409  403  403  404   403  403  403
POST   api-evaluation-finalise-technical early     401  409   409  403  403  404   403  403  403
GET    api-evaluation-scores           opened      401  200   200  200  200  404   403  403  403
GET    api-job-download                -           401  200   200  404  200  404   404  404  404
DELETE api-token-detail                admin's     401  204   404  404  404  404   404  404  404
GET    api-member-list                 -           401  200   200  200  200  200   403  403  403
GET    api-vendor-detail               vendor A    401  200   200  200  200  200   200  404  403
PATCH  api-vendor-detail               vendor A    401  403   403  403  403  403   200  404  403
GET    api-vendor-qualification        vendor A    401  200   200  200  200  200   403  403  403
DELETE api-vendor-certification-detail A's         401  403   403  403  403  403   204  404  403
"""


def _promises(text: str) -> dict[tuple[str, str, str], dict[str, int]]:
    promises: dict[tuple[str, str, str], dict[str, int]] = {}
    lines = [line for line in text.strip().splitlines()[1:] if line.strip()]
    for line in lines:
        method, name, *rest = line.split()
        statuses = rest[-len(ROLES) :]
        label = " ".join(rest[: -len(ROLES)])
        promises[(method, name, "" if label == "-" else label)] = {
            role: int(status) for role, status in zip(ROLES, statuses, strict=True) if status != "."
        }
    return promises


EXPECTED = _promises(PROMISES)

# Editing locked criteria (the opened RFP: past its deadline) or published ones without
# the addendum's summary (the sealed RFP) is refused before anything is written, by
# every role: not even a write rolled back.
NOTHING_WRITTEN = {
    ("GET", "scoring_criterion_edit", "opened"),
    ("POST", "scoring_criterion_edit", "opened"),
    ("POST", "scoring_criterion_new", "opened"),
    ("POST", "scoring_criterion_delete", "opened"),
    ("POST", "scoring_criterion_delete", "sealed"),
    ("POST", "scoring_weights", "opened top"),
    ("POST", "scoring_ahp", "opened top"),
    ("DELETE", "api-evaluation-criterion", "opened"),
    ("DELETE", "api-evaluation-criterion", "sealed"),
}

# What must appear (the world is what we think it is, and the seal opens when it should).
MUST_SHOW: dict[tuple[str, str, str], dict[str, tuple[str, ...]]] = {
    ("GET", "proposal_rfp_list", "sealed"): {"admin": (VENDOR_A_NAME,)},
    ("GET", "proposal_rfp_answers", "opened"): {
        "admin": (OPENED_ANSWER,),
        "procurement_manager": (OPENED_ANSWER,),
    },
    ("GET", "proposal_rfp_prices", "opened"): {
        "admin": ("765,432.19",),
        "procurement_manager": ("765,432.19",),
    },
    ("GET", "api-proposal-detail", "opened"): {
        "admin": (OPENED_ANSWER, OPENED_PRICE),
        "procurement_manager": (OPENED_ANSWER, OPENED_PRICE),
    },
    ("GET", "api-proposal-detail", "sealed"): {"vendor_a": (SEALED_ANSWER, SEALED_PRICE)},
    ("GET", "proposal_questionnaire", "sealed"): {"vendor_a": (SEALED_ANSWER,)},
    ("GET", "rfp_questions", "sealed"): {"admin": (VENDOR_A_QUESTION,)},
    ("GET", "api-evaluation-scores", "opened"): {
        "admin": (TECHNOLOGY_COMMENT, QUALITY_COMMENT),
        "evaluator": (QUALITY_COMMENT,),
    },
    ("GET", "scoring_drilldown", "opened"): {"admin": (TECHNOLOGY_COMMENT,)},
    ("GET", "rfp_detail", "other"): {"other_buyer": (OTHER_TITLE,)},
    ("GET", "api-proposal-detail", "early"): {"vendor_a": (EARLY_PRICE,)},
    ("GET", "proposal_rfp_open_commercial", "early"): {
        "admin": (EARLY_REFUSAL,),
        "procurement_manager": (EARLY_REFUSAL,),
    },
    ("GET", "scoring_finalise", "early"): {
        "admin": ("Not final yet",),
        "procurement_manager": ("Not final yet",),
    },
    ("POST", "api-evaluation-finalise-technical", "early"): {
        "admin": (EARLY_REFUSAL,),
        "procurement_manager": (EARLY_REFUSAL,),
    },
    ("GET", "admin:proposals_proposal_change", "opened"): {"superuser": (OPENED_ANSWER,)},
    ("GET", "admin:proposals_proposal_change", "sealed"): {"superuser": (VENDOR_A_NAME,)},
}


# --- Walking the URL patterns -------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    name: str | None
    route: str
    callback: Any


def _walk(resolver: URLResolver, prefix: str = "") -> Iterator[Pattern]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield Pattern(entry.name, prefix + str(entry.pattern), entry.callback)


def project_patterns() -> list[Pattern]:
    """Every URL pattern of ours: not Django's admin, not allauth's own pages."""
    return [
        p
        for p in _walk(get_resolver())
        if not p.route.startswith(("admin/", "accounts/", "static/", "media"))
    ]


def methods_of(pattern: Pattern) -> list[str]:
    callback = pattern.callback
    actions = getattr(callback, "actions", None)
    if actions:  # a DRF viewset route: exactly the methods it maps (HEAD is GET's echo)
        return [m.upper() for m in actions if m in ("get", "post", "put", "patch", "delete")]
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is not None:
        return [
            m.upper() for m in ("get", "post", "put", "patch", "delete") if hasattr(view_class, m)
        ]
    return ["GET", "POST"]  # a function view: read it, and send it an empty form


def test_every_url_pattern_has_a_row() -> None:
    patterns = project_patterns()
    unnamed = [p.route for p in patterns if not p.name]
    missing = sorted({p.name for p in patterns if p.name and p.name not in ROUTES})
    stale = sorted(set(ROUTES) - {p.name for p in patterns})
    assert not unnamed, f"URL patterns without a name (the matrix needs one): {unnamed}"
    assert not missing, (
        "URL patterns with no row in tests/test_permission_matrix.py ROUTES "
        f"(say which door they are and how their arguments are filled): {missing}"
    )
    assert not stale, f"Rows in ROUTES for URL names that no longer exist: {stale}"


# --- The world ---------------------------------------------------------------------------------


@dataclass
class World:
    """Objects by key (`sealed.rfp`, `vendor_a.certification`...) and whose they are."""

    values: dict[str, Any] = field(default_factory=dict)
    owners: dict[str, frozenset[str]] = field(default_factory=dict)

    def add(self, key: str, value: Any, *owners: str) -> Any:
        self.values[key] = getattr(value, "pk", value)
        self.owners[key] = frozenset(owners)
        return value


def _text_question(rfp: RFP) -> Any:
    return next(
        q
        for section in rfp.sections.all()
        for q in section.questions.all()
        if q.kind == QuestionKind.TEXT
    )


def _price_first_line(user: User, proposal: Any, price: str) -> None:
    """The first pricing line of each lot at `price` (the others stay as filled)."""
    for part in ProposalLot.objects.filter(proposal=proposal).select_related("lot"):
        lines = list(part.lot.pricing_lines.order_by("order", "id"))
        proposal_services.proposal_prices_save(
            actor=user,
            proposal=proposal,
            lot=part.lot,
            version=part.pricing_version,
            prices={line.pk: price if i == 0 else "10.00" for i, line in enumerate(lines)},
        )


def _score(evaluator: User, evaluation: Evaluation, comments: dict[str, str]) -> None:
    """Score every item assigned (7, or 9 with the comment given for its main criterion)."""
    evaluation = Evaluation.objects.select_related("rfp").get(pk=evaluation.pk)
    work = evaluator_workload(evaluation=evaluation, user=evaluator)
    for vendor in work.vendors:
        entries = {}
        for item in vendor.items:
            top = item.criterion
            while top.parent_id is not None:
                top = Criterion.objects.get(pk=top.parent_id)
            comment = comments.get(top.name, "")
            entries[(item.criterion.pk, item.lot.pk)] = scoring_services.ScoreInput(
                9 if comment else 7, comment
            )
        scoring_services.scores_save(
            actor=evaluator, evaluation=evaluation, proposal=vendor.proposal, scores=entries
        )
    scoring_services.scores_submit(actor=evaluator, evaluation=evaluation)


def build_world(roles: dict[str, User], capture_on_commit: Any) -> World:
    w = World()
    admin_user, pm = roles["admin"], roles["procurement_manager"]
    org = admin_user.buyer_membership.organization
    evaluator2 = add_member(org, "evaluator2@buyer.example", BuyerRole.EVALUATOR)
    vendor_a, vendor_b = roles["vendor_a"], roles["vendor_b"]
    company_a = vendor_a.vendor_membership.company
    company_b = vendor_b.vendor_membership.company
    w.add("vendor_a.company", company_a, "vendor_a")
    w.add("vendor_b.company", company_b, "vendor_b")

    # Vendor A's profile: a centre, certifications with evidence, a reference, a colleague.
    w.add("vendor_a.centre", add_centre(vendor_a, company_a, "PH", "Makati", 300), "vendor_a")
    for slug in ("iso-iec-27001", "pci-dss"):
        certification = vendor_services.certification_save(
            actor=vendor_a,
            company=company_a,
            certification_type=CertificationType.objects.get(slug=slug),
            issued_on=dt.date.today() - dt.timedelta(days=100),
            expires_on=dt.date.today() + dt.timedelta(days=400),
            evidence=pdf_upload(),
        )
    w.add("vendor_a.certification", certification, "vendor_a")
    reference = vendor_services.reference_save(
        actor=vendor_a,
        company=company_a,
        client_name="A regional health insurer",
        industry=Industry.objects.first(),
        service_function=ServiceFunction.objects.first(),
        years=3,
    )
    w.add("vendor_a.reference", reference, "vendor_a")
    colleague = make_user("colleague@vendor-a.example", "A Colleague")
    access = vendor_services.access_request_create(user=colleague, company=company_a)
    vendor_services.access_request_decide(actor=vendor_a, access_request=access, approve=True)
    w.add(
        "vendor_a.colleague_membership",
        VendorMembership.objects.get(user__email=colleague.email),
        "vendor_a",
    )
    equip_vendor(vendor_b, country="IN")

    # The organization: a pending invitation, an admin's API token.
    invitation = invitation_create(
        actor=admin_user, email="new-analyst@buyer.example", role="viewer", organization=org
    )
    w.add("org.invitation", invitation, "org")
    # Whoever holds the token may open the invitation page: it names no owner.
    w.add("org.invitation_token", invitation.plain_token)  # type: ignore[attr-defined]
    w.add("org.viewer_membership", roles["viewer"].buyer_membership, "org")
    token, _ = api_token_create(user=admin_user, name="Matrix: the admin's own token")
    w.add("admin.token", token, "org")
    # A webhook (listening to nothing the world does) and one delivery in its log.
    webhook = WebhookSubscription.objects.create(
        organization=org,
        url="https://hooks.buyer.example/bpo",
        events=["award.returned"],
        secret="whsec_matrix",
    )
    w.add("org.webhook", webhook, "org")
    w.add(
        "org.webhook_delivery",
        WebhookDelivery.objects.create(
            subscription=webhook,
            event_id=uuid.uuid4(),
            event="award.returned",
            payload={"type": "award.returned"},
            status=WebhookDelivery.Status.DELIVERED,
        ),
        "org",
    )

    # The SEALED RFP: invite-only (vendor A), a document, an addendum, a question from
    # vendor A, vendor A's proposal submitted; the deadline is 14 days ahead.
    sealed = make_ready_rfp(pm, title=SEALED_TITLE, invite=(company_a,), budget=Decimal("5000000"))
    attachment = rfp_services.rfp_attachment_add(
        actor=pm, rfp=sealed, version=sealed.version, upload=pdf_upload("scope.pdf")
    )
    sealed = publish(sealed, admin_user)
    sealed = rfp_services.rfp_update(
        actor=pm,
        rfp=sealed,
        version=sealed.version,
        addendum_summary="Volumes clarified.",
        summary="Inbound calls and chat for the patient helpline, volumes clarified.",
    )
    question = rfp_services.clarification_ask(actor=vendor_a, rfp=sealed, text=VENDOR_A_QUESTION)
    proposal = fill(vendor_a, sealed, answers={_text_question(sealed).pk: SEALED_ANSWER})
    _price_first_line(vendor_a, proposal, SEALED_PRICE)
    proposal_attachment = proposal_services.proposal_attachment_add(
        actor=vendor_a, proposal=proposal, upload=pdf_upload("case-study.pdf")
    )
    proposal_services.proposal_submit(actor=vendor_a, proposal=proposal)
    w.add("sealed.attachment", attachment, "org")
    w.add("sealed.clarification", question, "org", "vendor_a")
    # Its criteria came with the starter and locked at publication: changed only by addendum.
    w.add("sealed.criterion", main(Evaluation.objects.get(rfp=sealed), "Quality"), "org")
    _add_rfp_parts(w, "sealed", reload(sealed), proposal, proposal_attachment)

    # The OPENED RFP: vendor A and vendor C submitted, the deadline passed, an
    # evaluation scored by two evaluators (the first scores only Quality), an award
    # proposed, an Excel export made.
    vendor_c = make_vendor("owner@vendor-c.example", "Monterrey Nearshore SA", "MX")
    equip_vendor(vendor_c, country="MX")
    company_c = vendor_c.vendor_membership.company
    opened = make_ready_rfp(
        pm, title=OPENED_TITLE, invite=(company_a, company_c), budget=Decimal("5000000")
    )
    opened = publish(opened, admin_user)
    proposal = fill(vendor_a, opened, answers={_text_question(opened).pk: OPENED_ANSWER})
    _price_first_line(vendor_a, proposal, OPENED_PRICE)
    proposal_attachment = proposal_services.proposal_attachment_add(
        actor=vendor_a, proposal=proposal, upload=pdf_upload("case-study.pdf")
    )
    proposal_services.proposal_submit(actor=vendor_a, proposal=proposal)
    proposal_services.proposal_submit(actor=vendor_c, proposal=fill(vendor_c, opened))
    opened = pass_deadline(opened)
    evaluation = scoring_services.evaluation_setup(actor=pm, rfp=opened)
    evaluator = roles["evaluator"]
    scoring_services.assignments_set(
        actor=pm, evaluation=evaluation, evaluator=evaluator, criteria=[main(evaluation, "Quality")]
    )
    scoring_services.assignments_set(
        actor=pm,
        evaluation=evaluation,
        evaluator=evaluator2,
        criteria=[main(evaluation, "Quality"), main(evaluation, "Technology")],
    )
    evaluation = scoring_services.evaluation_start_scoring(actor=pm, evaluation=evaluation)
    for member in (evaluator, evaluator2):
        declare_none(member, evaluation)
    _score(evaluator, evaluation, {"Quality": QUALITY_COMMENT})
    _score(evaluator2, evaluation, {"Technology": TECHNOLOGY_COMMENT})
    opened = reload(opened)
    evaluation = Evaluation.objects.select_related("rfp").get(pk=evaluation.pk)
    award = award_services.award_propose(
        actor=pm,
        evaluation=evaluation,
        lot=opened.lots.get(),
        winners=[proposal],
        justification="Best technology and quality scores; the panel agreed on the references.",
    )
    w.add("opened.award", award, "org")
    w.add("opened.criterion", main(evaluation, "Quality"), "org")
    technology = main(evaluation, "Technology")
    leaf = Criterion.objects.filter(evaluation=evaluation, parent=technology).first() or technology
    w.add("opened.technology_leaf", leaf, "org")
    _add_rfp_parts(w, "opened", opened, proposal, proposal_attachment)

    # The EARLY RFP: two envelopes, vendor A submitted, the deadline passed, scoring
    # started and nothing scored yet. Its prices stay sealed to every buyer, and every
    # way of opening them (proposals page, envelope API, finalising) is refused.
    early = make_ready_rfp(
        pm, title=EARLY_TITLE, invite=(company_a,), budget=Decimal("5000000"), two_envelopes=True
    )
    early = publish(early, admin_user)
    proposal = fill(vendor_a, early)
    _price_first_line(vendor_a, proposal, EARLY_PRICE)
    proposal_attachment = proposal_services.proposal_attachment_add(
        actor=vendor_a, proposal=proposal, upload=pdf_upload("case-study.pdf")
    )
    proposal_services.proposal_submit(actor=vendor_a, proposal=proposal)
    early = pass_deadline(early)
    early_evaluation = Evaluation.objects.filter(
        rfp=early
    ).first() or scoring_services.evaluation_setup(actor=pm, rfp=early)
    scoring_services.assignments_set(
        actor=pm,
        evaluation=early_evaluation,
        evaluator=evaluator2,
        criteria=[main(early_evaluation, "Quality"), main(early_evaluation, "Technology")],
    )
    scoring_services.evaluation_start_scoring(actor=pm, evaluation=early_evaluation)
    _add_rfp_parts(w, "early", early, proposal, proposal_attachment)
    with capture_on_commit(execute=True):
        report = report_request(actor=pm, rfp=opened, kind="xlsx")
    report.job.refresh_from_db()
    assert report.job.state == JobState.DONE, report.job.error
    w.add("org.report_job", report.job, "org")

    # The organization's template and a vendor import waiting for confirmation.
    w.add(
        "org.template",
        rfp_services.rfp_save_as_template(actor=pm, rfp=reload(sealed), title="Matrix template"),
        "org",
    )
    with capture_on_commit(execute=True):  # the worker checks the file
        vendor_import = vendor_import_upload(actor=pm, file=csv_file(GOOD_ROWS))
    vendor_import.refresh_from_db()
    assert vendor_import.check_job.state == JobState.DONE, vendor_import.check_job.error
    w.add("org.vendor_import", vendor_import, "org")

    # Another organization's draft.
    other = rfp_services.rfp_create(actor=roles["other_buyer"], title=OTHER_TITLE)
    w.add("other.rfp", other, "other_org")
    return w


def _add_rfp_parts(w: World, name: str, rfp: RFP, proposal: Any, attachment: Any) -> None:
    rfp = reload(rfp)
    lot = rfp.lots.order_by("order", "id")[0]
    section = rfp.sections.order_by("order", "id")[0]
    w.add(f"{name}.rfp", rfp, "org")
    w.add(f"{name}.lot", lot, "org")
    w.add(f"{name}.section", section, "org")
    w.add(f"{name}.question", section.questions.order_by("order", "id").first(), "org")
    w.add(f"{name}.pricing_line", lot.pricing_lines.order_by("order", "id").first(), "org")
    w.add(f"{name}.service_level", lot.service_levels.order_by("order", "id").first(), "org")
    w.add(f"{name}.invitation_a", rfp.invitations.get(company__legal_name=VENDOR_A_NAME), "org")
    w.add(f"{name}.proposal", proposal, "org", "vendor_a")
    w.add(f"{name}.proposal_attachment", attachment, "org", "vendor_a")


# --- Requesting ----------------------------------------------------------------------------------

WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
# Writes that any request may cause: the session, a token's last use.
HOUSEKEEPING_TABLES = {"django_session", "accounts_apitoken"}
# What reading writes on anyone's behalf: a viewer's read stores the results it computed
# (scoring.results.stored). Still a problem when a refused request writes it.
DERIVED_TABLES = {"accounts_auditevent", "scoring_storedresults"}


@dataclass
class Outcome:
    role: str
    method: str
    name: str
    label: str
    path: str
    status: int
    body: str
    writes: set[str]
    error: str = ""
    problems: list[str] = field(default_factory=list)


class _Recorder:
    """Catches the tables a request writes to and the exception behind a 500."""

    def __init__(self) -> None:
        self.writes: set[str] = set()
        self.error = ""

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        match = WRITE.match(sql)
        if match and match.group(1) not in HOUSEKEEPING_TABLES:
            self.writes.add(match.group(1))
        return execute(sql, params, many, context)

    def on_exception(self, sender: Any, request: Any = None, **kwargs: Any) -> None:
        self.error = "".join(traceback.format_exception(*sys.exc_info())[-3:]).strip()


def _body(response: Any) -> str:
    if getattr(response, "streaming", False):
        # The test client closes the response once its content is read.
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    return content.decode("utf-8", "replace")


def send(
    client: Client, method: str, path: str, *, api: bool, data: dict[str, Any] | None = None
) -> tuple[Any, str, _Recorder]:
    """One request, rolled back afterwards: the world stays as it was built. The body is
    empty unless `data` is given."""
    recorder = _Recorder()
    got_request_exception.connect(recorder.on_exception)
    try:
        with transaction.atomic(), connection.execute_wrapper(recorder):
            call = getattr(client, method.lower())
            if method == "GET":
                response = call(path)
            elif api:
                response = call(path, data or {}, format="json")
            else:
                response = call(path, data or {})
            body = _body(response)
            transaction.set_rollback(True)

    finally:
        got_request_exception.disconnect(recorder.on_exception)
    return response, body, recorder


def clients_for(roles: dict[str, User | None]) -> dict[str, tuple[Client, APIClient]]:
    """Per role: a browser (session) and an integration (personal API token)."""
    clients = {}
    for role, user in roles.items():
        page, api = Client(raise_request_exception=False), APIClient()
        api.raise_request_exception = False
        if user is not None:
            page.force_login(user)
            _, key = api_token_create(user=user, name="Matrix")
            api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        clients[role] = (page, api)
    return clients


# --- The rules, checked on every response -----------------------------------------------------


def _login_redirect(response: Any) -> bool:
    return response.status_code == 302 and str(response["Location"]).startswith(
        reverse("account_login")
    )


def _error_shape(body: str) -> bool:
    try:
        data = json.loads(body)
    except ValueError:
        return False
    return (
        isinstance(data, dict)
        and isinstance(data.get("message"), str)
        and bool(data["message"])
        and isinstance(data.get("extra"), dict)
        and isinstance(data["extra"].get("fields"), dict)
    )


def _may_not_touch(role: str, door: Door, owners: frozenset[str]) -> bool:
    """Objects and doors a role must not get a 2xx from, nor change anything through."""
    if role == "anonymous":
        return door != Door.PUBLIC
    if role == "other_buyer":
        return "org" in owners or door == Door.VENDOR
    if role in ORG_ROLES:
        return "other_org" in owners or door == Door.VENDOR
    if role == "vendor_a":
        return "vendor_b" in owners or door == Door.BUYER
    if role == "vendor_b":
        return bool(owners & {"org", "vendor_a"}) or door == Door.BUYER
    return False


def problems_with(outcome: Outcome, response: Any, door: Door, owners: frozenset[str]) -> list[str]:
    status, role, api = outcome.status, outcome.role, outcome.path.startswith("/api/")
    door = door_for(door, outcome.method)
    found = []
    if status >= 500:
        found.append(f"server error {outcome.error.splitlines()[-1] if outcome.error else ''}")
    if role == "anonymous" and door != Door.PUBLIC:
        if api and status != 401:
            found.append("anonymous API request must answer 401")
        if not api and not _login_redirect(response):
            found.append("anonymous visitor must be sent to log in")
    if api and 400 <= status < 500 and not _error_shape(outcome.body):
        found.append("4xx body is not {message, extra: {fields}}")
    expected = EXPECTED.get((outcome.method, outcome.name, outcome.label), {}).get(role)
    if expected is not None:
        if status != expected:
            found.append(f"expected {expected}")
    elif role in VENDOR_ROLES and door == Door.BUYER and status not in (403, 404, 405):
        found.append("a vendor on a buyer-only URL must get 403/404")
    elif api and role in BUYER_ROLES and door == Door.VENDOR and status not in (403, 404, 405):
        found.append("a buyer on a vendor-only endpoint must get 403/404")
    if _may_not_touch(role, door, owners):
        if 200 <= status < 300:
            found.append(f"{status} on what this role must not reach ({', '.join(sorted(owners))})")
        if outcome.writes:
            found.append(f"changed data: {', '.join(sorted(outcome.writes))}")
    if outcome.label == "early" and "proposals_envelopeopening" in outcome.writes:
        found.append("an envelope was opened before the technical evaluation was final")
    if role == "viewer" and outcome.writes - DERIVED_TABLES:
        found.append(f"a viewer changed data: {', '.join(sorted(outcome.writes))}")
    for secret in NEVER_SHOWN[role]:
        if secret in outcome.body:
            found.append(f"shows {secret!r}")
    for shown in MUST_SHOW.get((outcome.method, outcome.name, outcome.label), {}).get(role, ()):
        if shown not in outcome.body:
            found.append(f"does not show {shown!r}")
    if (outcome.method, outcome.name, outcome.label) in NOTHING_WRITTEN and outcome.writes:
        found.append(f"wrote before refusing: {', '.join(sorted(outcome.writes))}")
    return found


def table(outcomes: list[Outcome]) -> str:
    rows = [("role", "method", "URL name [variant]", "path", "status", "problem")]
    for o in sorted(outcomes, key=lambda o: (o.name, o.label, o.method, ROLES.index(o.role))):
        for problem in o.problems:
            name = f"{o.name} [{o.label}]" if o.label else o.name
            rows.append((o.role, o.method, name, o.path, str(o.status), problem))
    widths = [min(max(len(r[i]) for r in rows), 60) for i in range(5)]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(r[:5], widths, strict=False)) + "  " + r[5]
        for r in rows
    ]
    return "\n".join(lines)


def grid(outcomes: list[Outcome]) -> str:
    """Every request's status, one row per URL and method, one column per role
    (* after a status: the request changed data, then rolled back)."""
    rows: dict[tuple[str, str, str, str], dict[str, str]] = {}
    for o in outcomes:
        key = (o.name, o.label, o.method, o.path)
        rows.setdefault(key, {})[o.role] = f"{o.status}{'*' if o.writes else ''}"
    header = f"{'URL name [variant]':55} {'method':7}" + "".join(f"{r[:9]:>10}" for r in ROLES)
    lines = [header]
    for (name, label, method, _), statuses in rows.items():
        title = f"{name} [{label}]" if label else name
        cells = "".join(f"{statuses.get(role, '-'):>10}" for role in ROLES)
        lines.append(f"{title[:55]:55} {method:7}{cells}")
    return "\n".join(lines) + "\n"


# --- The tests -----------------------------------------------------------------------------------


def _resolve(variant: Variant, world: World) -> tuple[dict[str, Any], frozenset[str]]:
    kwargs, owners = {}, frozenset[str]()
    for name, value in variant.kwargs.items():
        if isinstance(value, Ref):
            assert value.key in world.values, f"the world has no {value.key!r}"
            owners |= world.owners[value.key]
            value = world.values[value.key]
        kwargs[name] = value
    return kwargs, owners


SUPERUSER = "operator@bpo-portal.example"


def _superuser() -> User:
    return existing_user(SUPERUSER) or User.objects.create_superuser(
        email=SUPERUSER, password="operator-pass-2026"
    )


@pytest.fixture
def matrix_roles(all_roles: dict[str, User | None]) -> dict[str, User | None]:
    roles = {
        "anonymous": None,
        **{role: all_roles[role] for role in (*BUYER_ROLES, *VENDOR_ROLES)},
        "superuser": _superuser(),
    }
    assert tuple(roles) == ROLES
    return roles


def _build_matrix_world() -> dict[str, World]:
    roles = {role: person(role) for role in (*BUYER_ROLES, *VENDOR_ROLES)}
    roles["superuser"] = _superuser()
    return {"matrix_world": build_world(roles, TestCase.captureOnCommitCallbacks)}


# Built once for the shards a test process runs one after the other (tests/worlds.py):
# every request is rolled back, and so is each shard's test.
worlds.register(
    worlds.WorldSpec(
        name="matrix",
        fixtures=("matrix_world",),
        defined_in="tests/test_permission_matrix.py",
        build=_build_matrix_world,
    )
)


@pytest.fixture
def matrix_world(
    request: pytest.FixtureRequest,
    worlds: worlds.Worlds,
    matrix_roles: dict[str, User | None],
    django_capture_on_commit_callbacks: Any,
) -> World:
    world = worlds.current(request, "matrix_world")
    if world is not None:
        return world
    return build_world(matrix_roles, django_capture_on_commit_callbacks)  # type: ignore[arg-type]


# The matrix runs as shards so that the parallel test processes share its few thousand
# requests (and end together); together they request every pattern. A process builds
# the world once for the shards it runs one after the other.
MATRIX_SHARDS = 8


def shard_patterns(shard: int) -> list[Pattern]:
    return project_patterns()[shard::MATRIX_SHARDS]


def test_the_shards_cover_every_pattern_once() -> None:
    shards = [p.name for shard in range(MATRIX_SHARDS) for p in shard_patterns(shard)]
    assert sorted(map(str, shards)) == sorted(str(p.name) for p in project_patterns())


@pytest.mark.parametrize("shard", range(MATRIX_SHARDS))
def test_every_url_as_every_role(
    shard: int,
    matrix_roles: dict[str, User | None],
    matrix_world: World,
    monkeypatch: Any,
) -> None:
    # /healthz/ would wait 2 s per request for a Celery worker: one is "up" here.
    monkeypatch.setattr(health, "check_worker", lambda: None)
    world = matrix_world
    clients = clients_for(matrix_roles)
    outcomes: list[Outcome] = []
    logging.disable(logging.CRITICAL)  # thousands of 403/404 warnings
    try:
        for pattern in shard_patterns(shard):
            assert pattern.name is not None
            route = ROUTES[pattern.name]
            for variant in route.variants:
                kwargs, owners = _resolve(variant, world)
                path = reverse(pattern.name, kwargs=kwargs)
                api = path.startswith("/api/")
                for method in methods_of(pattern):
                    for role in ROLES:
                        client = clients[role][1 if api else 0]
                        response, body, recorder = send(client, method, path, api=api)
                        outcome = Outcome(
                            role,
                            method,
                            pattern.name,
                            variant.label,
                            path,
                            response.status_code,
                            body,
                            recorder.writes,
                            recorder.error,
                        )
                        outcome.problems = problems_with(outcome, response, route.door, owners)
                        outcomes.append(outcome)
        if shard == 0:  # the Django admin's pages are not URL patterns of ours
            outcomes += django_admin_outcomes(clients["superuser"][0], world)
    finally:
        logging.disable(logging.NOTSET)
    if os.environ.get("MATRIX_REPORT"):  # the whole grid, for a reviewer
        report = Path(os.environ["MATRIX_REPORT"])
        report.with_name(f"{report.stem}-{shard}{report.suffix}").write_text(grid(outcomes))
    ours = {str(p.name) for p in project_patterns()}
    mine = {str(p.name) for p in shard_patterns(shard)}

    def in_shard(keys: Iterable[tuple[str, str, str]]) -> set[tuple[str, str, str]]:
        return {k for k in keys if k[1] in mine or (shard == 0 and k[1] not in ours)}

    requested = {(o.method, o.name, o.label) for o in outcomes}
    assert not in_shard(EXPECTED) - requested, (
        f"promises never requested: {in_shard(EXPECTED) - requested}"
    )
    assert not in_shard(MUST_SHOW) - requested, (
        f"MUST_SHOW never requested: {in_shard(MUST_SHOW) - requested}"
    )
    assert not in_shard(NOTHING_WRITTEN) - requested, (
        f"NOTHING_WRITTEN never requested: {in_shard(NOTHING_WRITTEN) - requested}"
    )
    unexpected = [o for o in outcomes if o.problems]
    assert not unexpected, (
        f"{len(unexpected)} of {len(outcomes)} requests answered unexpectedly:\n"
        + table(unexpected)
    )


OUT_OF_RANGE = 10**30  # more digits than any integer column holds


def _out_of_range(value: Any) -> Any:
    if isinstance(value, Ref):
        return "no-such-token" if value.key.endswith("_token") else OUT_OF_RANGE
    return OUT_OF_RANGE if isinstance(value, int) else value


def test_ids_out_of_the_databases_range_are_not_found(
    matrix_roles: dict[str, User | None],
) -> None:
    """The URL patterns take any number of digits: an id no column can hold must
    answer 404 (or 403), never a server error from the database driver."""
    roles = ("admin", "vendor_a")
    clients = clients_for({role: matrix_roles[role] for role in roles})
    outcomes = []
    logging.disable(logging.CRITICAL)
    try:
        for pattern in project_patterns():
            assert pattern.name is not None
            route = ROUTES[pattern.name]
            variant = route.variants[0]
            if not any(isinstance(value, Ref | int) for value in variant.kwargs.values()):
                continue
            kwargs = {name: _out_of_range(value) for name, value in variant.kwargs.items()}
            path = reverse(pattern.name, kwargs=kwargs)
            api = path.startswith("/api/")
            for method in methods_of(pattern):
                for role in roles:
                    response, body, recorder = send(
                        clients[role][1 if api else 0], method, path, api=api
                    )
                    outcome = Outcome(
                        role,
                        method,
                        pattern.name,
                        "out of range",
                        path,
                        response.status_code,
                        body,
                        recorder.writes,
                        recorder.error,
                    )
                    outcome.problems = problems_with(outcome, response, route.door, frozenset())
                    if outcome.status < 400 and outcome.status != 302:
                        outcome.problems.append("an object that cannot exist was found")
                    outcomes.append(outcome)
    finally:
        logging.disable(logging.NOTSET)
    unexpected = [o for o in outcomes if o.problems]
    assert not unexpected, table(unexpected)


def django_admin_outcomes(client: Client, world: World) -> list[Outcome]:
    """The Django admin, as a platform operator: every list, and every object of the
    proposals app (the two proposals of vendor A labelled by their RFP)."""
    proposals = {
        world.values["sealed.proposal"]: "sealed",
        world.values["opened.proposal"]: "opened",
        world.values["early.proposal"]: "early",
    }
    pages = []
    for model in admin.site._registry:
        info = (model._meta.app_label, str(model._meta.model_name))
        changelist = reverse("admin:{}_{}_changelist".format(*info))
        pages.append(("admin changelist", ".".join(info), changelist))
        if model._meta.app_label != "proposals":
            continue
        name = "admin:{}_{}_change".format(*info)
        for pk in model._default_manager.values_list("pk", flat=True):
            label = proposals.get(pk, str(pk)) if info[1] == "proposal" else f"{info[1]} {pk}"
            pages.append((name, label, reverse(name, args=[pk])))
    outcomes = []
    for name, label, path in pages:
        response, body, recorder = send(client, "GET", path, api=False)
        outcome = Outcome(
            "superuser",
            "GET",
            name,
            label,
            path,
            response.status_code,
            body,
            recorder.writes,
            recorder.error,
        )
        outcome.problems = problems_with(outcome, response, Door.ANY, frozenset())
        if response.status_code != 200:
            outcome.problems.append("the operator must see every admin page")
        outcomes.append(outcome)
    return outcomes


def test_nobody_moves_a_published_deadline_earlier(
    matrix_roles: dict[str, User | None],
    matrix_world: World,
    monkeypatch: Any,
) -> None:
    """The calendar attack, through the page and the API, as every role: the sealed RFP's
    deadline brought to a few seconds away. Nobody succeeds; those who may edit the RFP are
    told why; the deadline and the seal stay where vendors were told they are."""
    world = matrix_world
    clients = clients_for(matrix_roles)
    rfp = RFP.objects.get(pk=world.values["sealed.rfp"])
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=8)
    api_body = {
        "version": rfp.version,
        "submission_deadline": soon.isoformat(),
        "addendum_summary": "Closing early.",
    }
    page_body = {
        "version": rfp.version,
        "question_deadline": soon.strftime("%Y-%m-%dT%H:%M"),
        "submission_deadline": (soon + dt.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M"),
        "addendum_summary": "Closing early.",
    }
    api_path = reverse("api-rfp-detail", kwargs={"pk": rfp.pk})
    page_path = reverse("rfp_edit", kwargs={"pk": rfp.pk, "step": "timeline"})
    found = []
    logging.disable(logging.CRITICAL)
    try:
        for role in ROLES:
            page, api = clients[role]
            answers = {
                "API": api.patch(api_path, api_body, format="json"),
                "page": page.post(page_path, page_body),
            }
            for door, response in answers.items():
                body = response.content.decode()
                if role in ("admin", "procurement_manager"):
                    if response.status_code != 400 or "can only move later" not in body:
                        found.append(f"{role} {door}: {response.status_code}, no refusal")
                elif response.status_code in (200, 201, 204) or (
                    response.status_code == 302 and not _login_redirect(response)
                ):
                    found.append(f"{role} {door}: {response.status_code}")
    finally:
        logging.disable(logging.NOTSET)
    after = RFP.objects.get(pk=rfp.pk)
    assert found == []
    assert (after.submission_deadline, after.question_deadline, after.seal_lifts_at) == (
        rfp.submission_deadline,
        rfp.question_deadline,
        rfp.seal_lifts_at,
    )


# --- Four eyes: approving one's own submission, at both doors, as every role ---------------------

SELF_APPROVAL = "You submitted this RFP for approval: another admin must approve it"
FOUR_EYES_ROLES = (*ROLES, "second_admin")

# An RFP the admin submitted for approval, approved with its version through the page and
# the API by every role (and another admin of the organization). Page 302s say where they
# lead: back to the check page with the refusal ("check"), or to the published RFP ("detail").
FOUR_EYES_PROMISES = """
four eyes  anon   admin  pm     eval view other  A    B    super  second_admin
on   page  login  check  check  403  403  404    404  404  404    detail
on   api   401    403    403    403  403  404    403  403  403    200
off  page  login  detail check  403  403  404    404  404  404    detail
off  api   401    200    403    403  403  404    403  403  403    200
"""


def _four_eyes_promises() -> dict[tuple[str, str], dict[str, str]]:
    promises = {}
    for line in FOUR_EYES_PROMISES.strip().splitlines()[1:]:
        switch, door, *expected = line.split()
        promises[(switch, door)] = dict(zip(FOUR_EYES_ROLES, expected, strict=True))
    return promises


def test_approving_ones_own_submission_is_refused_at_both_doors_unless_switched_off(
    matrix_roles: dict[str, User | None],
) -> None:
    """Every role approves, through the page and the API, an RFP the admin submitted:
    only another admin may (the admin too once the organization switches four eyes off).
    A refusal says why and changes nothing: not even a write that is rolled back."""
    admin, pm = matrix_roles["admin"], matrix_roles["procurement_manager"]
    assert admin is not None and pm is not None
    organization = admin.buyer_membership.organization
    roles = {
        **matrix_roles,
        "second_admin": add_member(organization, "second-admin@buyer.example", BuyerRole.ADMIN),
    }
    vendor_a = matrix_roles["vendor_a"]
    assert vendor_a is not None
    rfp = make_ready_rfp(
        pm, title="Matrix four eyes RFP", invite=(vendor_a.vendor_membership.company,)
    )
    rfp = rfp_services.rfp_submit_for_approval(actor=admin, rfp=rfp, version=rfp.version)
    clients = clients_for(roles)
    leads_to = {
        "check": reverse("rfp_check", args=[rfp.pk]),
        "detail": reverse("rfp_detail", args=[rfp.pk]),
    }
    doors = {
        "page": reverse("rfp_transition", kwargs={"pk": rfp.pk, "action": "approve"}),
        "api": f"/api/v1/rfps/{rfp.pk}/approve/",
    }
    promises = _four_eyes_promises()
    problems = []
    logging.disable(logging.CRITICAL)
    try:
        for switch in ("on", "off"):
            if switch == "off":
                organization = buyer_organization_update(
                    actor=admin, organization=organization, four_eyes_required=False
                )
            for door, path in doors.items():
                for role in FOUR_EYES_ROLES:
                    api = door == "api"
                    response, body, recorder = send(
                        clients[role][1 if api else 0],
                        "POST",
                        path,
                        api=api,
                        data={"version": rfp.version},
                    )
                    expected = promises[(switch, door)][role]
                    status = response.status_code
                    where = f"four eyes {switch}, {door}, {role}: {status}"
                    if expected == "login":
                        ok = _login_redirect(response)
                    elif expected in leads_to:
                        ok = status == 302 and response["Location"] == leads_to[expected]
                    else:
                        ok = status == int(expected)
                    if not ok:
                        problems.append(f"{where}, expected {expected}")
                    if api and 400 <= status < 500 and not _error_shape(body):
                        problems.append(f"{where}: 4xx body is not the error shape")
                    refused = expected not in ("detail", "200")
                    if refused and recorder.writes:
                        problems.append(f"{where}: refused but wrote {sorted(recorder.writes)}")
                    if not refused and "rfp_rfptransition" not in recorder.writes:
                        problems.append(f"{where}: approved but recorded no transition")
                    if switch == "on" and role == "admin":
                        # The API answers why; the page it leads back to says it too.
                        said = (
                            json.loads(body)["message"]
                            if api
                            else _body(clients[role][0].get(leads_to["check"]))
                        )
                        if SELF_APPROVAL not in said:
                            problems.append(f"{where}: the refusal does not say why")
    finally:
        logging.disable(logging.NOTSET)
    assert reload(rfp).status == "pending_approval"  # every request was rolled back
    assert not problems, "\n".join(problems)
