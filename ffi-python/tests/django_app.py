"""A minimal Django project (settings + urls) for the WSGI wrapper and the Django middleware tests
(``settings.PAY402`` and ``MIDDLEWARE`` are set per test with ``override_settings``)."""

from __future__ import annotations

import django
from django.conf import settings

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="pay402-tests",
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF=__name__,
        MIDDLEWARE=[],
        INSTALLED_APPS=[],
    )
    django.setup()

from django.http import HttpRequest, JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402

from pay402.server.django import price  # noqa: E402


def premium(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"data": "django premium", "payer": request.META["pay402"].payer})


def free(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"data": "free"})


@price("$0.05")
def report(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"data": "django report", "payer": request.pay402.payer})  # type: ignore[attr-defined]


CALLS = {"broken": 0}


def broken(request: HttpRequest) -> JsonResponse:
    CALLS["broken"] += 1
    if CALLS["broken"] == 1:
        raise RuntimeError("the handler crashed after verification")
    return JsonResponse({"data": "django recovered", "payer": request.META["pay402"].payer})


def item(request: HttpRequest) -> JsonResponse:
    admission = request.pay402  # type: ignore[attr-defined]
    if "charge" in request.GET:
        admission.charge(int(request.GET["charge"]))
    return JsonResponse({"payer": admission.payer, "amount": admission.amount, "offer": admission.offer_index})


urlpatterns = [path("item", item), path("premium", premium), path("free", free), path("report", report), path("broken", broken)]


def application() -> object:
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()
