from django.urls import path

from huitong.storefront import account, shop, views

app_name = "storefront"
urlpatterns = [
    path("", views.home, name="home"),
    path("p/<int:product_id>/", views.product_detail, name="product"),
    path("cart/", shop.cart_page, name="cart"),
    path("cart/add/", shop.cart_add, name="cart_add"),
    path("cart/update/", shop.cart_update, name="cart_update"),
    path("checkout/", shop.place_order, name="place_order"),
    path("orders/<str:number>/", shop.order_page, name="order"),
    path("orders/<str:number>/pay/", shop.pay, name="pay"),
    path("login/", shop.login_page, name="login"),
    path("logout/", shop.logout, name="logout"),
    path("me/", account.me, name="me"),
    path("me/card.png", account.card_png, name="card_png"),
]
