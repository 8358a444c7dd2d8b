from django.contrib import admin
from django.urls import include, path

from api.main import api
from ops.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("django-admin/", admin.site.urls),
    path("", include("web.urls")),
]
