"""Scale data for benchmarks only: 100,000 vendors with realistic distributions, written
with bulk inserts (`manage.py seed_scale`). Never run against a database with real data.

Every generated vendor's website is on `SCALE_DOMAIN`, and the one buyer it creates has an
address there: that is how a run recognises its own rows (to resume, to reset, and to
refuse a database holding anything else). Deterministic: vendor number n is the same
company on every run."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

from accounts.models import BuyerMembership, BuyerOrganization, User
from accounts.services import buyer_organization_create, user_create
from bpo_portal.errors import ConflictError
from vendors import services
from vendors.geography import default_time_zone
from vendors.models import (
    Certification,
    CertificationType,
    ClientReference,
    DeliveryCentre,
    DeliveryMode,
    EmployeeBand,
    Industry,
    Language,
    RevenueBand,
    ServiceFunction,
    VendorCompany,
    VendorMembership,
    VendorQualification,
)

SCALE_DOMAIN = "scale.example"
BUYER_EMAIL = f"buyer@{SCALE_DOMAIN}"
BUYER_PASSWORD = "scale-pass-2026"
DEFAULT_VENDORS = 100_000
BATCH = 2_000

# Where BPO vendors are: weights per headquarters and delivery country (roughly the
# industry's shape: the Philippines and India first, then the nearshore hubs).
COUNTRY_WEIGHTS: dict[str, int] = {
    "PH": 20, "IN": 19, "MX": 8, "CO": 6, "US": 8, "FR": 3, "GB": 3, "CA": 2, "BR": 2,
    "AR": 1, "CR": 2, "GT": 1, "DO": 1, "JM": 1, "SV": 1, "HN": 1, "PE": 1, "CL": 1,
    "PL": 2, "RO": 2, "BG": 1, "UA": 1, "PT": 1, "ES": 2, "IE": 1, "DE": 1, "EG": 2,
    "MA": 2, "TN": 1, "ZA": 2, "KE": 1, "VN": 2, "MY": 2, "LK": 1, "BD": 1, "PK": 1,
    "CN": 1, "ID": 1,
}  # fmt: skip

CITIES: dict[str, list[str]] = {
    "PH": ["Makati", "Cebu City", "Taguig", "Quezon City", "Davao City", "Pasig", "Iloilo"],
    "IN": ["Bengaluru", "Hyderabad", "Pune", "Chennai", "Gurugram", "Noida", "Kolkata"],
    "MX": ["Monterrey", "Guadalajara", "Ciudad de México", "Querétaro", "Tijuana", "Mérida"],
    "CO": ["Bogotá", "Medellín", "Cali", "Barranquilla", "Bucaramanga"],
    "US": ["Austin", "Phoenix", "Tampa", "Salt Lake City", "Boise", "Columbus"],
    "FR": ["Paris", "Lyon", "Lille", "Nantes", "Montpellier", "Orléans"],
    "GB": ["Glasgow", "Manchester", "Leeds", "Belfast", "Cardiff"],
    "CA": ["Montréal", "Toronto", "Moncton", "Winnipeg"],
    "BR": ["São Paulo", "Curitiba", "Belo Horizonte", "Recife"],
    "ES": ["Madrid", "Barcelona", "Málaga", "València"],
    "PL": ["Kraków", "Wrocław", "Łódź", "Gdańsk"],
    "RO": ["Bucharest", "Cluj-Napoca", "Iași", "Timișoara"],
    "EG": ["Cairo", "Alexandria"],
    "MA": ["Casablanca", "Rabat", "Fès"],
    "ZA": ["Cape Town", "Johannesburg", "Durban"],
    "CR": ["San José", "Heredia"],
}
LANGUAGES: dict[str, list[str]] = {
    "PH": ["en", "tl"], "IN": ["en", "hi"], "MX": ["es", "en"], "CO": ["es", "en"],
    "US": ["en", "es"], "FR": ["fr", "en"], "GB": ["en"], "CA": ["en", "fr"],
    "BR": ["pt", "es"], "AR": ["es"], "CR": ["es", "en"], "GT": ["es"], "DO": ["es", "en"],
    "JM": ["en"], "SV": ["es"], "HN": ["es"], "PE": ["es"], "CL": ["es"], "PL": ["pl", "en", "de"],
    "RO": ["ro", "en", "fr"], "BG": ["bg", "en"], "UA": ["uk", "en"], "PT": ["pt", "en", "fr"],
    "ES": ["es", "en"], "IE": ["en"], "DE": ["de", "en"], "EG": ["ar", "en", "fr"],
    "MA": ["fr", "ar", "es"], "TN": ["fr", "ar"], "ZA": ["en", "af"], "KE": ["en", "sw"],
    "VN": ["vi", "en"], "MY": ["ms", "en", "zh"], "LK": ["en"], "BD": ["bn", "en"],
    "PK": ["ur", "en"], "CN": ["zh", "en"], "ID": ["id", "en"],
}  # fmt: skip
LEGAL_SUFFIX: dict[str, str] = {
    "PH": "Inc.", "IN": "Pvt. Ltd.", "MX": "S.A. de C.V.", "CO": "S.A.S.", "US": "LLC",
    "FR": "SAS", "GB": "Ltd", "CA": "Inc.", "BR": "Ltda.", "ES": "S.L.", "DE": "GmbH",
    "PL": "Sp. z o.o.", "RO": "S.R.L.", "PT": "Lda.", "ZA": "(Pty) Ltd",
}  # fmt: skip

FIRST = [
    "Apex",
    "Summit",
    "Blue",
    "Pacific",
    "Global",
    "Nova",
    "Bright",
    "Prime",
    "Vertex",
    "Lumen",
    "Atlas",
    "Crest",
    "Harbor",
    "Meridian",
    "Pinnacle",
    "Horizon",
    "Silver",
    "Evergreen",
    "Cedar",
    "Orion",
    "Sol",
    "Andes",
    "Maya",
    "Lotus",
    "Monsoon",
    "Nordic",
    "Helix",
    "Aurora",
    "Beacon",
    "Cobalt",
    "Delta",
    "Ember",
    "Falcon",
    "Granite",
    "Indigo",
    "Jade",
    "Kestrel",
    "Lighthouse",
    "Magnolia",
    "Nimbus",
    "Oak",
    "Pioneer",
    "Quantum",
    "Redwood",
    "Sierra",
    "Tidal",
    "Unity",
    "Vista",
    "Willow",
    "Zenith",
    "Coral",
    "Sterling",
    "Amber",
    "Sapphire",
    "Cascade",
    "Compass",
    "Keystone",
    "Northstar",
    "Bayside",
    "Ridge",
    "Summitview",
    "Riverstone",
    "Skyline",
    "Trident",
    "Everest",
    "Sequoia",
    "Aspen",
    "Mosaic",
    "Catalyst",
    "Ironwood",
    "Brightpath",
    "Clearwater",
    "Bluewave",
    "Goldfield",
    "Greenleaf",
    "Redrock",
]
FIRST_LOCAL: dict[str, list[str]] = {
    "FR": ["Société", "Synergie", "Étoile", "Élan", "Horizon Côte", "Générale"],
    "MX": ["Soluciones", "Conexión", "Servicios Integrales", "Gestión", "Atención"],
    "CO": ["Soluciones Andinas", "Conexión", "Gestión", "Atención", "Cordillera"],
    "ES": ["Gestión", "Atención", "Soluciones", "Ibérica"],
    "BR": ["Soluções", "Atendimento", "Conexão"],
    "CA": ["Québec", "Érable", "Société"],
}
MIDDLE = [
    "Contact",
    "Process",
    "Outsourcing",
    "Business Services",
    "CX",
    "Data",
    "Support",
    "Solutions",
    "Partners",
    "Global Services",
    "Back Office",
    "Customer Care",
    "Analytics",
    "Teleservices",
]
DESCRIPTIONS: dict[str, list[str]] = {
    "en": [
        "Customer experience and back-office operations for {industry} clients, with "
        "{seats:,} seats across {centres} delivery centres and {languages} support.",
        "A {size} BPO partner running {service} and {service2} for mid-market and "
        "enterprise brands in {industry}, with quality frameworks and workforce management.",
        "Founded in {year}, we deliver {service} programmes with trained agents, "
        "analytics and continuous improvement for {industry} companies.",
    ],
    "fr": [
        "Relation client et gestion administrative pour le secteur {industry} : "
        "{seats:,} postes, {centres} centres, une équipe francophone expérimentée.",
        "Centre de contacts créé en {year}, spécialisé en {service} et en qualité de service "
        "pour les entreprises européennes.",
    ],
    "es": [
        "Atención al cliente y operaciones de back office para empresas de {industry}, "
        "con {seats:,} posiciones y equipos bilingües en {centres} centros.",
        "Empresa fundada en {year}, especialista en {service} con enfoque en calidad, "
        "analítica y mejora continua para clientes de Norteamérica y Europa.",
    ],
}
DESCRIPTION_LANGUAGE = {"FR": "fr", "MX": "es", "CO": "es", "ES": "es", "AR": "es", "PE": "es"}


@dataclass
class ScaleResult:
    created: int = 0
    existing: int = 0
    notes: list[str] = field(default_factory=list)


def scale_vendors() -> Any:
    return VendorCompany.objects.filter(website_domain__endswith=f".{SCALE_DOMAIN}")


def foreign_data() -> list[str]:
    """What in this database seed_scale did not write (it refuses to mix with it)."""
    found = []
    vendors = VendorCompany.objects.exclude(website_domain__endswith=f".{SCALE_DOMAIN}").count()
    if vendors:
        found.append(f"{vendors:,} vendors")
    users = User.objects.exclude(email__endswith=f"@{SCALE_DOMAIN}").count()
    if users:
        found.append(f"{users:,} users")
    return found


def scale_reset() -> int:
    """Delete the generated vendors (and everything hanging from them) with plain DELETE
    statements: Django's cascade would load 100,000 rows and more into memory."""
    ids = scale_vendors().values("pk")
    centres = DeliveryCentre.objects.filter(company__in=ids)
    m2m: list[tuple[Any, dict[str, Any]]] = [
        (DeliveryCentre.languages.through, {"deliverycentre__in": centres.values("pk")}),
        (VendorCompany.service_functions.through, {"vendorcompany__in": ids}),
        (VendorCompany.industries.through, {"vendorcompany__in": ids}),
        (VendorCompany.technologies.through, {"vendorcompany__in": ids}),
        (VendorCompany.security_controls.through, {"vendorcompany__in": ids}),
        (VendorQualification.tags.through, {"vendorqualification__company__in": ids}),
    ]
    children = [
        DeliveryCentre,
        Certification,
        ClientReference,
        VendorQualification,
        VendorMembership,
    ]
    with transaction.atomic():
        for model, condition in m2m:
            model.objects.filter(**condition)._raw_delete(connection.alias)
        for child in children:
            child.objects.filter(company__in=ids)._raw_delete(connection.alias)
        return scale_vendors()._raw_delete(connection.alias)  # type: ignore[no-any-return]


