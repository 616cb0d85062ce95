"""Every write about vendors: registration, colleagues, the profile, and each
buyer's private qualification."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from accounts.audit import audit_record
from accounts.mail import send_templated_email
from accounts.models import BuyerOrganization, User, VendorRole
from accounts.services import address_in_use_notify, invitation_issue, user_create
from bpo_portal.errors import (
    ApplicationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    validate_model,
)
from bpo_portal.permissions import (
    Capability,
    buyer_membership,
    require_buyer,
    require_vendor,
    vendor_membership,
)
from bpo_portal.uploads import stored_file_delete, validate_upload
from vendors.geography import (
    LocationModel,
    classify_location,
    country_choices,
    default_time_zone,
    is_known_country,
)
from vendors.models import (
    AccessRequest,
    BuyerLocation,
    BuyerTag,
    Certification,
    ClientReference,
    DeliveryCentre,
    LocationOverride,
    QualificationStatus,
    RiskRating,
    VendorCompany,
    VendorMembership,
    VendorQualification,
)
from vendors.selectors import (
    PROFILE_PREFETCH,
    location_overrides_for,
    profile_completeness,
)
from vendors.signals import vendor_company_registered

# --- Registration -------------------------------------------------------------------------


def website_domain(url: str) -> str:
    """'https://www.Example.com/about' -> 'example.com'."""
    url = url.strip()
    if not url:
        return ""
    if "://" not in url:
        url = "https://" + url
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def find_duplicate_company(
    *, legal_name: str, headquarters_country: str, website: str = ""
) -> VendorCompany | None:
    """An existing company with the same legal name and country, or the same website domain."""
    condition = Q(legal_name__iexact=legal_name.strip(), headquarters_country=headquarters_country)
    domain = website_domain(website)
    if domain:
        condition |= Q(website_domain=domain)
    return VendorCompany.objects.filter(condition).first()


def _check_country(field: str, code: str) -> None:
    if not code or not is_known_country(str(code)):
        raise ApplicationError.for_fields({field: f"'{code}' is not a known country."})


def vendor_company_create(
    *,
    user: User,
    legal_name: str,
    headquarters_country: str,
    website: str = "",
    trading_name: str = "",
) -> VendorCompany:
    """Register a vendor company with the user as its first owner.

    A company that already exists (same legal name and country, or same website
    domain) is refused with ConflictError; `extra["company_id"]` lets the page
    offer to ask its owners for access.
    """
    if buyer_membership(user) is not None or vendor_membership(user) is not None:
        raise ConflictError("You already belong to an organization.")
    if not legal_name.strip():
        raise ApplicationError.for_fields({"legal_name": "Enter your company's legal name."})
    _check_country("headquarters_country", headquarters_country)
    duplicate = find_duplicate_company(
        legal_name=legal_name, headquarters_country=headquarters_country, website=website
    )
    if duplicate is not None:
        raise ConflictError(
            f"{duplicate.display_name} is already registered on BPO Portal. "
            "If you work there, ask its owners to give you access.",
            extra={"company_id": duplicate.pk, "company_name": duplicate.display_name},
        )
    with transaction.atomic():
        company = VendorCompany(
            legal_name=legal_name.strip(),
            trading_name=trading_name.strip(),
            headquarters_country=headquarters_country,
            website=website.strip(),
            website_domain=website_domain(website),
        )
        validate_model(company)
        company.save()
        VendorMembership.objects.create(user=user, company=company, role=VendorRole.OWNER)
        # RFP invitations sent to this person's address before they registered (rfp,
        # the layer above, receives this and attaches them).
        vendor_company_registered.send(sender=VendorCompany, company=company, email=user.email)
        audit_record(
            actor=user,
            action="vendor.registered",
            obj=company,
            summary=f"{user} registered {company.display_name}",
        )
    vendor_refresh_profile_stats(company=company)
    return company


def vendor_registration(
    *,
    email: str,
    password: str,
    full_name: str,
    legal_name: str = "",
    headquarters_country: str = "",
    website: str = "",
    join_company_id: int | None = None,
    message: str = "",
) -> User | None:
    """A visitor registers: their account and either a new vendor company they own or
    a request for access to an existing one (`join_company_id`), all or nothing. The
    one service the registration page (and any other door) goes through.

    An address that already has an account registers nothing: its owner is e-mailed
    instead, and the answer is None, so the caller shows what it shows for a new
    address ("check your e-mail") and never tells a visitor who has an account."""
    if address_in_use_notify(email=email):
        return None
    with transaction.atomic():
        user = user_create(email=email, password=password, full_name=full_name)
        if join_company_id is not None:
            company = VendorCompany.objects.filter(pk=join_company_id).first()
            if company is None:
                raise NotFoundError("That company is not registered.")
            access_request_create(user=user, company=company, message=message)
        else:
            vendor_company_create(
                user=user,
                legal_name=legal_name,
                headquarters_country=headquarters_country,
                website=website,
            )
    return user


def vendor_company_create_unclaimed(
    *,
    actor: User,
    legal_name: str,
    headquarters_country: str,
    website: str = "",
    contact_email: str = "",
    function_ids: Iterable[int] = (),
) -> VendorCompany:
    """A buyer adds a vendor that has not registered (bulk import). The profile
    stays unclaimed until the contact accepts the claim invitation."""
    membership = require_buyer(actor, Capability.MANAGE_VENDORS)
    if not legal_name.strip():
        raise ApplicationError.for_fields({"legal_name": "The vendor's name is required."})
    _check_country("headquarters_country", headquarters_country)
    if find_duplicate_company(
        legal_name=legal_name, headquarters_country=headquarters_country, website=website
    ):
        raise ConflictError(f"{legal_name} is already on BPO Portal.")
    with transaction.atomic():
        company = VendorCompany(
            legal_name=legal_name.strip(),
            headquarters_country=headquarters_country,
            website=website.strip(),
            website_domain=website_domain(website),
            is_claimed=False,
            claim_email=contact_email.strip().lower(),
            imported_by=membership.organization,
        )
        validate_model(company)
        company.save()
        if function_ids:
            company.service_functions.set(list(function_ids))
        audit_record(
            actor=actor,
            action="vendor.imported",
            obj=company,
            organization=membership.organization,
            summary=f"{actor} added {company.display_name} to the directory",
        )
    vendor_refresh_profile_stats(company=company)
    return company


def vendor_claim_invitation_send(*, actor: User, company: VendorCompany) -> Any:
    """E-mail the contact of an unclaimed profile a link to claim it as its owner."""
    membership = require_buyer(actor, Capability.MANAGE_VENDORS)
    if company.imported_by_id != membership.organization_id:
        # Other buyers must not e-mail (or replace the pending invitation of) a contact
        # another organization entered.
        raise PermissionDeniedError(
            f"Only the organization that added {company.display_name} can invite its contact."
        )
    if company.is_claimed or not company.claim_email:
        raise ConflictError(f"{company.display_name} has no contact waiting to claim it.")
    return invitation_issue(
        email=company.claim_email,
        role=VendorRole.OWNER,
        company=company,
        invited_by=actor,
        template_prefix="emails/vendor_claim",
        extra_context={"buyer": membership.organization},
    )


# --- Access requests and colleagues ------------------------------------------------------


def access_request_create(
    *, user: User, company: VendorCompany, message: str = ""
) -> AccessRequest:
    if buyer_membership(user) is not None or vendor_membership(user) is not None:
        raise ConflictError("You already belong to an organization.")
    if AccessRequest.objects.filter(
        company=company, requester=user, status=AccessRequest.Status.PENDING
    ).exists():
        raise ConflictError(f"You have already asked {company.display_name} for access.")
    with transaction.atomic():
        request = AccessRequest.objects.create(
            company=company, requester=user, message=message.strip()
        )
        owners = list(
            company.memberships.filter(role=VendorRole.OWNER).values_list("user__email", flat=True)
        )
        send_templated_email(
            to=owners,
            template_prefix="emails/vendor_access_request",
            context={"access_request": request, "company": company, "requester": user},
        )
    return request


def access_request_decide(
    *, actor: User, access_request: AccessRequest, approve: bool
) -> AccessRequest:
    require_vendor(actor, Capability.MANAGE_COMPANY_USERS, access_request.company_id)
    with transaction.atomic():
        locked = AccessRequest.objects.select_for_update().get(pk=access_request.pk)
        if locked.status != AccessRequest.Status.PENDING:
            raise ConflictError("This request has already been answered.")
        requester = locked.requester
        if approve:
            if buyer_membership(requester) is not None or vendor_membership(requester) is not None:
                raise ConflictError(f"{requester} has joined another organization meanwhile.")
            VendorMembership.objects.create(
                user=requester, company=locked.company, role=VendorRole.CONTRIBUTOR
            )
        locked.status = AccessRequest.Status.APPROVED if approve else AccessRequest.Status.DECLINED
        locked.decided_at = timezone.now()
        locked.decided_by = actor
        locked.save(update_fields=["status", "decided_at", "decided_by"])
        send_templated_email(
            to=[requester.email],
            template_prefix="emails/vendor_access_decided",
            context={"access_request": locked, "company": locked.company, "approved": approve},
        )
    return locked


def _owners_left(company_id: int, excluding: int) -> int:
    return (
        VendorMembership.objects.filter(company_id=company_id, role=VendorRole.OWNER)
        .exclude(pk=excluding)
        .count()
    )


def vendor_membership_change_role(
    *, actor: User, membership: VendorMembership, role: str
) -> VendorMembership:
    require_vendor(actor, Capability.MANAGE_COMPANY_USERS, membership.company_id)
    if role not in VendorRole.values:
        raise ApplicationError.for_fields({"role": f"'{role}' is not a vendor role."})
    with transaction.atomic():
        list(VendorMembership.objects.select_for_update().filter(company_id=membership.company_id))
        if (
            membership.role == VendorRole.OWNER
            and role != VendorRole.OWNER
            and not _owners_left(membership.company_id, membership.pk)
        ):
            raise ConflictError(
                "A company needs at least one owner. Make someone else owner first."
            )
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


def vendor_membership_remove(*, actor: User, membership: VendorMembership) -> None:
    """Owners remove colleagues; anyone may leave; the last owner cannot leave."""
    if actor.pk != membership.user_id:
        require_vendor(actor, Capability.MANAGE_COMPANY_USERS, membership.company_id)
    with transaction.atomic():
        list(VendorMembership.objects.select_for_update().filter(company_id=membership.company_id))
        if membership.role == VendorRole.OWNER and not _owners_left(
            membership.company_id, membership.pk
        ):
            raise ConflictError(
                "You are the last owner: make a colleague owner before leaving the company."
            )
        membership.delete()


# --- The profile --------------------------------------------------------------------------


def _require_editor(actor: User, company: VendorCompany) -> None:
    require_vendor(actor, Capability.EDIT_VENDOR_PROFILE, company)


PROFILE_FIELDS = {
    "legal_name",
    "trading_name",
    "website",
    "headquarters_country",
    "headquarters_city",
    "year_founded",
    "employee_band",
    "revenue_band",
    "description",
    "security_notes",
}
PROFILE_RELATIONS = {"service_functions", "industries", "technologies", "security_controls"}


def vendor_profile_update(*, actor: User, company: VendorCompany, **changes: Any) -> VendorCompany:
    """Change profile fields and taxonomy choices. Unknown fields are refused."""
    _require_editor(actor, company)
    unknown = set(changes) - PROFILE_FIELDS - PROFILE_RELATIONS
    if unknown:
        raise ApplicationError(f"These fields cannot be changed: {', '.join(sorted(unknown))}.")
    if "headquarters_country" in changes:
        _check_country("headquarters_country", changes["headquarters_country"])
    year = changes.get("year_founded")
    if year is not None and year > timezone.localdate().year:
        raise ApplicationError.for_fields(
            {"year_founded": "The year founded cannot be in the future."}
        )
    with transaction.atomic():
        for field in PROFILE_FIELDS & set(changes):
            value = changes[field]
            setattr(company, field, value.strip() if isinstance(value, str) else value)
        if "website" in changes:
            domain = website_domain(company.website)
            clash = (
                VendorCompany.objects.filter(website_domain=domain).exclude(pk=company.pk).first()
                if domain
                else None
            )
            if clash is not None:
                raise ApplicationError.for_fields(
                    {"website": f"{domain} is the website of another registered company."}
                )
            company.website_domain = domain
        validate_model(company)
        company.save()
        for relation in PROFILE_RELATIONS & set(changes):
            getattr(company, relation).set(list(changes[relation]))
    return vendor_refresh_profile_stats(company=company)


def vendor_refresh_profile_stats(*, company: VendorCompany) -> VendorCompany:
    """Keep the denormalised directory columns (seats, 24/7, completeness) current."""
    fresh = VendorCompany.objects.prefetch_related(*PROFILE_PREFETCH).get(pk=company.pk)
    percent, _ = profile_completeness(fresh)
    centres = DeliveryCentre.objects.filter(company=company)
    company.total_seats = centres.aggregate(total=Sum("seats"))["total"] or 0
    company.has_24_7 = centres.filter(is_24_7=True).exists()
    company.completeness = percent
    VendorCompany.objects.filter(pk=company.pk).update(
        total_seats=company.total_seats, has_24_7=company.has_24_7, completeness=percent
    )
    return company


def _centre_fields(centre: DeliveryCentre, data: dict[str, Any]) -> list[Any]:
    fields = {
        "name",
        "country",
        "city",
        "seats",
        "is_24_7",
        "time_zone",
        "opens_at",
        "closes_at",
        "delivery_mode",
    }
    unknown = set(data) - fields - {"languages"}
    if unknown:
        raise ApplicationError(f"These fields cannot be changed: {', '.join(sorted(unknown))}.")
    for field in fields & set(data):
        setattr(centre, field, data[field])
    errors: dict[str, str] = {}
    if "country" in data:
        try:
            _check_country("country", str(data["country"]))
        except ApplicationError as exc:
            errors.update({k: v[0] for k, v in exc.fields.items()})
    if centre.seats is not None and centre.seats < 1:
        errors["seats"] = "A delivery centre has at least one seat."
    if not centre.is_24_7 and (centre.opens_at is None or centre.closes_at is None):
        errors["opens_at"] = "Give the opening and closing times, or tick 24/7."
    if not centre.is_24_7 and centre.opens_at is not None and centre.opens_at == centre.closes_at:
        errors["closes_at"] = "Opening and closing times are the same."
    languages = list(data.get("languages", centre.languages.all() if centre.pk else []))
    if not languages:
        errors["languages"] = "Choose at least one language spoken in this centre."
    if errors:
        raise ApplicationError.for_fields(errors)
    if centre.is_24_7:
        centre.opens_at = centre.closes_at = None
    return languages


def delivery_centre_save(
    *, actor: User, company: VendorCompany, centre: DeliveryCentre | None = None, **data: Any
) -> DeliveryCentre:
    _require_editor(actor, company)
    if centre is not None and centre.company_id != company.pk:
        raise NotFoundError("Delivery centre not found.")
    if centre is None:
        centre = DeliveryCentre(company=company)
        if "time_zone" not in data and data.get("country"):
            data["time_zone"] = default_time_zone(str(data["country"]))
    with transaction.atomic():
        languages = _centre_fields(centre, data)
        validate_model(centre, exclude=["company"])
        centre.save()
        centre.languages.set(languages)
    vendor_refresh_profile_stats(company=company)
    return centre


def delivery_centre_delete(*, actor: User, centre: DeliveryCentre) -> None:
    company = centre.company
    _require_editor(actor, company)
    centre.delete()
    vendor_refresh_profile_stats(company=company)


def certification_save(
    *,
    actor: User,
    company: VendorCompany,
    certification: Certification | None = None,
    evidence: UploadedFile[Any] | None = None,
    **data: Any,
) -> Certification:
    _require_editor(actor, company)
    if certification is not None and certification.company_id != company.pk:
        raise NotFoundError("Certification not found.")
    certification = certification or Certification(company=company)
    allowed = {"certification_type", "issued_by", "certificate_number", "issued_on", "expires_on"}
    for field in allowed & set(data):
        setattr(certification, field, data[field])
    if (
        certification.expires_on
        and certification.issued_on
        and certification.expires_on < certification.issued_on
    ):
        raise ApplicationError.for_fields(
            {"expires_on": "The expiry date is before the issue date."}
        )
    if certification.issued_on and certification.issued_on > timezone.localdate():
        raise ApplicationError.for_fields({"issued_on": "The issue date cannot be in the future."})
    if evidence is not None:
        content_type = validate_upload(evidence, field="evidence", kinds=("pdf", "image"))
        certification.evidence_name = (evidence.name or "evidence")[:200]
        certification.evidence_content_type = content_type
    with transaction.atomic():
        validate_model(certification, exclude=["company", "evidence"])
        if certification.expires_on is None or certification.expires_on >= timezone.localdate():
            certification.marked_expired_at = None
        if evidence is not None:
            old = certification.evidence.name if certification.evidence else None
            certification.evidence.save(evidence.name or "evidence", evidence, save=False)
            if old:
                transaction.on_commit(
                    lambda: stored_file_delete(certification.evidence.storage, old)
                )
        certification.save()
    vendor_refresh_profile_stats(company=company)
    return certification


def certification_evidence_download(*, user: User, certification: Certification) -> None:
    """Evidence files: the vendor's own users and buyer users may download them, and
    every download is recorded (a buyer's in its organization's audit log). Others get
    the answer a missing file gets: they do not learn that it exists."""
    own = vendor_membership(user)
    buyer = buyer_membership(user)
    if not ((own is not None and own.company_id == certification.company_id) or buyer):
        raise NotFoundError("This file does not exist, or you cannot see it.")
    if not certification.evidence:
        raise NotFoundError("This file is no longer available.")
    audit_record(
        actor=user,
        action="vendor.certification_evidence_downloaded",
        obj=certification,
        organization=buyer.organization if buyer is not None else None,
        summary=f"{user} downloaded the {certification.certification_type} evidence of "
        f"{certification.company.display_name}",
        data={
            "company_id": certification.company_id,
            "file": certification.evidence_name,
        },
    )


def certification_delete(*, actor: User, certification: Certification) -> None:
    company = certification.company
    _require_editor(actor, company)
    name = certification.evidence.name if certification.evidence else None
    storage = certification.evidence.storage
    with transaction.atomic():
        certification.delete()
        if name:
            transaction.on_commit(lambda: stored_file_delete(storage, name))
    vendor_refresh_profile_stats(company=company)


def reference_save(
    *, actor: User, company: VendorCompany, reference: ClientReference | None = None, **data: Any
) -> ClientReference:
    _require_editor(actor, company)
    if reference is not None and reference.company_id != company.pk:
        raise NotFoundError("Reference not found.")
    reference = reference or ClientReference(company=company)
    allowed = {
        "client_name",
        "industry",
        "service_function",
        "years",
        "may_contact",
        "contact_name",
        "contact_email",
    }
    for field in allowed & set(data):
        setattr(reference, field, data[field])
    if reference.may_contact and not reference.contact_email:
        raise ApplicationError.for_fields(
            {"contact_email": "Give a contact e-mail, or untick 'buyers may contact it'."}
        )
    validate_model(reference, exclude=["company"])
    reference.save()
    vendor_refresh_profile_stats(company=company)
    return reference


def reference_delete(*, actor: User, reference: ClientReference) -> None:
    company = reference.company
    _require_editor(actor, company)
    reference.delete()
    vendor_refresh_profile_stats(company=company)


# --- Certificate expiry ---------------------------------------------------------------


def certificates_process_expiry(*, today: dt.date | None = None) -> dict[str, int]:
    """Daily: e-mail owners 30 and 7 days before expiry, mark expired certificates.

    Idempotent: each notice is sent once (its timestamp is recorded), so a
    retried or doubled run sends nothing twice.
    """
    today = today or timezone.localdate()
    counts = {"notified_30": 0, "notified_7": 0, "expired": 0}
    now = timezone.now()
    for days, stamp in ((30, "notified_30_days_at"), (7, "notified_7_days_at")):
        window = Certification.objects.select_related("company", "certification_type").filter(
            expires_on__gte=today, expires_on__lte=today + dt.timedelta(days=days)
        )
        if days == 30:
            # A certificate first seen within 7 days gets only the 7-day notice.
            window = window.filter(expires_on__gt=today + dt.timedelta(days=7))
        for certification in window:
            sent = getattr(certification, stamp)
            # A notice sent before this expiry date's window was for an earlier expiry
            # date: the certificate has been renewed since, and the new date gets its own.
            expires_on: dt.date = certification.expires_on  # type: ignore[assignment]
            if sent is not None and timezone.localdate(sent) >= expires_on - dt.timedelta(
                days=days
            ):
                continue
            with transaction.atomic():
                unchanged = {stamp: sent} if sent is not None else {f"{stamp}__isnull": True}
                updated = Certification.objects.filter(
                    pk=certification.pk, expires_on=expires_on, **unchanged
                ).update(**{stamp: now})
                if not updated:
                    continue  # another run sent it meanwhile
                owners = list(
                    VendorMembership.objects.filter(
                        company=certification.company, role=VendorRole.OWNER
                    ).values_list("user__email", flat=True)
                )
                send_templated_email(
                    to=owners,
                    template_prefix="emails/certificate_expiring",
                    context={
                        "certification": certification,
                        "company": certification.company,
                        "days_left": (expires_on - today).days,
                    },
                )
            counts[f"notified_{days}"] += 1
    counts["expired"] = Certification.objects.filter(
        expires_on__lt=today, marked_expired_at__isnull=True
    ).update(marked_expired_at=now)
    return counts


# --- Per-buyer qualification and location overrides ---------------------------------------


def qualification_update(
    *,
    actor: User,
    company: VendorCompany,
    status: str | None = None,
    risk_rating: str | None = None,
    notes: str | None = None,
    tags: Iterable[str] | None = None,
) -> VendorQualification:
    """Set this buyer's private status, risk, notes and tags for a vendor."""
    membership = require_buyer(actor, Capability.MANAGE_VENDORS)
    organization = membership.organization
    errors: dict[str, str] = {}
    if status is not None and status not in QualificationStatus.values:
        errors["status"] = f"'{status}' is not a qualification status."
    if risk_rating is not None and risk_rating not in RiskRating.values:
        errors["risk_rating"] = f"'{risk_rating}' is not a risk rating."
    clean_tags = None
    if tags is not None:
        clean_tags = sorted({t.strip()[:50] for t in tags if t and t.strip()})
    if errors:
        raise ApplicationError.for_fields(errors)
    with transaction.atomic():
        qualification, _ = VendorQualification.objects.select_for_update().get_or_create(
            organization=organization, company=company
        )
        before = qualification.status
        if status is not None:
            qualification.status = status
        if risk_rating is not None:
            qualification.risk_rating = risk_rating
        if notes is not None:
            qualification.notes = notes.strip()
        qualification.updated_by = actor
        qualification.save()
        if clean_tags is not None:
            tag_objects = [
                BuyerTag.objects.get_or_create(organization=organization, name=name)[0]
                for name in clean_tags
            ]
            qualification.tags.set(tag_objects)
        audit_record(
            actor=actor,
            action="vendor.qualification_changed",
            obj=qualification,
            organization=organization,
            summary=f"{actor} set {company.display_name} to {qualification.get_status_display()}"
            if before != qualification.status
            else f"{actor} updated the qualification of {company.display_name}",
            data={"from": before, "to": qualification.status, "risk": qualification.risk_rating},
        )
    return qualification


