from django.urls import path

from huitong.storefront import views

app_name = "storefront"
urlpatterns = [
    path("", views.home, name="home"),
    path("p/<int:product_id>/", views.product_detail, name="product"),
]
