from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "huitong.integrations"
    label = "integrations"
    verbose_name = _("平台对接")

    def ready(self) -> None:
        from huitong.core import outbox
        from huitong.integrations import publication, shipments
        from huitong.inventory.services import STOCK_CHANGED

        outbox.register_handler(STOCK_CHANGED, publication.fan_out)
        outbox.register_handler(publication.PUSH_STOCK, publication.push_listing)
        outbox.register_handler("order.status_changed", shipments.on_order_status_changed)
        outbox.register_handler(shipments.CONFIRM_SHIPMENT, shipments.confirm_shipment)
