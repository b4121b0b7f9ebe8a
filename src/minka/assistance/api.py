"""Read endpoints of this app (a django-ninja Router registered in config/api.py)."""

from ninja import Router

router = Router(tags=["assistance"])
