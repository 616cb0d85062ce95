"""Tests for vendors.geography (pure Python: run with ``-p no:django``)."""

from __future__ import annotations

import random
import time
import zoneinfo
from datetime import date
from datetime import time as clock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vendors.geography import (
    NEARSHORE_MAX_DISTANCE_KM,
    NEARSHORE_MAX_TZ_HOURS,
    LocationModel,
    UnknownCountryError,
    business_hours_overlap,
    capital_distance_km,
    classify_location,
    country_choices,
    country_name,
    country_time_zones,
    default_time_zone,
    is_known_country,
    normalize_country_code,
    typical_utc_offset_hours,
)

ON, NEAR, OFF = LocationModel.ONSHORE, LocationModel.NEARSHORE, LocationModel.OFFSHORE
ALL_CODES = [code for code, _ in country_choices()]


def classify(buyer: str, delivery: str, overrides: dict[str, str] | None = None) -> LocationModel:
    return classify_location(buyer_country=buyer, delivery_country=delivery, overrides=overrides)


# --------------------------------------------------------------------------- LocationModel


def test_location_model_values_and_labels() -> None:
    assert [m.value for m in LocationModel] == ["onshore", "nearshore", "offshore"]
    assert LocationModel.choices() == [
        ("onshore", "Onshore"),
        ("nearshore", "Nearshore"),
        ("offshore", "Offshore"),
    ]
    assert LocationModel("nearshore") is NEAR
    assert NEAR == "nearshore"  # str enum: compares equal to its stored value
    assert str(OFF) == "offshore"
    assert f"{ON}" == "onshore"


def test_thresholds() -> None:
    assert NEARSHORE_MAX_DISTANCE_KM == 2_000
    assert NEARSHORE_MAX_TZ_HOURS == 3


# --------------------------------------------------------------------------- classification


@pytest.mark.parametrize(
    ("buyer", "delivery", "expected"),
    [
        ("FR", "ES", NEAR),  # land border
        ("FR", "IT", NEAR),  # land border
        ("US", "CA", NEAR),  # land border
        ("US", "MX", NEAR),  # land border (Washington-Mexico City is ~3,000 km)
        ("US", "IN", OFF),
        ("US", "PH", OFF),
        ("US", "GT", OFF),  # Washington-Guatemala City ~3,000 km
        ("US", "US", ON),
        ("GB", "PL", NEAR),  # no border, ~1,450 km and 1 h
        ("DE", "PL", NEAR),  # land border
        ("GB", "IN", OFF),
        ("AU", "PH", OFF),
    ],
)
def test_required_classifications(buyer: str, delivery: str, expected: LocationModel) -> None:
    assert classify(buyer, delivery) is expected


def test_uk_poland_is_nearshore_by_distance_and_time_zone() -> None:
    distance = capital_distance_km("GB", "PL")
    assert distance is not None
    assert 1_400 < distance < 1_500
    assert typical_utc_offset_hours("PL") - typical_utc_offset_hours("GB") == 1


def test_us_guatemala_is_too_far_for_nearshore() -> None:
    distance = capital_distance_km("US", "GT")
    assert distance is not None
    assert 2_900 < distance < 3_100


def test_override_promotes() -> None:
    assert classify("US", "GT", {"GT": "nearshore"}) is NEAR


def test_override_demotes() -> None:
    assert classify("US", "MX", {"MX": "offshore"}) is OFF


def test_override_can_make_another_country_onshore() -> None:
    assert classify("US", "PR") is OFF
    assert classify("US", "PR", {"PR": "onshore"}) is ON


def test_override_only_applies_to_its_country() -> None:
    assert classify("US", "MX", {"GT": "nearshore"}) is NEAR
    assert classify("US", "IN", {"GT": "nearshore"}) is OFF


def test_override_cannot_change_same_country() -> None:
    assert classify("US", "US", {"US": "offshore"}) is ON


def test_override_keys_and_values_are_case_insensitive() -> None:
    assert classify("us", "gt", {"gt": "NearShore"}) is NEAR
    assert classify("US", "GT", {" Gt ": LocationModel.NEARSHORE}) is NEAR


def test_empty_overrides_behave_like_none() -> None:
    assert classify("US", "GT", {}) is OFF


def test_invalid_override_value() -> None:
    with pytest.raises(ValueError, match="override for 'GT'"):
        classify("US", "GT", {"GT": "near"})


