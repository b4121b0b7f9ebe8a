from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from minka.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("minka.core.urls")),
    path("territories/", include("minka.geo.urls")),
    path("registry/", include("minka.registry.urls")),
    path("programmes/", include("minka.programmes.urls")),
    path("ledger/", include("minka.ledger.urls")),
    path("contracts/", include("minka.contracts.urls")),
    path("clar/", include("minka.clar.urls")),
    path("assistance/", include("minka.assistance.urls")),
    path("savings/", include("minka.savings.urls")),
    path("contests/", include("minka.contests.urls")),
    path("monitoring/", include("minka.monitoring.urls")),
    path("public/", include("minka.portal.urls")),
    path("api/v1/", include("minka.config.api_urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
