"""What a submitted proposal says: the canonical snapshot and its readers.

`build_content` turns a proposal's working copy into plain JSON data;
`canonical_json` and `content_sha256` make the receipt (same content, same
hash: keys sorted, lists in id order, decimals written one way); `read_content`
turns a stored snapshot back into typed values, leaving out what a closed
envelope hides. `content_for_envelopes` is the one filter every door uses
before showing a snapshot to a buyer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bpo_portal.money import currency_decimals

FORMAT = 1


# --- Decimals written one way -------------------------------------------------------------------


def money_text(amount: Decimal, currency: str) -> str:
    """12.5 USD -> "12.50"; 1200 JPY -> "1200"."""
    places = currency_decimals(currency)
    return f"{amount.quantize(Decimal(1).scaleb(-places)):f}"


def decimal_text(value: Decimal) -> str:
    """40, 40.0 and 40.00 are the same number: "40"."""
    normal = value.normalize()
    return f"{normal:f}" if normal != 0 else "0"


def _time_text(value: dt.time | None) -> str | None:
    return value.strftime("%H:%M") if value is not None else None


def canonical_json(content: dict[str, Any]) -> str:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_sha256(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


# --- Building a snapshot from the working copy --------------------------------------------------


def build_content(
    proposal: Any, *, exchange_rate: dict[str, str] | None, rfp_version: int
) -> dict[str, Any]:
    """The snapshot of a proposal's working copy. Reads prefetched relations
    (see `selectors.proposal_working_copy`). The time and the submitter are
    not part of it: they are on the version, so the hash depends on content only."""
    rfp = proposal.rfp
    company = proposal.company
    currency = proposal.currency
    lots = []
    for part in proposal.lots.all():
        lots.append(
            {
                "lot": part.lot_id,
                "prices": sorted(
                    (
                        {
                            "pricing_line": price.pricing_line_id,
                            "unit_price": money_text(price.unit_price, currency),
                            "comment": price.comment,
                        }
                        for price in part.prices.all()
                    ),
                    key=lambda item: item["pricing_line"],
                ),
                "slas": sorted(
                    (
                        {
                            "service_level": commitment.service_level_id,
                            "accepts_target": commitment.accepts_target,
                            "proposed_value": decimal_text(commitment.proposed_value)
                            if commitment.proposed_value is not None
                            else None,
                            "comment": commitment.comment,
                        }
                        for commitment in part.sla_commitments.all()
                    ),
                    key=lambda item: item["service_level"],
                ),
                "centres": sorted(
                    (_centre_content(proposed) for proposed in part.centres.all()),
                    key=lambda item: item["delivery_centre"],
                ),
                "staffing_plan": [None if n is None else int(n) for n in part.staffing_plan],
                "transition_plan": part.transition_plan,
            }
        )
    attachments = sorted(
        (
            {
                "id": attachment.pk,
                "name": attachment.name,
                "content_type": attachment.content_type,
                "size": attachment.size,
                "sha256": attachment.sha256,
                "envelope": attachment.envelope,
                "question": attachment.question_id,
                "description": attachment.description,
            }
            for attachment in proposal.attachments.all()
            if attachment.removed_at is None
        ),
        key=lambda item: item["id"],
    )
    return {
        "format": FORMAT,
        "rfp": {"id": rfp.pk, "reference": rfp.reference, "version": rfp_version},
        "company": {"id": company.pk, "name": company.display_name},
        "rfp_currency": rfp.currency,
        "currency": currency,
        "exchange_rate": exchange_rate,
        "answers": sorted(
            (
                {"question": answer.question_id, "value": answer.value}
                for answer in proposal.answers.all()
            ),
            key=lambda item: item["question"],
        ),
        "lots": sorted(lots, key=lambda item: item["lot"]),
        "attachments": attachments,
        "certifications": sorted(
            (
                {
                    "type": certification.certification_type.slug,
                    "name": certification.certification_type.name,
                    "issued_on": certification.issued_on.isoformat(),
                    "expires_on": certification.expires_on.isoformat()
                    if certification.expires_on
                    else None,
                }
                for certification in company.certifications.all()
            ),
            key=lambda item: (item["type"], item["issued_on"], item["expires_on"] or ""),
        ),
    }


def _centre_content(proposed: Any) -> dict[str, Any]:
    centre = proposed.delivery_centre
    return {
        "delivery_centre": centre.pk,
        "name": centre.name,
        "country": str(centre.country),
        "city": centre.city,
        "seats": centre.seats,
        "languages": sorted(language.code for language in centre.languages.all()),
        "time_zone": str(centre.time_zone),
        "is_24_7": centre.is_24_7,
        "opens_at": _time_text(centre.opens_at),
        "closes_at": _time_text(centre.closes_at),
        "delivery_mode": centre.delivery_mode,
        "share": money_text(proposed.share, "USD"),  # two places, like the column
    }


# --- What an envelope hides ---------------------------------------------------------------------

COMMERCIAL_KEYS = ("currency", "exchange_rate")


def content_for_envelopes(content: dict[str, Any], *, commercial_open: bool) -> dict[str, Any]:
    """The snapshot without what the closed commercial envelope holds: prices,
    price comments, the pricing currency and rate, and commercial attachments.
    (Before the technical envelope opens, callers show no content at all.)"""
    if commercial_open:
        return content
    out = {key: value for key, value in content.items() if key not in COMMERCIAL_KEYS}
    out["lots"] = [
        {key: value for key, value in lot.items() if key != "prices"}
        for lot in content.get("lots", [])
    ]
    out["attachments"] = [
        attachment
        for attachment in content.get("attachments", [])
        if attachment.get("envelope") != "commercial"
    ]
    return out


# --- Reading a snapshot -------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmittedPrice:
    pricing_line_id: int
    unit_price: Decimal
    comment: str


@dataclass(frozen=True)
class SubmittedCommitment:
    service_level_id: int
    accepts_target: bool
    proposed_value: Decimal | None
    comment: str


@dataclass(frozen=True)
class SubmittedCentre:
    delivery_centre_id: int
    name: str
    country: str
    city: str
    seats: int
    languages: tuple[str, ...]
    time_zone: str
    is_24_7: bool
    opens_at: dt.time | None
    closes_at: dt.time | None
    delivery_mode: str
    share: Decimal


@dataclass(frozen=True)
class SubmittedLot:
    lot_id: int
    prices: dict[int, SubmittedPrice] | None  # None: the commercial envelope is closed
    commitments: dict[int, SubmittedCommitment]
    centres: list[SubmittedCentre]
    staffing_plan: list[int | None]  # None only in a draft's preview
    transition_plan: str


@dataclass(frozen=True)
class SubmittedAttachment:
    id: int
    name: str
    content_type: str
    size: int
    sha256: str
    envelope: str
    question_id: int | None
    description: str


@dataclass(frozen=True)
class SubmittedCertification:
    type_slug: str
    name: str
    issued_on: dt.date
    expires_on: dt.date | None


@dataclass(frozen=True)
class ExchangeRateUsed:
    base: str
    quote: str
    rate: Decimal
    as_of: dt.date
    source: str


@dataclass(frozen=True)
class SubmittedContent:
    rfp_version: int
    currency: str | None  # None: the commercial envelope is closed
    rfp_currency: str
    exchange_rate: ExchangeRateUsed | None
    answers: dict[int, Any]
    lots: dict[int, SubmittedLot]
    attachments: list[SubmittedAttachment]
    certifications: list[SubmittedCertification]
    commercial_open: bool = field(default=True)
    vendor_name: str = ""  # the company's name when it submitted ("" in old content)


def _time(value: str | None) -> dt.time | None:
    return dt.time.fromisoformat(value) if value else None


def submitted_vendor_name(content: dict[str, Any]) -> str:
    """The company's name as it was when it submitted ("" in content older than that)."""
    return str((content.get("company") or {}).get("name") or "")