def test_case_insensitive_codes() -> None:
    assert classify("fr", "es") is NEAR
    assert classify(" Us ", "us") is ON
    assert classify("gB", "In") is OFF
    assert normalize_country_code(" gb ") == "GB"


@pytest.mark.parametrize("bad", ["XX", "USA", "U", "", "  ", "1A", "U$", "XK", "UK"])
def test_unknown_codes_raise(bad: str) -> None:
    with pytest.raises(UnknownCountryError, match="is not a known ISO 3166 country code"):
        classify(bad, "US")
    with pytest.raises(UnknownCountryError):
        classify("US", bad)


def test_unknown_code_message_and_type() -> None:
    with pytest.raises(UnknownCountryError) as info:
        classify("US", "xx")
    assert str(info.value) == "'XX' is not a known ISO 3166 country code"
    assert isinstance(info.value, ValueError)


def test_unknown_code_raises_even_with_override() -> None:
    with pytest.raises(UnknownCountryError):
        classify("US", "XX", {"XX": "nearshore"})


def test_non_string_code_raises() -> None:
    with pytest.raises(UnknownCountryError):
        normalize_country_code(None)  # type: ignore[arg-type]


def test_one_sided_border_listing_is_ignored() -> None:
    # countryinfo lists France as Suriname's neighbour (French Guiana) and the
    # UK as Cyprus's (sovereign base areas); neither lists the other back.
    assert classify("FR", "SR") is OFF
    assert classify("SR", "FR") is OFF
    assert classify("GB", "CY") is OFF


def test_misgeocoded_capital_is_replaced() -> None:
    # countryinfo puts Dili (Timor-Leste) at New Delhi's coordinates.
    distance = capital_distance_km("TL", "IN")
    assert distance is not None and distance > 4_000
    assert default_time_zone("TL") == "Asia/Dili"
    assert classify("IN", "TL") is OFF


@given(st.sampled_from(ALL_CODES), st.sampled_from(ALL_CODES))
def test_classification_is_symmetric_without_overrides(a: str, b: str) -> None:
    assert classify(a, b) is classify(b, a)
    assert (classify(a, b) is ON) == (a == b)


def test_every_pair_classifies() -> None:
    results = {classify(a, b) for a in ALL_CODES[:60] for b in ALL_CODES}
    assert results == {ON, NEAR, OFF}


def test_classifying_10000_pairs_is_fast() -> None:
    rng = random.Random(42)
    pairs = [(rng.choice(ALL_CODES), rng.choice(ALL_CODES)) for _ in range(10_000)]
    overrides = {"GT": "nearshore", "MX": "offshore"}
    for buyer, delivery in pairs:  # warm-up
        classify(buyer, delivery, overrides)
    started = time.perf_counter()
    for buyer, delivery in pairs:
        classify(buyer, delivery, overrides)
    assert time.perf_counter() - started < 0.5


# --------------------------------------------------------------------------- countries


def test_is_known_country() -> None:
    assert is_known_country("US")
    assert is_known_country("gb")
    assert not is_known_country("UK")  # the ISO code is GB
    assert not is_known_country("XX")
    assert not is_known_country("")


def test_country_name() -> None:
    assert country_name("us") == "United States"
    assert country_name("GB") == "United Kingdom"
    assert country_name("BO") == "Bolivia"  # common name, not "Bolivia, Plurinational State of"
    with pytest.raises(UnknownCountryError):
        country_name("XX")


def test_country_choices() -> None:
    choices = country_choices()
    assert len(choices) == 249
    assert ("US", "United States") in choices
    assert ("FR", "France") in choices
    names = [name for _, name in choices]
    assert names.index("Åland Islands") < names.index("Albania")  # accent-insensitive sort
    assert names[0] == "Afghanistan"
    choices.insert(0, ("", "---"))
    assert country_choices()[0] != ("", "---")  # callers get a copy


