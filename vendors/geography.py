"""Country geography for the vendor portal: onshore / nearshore / offshore.

This module is the single place where the product decides whether a delivery
country is *onshore*, *nearshore* or *offshore* for a buyer.  The vendor
directory filters by it and the scoring engine scores delivery centres by it,
so every screen agrees on the answer.  It also offers the country and time-zone
helpers those features need (names for forms, a country's IANA time zones, the
working-hours overlap between a buyer and a delivery centre).

It is deliberately pure Python (no Django import) so it can be tested and
reasoned about on its own.

Data sources (no hand-typed country tables):

* **pycountry** (ISO 3166-1) decides which codes exist and supplies names and
  alpha-2/alpha-3 conversion.  It is the authority on *validity*.
* **countryinfo** supplies land borders (as ISO alpha-3 codes), capital
  coordinates and country centroids.
* **tzdata / zoneinfo** supply time zones.  The country → zone mapping and each
  zone's reference coordinates come from ``zone.tab`` as shipped by the
  ``tzdata`` package that :mod:`zoneinfo` itself reads, so every name returned
  is loadable with :class:`zoneinfo.ZoneInfo`.  countryinfo's own IANA list is
  only a fallback because it carries renamed zones (``Asia/Rangoon``,
  ``Europe/Kiev``, ``America/Godthab``...) and no coordinates per zone.

Known quirks of the data, and how they are handled:

* Some countryinfo capitals were geocoded to a namesake city on another
  continent (Dili → New Delhi, St. George's (Grenada) → France, Kingston
  (Norfolk Island) → Jamaica, Douglas (Isle of Man) → Illinois, ...).  A
  capital is therefore only trusted when it lies within
  :data:`CAPITAL_PLAUSIBILITY_KM` of the country's centroid or of one of its
  tzdb reference locations; otherwise a plausible point is used instead (see
  :func:`_anchor_point`).  Genuine capitals are at most ~1,100 km from such a
  point (Beijing); the mis-geocoded ones are 3,400 km or more away.
* countryinfo border lists are not always symmetric: Suriname lists France
  (because of French Guiana), Cyprus lists the United Kingdom (the sovereign
  base areas), Kuwait lists Iran, Chad lists South Sudan.  A land border is
  therefore only counted when *both* countries list each other, which keeps
  the classification symmetric and stops France → Suriname from being
  "nearshore".  The price: a few genuine borders recorded on one side only
  (India-Myanmar, Nepal-China, Iraq-Kuwait, Sudan-Chad) fall back to the
  distance/time-zone rule.  Buyers can correct any such case with overrides.
* Kosovo (``XK``) is not an ISO 3166 country, so it is unknown here.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import unicodedata
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path

import pycountry
from countryinfo import CountryInfo, CountryNotFoundError

__all__ = [
    "CAPITAL_PLAUSIBILITY_KM",
    "NEARSHORE_MAX_DISTANCE_KM",
    "NEARSHORE_MAX_TZ_HOURS",
    "REFERENCE_INSTANT",
    "LocationModel",
    "UnknownCountryError",
    "business_hours_overlap",
    "capital_distance_km",
    "classify_location",
    "country_choices",
    "country_name",
    "country_time_zones",
    "default_time_zone",
    "is_known_country",
    "normalize_country_code",
    "typical_utc_offset_hours",
]

# ---------------------------------------------------------------------------
# Thresholds
# ---------------------------------------------------------------------------

#: Capitals at most this far apart (great-circle) can be nearshore even
#: without a shared land border.  2,000 km is roughly a two-to-three hour
#: flight: it covers the classic nearshore corridors that do not share a land
#: border (UK → Poland ≈ 1,450 km, UK → Portugal, Germany → Romania,
#: Spain → Morocco) while leaving out US → Guatemala (≈ 3,000 km) and
#: UK → India, which the industry calls offshore.
NEARSHORE_MAX_DISTANCE_KM: float = 2_000.0

#: Maximum difference between the two countries' typical UTC offsets for the
#: distance rule.  Nearshore is sold on *working-day overlap*: three hours of
#: difference still leaves at least five shared hours of an eight-hour day.
NEARSHORE_MAX_TZ_HOURS: float = 3.0

#: A countryinfo capital further than this from both the country centroid and
#: every tzdb reference location of the country is treated as mis-geocoded.
#: Real capitals are within ~1,100 km (Beijing); errors start at ~3,400 km.
CAPITAL_PLAUSIBILITY_KM: float = 1_500.0

#: The instant at which "typical" UTC offsets are read.  A fixed date keeps the
#: classification deterministic all year round (it must not flip when clocks
#: change).  Mid-January is standard time in the northern hemisphere, where
#: most buyers are.
REFERENCE_INSTANT: dt.datetime = dt.datetime(2025, 1, 15, 12, 0, tzinfo=dt.UTC)

#: Mean Earth radius (IUGG) used by the haversine formula.
_EARTH_RADIUS_KM = 6_371.0088

_CODE_RE = re.compile(r"^[A-Z]{2}$")


# ---------------------------------------------------------------------------
# Public types
# ---------------------------------------------------------------------------


class LocationModel(StrEnum):
    """Where a delivery country sits relative to the buyer's country."""

    ONSHORE = "onshore"
    NEARSHORE = "nearshore"
    OFFSHORE = "offshore"

    @property
    def label(self) -> str:
        """Human-readable label for templates and forms."""
        return _LOCATION_LABELS[self]

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """``(value, label)`` pairs, in the natural near-to-far order."""
        return [(member.value, member.label) for member in cls]

    def __str__(self) -> str:
        return self.value


