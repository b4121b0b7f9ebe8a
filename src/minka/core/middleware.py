"""Language choice: Spanish unless the user picked another language.

Django's LocaleMiddleware would follow the browser's Accept-Language header; in programme
offices many browsers are set to English while the programme works in Spanish, so Minka ignores
that header and uses the language cookie (set by the switcher) or LANGUAGE_CODE."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class IgnoreBrowserLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
