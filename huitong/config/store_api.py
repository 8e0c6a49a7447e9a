"""The customers' storefront API at /api/store/v1/ (members authenticate with a member bearer token)."""

from ninja import NinjaAPI

from huitong.checkout.store_api import router as checkout_router
from huitong.core.api import install_error_handlers
from huitong.flashsale.store_api import router as flashsale_router
from huitong.members.store_api import router as members_router

store_api = NinjaAPI(
    title="Huitong storefront API",
    version="store-v1",
    description="汇通商城顾客接口. Sign in with POST /api/store/v1/auth/login, then send "
    "`Authorization: Bearer <member token>`. Errors are `{code, message, detail}`.",
    urls_namespace="api-store-v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_error_handlers(store_api)
store_api.add_router("/auth", members_router, tags=["members"])
store_api.add_router("/checkout", checkout_router, tags=["checkout"])
store_api.add_router("/flash-sales", flashsale_router, tags=["flash sales"])