@pytest.mark.parametrize(
    ("code", "zone"),
    [
        ("US", "America/New_York"),  # Washington
        ("CA", "America/Toronto"),  # Ottawa
        ("MX", "America/Mexico_City"),
        ("RU", "Europe/Moscow"),
        ("AU", "Australia/Sydney"),  # Canberra
        ("ES", "Europe/Madrid"),  # not Atlantic/Canary
        ("CN", "Asia/Shanghai"),
        ("ID", "Asia/Jakarta"),
        ("IN", "Asia/Kolkata"),
        ("PH", "Asia/Manila"),
        ("GB", "Europe/London"),
        ("UA", "Europe/Kyiv"),  # current tzdb name, not countryinfo's Europe/Kiev
    ],
)
def test_default_time_zone(code: str, zone: str) -> None:
    assert default_time_zone(code) == zone
    assert default_time_zone(code.lower()) == zone


def test_country_time_zones() -> None:
    us = country_time_zones("US")
    assert us[0] == "America/New_York"
    assert {"America/Chicago", "America/Los_Angeles", "Pacific/Honolulu"} <= set(us)
    assert country_time_zones("FR") == ["Europe/Paris"]
    with pytest.raises(UnknownCountryError):
        country_time_zones("XX")


def test_every_country_has_loadable_time_zones() -> None:
    for code in ALL_CODES:
        zones = country_time_zones(code)
        assert zones and zones[0] == default_time_zone(code)
        assert len(zones) == len(set(zones))
        for name in zones:
            zoneinfo.ZoneInfo(name)


def test_typical_offsets_use_january() -> None:
    assert typical_utc_offset_hours("US") == -5
    assert typical_utc_offset_hours("IN") == 5.5
    assert typical_utc_offset_hours("AU") == 11  # Sydney is on daylight time in January


# --------------------------------------------------------------------------- hours overlap

JAN = date(2025, 1, 15)
JUL = date(2025, 7, 15)


def overlap(
    buyer_tz: str,
    buyer_hours: tuple[int, int],
    centre_tz: str,
    centre_hours: tuple[int, int] | None,
    on_date: date,
    centre_24_7: bool = False,
) -> float:
    return business_hours_overlap(
        buyer_tz=buyer_tz,
        buyer_start=clock(buyer_hours[0]),
        buyer_end=clock(buyer_hours[1] % 24),
        centre_tz=centre_tz,
        centre_start=None if centre_hours is None else clock(centre_hours[0]),
        centre_end=None if centre_hours is None else clock(centre_hours[1]),
        centre_24_7=centre_24_7,
        on_date=on_date,
    )


def test_new_york_vs_manila_night_shift() -> None:
    assert overlap("America/New_York", (9, 17), "Asia/Manila", (21, 6), JAN) == 8.0


def test_new_york_vs_manila_day_shift() -> None:
    assert overlap("America/New_York", (9, 17), "Asia/Manila", (9, 18), JAN) == 0.0


def test_new_york_vs_mexico_city() -> None:
    # January: NY 14-22 UTC, Mexico City 15-24 UTC -> 7 h.
    assert overlap("America/New_York", (9, 17), "America/Mexico_City", (9, 18), JAN) == 7.0
    # July: NY is on EDT (13-21 UTC); Mexico has no DST since 2022 -> 6 h.
    assert overlap("America/New_York", (9, 17), "America/Mexico_City", (9, 18), JUL) == 6.0


def test_paris_vs_madrid() -> None:
    assert overlap("Europe/Paris", (9, 17), "Europe/Madrid", (9, 17), JAN) == 8.0
    assert overlap("Europe/Paris", (9, 17), "Europe/Madrid", (9, 17), JUL) == 8.0


def test_london_vs_kolkata() -> None:
    # January: London 09-17 UTC, Kolkata 03:30-12:30 UTC -> 3.5 h.
    assert overlap("Europe/London", (9, 17), "Asia/Kolkata", (9, 18), JAN) == 3.5
    # July: London on BST (08-16 UTC) -> 4.5 h.
    assert overlap("Europe/London", (9, 17), "Asia/Kolkata", (9, 18), JUL) == 4.5


def test_new_york_vs_london_when_only_the_us_has_changed_clocks() -> None:
    assert overlap("America/New_York", (9, 17), "Europe/London", (9, 17), JAN) == 3.0
    # 2025-03-20: US on EDT since 9 March, UK on GMT until 30 March.
    assert overlap("America/New_York", (9, 17), "Europe/London", (9, 17), date(2025, 3, 20)) == 4.0
    assert overlap("America/New_York", (9, 17), "Europe/London", (9, 17), JUL) == 3.0


