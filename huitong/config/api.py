"""The staff and integration API at /api/v1/ (tokens, role-gated)."""

from ninja import NinjaAPI

from huitong.aftersales.api import router as aftersales_router
from huitong.catalog.api import router as catalog_router
from huitong.channels.api import router as channels_router
from huitong.checkout.api import router as checkout_router
from huitong.core.api import install_error_handlers
from huitong.core.api import router as auth_router
from huitong.flashsale.api import router as flashsale_router
from huitong.fulfillment.api import router as fulfillment_router
from huitong.integrations.api import router as integrations_router
from huitong.inventory.api import router as inventory_router
from huitong.loyalty.api import router as loyalty_router
from huitong.marketing.api import router as marketing_router
from huitong.members.api import router as members_router
from huitong.orders.api import router as orders_router
from huitong.payments.api import router as payments_router
from huitong.purchasing.api import router as purchasing_router

api = NinjaAPI(
    title="Huitong API",
    version="v1",
    description="汇通全渠道中台 staff & integration API. Authenticate with POST /api/v1/auth/token, then send "
    "`Authorization: Bearer <token>`. Errors are `{code, message, detail}`; field errors are in `detail.fields`.",
    urls_namespace="api-v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_error_handlers(api)
api.add_router("/auth", auth_router)
api.add_router("/catalog", catalog_router, tags=["catalog"])
api.add_router("/channels", channels_router, tags=["channels"])
api.add_router("/inventory", inventory_router, tags=["inventory"])
api.add_router("/orders", orders_router, tags=["orders"])
api.add_router("/integrations", integrations_router, tags=["integrations"])
api.add_router("/fulfillment", fulfillment_router, tags=["fulfillment"])
api.add_router("/aftersales", aftersales_router, tags=["aftersales"])
api.add_router("/purchasing", purchasing_router, tags=["purchasing"])
api.add_router("/members", members_router, tags=["members"])
api.add_router("/loyalty", loyalty_router, tags=["loyalty"])
api.add_router("/marketing", marketing_router, tags=["marketing"])
api.add_router("/flash-sales", flashsale_router, tags=["flash sales"])
api.add_router("/payments", payments_router, tags=["payments"])
api.add_router("/checkout", checkout_router, tags=["checkout"])