def location_override_set(
    *, actor: User, country: str, location_model: str | None
) -> LocationOverride | None:
    """Count a country onshore/nearshore/offshore for this buyer; None removes the override."""
    membership = require_buyer(actor, Capability.MANAGE_SETTINGS)
    organization: BuyerOrganization = membership.organization
    _check_country("country", country)
    if str(country).upper() == str(organization.home_country):
        raise ApplicationError.for_fields({"country": "Your home country is always onshore."})
    if location_model is None or location_model == "":
        with transaction.atomic():
            LocationOverride.objects.filter(organization=organization, country=country).delete()
            buyer_locations_refresh(organization=organization)
        return None
    if location_model not in LocationOverride.Model.values:
        raise ApplicationError.for_fields(
            {"location_model": f"'{location_model}' is not a location model."}
        )
    with transaction.atomic():
        override, _ = LocationOverride.objects.update_or_create(
            organization=organization,
            country=country,
            defaults={"location_model": location_model},
        )
        buyer_locations_refresh(organization=organization)
        audit_record(
            actor=actor,
            action="organization.location_override",
            obj=override,
            organization=organization,
            summary=f"{actor} counts {override.country.name} as {location_model}",
        )
    return override


def buyer_locations_refresh(*, organization: BuyerOrganization) -> None:
    """Store this buyer's onshore and nearshore countries (vendors.BuyerLocation), from
    the one rule (`location_model_for`), for the directory's location filter. Every
    other country is offshore, so a buyer has a dozen rows, not one per country: every
    new organization (and so many tests) pays for this.

    Called when an override changes and when the organization is saved with a home
    country its stored rows were not computed for (created, or moved: vendors/apps.py)."""
    overrides = location_overrides_for(organization=organization)
    home = str(organization.home_country)
    rows = []
    for code, _ in country_choices():
        # What `location_model_for` asks, with the home country read once, not 249 times.
        model = classify_location(buyer_country=home, delivery_country=code, overrides=overrides)
        if model != LocationModel.OFFSHORE:
            rows.append(
                BuyerLocation(
                    organization=organization,
                    buyer_country=home,
                    country=code,
                    location_model=model.value,
                )
            )
    with transaction.atomic():
        # Refreshes of one buyer wait for each other (a no-op on SQLite, one writer).
        BuyerOrganization.objects.select_for_update().filter(pk=organization.pk).exists()
        BuyerLocation.objects.filter(organization=organization).delete()
        BuyerLocation.objects.bulk_create(rows)


def buyer_locations_refresh_if_moved(*, organization: BuyerOrganization) -> None:
    """After an organization is saved: refresh its stored locations unless they were
    computed for its current home country (one query when nothing changed)."""
    if not BuyerLocation.objects.filter(
        organization=organization, buyer_country=str(organization.home_country)
    ).exists():
        buyer_locations_refresh(organization=organization)
