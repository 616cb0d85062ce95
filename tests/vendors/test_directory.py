"""The directory at scale (issue 16): the stored search vector, ranking, the stored
location models, the cheap count, and the benchmark data generator."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.postgres.search import SearchQuery
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.models import BuyerOrganization
from jobs.models import JobState
from tests.conftest import make_vendor
from tests.vendors.factories import add_centre
from tests.vendors.test_import import upload_checked
from vendors import scale, selectors, services
from vendors.geography import country_choices
from vendors.imports import vendor_import_confirm
from vendors.models import SEARCH_CONFIG, BuyerLocation, VendorCompany

on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the stored search vector is PostgreSQL's"
)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def company_of(user) -> VendorCompany:
    return user.vendor_membership.company


def listed(client: Client, **params: str) -> list[str]:
    response = client.get(reverse("api-vendor-list"), {"page_size": "100", **params})
    assert response.status_code == 200, response.content
    return [row["legal_name"] for row in response.json()["results"]]


def found_by_vector(company: VendorCompany, text: str) -> bool:
    query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
    return VendorCompany.objects.filter(pk=company.pk, search_vector=query).exists()


# --- Search ----------------------------------------------------------------------------------


@on_postgres
def test_search_ignores_accents_both_ways(procurement_manager):
    make_vendor("a@societe.example", "Société Générale de Contact", "FR")
    make_vendor("b@bogota.example", "Bogota Nearshore Partners", "CO")
    client = logged_in(procurement_manager)
    assert listed(client, q="societe generale") == ["Société Générale de Contact"]
    assert listed(client, q="Bogotá") == ["Bogota Nearshore Partners"]
    page = client.get(reverse("vendor_directory"), {"q": "SOCIÉTÉ"}).content.decode()
    assert "Société Générale de Contact" in page


@on_postgres
def test_a_typo_or_the_start_of_a_name_still_finds_it(procurement_manager):
    make_vendor("a@apex.example", "Apex Contact Solutions", "PH")
    make_vendor("b@other.example", "Lotus Back Office", "IN")
    client = logged_in(procurement_manager)
    assert listed(client, q="apx contact") == ["Apex Contact Solutions"]
    assert listed(client, q="lotu") == ["Lotus Back Office"]


def test_name_matches_come_before_description_matches(procurement_manager):
    described = company_of(make_vendor("a@aaa.example", "Aardvark Services", "PH"))
    services.vendor_profile_update(
        actor=described.memberships.get().user,
        company=described,
        description="We moved our apex operations to Cebu.",
    )
    make_vendor("z@zz.example", "Zulu Apex Partners", "PH")
    make_vendor("n@none.example", "Nothing To See", "PH")
    client = logged_in(procurement_manager)
    # By name alone Aardvark would come first: the name match wins.
    assert listed(client, q="apex") == ["Zulu Apex Partners", "Aardvark Services"]
    page = client.get(reverse("vendor_directory"), {"q": "apex"}).content.decode()
    assert page.index("Zulu Apex Partners") < page.index("Aardvark Services")
    assert "Nothing To See" not in page
    # An explicit order still wins over relevance.
    assert listed(client, q="apex", ordering="name") == [
        "Aardvark Services",
        "Zulu Apex Partners",
    ]


# --- The stored vector stays current, whatever writes the vendor -----------------------------


@on_postgres
def test_the_search_vector_follows_every_write_path(
    procurement_manager, django_capture_on_commit_callbacks
):
    # Registration.
    owner = make_vendor("owner@kestrel.example", "Kestrel Contact", "PH")
    company = company_of(owner)
    assert found_by_vector(company, "kestrel")
    # The profile editor: names, description, city.
    services.vendor_profile_update(
        actor=owner,
        company=company,
        legal_name="Kestrel Outsourcing Inc.",
        trading_name="Falconry CX",
        description="Multilingual collections desks.",
        headquarters_city="Iloilo",
    )
    for word in ("outsourcing", "falconry", "collections", "iloilo"):
        assert found_by_vector(company, word), word
    assert not found_by_vector(company, "contact")
    # A delivery centre changes the denormalised columns (a separate UPDATE): the vector
    # is still there, computed from the same row.
    add_centre(owner, company, "PH", city="Cebu")
    company.refresh_from_db()
    assert company.total_seats == 100
    assert found_by_vector(company, "falconry")
    # The bulk import (a buyer's file, through the job).
    rows = io.StringIO()
    writer = csv.writer(rows)
    writer.writerow(["Legal name", "Website", "Country", "Contact e-mail", "Services"])
    writer.writerow(["Pelican Données SAS", "pelican.example", "FR", "x@pelican.example", ""])
    upload = upload_checked(  # the worker checks the file, then the buyer confirms
        actor=procurement_manager,
        file=SimpleUploadedFile("vendors.csv", rows.getvalue().encode(), "text/csv"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        job = vendor_import_confirm(actor=procurement_manager, upload=upload)
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.error
    imported = VendorCompany.objects.get(legal_name="Pelican Données SAS")
    assert found_by_vector(imported, "donnees")
    # Even a raw queryset update, which no service sees.
    VendorCompany.objects.filter(pk=imported.pk).update(description="Heron desks")
    assert found_by_vector(imported, "heron")


# --- The location filter: stored, and always the one rule's answer ------------------------


def _vendors_in(countries: list[str]) -> dict[str, str]:
    """A vendor per country (a centre there, headquarters elsewhere): country -> name."""
    names = {}
    for code in countries:
        owner = make_vendor(f"{code.lower()}@loc.example", f"Vendor in {code}", "PH")
        add_centre(owner, company_of(owner), code)
        names[code] = f"Vendor in {code}"
    return names


def _agrees_with_the_rule(client: Client, organization, names: dict[str, str]) -> None:
    for model in ("onshore", "nearshore", "offshore"):
        expected = sorted(
            name
            for code, name in names.items()
            if selectors.location_model_for(organization=organization, country=code) == model
        )
        assert sorted(listed(client, location_model=model)) == expected, model


def test_the_location_filter_agrees_with_the_rule_and_follows_overrides(
    procurement_manager, buyer_admin
):
    organization = procurement_manager.buyer_membership.organization
    names = _vendors_in(["US", "CA", "MX", "CO", "GT", "PH", "IN", "FR"])
    client = logged_in(procurement_manager)
    _agrees_with_the_rule(client, organization, names)
    assert "Vendor in MX" in listed(client, location_model="nearshore")
    assert "Vendor in CO" not in listed(client, location_model="nearshore")

    services.location_override_set(actor=buyer_admin, country="CO", location_model="nearshore")
    services.location_override_set(actor=buyer_admin, country="MX", location_model="offshore")
    _agrees_with_the_rule(client, organization, names)
    assert "Vendor in CO" in listed(client, location_model="nearshore")
    assert "Vendor in MX" in listed(client, location_model="offshore")

    services.location_override_set(actor=buyer_admin, country="MX", location_model=None)
    _agrees_with_the_rule(client, organization, names)
    assert "Vendor in MX" in listed(client, location_model="nearshore")


def test_stored_locations_follow_the_home_country(procurement_manager):
    organization = procurement_manager.buyer_membership.organization
    stored = BuyerLocation.objects.filter(organization=organization)
    # Made with the organization: its onshore and nearshore countries (the rest offshore).
    assert set(stored.values_list("country", flat=True)) == {
        code
        for code, _ in country_choices()
        if selectors.location_model_for(organization=organization, country=code) != "offshore"
    }
    assert {"US", "CA", "MX"} <= set(stored.values_list("country", flat=True))
    names = _vendors_in(["US", "FR", "DE", "PH"])
    organization.home_country = "FR"
    organization.save()
    organization = BuyerOrganization.objects.get(pk=organization.pk)
    assert set(stored.values_list("buyer_country", flat=True)) == {"FR"}
    _agrees_with_the_rule(logged_in(procurement_manager), organization, names)
    assert listed(logged_in(procurement_manager), location_model="onshore") == ["Vendor in FR"]


# --- The count -------------------------------------------------------------------------------


def test_the_count_is_exact_up_to_the_limit_and_says_when_it_is_not(
    procurement_manager, monkeypatch
):
    for i in range(5):
        make_vendor(f"v{i}@count.example", f"Counted {i}", "PH")
    counted = VendorCompany.objects.filter(legal_name__startswith="Counted")
    assert selectors.vendor_count(counted, limit=5) == selectors.VendorCount(5, True, 5)
    beyond = selectors.vendor_count(counted, limit=3)
    assert not beyond.exact
    assert beyond == selectors.VendorCount(3, False, 3) and beyond.label == "more than 3"
    assert selectors.VendorCount(100_000, exact=False, limit=1_000).label == "about 100,000"
    assert selectors.VendorCount(1_000, exact=False, limit=1_000).label == "more than 1,000"
    assert selectors.VendorCount(7, exact=True).label == "7"

    client = logged_in(procurement_manager)
    page = client.get(reverse("vendor_directory"), {"q": "counted"}).content.decode()
    assert "5 vendors found" in page and "estimate" not in page
    monkeypatch.setattr(selectors, "EXACT_COUNT_LIMIT", 3)
    page = client.get(reverse("vendor_directory"), {"q": "counted"}).content.decode()
    assert "More than 3 vendors found" in page and "not counted further" in page
    data = client.get(reverse("api-vendor-list"), {"q": "counted", "page_size": "2"}).json()
    assert data["count_exact"] is False and data["count"] == 3
    # The pages reach as far as the count is exact: 3 vendors, 2 a page.
    assert data["next"] and "page=2" in data["next"]
    last = client.get(reverse("api-vendor-list"), {"q": "counted", "page_size": "2", "page": 2})
    assert last.status_code == 200 and last.json()["next"] is None


# --- seed_scale --------------------------------------------------------------------------------


def test_seed_scale_refuses_real_data_and_resumes_and_resets(vendor_a):
    with pytest.raises(CommandError, match="did not write"):
        call_command("seed_scale", vendors=40, stdout=io.StringIO())
    assert not scale.scale_vendors().exists()
    call_command("seed_scale", vendors=40, force=True, stdout=io.StringIO())
    generated = scale.scale_vendors()
    assert generated.count() == 40
    first = list(generated.order_by("pk").values_list("legal_name", flat=True)[:5])
    call_command("seed_scale", vendors=40, force=True, stdout=io.StringIO())  # nothing to add
    assert generated.count() == 40
    call_command("seed_scale", vendors=40, force=True, reset=True, stdout=io.StringIO())
    assert list(generated.order_by("pk").values_list("legal_name", flat=True)[:5]) == first
    assert generated.filter(delivery_centres__isnull=True).count() == 0
    assert VendorCompany.objects.filter(pk=company_of(vendor_a).pk).exists()  # untouched
    # The generated buyer sees them through the directory, filtered like anyone's.
    client = Client()
    client.force_login(scale.scale_buyer()[0])
    data = client.get(reverse("api-vendor-list"), {"location_model": "offshore"}).json()
    assert 0 < data["count"] <= 40
