from minka.core.views_entity import entity_urls
from minka.geo import views

urlpatterns = [*entity_urls(views.AREA), *entity_urls(views.TERRITORY)]
