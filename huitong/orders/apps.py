from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "huitong.orders"
    label = "orders"
    verbose_name = _("订单")

    def ready(self) -> None:
        from huitong.core import outbox
        from huitong.orders import member_merge, payment_events

        member_merge.register()
        outbox.register_handler("payment.settled", payment_events.on_payment_settled)
