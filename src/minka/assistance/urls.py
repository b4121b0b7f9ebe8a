from django.contrib.auth.decorators import login_required
from django.urls import path

from minka.assistance import views
from minka.core.views_entity import entity_detail, entity_export, entity_list


def _list_urls(entity, *, detail: bool = True) -> list:
    """List, export and (unless the app renders its own) generic detail pages of an entity."""
    slug = entity.slug
    urls = [
        path(f"{slug}/", login_required(lambda r: entity_list(r, entity)), name=f"{slug}-list"),
        path(
            f"{slug}/export.<str:fmt>",
            login_required(
                lambda r, fmt: entity_export(r, entity, "xlsx" if fmt == "xlsx" else "csv")
            ),
            name=f"{slug}-export",
        ),
    ]
    if detail:
        urls.append(
            path(
                f"{slug}/<int:pk>/",
                login_required(lambda r, pk: entity_detail(r, entity, pk)),
                name=f"{slug}-detail",
            )
        )
    return urls


urlpatterns = [
    path("", views.market_home, name="assistance-home"),
    # providers
    *_list_urls(views.PROFILES, detail=False),
    path("market-providers/<int:pk>/", views.provider_profile, name="market-providers-detail"),
    path(
        "market-providers/by-provider/<int:provider_pk>/edit/",
        views.provider_profile_edit,
        name="market-provider-edit",
    ),
    path("market-providers/mine/", views.my_profile, name="market-provider-mine"),
    # contracts and their steps
    *_list_urls(views.CONTRACTS, detail=False),
    path("ta-contracts/new/", views.contract_create, name="ta-contract-create"),
    path("ta-contracts/<int:pk>/", views.contract_detail, name="ta-contracts-detail"),
    path("ta-contracts/<int:pk>/confirm/", views.contract_confirm, name="ta-contract-confirm"),
    path("ta-contracts/<int:pk>/complete/", views.contract_complete, name="ta-contract-complete"),
    path("ta-contracts/<int:pk>/rate/", views.contract_rate, name="ta-contract-rate"),
    path("ta-contracts/<int:pk>/cancel/", views.contract_cancel, name="ta-contract-cancel"),
    path("ta-confirmations/<int:pk>/pay/", views.confirmation_pay, name="ta-confirmation-pay"),
    *_list_urls(views.CONFIRMATIONS),
    *_list_urls(views.PAYMENTS),
    *_list_urls(views.RATINGS),
    # cascade
    path("cascade/", views.cascade_home, name="assistance-cascade"),
    path(
        "cascade/settings/<int:programme_pk>/",
        views.cascade_settings,
        name="cascade-settings",
    ),
    path("cascade/assign/", views.assign, name="cascade-assign"),
    path("cascade/yachachiq/<int:provider_pk>/", views.yachachiq_plan, name="yachachiq-plan"),
    path("training-events/new/", views.event_create, name="training-event-create"),
    path("household-visits/new/", views.visit_create, name="household-visit-create"),
    path("practice-adoptions/new/", views.adoption_create, name="practice-adoption-create"),
    *_list_urls(views.EVENTS),
    *_list_urls(views.VISITS),
    *_list_urls(views.ADOPTIONS),
]
