"""A minimal Django project (settings + urls) for the WSGI middleware tests."""

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


def premium(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"data": "django premium", "payer": request.META["pay402"].payer})


def free(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"data": "free"})


urlpatterns = [path("premium", premium), path("free", free)]


def application() -> object:
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()
