"""Shopify connector: Admin REST API 2024-10 (orders, fulfillment orders, inventory levels) and
HMAC-signed webhooks. Shopify declared REST "legacy" in October 2024; these endpoints keep working
for existing apps, and the GraphQL Admin API is the successor if this connector is ever rewritten."""
