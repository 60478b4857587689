"""Exact prices: ``"$0.01"`` → atomic units of an asset, never through a float.

A ``str`` (or :class:`decimal.Decimal`) price is an amount of the asset in its display unit, with
an optional leading ``$`` (USD stablecoins): ``"$0.01"`` with 6 decimals is ``10000``. An ``int``
is already in atomic units. This module only handles the Python types (a ``float`` is refused as
inexact, a ``Decimal`` becomes its plain text); the price rule itself is the core's
(``pay402::x402::server::Price``): digits with one optional ``.``, no sign, no exponent, no
grouping; more fractional digits than the asset has (a sub-unit price) is an error, not a silent
truncation; zero is refused (a protected route that costs nothing is a misconfiguration).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Dict, Union

from ._native import X402Error, atomic_to_decimal, display_price_to_atomic
from .errors import PriceError

__all__ = ["Price", "price_to_atomic", "price_terms", "format_price"]

Price = Union[str, int, Decimal]
"""``"$0.01"``, ``"0.01"``, ``Decimal("0.01")`` (display units) or ``10000`` (atomic units)."""


def price_terms(price: Price) -> Dict[str, Union[str, int]]:
    """The price as the core's offer terms take it: ``{"price": text}`` for a display price,
    ``{"amount": n}`` for atomic units.

    Raises :class:`PriceError` for the Python types no price has: floats (``float_price``), other
    types, negative ints and non-finite or signed ``Decimal`` values (``invalid_price``).
    """
    if isinstance(price, bool) or not isinstance(price, (str, int, Decimal)):
        if isinstance(price, float):
            raise PriceError(
                f"float price {price!r} is inexact; write it as a string ('$0.01') or Decimal",
                code="float_price",
            )
        raise PriceError(f"price must be str, int or Decimal, not {type(price).__name__}", code="invalid_price")
    if isinstance(price, int):
        if price < 0:
            raise PriceError(f"price {price} must be a positive number of atomic units", code="invalid_price")
        return {"amount": price}
    if isinstance(price, Decimal):
        if not price.is_finite() or price.is_signed():
            raise PriceError(f"price {price} is not a positive finite amount", code="invalid_price")
        return {"price": format(price, "f")}
    return {"price": price}


def price_to_atomic(price: Price, decimals: int) -> int:
    """The price in atomic units of an asset with ``decimals`` decimals.

    Raises :class:`PriceError` (also a ``ValueError``) for floats, signs, exponents, garbage,
    zero (``zero_price``) and amounts finer than one atomic unit (``sub_unit_amount``).
    """
    terms = price_terms(price)
    if "amount" in terms:
        amount = int(terms["amount"])
        if amount == 0:
            raise PriceError("price 0 is zero", code="zero_price")
        return amount
    try:
        return display_price_to_atomic(str(terms["price"]), decimals)
    except X402Error as e:
        raise PriceError(f"price {price!r}: {e.message}", code=e.code) from e
    except OverflowError as e:  # decimals beyond a u8
        raise PriceError(f"price {price!r}: {decimals} decimals is not an asset's", code="invalid_decimals") from e


def format_price(atomic: int, decimals: int) -> str:
    """The display form of an atomic amount (``10000``, 6 → ``"0.01"``)."""
    return atomic_to_decimal(atomic, decimals)