_LOCATION_LABELS: dict[LocationModel, str] = {
    LocationModel.ONSHORE: "Onshore",
    LocationModel.NEARSHORE: "Nearshore",
    LocationModel.OFFSHORE: "Offshore",
}


class UnknownCountryError(ValueError):
    """Raised for a code that is not an ISO 3166-1 alpha-2 country code."""

    def __init__(self, code: object) -> None:
        self.code = code
        super().__init__(f"{code!r} is not a known ISO 3166 country code")


# ---------------------------------------------------------------------------
# Country codes and names
# ---------------------------------------------------------------------------


def normalize_country_code(code: str) -> str:
    """Return the canonical upper-case alpha-2 code, or raise UnknownCountryError.

    Matching is case-insensitive and ignores surrounding whitespace, because
    codes arrive from forms, CSV imports and URLs.
    """
    if not isinstance(code, str):
        raise UnknownCountryError(code)
    return _normalize(code.strip().upper())


@functools.lru_cache(maxsize=1024)
def _normalize(upper: str) -> str:
    if not _CODE_RE.match(upper) or pycountry.countries.get(alpha_2=upper) is None:
        raise UnknownCountryError(upper)
    return upper


def is_known_country(code: str) -> bool:
    """True if ``code`` is an ISO 3166-1 alpha-2 code (case-insensitive)."""
    try:
        normalize_country_code(code)
    except UnknownCountryError:
        return False
    return True


def country_name(code: str) -> str:
    """English short name of the country, preferring pycountry's common name.

    ``common_name`` gives "Bolivia", "Iran", "Taiwan", "South Korea" instead of
    the formal ISO names ("Bolivia, Plurinational State of", ...), which is what
    users expect in a directory.
    """
    return _country_name(normalize_country_code(code))


@functools.lru_cache(maxsize=512)
def _country_name(code: str) -> str:
    record = pycountry.countries.get(alpha_2=code)
    assert record is not None  # guaranteed by normalize_country_code
    common: str | None = getattr(record, "common_name", None)
    return common or str(record.name)