def test_manila_night_shift_follows_new_york_dst() -> None:
    # In July NY 09-17 is 13-21 UTC; Manila 21-06 is 13-22 UTC -> still 8 h.
    assert overlap("America/New_York", (9, 17), "Asia/Manila", (21, 6), JUL) == 8.0
    # A Manila 22-07 shift (14-23 UTC) covers NY fully in January (14-22 UTC)
    # but misses its first hour in July (13-21 UTC).
    assert overlap("America/New_York", (9, 17), "Asia/Manila", (22, 7), JAN) == 8.0
    assert overlap("America/New_York", (9, 17), "Asia/Manila", (22, 7), JUL) == 7.0


def test_across_the_date_line() -> None:
    # Sydney (AEDT, +11) 09-17 on 15 Jan = 14 Jan 22:00 - 15 Jan 06:00 UTC.
    assert overlap("Australia/Sydney", (9, 17), "Asia/Manila", (9, 18), JAN) == 5.0
    # Honolulu's 14 January shift (19:00-03:00 UTC) is the one that overlaps.
    assert overlap("Australia/Sydney", (9, 17), "Pacific/Honolulu", (9, 17), JAN) == 5.0


def test_24_7_centre_covers_whole_buyer_window() -> None:
    assert overlap("America/New_York", (9, 17), "Asia/Manila", None, JAN, centre_24_7=True) == 8.0
    # 24/7 wins even if hours are also given.
    assert overlap("America/New_York", (9, 17), "Asia/Manila", (9, 18), JAN, True) == 8.0


def test_buyer_window_across_dst_changes() -> None:
    # Clocks spring forward on 9 March 2025: 00:00-12:00 lasts 11 real hours...
    assert overlap("America/New_York", (0, 12), "UTC", None, date(2025, 3, 9), True) == 11.0
    # ...and fall back on 2 November 2025: it lasts 13.
    assert overlap("America/New_York", (0, 12), "UTC", None, date(2025, 11, 2), True) == 13.0


def test_buyer_window_crossing_midnight() -> None:
    # A buyer working 22:00-06:00 New York time (03:00-11:00 UTC in January)
    # against a London centre on 09:00-17:00 -> 09:00-11:00 UTC.
    assert overlap("America/New_York", (22, 6), "Europe/London", (9, 17), JAN) == 2.0


def test_centre_without_hours_covers_nothing() -> None:
    assert overlap("America/New_York", (9, 17), "Asia/Manila", None, JAN) == 0.0


def test_empty_windows() -> None:
    assert overlap("America/New_York", (9, 9), "Asia/Manila", None, JAN, True) == 0.0
    assert overlap("America/New_York", (9, 17), "America/New_York", (12, 12), JAN) == 0.0


def test_unknown_time_zone_raises() -> None:
    with pytest.raises(ValueError, match="not a known IANA time zone"):
        overlap("Mars/Olympus_Mons", (9, 17), "Asia/Manila", (9, 17), JAN)
    with pytest.raises(ValueError, match="not a known IANA time zone"):
        overlap("America/New_York", (9, 17), "../etc/passwd", (9, 17), JAN)


ZONES = [
    "America/New_York",
    "America/Los_Angeles",
    "America/Mexico_City",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Warsaw",
    "Asia/Kolkata",
    "Asia/Manila",
    "Australia/Sydney",
    "Pacific/Auckland",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
]


@given(
    buyer_tz=st.sampled_from(ZONES),
    centre_tz=st.sampled_from(ZONES),
    buyer_start=st.integers(0, 23),
    buyer_end=st.integers(0, 23),
    centre_start=st.integers(0, 23),
    centre_end=st.integers(0, 23),
    on_date=st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31)),
)
def test_overlap_is_bounded_by_the_buyer_window(
    buyer_tz: str,
    centre_tz: str,
    buyer_start: int,
    buyer_end: int,
    centre_start: int,
    centre_end: int,
    on_date: date,
) -> None:
    whole = overlap(buyer_tz, (buyer_start, buyer_end), centre_tz, None, on_date, True)
    part = overlap(
        buyer_tz, (buyer_start, buyer_end), centre_tz, (centre_start, centre_end), on_date
    )
    assert 0.0 <= part <= whole <= 25.0
    # A centre in the buyer's own zone on the buyer's own hours covers everything.
    same = overlap(buyer_tz, (buyer_start, buyer_end), buyer_tz, (buyer_start, buyer_end), on_date)
    assert same == whole