def scale_buyer() -> tuple[User, BuyerOrganization]:
    """The benchmark's buyer (US, with the demo's two nearshore overrides)."""
    user = User.objects.filter(email=BUYER_EMAIL).first()
    if user is None:
        user = user_create(
            email=BUYER_EMAIL,
            password=BUYER_PASSWORD,
            full_name="Scale Buyer",
            email_verified=True,
        )
    membership = BuyerMembership.objects.filter(user=user).select_related("organization").first()
    if membership is not None:
        return user, membership.organization
    organization = buyer_organization_create(
        user=user,
        name="Scale Benchmark Buyer",
        home_country="US",
        default_currency="USD",
        time_zone="America/New_York",
    )
    for country in ("CO", "GT"):
        services.location_override_set(actor=user, country=country, location_model="nearshore")
    return user, organization


class _Generator:
    """Plain rows (tuples) for a batch of vendors, written with COPY on PostgreSQL (bulk
    INSERT elsewhere): model instances and bulk_create took ten minutes for 100,000."""

    def __init__(self) -> None:
        self.functions = list(ServiceFunction.objects.values_list("pk", "name"))
        self.industries = list(Industry.objects.values_list("pk", "name"))
        self.certification_types = list(CertificationType.objects.values_list("pk", flat=True))
        known = set(Language.objects.values_list("code", flat=True))
        self.languages = {
            country: [code for code in codes if code in known] or ["en"]
            for country, codes in LANGUAGES.items()
        }
        self.countries = list(COUNTRY_WEIGHTS)
        self.country_weights = list(itertools.accumulate(COUNTRY_WEIGHTS.values()))
        self.time_zones = {code: default_time_zone(code) for code in COUNTRY_WEIGHTS}
        self.employee_bands = list(EmployeeBand.values)
        self.revenue_bands = list(RevenueBand.values)
        self.today = dt.date(2026, 6, 1)
        self.now = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)

    def country(self, rng: random.Random) -> str:
        return rng.choices(self.countries, cum_weights=self.country_weights)[0]

    def write(self, numbers: range) -> None:
        """One batch, all or nothing; the same vendors for the same numbers."""
        rng = random.Random(numbers.start)
        vendor_ids = _next_ids(VendorCompany, len(numbers))
        vendors: list[tuple[Any, ...]] = []
        centres: list[tuple[Any, ...]] = []
        spoken: list[tuple[Any, ...]] = []
        offered: list[tuple[Any, ...]] = []
        served: list[tuple[Any, ...]] = []
        certificates: list[tuple[Any, ...]] = []
        places: list[tuple[int, str, int, bool, list[str]]] = []
        for number, company_id in zip(numbers, vendor_ids, strict=True):
            country = self.country(rng)
            local = FIRST_LOCAL.get(country, [])
            first = rng.choice(local) if local and rng.random() < 0.4 else rng.choice(FIRST)
            second = rng.choice(FIRST) if rng.random() < 0.5 else ""
            middle = rng.choice(MIDDLE)
            base = " ".join(part for part in (first, second, middle) if part)
            functions = rng.sample(self.functions, rng.randint(1, 6))
            industries = rng.sample(self.industries, rng.randint(1, 4))
            own = []
            for index in range(rng.choices((1, 2, 3, 4), (40, 35, 15, 10))[0]):
                where = country if index == 0 or rng.random() < 0.55 else self.country(rng)
                codes = self.languages.get(where, ["en"])
                own.append(
                    (
                        company_id,
                        where,
                        rng.choice((40, 80, 150, 250, 400, 600, 900, 1500, 2500)),
                        rng.random() < 0.3,
                        codes[: rng.randint(1, len(codes))],
                    )
                )
            places += own
            seats = sum(place[2] for place in own)
            year = rng.randint(1985, 2024)
            language = DESCRIPTION_LANGUAGE.get(country, "en")
            description = rng.choice(DESCRIPTIONS[language]).format(
                industry=industries[0][1].lower(),
                seats=seats,
                centres=len(own),
                languages=", ".join(sorted({place[4][0] for place in own})),
                size=rng.choice(("specialist", "mid-sized", "large", "fast-growing")),
                service=functions[0][1].lower(),
                service2=functions[-1][1].lower(),
                year=year,
            )
            vendors.append(
                (
                    company_id,
                    f"{base} {LEGAL_SUFFIX.get(country, 'Ltd')}",
                    f"{first} {middle}" if rng.random() < 0.4 else "",
                    f"https://v{number}.{SCALE_DOMAIN}",
                    f"v{number}.{SCALE_DOMAIN}",
                    country,
                    rng.choice(CITIES.get(country, ["Capital"])),
                    year,
                    rng.choice(self.employee_bands),
                    rng.choice(self.revenue_bands),
                    description,
                    "",
                    True,
                    "",
                    seats,
                    any(place[3] for place in own),
                    rng.choice((45, 55, 64, 73, 82, 91, 100)),
                    self.now,
                    self.now,
                )
            )
            offered += [(company_id, pk) for pk, _ in functions]
            served += [(company_id, pk) for pk, _ in industries]
            for kind in rng.sample(
                self.certification_types, rng.choices((0, 1, 2, 3), (30, 40, 20, 10))[0]
            ):
                issued = self.today - dt.timedelta(days=rng.randint(30, 1500))
                # Most valid for four years (some lapsed by now), a fifth without expiry.
                expires = None if rng.random() < 0.2 else issued + dt.timedelta(days=1460)
                certificates.append(
                    (company_id, kind, "Scale Certification Body", "", issued, expires, "", "", "")
                )
        centre_ids = _next_ids(DeliveryCentre, len(places))
        for centre_id, (company_id, where, size, always, codes) in zip(
            centre_ids, places, strict=True
        ):
            centres.append(
                (
                    centre_id,
                    company_id,
                    "",
                    where,
                    rng.choice(CITIES.get(where, ["Capital"])),
                    size,
                    always,
                    self.time_zones[where],
                    None if always else dt.time(8),
                    None if always else dt.time(20),
                    DeliveryMode.OFFSITE.value,
                )
            )
            spoken += [(centre_id, code) for code in codes]
        with transaction.atomic():
            _insert(VendorCompany, VENDOR_COLUMNS, vendors)
            _insert(DeliveryCentre, CENTRE_COLUMNS, centres)
            _insert(DeliveryCentre.languages.through, ["deliverycentre", "language"], spoken)
            functions_through = VendorCompany.service_functions.through
            _insert(functions_through, ["vendorcompany", "servicefunction"], offered)
            _insert(VendorCompany.industries.through, ["vendorcompany", "industry"], served)
            _insert(Certification, CERTIFICATE_COLUMNS, certificates)


