"""The web mall's pages: the product list (search, category, pages) and a product's page."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from huitong.catalog import selectors as catalog_selectors
from huitong.catalog.errors import ProductNotFound
from huitong.storefront.listing import product_cards

PER_PAGE = 24
MAX_QUERY_LENGTH = 100


def _category_id(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def home(request):
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    category_id = _category_id(request.GET.get("category"))
    products = catalog_selectors.list_products(search=query, category_id=category_id, is_active=True)
    page = Paginator(products, PER_PAGE).get_page(request.GET.get("page"))
    categories = list(catalog_selectors.list_categories())
    return render(request, "storefront/home.html", {
        "page": page,
        "cards": product_cards(page.object_list),
        "categories": categories,
        "category": next((c for c in categories if c.pk == category_id), None),
        "query": query,
    })


def product_detail(request, product_id: int):
    try:
        product = catalog_selectors.get_product(product_id)
    except ProductNotFound:
        raise Http404 from None
    if not product.is_active:
        raise Http404
    return render(request, "storefront/product.html", {"card": product_cards([product])[0]})
