from django.contrib import admin
from django.urls import include, path

from huitong.config.api import api
from huitong.config.store_api import store_api

urlpatterns = [
    path("api/v1/", api.urls),
    path("api/store/v1/", store_api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("huitong.storefront.urls")),
]
