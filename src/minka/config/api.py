"""The `/api/v1/` API: token or session authentication, read endpoints per app.

OpenAPI at /api/v1/openapi.json, interactive docs at /api/v1/docs (served from the
django-ninja package's own static files, no CDN)."""

from django.http import Http404, HttpRequest
from ninja import NinjaAPI
from ninja.errors import AuthenticationError

from minka.assistance.api import router as assistance_router
from minka.clar.api import router as clar_router
from minka.contests.api import router as contests_router
from minka.contracts.api import router as contracts_router
from minka.core.api_auth import API_AUTH
from minka.geo.api import router as geo_router
from minka.ledger.api import router as ledger_router
from minka.monitoring.api import router as monitoring_router
from minka.programmes.api import router as programmes_router
from minka.registry.api import router as registry_router
from minka.savings.api import router as savings_router

api = NinjaAPI(
    title="Minka API",
    version="1.0.0",
    description=(
        "Read access to Minka's registry, territories and programmes, within the caller's scope."
    ),
    auth=API_AUTH,
    urls_namespace="api",
)
api.add_router("/", registry_router)
api.add_router("/", geo_router)
api.add_router("/", programmes_router)
api.add_router("/", contracts_router)
api.add_router("/", ledger_router)
api.add_router("/", clar_router)
api.add_router("/", assistance_router)
api.add_router("/", savings_router)
api.add_router("/", contests_router)
api.add_router("/", monitoring_router)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404):
    return api.create_response(request, {"detail": "Not found"}, status=404)


@api.exception_handler(AuthenticationError)
def unauthorized(request: HttpRequest, exc: AuthenticationError):
    return api.create_response(request, {"detail": "Authentication required"}, status=401)
