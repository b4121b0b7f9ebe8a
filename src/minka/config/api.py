"""The `/api/v1/` API: token or session authentication, read endpoints per app."""

from ninja import NinjaAPI

api = NinjaAPI(title="Minka API", version="1.0.0", urls_namespace="api")
