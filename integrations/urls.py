from django.urls import path

from integrations import views

app_name = "integrations"
urlpatterns = [
    path("login-links/<str:token>/", views.login_link, name="login_link"),
    path("staff/api-keys/", views.staff_keys, name="staff_keys"),
    path("staff/api-keys/<str:public_id>/revoke/", views.staff_key_revoke, name="staff_key_revoke"),
]