def _sort_key(name: str) -> str:
    """Accent-insensitive key so that "Åland Islands" sorts with the A's."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


@functools.lru_cache(maxsize=1)
def _country_choices() -> tuple[tuple[str, str], ...]:
    pairs = [(str(c.alpha_2), _country_name(str(c.alpha_2))) for c in pycountry.countries]
    return tuple(sorted(pairs, key=lambda pair: _sort_key(pair[1])))


def country_choices() -> list[tuple[str, str]]:
    """``(alpha-2 code, name)`` for every ISO country, sorted by name (for forms).

    A fresh list is returned each time so callers may prepend a blank choice.
    """
    return list(_country_choices())


# ---------------------------------------------------------------------------
# Time-zone data (tzdb zone.tab)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Zone:
    name: str
    lat: float
    lon: float


def _parse_iso6709(text: str) -> tuple[float, float]:
    """Parse zone.tab coordinates such as ``+4230+00131`` or ``-332700-0703400``."""
    match = re.fullmatch(r"([+-]\d{4,6})([+-]\d{5,7})", text)
    if match is None:
        raise ValueError(f"bad zone.tab coordinates {text!r}")

    def part(value: str, degree_digits: int) -> float:
        sign = -1.0 if value[0] == "-" else 1.0
        digits = value[1:]
        degrees = int(digits[:degree_digits])
        minutes = int(digits[degree_digits : degree_digits + 2])
        seconds = int(digits[degree_digits + 2 :] or 0)
        return sign * (degrees + minutes / 60 + seconds / 3600)

    return part(match.group(1), 2), part(match.group(2), 3)


def _read_zone_tab() -> str:
    """Text of tzdb's ``zone.tab``: from the tzdata package, else the system tzdb."""
    try:
        return (resources.files("tzdata") / "zoneinfo" / "zone.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        pass
    for directory in zoneinfo.TZPATH:
        path = Path(directory) / "zone.tab"
        if path.is_file():
            return path.read_text(encoding="utf-8")
    return ""


@functools.lru_cache(maxsize=1)
def _zone_table() -> dict[str, tuple[_Zone, ...]]:
    """Country code → tzdb zones with their reference coordinates.

    ``zone.tab`` (rather than ``zone1970.tab``) is used because it has exactly
    one country per row and lists, for each country, the zones its residents
    would pick, including links such as ``Europe/Zagreb``.
    """
    available = zoneinfo.available_timezones()
    table: dict[str, list[_Zone]] = {}
    for line in _read_zone_tab().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) < 3 or fields[2] not in available:
            continue
        lat, lon = _parse_iso6709(fields[1])
        table.setdefault(fields[0].upper(), []).append(_Zone(fields[2], lat, lon))
    return {code: tuple(zones) for code, zones in table.items()}


# ---------------------------------------------------------------------------
# Country profile (cached)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _CountryProfile:
    code: str
    listed_borders: frozenset[str]
    anchor: tuple[float, float] | None
    zones: tuple[str, ...]
    default_zone: str
    utc_offset_hours: float


def _latlng(value: object) -> tuple[float, float] | None:
    """countryinfo coordinates: ``[lat, lng]``, sometimes ``[[lat, lng], ...]`` or empty."""
    if isinstance(value, list) and value and isinstance(value[0], list):
        value = value[0]  # several capitals (e.g. Bonaire): take the first
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
    ):
        lat, lng = float(value[0]), float(value[1])
        if -90.0 <= lat <= 90.0 and -180.0 <= lng <= 180.0:
            return lat, lng
    return None


