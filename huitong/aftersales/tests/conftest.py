import pytest

from huitong.aftersales.tests.factories import AfterSalesShop


@pytest.fixture
def shop(db):
    return AfterSalesShop()
