"""The pages of integrations (login links, the staff console's API keys), in their own `integrations:`
namespace."""

from django.urls import path

from web.views import integrations as views

app_name = "integrations"
urlpatterns = [
    path("login-links/<str:token>/", views.login_link, name="login_link"),
    path("staff/api-keys/", views.staff_keys, name="staff_keys"),
    path("staff/api-keys/<str:public_id>/revoke/", views.staff_key_revoke, name="staff_key_revoke"),
]