def _haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in km between two ``(lat, lon)`` points."""
    lat1, lon1 = map(math.radians, a)
    lat2, lon2 = map(math.radians, b)
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * _EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _anchor_point(
    capital: tuple[float, float] | None,
    centroid: tuple[float, float] | None,
    zones: tuple[_Zone, ...],
) -> tuple[float, float] | None:
    """The point that stands for the country in distance and time-zone rules.

    The capital is preferred: it is where government and, usually, the main
    business district are, and it is what "Washington-Guatemala City" style
    comparisons mean.  It is accepted if within CAPITAL_PLAUSIBILITY_KM of the
    centroid or a tzdb reference location (or if there is nothing to check it
    against).  Otherwise: the tzdb location of a single-zone country (for small
    territories this *is* the capital), then the centroid, then any tzdb
    location.
    """
    references = [(z.lat, z.lon) for z in zones]
    if centroid is not None:
        references.append(centroid)
    if capital is not None and (
        not references
        or min(_haversine_km(capital, ref) for ref in references) <= CAPITAL_PLAUSIBILITY_KM
    ):
        return capital
    if len(zones) == 1:
        return zones[0].lat, zones[0].lon
    if centroid is not None:
        return centroid
    if zones:
        return zones[0].lat, zones[0].lon
    return None


def _offset_hours(zone_name: str) -> float:
    offset = REFERENCE_INSTANT.astimezone(zoneinfo.ZoneInfo(zone_name)).utcoffset()
    return 0.0 if offset is None else offset.total_seconds() / 3600


def _etc_zone_for_longitude(lon: float) -> str:
    """Nautical time zone for a longitude (tzdb's Etc/GMT signs are inverted)."""
    hours = max(-12, min(14, round(lon / 15)))
    if hours == 0:
        return "Etc/UTC"
    return f"Etc/GMT{-hours:+d}"


@functools.lru_cache(maxsize=512)
def _profile(code: str) -> _CountryProfile:
    """Everything the rules need about one (already normalised) country."""
    try:
        info = CountryInfo(code)
        raw_borders: list[str] = info.borders()
        capital = _latlng(info.capital_latlng())
        centroid = _latlng(info.latlng())
        fallback_zone_names: list[str] = info.timezone_names()
    except CountryNotFoundError:
        raw_borders, capital, centroid, fallback_zone_names = [], None, None, []

    borders: set[str] = set()
    for alpha3 in raw_borders:
        neighbour = pycountry.countries.get(alpha_3=str(alpha3).upper())
        if neighbour is not None and neighbour.alpha_2 != code:
            borders.add(str(neighbour.alpha_2))

    zones = _zone_table().get(code, ())
    anchor = _anchor_point(capital, centroid, zones)

    # Representative zone: the tzdb zone whose reference city is nearest the
    # capital (Washington → America/New_York, Ottawa → America/Toronto,
    # Moscow → Europe/Moscow, Canberra → Australia/Sydney, Madrid →
    # Europe/Madrid rather than Atlantic/Canary).  A longitude/15 heuristic
    # gets Spain and China wrong, hence distance to the zone's own city.
    if zones:
        if anchor is None:
            default_zone = zones[0].name
        else:
            default_zone = min(zones, key=lambda z: _haversine_km(anchor, (z.lat, z.lon))).name
        zone_names = [z.name for z in zones]
    else:
        available = zoneinfo.available_timezones()
        zone_names = [name for name in fallback_zone_names if name in available]
        if zone_names:
            default_zone = zone_names[0]
        elif anchor is not None:  # uninhabited territories such as Heard Island
            default_zone = _etc_zone_for_longitude(anchor[1])
        else:
            default_zone = "Etc/UTC"

    ordered = [default_zone] + [name for name in zone_names if name != default_zone]
    return _CountryProfile(
        code=code,
        listed_borders=frozenset(borders),
        anchor=anchor,
        zones=tuple(ordered),
        default_zone=default_zone,
        utc_offset_hours=_offset_hours(default_zone),
    )


def country_time_zones(code: str) -> list[str]:
    """IANA time zones used in the country, each loadable with ``ZoneInfo``.

    The representative zone (:func:`default_time_zone`) comes first so it can
    serve as a form default; the rest follow tzdb's ``zone.tab`` order.  Never
    empty: uninhabited territories with no tzdb zone get a synthetic
    ``Etc/...`` zone.
    """
    return list(_profile(normalize_country_code(code)).zones)


def default_time_zone(code: str) -> str:
    """The representative IANA zone of a country: the zone of its capital.

    Chosen as the country's tzdb zone whose reference city is closest to the
    capital (see :func:`_anchor_point` for how bad capital data is handled).
    """
    return _profile(normalize_country_code(code)).default_zone


def typical_utc_offset_hours(code: str) -> float:
    """UTC offset of :func:`default_time_zone` at :data:`REFERENCE_INSTANT`."""
    return _profile(normalize_country_code(code)).utc_offset_hours


def capital_distance_km(a: str, b: str) -> float | None:
    """Great-circle distance between the two countries' capitals (None if unknown)."""
    pa, pb = _profile(normalize_country_code(a)), _profile(normalize_country_code(b))
    if pa.anchor is None or pb.anchor is None:
        return None
    return _haversine_km(pa.anchor, pb.anchor)


# ---------------------------------------------------------------------------
# Classification
# ---------------------------------------------------------------------------


def _tz_gap_hours(a: float, b: float) -> float:
    """Difference between two UTC offsets on the 24-hour clock.

    Taken around the clock so that e.g. Tonga (+13) and American Samoa (-11),
    whose clocks show the same time, count as 0 h apart rather than 24 h.
    """
    gap = abs(a - b) % 24
    return min(gap, 24 - gap)


@functools.lru_cache(maxsize=65_536)
def _natural_location(buyer: str, delivery: str) -> LocationModel:
    """Classification from data alone (no overrides), for normalised codes."""
    if buyer == delivery:
        return LocationModel.ONSHORE
    pb, pd = _profile(buyer), _profile(delivery)
    if delivery in pb.listed_borders and buyer in pd.listed_borders:
        return LocationModel.NEARSHORE
    if pb.anchor is not None and pd.anchor is not None:
        close = _haversine_km(pb.anchor, pd.anchor) <= NEARSHORE_MAX_DISTANCE_KM
        aligned = _tz_gap_hours(pb.utc_offset_hours, pd.utc_offset_hours) <= (
            NEARSHORE_MAX_TZ_HOURS
        )
        if close and aligned:
            return LocationModel.NEARSHORE
    return LocationModel.OFFSHORE


def _override_for(delivery: str, overrides: Mapping[str, str] | None) -> LocationModel | None:
    if not overrides:
        return None
    value = overrides.get(delivery)
    if value is None:  # tolerate lower-case or padded keys
        for key, candidate in overrides.items():
            if isinstance(key, str) and key.strip().upper() == delivery:
                value = candidate
                break
    if value is None:
        return None
    try:
        return LocationModel(str(value).strip().lower())
    except ValueError:
        allowed = ", ".join(repr(m.value) for m in LocationModel)
        raise ValueError(
            f"override for {delivery!r} is {value!r}; expected one of {allowed}"
        ) from None


def classify_location(
    *,
    buyer_country: str,
    delivery_country: str,
    overrides: Mapping[str, str] | None = None,
) -> LocationModel:
    """Classify a delivery country as onshore, nearshore or offshore for a buyer.

    Both countries are ISO 3166-1 alpha-2 codes, case-insensitive.  Rules, in
    order:

    1. **Same country → onshore.**  Always; an override cannot change it.
    2. **Override.**  ``overrides`` is the buyer organisation's per-country
       choice, ``{"GT": "nearshore", "MX": "offshore"}``; an entry for the
       delivery country wins over the data-driven rules, in either direction
       (promote Guatemala for a US buyer, demote Mexico, or call Puerto Rico
       onshore).  Values are ``'onshore'``, ``'nearshore'`` or ``'offshore'``
       (or :class:`LocationModel` members); anything else raises ValueError.
    3. **Shared land border → nearshore.**  From countryinfo's border lists,
       counted only when both countries list each other (see module docstring).
    4. **Close and aligned → nearshore.**  Capitals at most
       :data:`NEARSHORE_MAX_DISTANCE_KM` (2,000 km) apart by great-circle
       (haversine) distance **and** typical UTC offsets at most
       :data:`NEARSHORE_MAX_TZ_HOURS` (3 h) apart.  Distance alone would make
       e.g. Moscow "near" places whose working day barely overlaps; time zone
       alone would make the whole of the Americas nearshore to each other.
       The typical offset is that of the capital's zone
       (:func:`default_time_zone`) on :data:`REFERENCE_INSTANT` (15 January),
       so results never change with daylight-saving time.
    5. Otherwise **offshore**.

    Raises:
        UnknownCountryError: if either code is not an ISO 3166-1 alpha-2 code.
            Both codes are validated even when an override applies.
    """
    buyer = normalize_country_code(buyer_country)
    delivery = normalize_country_code(delivery_country)
    if buyer == delivery:
        return LocationModel.ONSHORE
    override = _override_for(delivery, overrides)
    if override is not None:
        return override
    return _natural_location(buyer, delivery)


# ---------------------------------------------------------------------------
# Business-hours overlap
# ---------------------------------------------------------------------------

_Interval = tuple[dt.datetime, dt.datetime]


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"{name!r} is not a known IANA time zone") from exc


