"""Member sign-in and profile for the storefront API (filled in by the members work)."""

from ninja import Router

router = Router()
