from django.contrib import admin
from django.urls import include, path

from api.main import api
from ops import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", health.metrics, name="metrics"),
    path("api/v1/", api.urls),
    path("django-admin/", admin.site.urls),
    path("", include("web.integrations_urls")),
    path("", include("web.urls")),
]
