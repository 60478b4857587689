"""Exact prices: ``"$0.01"`` → atomic units of an asset, never through a float.

A ``str`` (or :class:`decimal.Decimal`) price is an amount of the asset in its display unit, with
an optional leading ``$`` (USD stablecoins): ``"$0.01"`` with 6 decimals is ``10000``. An ``int``
is already in atomic units. The conversion is the core's ``decimal_to_atomic``: digits, one
optional ``.``, no sign, no exponent, no grouping; more fractional digits than the asset has
(a sub-unit price) is an error, not a silent truncation. Zero is refused: a protected route
that costs nothing is a misconfiguration.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Union

from ._native import DialectError, atomic_to_decimal, decimal_to_atomic
from .errors import PriceError

__all__ = ["Price", "price_to_atomic", "format_price"]

Price = Union[str, int, Decimal]
"""``"$0.01"``, ``"0.01"``, ``Decimal("0.01")`` (display units) or ``10000`` (atomic units)."""


def price_to_atomic(price: Price, decimals: int) -> int:
    """The price in atomic units of an asset with ``decimals`` decimals.

    Raises :class:`PriceError` (also a ``ValueError``) for floats, signs, exponents, garbage,
    zero and amounts finer than one atomic unit.
    """
    if isinstance(price, bool) or not isinstance(price, (str, int, Decimal)):
        if isinstance(price, float):
            raise PriceError(
                f"float price {price!r} is inexact; write it as a string ('$0.01') or Decimal",
                code="float_price",
            )
        raise PriceError(f"price must be str, int or Decimal, not {type(price).__name__}", code="invalid_price")
    if isinstance(price, int):
        if price <= 0:
            raise PriceError(f"price {price} must be a positive number of atomic units", code="zero_price" if price == 0 else "invalid_price")
        return price
    if isinstance(price, Decimal):
        if not price.is_finite() or price.is_signed():
            raise PriceError(f"price {price} is not a positive finite amount", code="invalid_price")
        text = format(price, "f")
    else:
        text = price[1:] if price.startswith("$") else price
    try:
        atomic = decimal_to_atomic(text, decimals)
    except DialectError as e:
        code = "sub_unit_amount" if e.code == "sub_unit_amount" else "invalid_price"
        raise PriceError(f"price {price!r}: {e.message}", code=code) from e
    if atomic == 0:
        raise PriceError(f"price {price!r} is zero", code="zero_price")
    return atomic


def format_price(atomic: int, decimals: int) -> str:
    """The display form of an atomic amount (``10000``, 6 → ``"0.01"``)."""
    return atomic_to_decimal(atomic, decimals)