def _window_utc(
    day: dt.date, start: dt.time, end: dt.time, tz: zoneinfo.ZoneInfo
) -> _Interval | None:
    """A local working window on ``day`` as a UTC interval.

    ``end <= start`` means the window runs past midnight into the next day
    (e.g. 21:00-06:00).  Equal start and end is an empty window.  Times are
    resolved by zoneinfo, so DST is applied on each end separately; all
    arithmetic happens in UTC because Python compares datetimes that share a
    tzinfo by wall-clock time.
    """
    if start == end:
        return None
    end_day = day if end > start else day + dt.timedelta(days=1)
    begin = dt.datetime.combine(day, start.replace(tzinfo=None), tzinfo=tz)
    finish = dt.datetime.combine(end_day, end.replace(tzinfo=None), tzinfo=tz)
    begin_utc, finish_utc = begin.astimezone(dt.UTC), finish.astimezone(dt.UTC)
    if finish_utc <= begin_utc:
        return None
    return begin_utc, finish_utc


def _seconds(interval: _Interval) -> float:
    return (interval[1] - interval[0]).total_seconds()


def business_hours_overlap(
    *,
    buyer_tz: str,
    buyer_start: dt.time,
    buyer_end: dt.time,
    centre_tz: str,
    centre_start: dt.time | None,
    centre_end: dt.time | None,
    centre_24_7: bool = False,
    on_date: dt.date,
) -> float:
    """Hours of the buyer's working window on ``on_date`` that a centre is working.

    ``on_date`` is the buyer's local date; the buyer works ``buyer_start`` to
    ``buyer_end`` in ``buyer_tz`` and the centre works ``centre_start`` to
    ``centre_end`` in ``centre_tz`` *every day*.  A window whose end is not
    after its start crosses midnight (a Manila centre on 21:00-06:00 covering
    US hours).  Everything is converted with zoneinfo on the actual dates, so
    daylight-saving time is respected on both sides (New York is UTC-5 in
    January and UTC-4 in July).  A 24/7 centre covers the whole buyer window;
    a centre with no hours (and not 24/7) covers nothing.

    The centre's shifts that start on the days around ``on_date`` are all
    considered (time zones span up to 26 hours), merged, and intersected with
    the buyer window.  Returns hours as a float (e.g. 3.5).

    Raises:
        ValueError: if a time-zone name is not a known IANA zone.
    """
    buyer_zone, centre_zone = _zone(buyer_tz), _zone(centre_tz)
    buyer_window = _window_utc(on_date, buyer_start, buyer_end, buyer_zone)
    if buyer_window is None:
        return 0.0
    if centre_24_7:
        return _seconds(buyer_window) / 3600
    if centre_start is None or centre_end is None:
        return 0.0

    shifts = [
        _window_utc(on_date + dt.timedelta(days=delta), centre_start, centre_end, centre_zone)
        # Offsets run from UTC-12 to UTC+14 and either window may pass
        # midnight, so shifts starting up to three local days away can overlap.
        for delta in range(-3, 4)
    ]
    clipped: list[_Interval] = []
    for shift in shifts:
        if shift is None:
            continue
        begin, finish = max(shift[0], buyer_window[0]), min(shift[1], buyer_window[1])
        if finish > begin:
            clipped.append((begin, finish))

    # Merge so that back-to-back shifts (possible around DST changes) are not
    # counted twice.
    clipped.sort()
    total = 0.0
    current: _Interval | None = None
    for interval in clipped:
        if current is None or interval[0] > current[1]:
            if current is not None:
                total += _seconds(current)
            current = interval
        else:
            current = (current[0], max(current[1], interval[1]))
    if current is not None:
        total += _seconds(current)
    return total / 3600
