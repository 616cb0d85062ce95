"""Parsing what people type into prices, numbers and answers, with a message
for the person who typed it when it cannot be read."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from proposals import checklist
from proposals.content import decimal_text
from rfp.models import Question, QuestionKind

MAX_UNIT_PRICE = Decimal("10000000000")  # ten billion of any currency: a typo, not a price
MAX_NUMBER_ANSWER = Decimal("1000000000000000")
MAX_TEXT_ANSWER = 20_000


_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")


def parse_decimal(raw: Any, *, example: str = "1250.50") -> Decimal | None:
    """A decimal from a form or JSON value; None if blank. Commas are accepted
    only as thousands separators (1,250.50); anything else is refused."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise ValueError(f"Enter a number, like {example}.")
    if isinstance(raw, (int, Decimal)):
        value = Decimal(raw)
    elif isinstance(raw, float):
        value = Decimal(str(raw))
    else:
        text = str(raw).strip().replace("\u00a0", "").replace(" ", "")
        if not text:
            return None
        if len(text) > 40:
            raise ValueError("That number is far too long: check for extra digits.")
        if "," in text:
            if not _GROUPED.match(text):
                raise ValueError(f"Use a point for decimals, like {example}.")
            text = text.replace(",", "")
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"Enter a number, like {example}.")
    if not value.is_finite():
        raise ValueError(f"Enter a number, like {example}.")
    return value


def parse_price(raw: Any, *, currency: str) -> Decimal | None:
    """A unit price: not negative, no more decimals than the currency has, and
    not absurdly large. None if blank."""
    value = parse_decimal(raw)
    if value is None:
        return None
    if value < 0:
        raise ValueError("A price cannot be negative.")
    if value > MAX_UNIT_PRICE:
        raise ValueError(
            f"{value:,.0f} {currency} is more than any single price can be "
            f"({MAX_UNIT_PRICE:,.0f} {currency}): check for extra digits."
        )
    problem = checklist.price_decimals_problem(value, currency)
    if problem:
        raise ValueError(problem)
    return value


def clean_answer(question: Question, raw: Any) -> Any:
    """The stored form of an answer to this question; None if blank.
    Raises ValueError with a message for the person who typed it."""
    kind = question.kind
    if raw is None:
        return None
    if kind == QuestionKind.TEXT:
        text = str(raw).strip()
        if len(text) > MAX_TEXT_ANSWER:
            raise ValueError(f"Keep the answer under {MAX_TEXT_ANSWER:,} characters.")
        return text or None
    if kind == QuestionKind.YES_NO:
        if isinstance(raw, bool):
            return "yes" if raw else "no"
        text = str(raw).strip().lower()
        if not text:
            return None
        if text in ("yes", "true"):
            return "yes"
        if text in ("no", "false"):
            return "no"
        raise ValueError("Answer yes or no.")
    if kind == QuestionKind.NUMBER:
        number = parse_decimal(raw, example="1200")
        if number is None:
            return None
        if abs(number) > MAX_NUMBER_ANSWER:
            raise ValueError("That number is too large: check for extra digits.")
        return decimal_text(number)
    if kind == QuestionKind.SINGLE_CHOICE:
        text = str(raw).strip()
        if not text:
            return None
        if text not in question.choices:
            raise ValueError("Choose one of the options.")
        return text
    if kind == QuestionKind.MULTIPLE_CHOICE:
        items = [raw] if isinstance(raw, str) else list(raw)
        chosen = {str(item).strip() for item in items if str(item).strip()}
        unknown = chosen - set(question.choices)
        if unknown:
            raise ValueError("Choose from the options given.")
        return [choice for choice in question.choices if choice in chosen] or None
    if kind == QuestionKind.FILE:
        if raw in ("", None):
            return None
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise ValueError("Upload the file, or give the id of one of your attachments.")
    raise ValueError("This question cannot be answered.")