def read_exchange_rate(data: dict[str, str] | None) -> ExchangeRateUsed | None:
    if not data:
        return None
    return ExchangeRateUsed(
        base=data["base"],
        quote=data["quote"],
        rate=Decimal(data["rate"]),
        as_of=dt.date.fromisoformat(data["as_of"]),
        source=data["source"],
    )


def read_content(content: dict[str, Any], *, commercial_open: bool) -> SubmittedContent:
    """Typed values of a snapshot; prices and commercial files only if the
    commercial envelope is open."""
    visible = content_for_envelopes(content, commercial_open=commercial_open)
    lots = {}
    for lot in visible.get("lots", []):
        prices = None
        if commercial_open:
            prices = {
                price["pricing_line"]: SubmittedPrice(
                    price["pricing_line"], Decimal(price["unit_price"]), price.get("comment", "")
                )
                for price in lot.get("prices", [])
            }
        lots[lot["lot"]] = SubmittedLot(
            lot_id=lot["lot"],
            prices=prices,
            commitments={
                item["service_level"]: SubmittedCommitment(
                    item["service_level"],
                    bool(item["accepts_target"]),
                    Decimal(item["proposed_value"]) if item["proposed_value"] is not None else None,
                    item.get("comment", ""),
                )
                for item in lot.get("slas", [])
            },
            centres=[
                SubmittedCentre(
                    delivery_centre_id=item["delivery_centre"],
                    name=item["name"],
                    country=item["country"],
                    city=item["city"],
                    seats=int(item["seats"]),
                    languages=tuple(item["languages"]),
                    time_zone=item["time_zone"],
                    is_24_7=bool(item["is_24_7"]),
                    opens_at=_time(item["opens_at"]),
                    closes_at=_time(item["closes_at"]),
                    delivery_mode=item["delivery_mode"],
                    share=Decimal(item["share"]),
                )
                for item in lot.get("centres", [])
            ],
            staffing_plan=[None if n is None else int(n) for n in lot.get("staffing_plan", [])],
            transition_plan=lot.get("transition_plan", ""),
        )
    return SubmittedContent(
        vendor_name=submitted_vendor_name(content),
        rfp_version=int(content.get("rfp", {}).get("version", 0)),
        currency=visible.get("currency"),
        rfp_currency=content["rfp_currency"],
        exchange_rate=read_exchange_rate(visible.get("exchange_rate")) if commercial_open else None,
        answers={item["question"]: item["value"] for item in visible.get("answers", [])},
        lots=lots,
        attachments=[
            SubmittedAttachment(
                id=item["id"],
                name=item["name"],
                content_type=item["content_type"],
                size=int(item["size"]),
                sha256=item["sha256"],
                envelope=item.get("envelope", "technical"),
                question_id=item.get("question"),
                description=item.get("description", ""),
            )
            for item in visible.get("attachments", [])
        ],
        certifications=[
            SubmittedCertification(
                type_slug=item["type"],
                name=item["name"],
                issued_on=dt.date.fromisoformat(item["issued_on"]),
                expires_on=dt.date.fromisoformat(item["expires_on"])
                if item["expires_on"]
                else None,
            )
            for item in content.get("certifications", [])
        ],
        commercial_open=commercial_open,
    )
