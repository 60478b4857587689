"""HTTP client of an x402 facilitator: ``POST /verify``, ``POST /settle``, ``GET /supported``
(the x402 facilitator API: ``/verify``, ``/settle``, ``/supported``), sync and async, on ``httpx``.

Request bodies are ``{x402Version, paymentPayload, paymentRequirements}`` with ``x402Version``
copied from the payload. Responses are checked with the core's decoders before they are used.
Failures are typed: :class:`~pay402.errors.VerifyError` for ``isValid: false`` (whether the
facilitator says it with 200, like the TS example, or 400, like x402-rs),
:class:`~pay402.errors.SettleError` for ``success: false``, and
:class:`~pay402.errors.FacilitatorError` for transport errors, other non-2xx statuses and
malformed bodies.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Mapping, Optional, Union

try:
    import httpx
except ImportError:  # pragma: no cover - optional dependency
    httpx = None  # type: ignore[assignment]

from ._native import Error, decode_settle_response, decode_supported_response, decode_verify_response
from .errors import ConfigurationError, FacilitatorError, SettleError, VerifyError

__all__ = ["FacilitatorClient", "DEFAULT_FACILITATOR_URL"]

DEFAULT_FACILITATOR_URL = "https://x402.org/facilitator"

JsonLike = Union[str, bytes, Mapping[str, Any]]


def _as_dict(value: JsonLike, what: str) -> Dict[str, Any]:
    if isinstance(value, (str, bytes)):
        parsed = json.loads(value)
    else:
        parsed = dict(value)
    if not isinstance(parsed, dict):
        raise TypeError(f"{what} must be a JSON object")
    return parsed


class FacilitatorClient:
    """A facilitator at ``url`` (e.g. ``https://x402.org/facilitator``).

    ``headers`` are sent with every call (an API key, say); ``timeout`` in seconds. Pass
    ``transport=`` / ``async_transport=`` (httpx transports) to test against an in-process app.
    Use as a context manager (``with`` / ``async with``) or call :meth:`close` / :meth:`aclose`.
    """

    def __init__(
        self,
        url: str = DEFAULT_FACILITATOR_URL,
        *,
        headers: Optional[Mapping[str, str]] = None,
        timeout: float = 20.0,
        transport: Optional[httpx.BaseTransport] = None,
        async_transport: Optional[httpx.AsyncBaseTransport] = None,
    ) -> None:
        if httpx is None:
            raise ConfigurationError("FacilitatorClient needs httpx (pip install httpx)", code="missing_dependency")
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"facilitator url must be http(s): {url!r}")
        self.url = url.rstrip("/")
        self._headers = dict(headers or {})
        self._timeout = timeout
        self._transport = transport
        self._async_transport = async_transport
        self._client: Optional[httpx.Client] = None
        self._aclient: Optional[httpx.AsyncClient] = None

    # --- plumbing -----------------------------------------------------------------------------

    def _sync(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(headers=self._headers, timeout=self._timeout, transport=self._transport)
        return self._client

    def _async(self) -> httpx.AsyncClient:
        if self._aclient is None:
            self._aclient = httpx.AsyncClient(
                headers=self._headers, timeout=self._timeout, transport=self._async_transport
            )
        return self._aclient

    @staticmethod
    def _body(payment_payload: JsonLike, requirements: JsonLike) -> Dict[str, Any]:
        payload = _as_dict(payment_payload, "payment_payload")
        version = payload.get("x402Version")
        if version not in (1, 2):
            raise ValueError(f"payment payload has no valid x402Version: {version!r}")
        return {
            "x402Version": version,
            "paymentPayload": payload,
            "paymentRequirements": _as_dict(requirements, "requirements"),
        }

    def _parse(self, endpoint: str, response: httpx.Response) -> Dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            if response.is_success:
                raise FacilitatorError(
                    f"{endpoint}: response is not a JSON object", code="facilitator_malformed_response",
                    status_code=response.status_code,
                )
            raise FacilitatorError(
                f"{endpoint}: HTTP {response.status_code}", code="facilitator_http_error",
                status_code=response.status_code,
            )
        return body

    def _check_verify(self, response: httpx.Response) -> Dict[str, Any]:
        body = self._parse("/verify", response)
        if "isValid" in body:
            try:
                decode_verify_response(json.dumps(body))
            except Error as e:
                raise FacilitatorError(
                    f"/verify: malformed response: {e.message}", code="facilitator_malformed_response",
                    status_code=response.status_code, body=body, detail_code=e.code,
                ) from e
            if body["isValid"] is not True:
                reason = str(body.get("invalidReason") or "invalid_payment")
                raise VerifyError(
                    f"facilitator rejected the payment: {reason}"
                    + (f" ({body['invalidMessage']})" if body.get("invalidMessage") else ""),
                    code=reason, status_code=response.status_code, body=body,
                )
            if response.is_success:
                return body
        raise FacilitatorError(
            f"/verify: HTTP {response.status_code}", code="facilitator_http_error",
            status_code=response.status_code, body=body,
        )

    def _check_settle(self, response: httpx.Response) -> Dict[str, Any]:
        body = self._parse("/settle", response)
        if "success" in body:
            try:
                decode_settle_response(body=json.dumps(body))
            except Error as e:
                raise FacilitatorError(
                    f"/settle: malformed response: {e.message}", code="facilitator_malformed_response",
                    status_code=response.status_code, body=body, detail_code=e.code,
                ) from e
            if body["success"] is not True:
                reason = str(body.get("errorReason") or "settle_failed")
                raise SettleError(
                    f"facilitator did not settle: {reason}"
                    + (f" ({body['errorMessage']})" if body.get("errorMessage") else ""),
                    code=reason, status_code=response.status_code, body=body,
                )
            if response.is_success:
                return body
        raise FacilitatorError(
            f"/settle: HTTP {response.status_code}", code="facilitator_http_error",
            status_code=response.status_code, body=body,
        )

    def _check_supported(self, response: httpx.Response) -> Dict[str, Any]:
        body = self._parse("/supported", response)
        if not response.is_success:
            raise FacilitatorError(
                f"/supported: HTTP {response.status_code}", code="facilitator_http_error",
                status_code=response.status_code, body=body,
            )
        try:
            decode_supported_response(json.dumps(body))
        except Error as e:
            raise FacilitatorError(
                f"/supported: malformed response: {e.message}", code="facilitator_malformed_response",
                status_code=response.status_code, body=body, detail_code=e.code,
            ) from e
        return body

    @staticmethod
    def _unreachable(endpoint: str, e: Exception) -> FacilitatorError:
        return FacilitatorError(f"{endpoint}: {type(e).__name__}: {e}", code="facilitator_unreachable")

    # --- sync -------------------------------------------------------------------------------

    def verify(self, payment_payload: JsonLike, requirements: JsonLike) -> Dict[str, Any]:
        """``POST /verify``; the ``VerifyResponse`` when ``isValid`` is true."""
        body = self._body(payment_payload, requirements)
        try:
            response = self._sync().post(self.url + "/verify", json=body)
        except httpx.HTTPError as e:
            raise self._unreachable("/verify", e) from e
        return self._check_verify(response)

    def settle(self, payment_payload: JsonLike, requirements: JsonLike) -> Dict[str, Any]:
        """``POST /settle``; the ``SettleResponse`` when ``success`` is true."""
        body = self._body(payment_payload, requirements)
        try:
            response = self._sync().post(self.url + "/settle", json=body)
        except httpx.HTTPError as e:
            raise self._unreachable("/settle", e) from e
        return self._check_settle(response)

    def supported(self) -> Dict[str, Any]:
        """``GET /supported``."""
        try:
            response = self._sync().get(self.url + "/supported")
        except httpx.HTTPError as e:
            raise self._unreachable("/supported", e) from e
        return self._check_supported(response)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> "FacilitatorClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- async ------------------------------------------------------------------------------

    async def averify(self, payment_payload: JsonLike, requirements: JsonLike) -> Dict[str, Any]:
        body = self._body(payment_payload, requirements)
        try:
            response = await self._async().post(self.url + "/verify", json=body)
        except httpx.HTTPError as e:
            raise self._unreachable("/verify", e) from e
        return self._check_verify(response)

    async def asettle(self, payment_payload: JsonLike, requirements: JsonLike) -> Dict[str, Any]:
        body = self._body(payment_payload, requirements)
        try:
            response = await self._async().post(self.url + "/settle", json=body)
        except httpx.HTTPError as e:
            raise self._unreachable("/settle", e) from e
        return self._check_settle(response)

    async def asupported(self) -> Dict[str, Any]:
        try:
            response = await self._async().get(self.url + "/supported")
        except httpx.HTTPError as e:
            raise self._unreachable("/supported", e) from e
        return self._check_supported(response)

    async def aclose(self) -> None:
        if self._aclient is not None:
            await self._aclient.aclose()
            self._aclient = None
        self.close()

    async def __aenter__(self) -> "FacilitatorClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
