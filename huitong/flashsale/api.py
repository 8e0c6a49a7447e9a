"""Staff API (filled in by this app's work)."""

from ninja import Router

router = Router()
