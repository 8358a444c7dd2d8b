from django.contrib import admin
from django.urls import include, path

from api.main import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("django-admin/", admin.site.urls),
    path("", include("integrations.urls")),
    path("", include("web.urls")),
]