VENDOR_COLUMNS = [
    "id", "legal_name", "trading_name", "website", "website_domain", "headquarters_country",
    "headquarters_city", "year_founded", "employee_band", "revenue_band", "description",
    "security_notes", "is_claimed", "claim_email", "total_seats", "has_24_7", "completeness",
    "created_at", "updated_at",
]  # fmt: skip
CENTRE_COLUMNS = [
    "id", "company", "name", "country", "city", "seats", "is_24_7", "time_zone", "opens_at",
    "closes_at", "delivery_mode",
]  # fmt: skip
CERTIFICATE_COLUMNS = [
    "company", "certification_type", "issued_by", "certificate_number", "issued_on",
    "expires_on", "evidence", "evidence_name", "evidence_content_type",
]  # fmt: skip


def _next_ids(model: Any, count: int) -> list[int]:
    """Primary keys for rows about to be inserted, so children can point at them before
    their parents are written (one COPY per table). From the table's sequence on
    PostgreSQL; after the largest id elsewhere (one writer: benchmarks only)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")
        first = int(cursor.fetchone()[0]) + 1
    return list(range(first, first + count))


def _insert(model: Any, fields: list[str], rows: list[tuple[Any, ...]]) -> None:
    table = connection.ops.quote_name(model._meta.db_table)
    model_fields = [model._meta.get_field(name) for name in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in model_fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(fields))
        cursor.executemany(
            f"INSERT INTO {table} ({columns}) VALUES ({marks})",
            [
                [f.get_db_prep_save(v, connection) for f, v in zip(model_fields, row, strict=True)]
                for row in rows
            ],
        )


def _batches(start: int, stop: int) -> Iterator[range]:
    for first in range(start, stop, BATCH):
        yield range(first, min(first + BATCH, stop))


def seed_scale(
    *,
    vendors: int = DEFAULT_VENDORS,
    reset: bool = False,
    force: bool = False,
    progress: Callable[[str], None] = lambda message: None,
) -> ScaleResult:
    """Make the database hold `vendors` generated vendors (adding only the missing ones:
    an interrupted run resumes) and the benchmark's buyer. Refuses a database holding
    anything it did not write unless `force`."""
    foreign = foreign_data()
    if foreign and not force:
        raise ConflictError(
            f"This database holds data seed_scale did not write ({', '.join(foreign)}). "
            "It is for benchmark databases only: use --force to add to it anyway."
        )
    result = ScaleResult()
    if reset:
        result.notes.append(f"Deleted {scale_reset():,} generated vendors.")
    user, organization = scale_buyer()
    existing = scale_vendors().count()
    result.existing = existing
    generator = _Generator()
    for numbers in _batches(existing, vendors):
        generator.write(numbers)
        result.created += len(numbers)
        progress(f"{numbers.stop:,} of {vendors:,} vendors")
    if (
        result.created
        and not VendorQualification.objects.filter(organization=organization).exists()
    ):
        # The buyer has qualified one vendor in fifty.
        VendorQualification.objects.bulk_create(
            VendorQualification(organization=organization, company_id=pk, status="qualified")
            for pk in list(scale_vendors().order_by("pk").values_list("pk", flat=True))[::50]
        )
    if connection.vendor == "postgresql":
        # Fresh statistics for the planner, and (outside a transaction) the visibility
        # map that lets index-only scans skip the table, as autovacuum would later.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
    return result
