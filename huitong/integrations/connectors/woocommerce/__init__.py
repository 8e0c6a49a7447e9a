"""WooCommerce connector: the WooCommerce REST API v3 (``/wp-json/wc/v3``) with consumer-key
authentication over HTTPS, and HMAC-signed webhooks."""
