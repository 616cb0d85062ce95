"""Currencies and money: data from pycountry and Babel, amounts as Decimal."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

import pycountry
from babel.numbers import format_currency, get_currency_precision

# Funds, precious metals and testing codes are not currencies anyone prices in.
_NOT_TRADED = {
    "XAU",
    "XAG",
    "XPT",
    "XPD",
    "XTS",
    "XXX",
    "XDR",
    "XSU",
    "XUA",
    "XBA",
    "XBB",
    "XBC",
    "XBD",
    "BOV",
    "CHE",
    "CHW",
    "CLF",
    "COU",
    "MXV",
    "USN",
    "UYI",
    "UYW",
}


@lru_cache(maxsize=1)
def currency_choices() -> list[tuple[str, str]]:
    """(code, "USD: US Dollar") for every ISO 4217 currency, sorted by code."""
    return sorted(
        (c.alpha_3, f"{c.alpha_3}: {c.name}")
        for c in pycountry.currencies
        if c.alpha_3 not in _NOT_TRADED
    )


def is_currency(code: str) -> bool:
    return any(code == c for c, _ in currency_choices())


def currency_decimals(code: str) -> int:
    """Minor-unit digits: 2 for USD, 0 for JPY, 3 for KWD."""
    return int(get_currency_precision(code))


def format_money(amount: Decimal | int | float | None, currency: str, locale: str = "en_US") -> str:
    if amount is None:
        return "—"
    return str(format_currency(Decimal(amount), currency, locale=locale))
