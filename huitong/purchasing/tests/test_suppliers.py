import pytest
from django.db import connection

from huitong.core.audit import history
from huitong.purchasing import services
from huitong.purchasing.errors import DuplicateSupplier, InvalidSupplier, SupplierPriceNotFound
from huitong.purchasing.models import Supplier, SupplierPrice

pytestmark = pytest.mark.django_db


def test_create_supplier_keeps_the_phone_encrypted(system_actor):
    supplier = services.create_supplier(code="TEA", name="龙井茶厂", contact_name="陈", phone="13912345678",
                                        lead_time_days=10, min_order_fen=200_000, payment_terms_days=60,
                                        actor=system_actor)
    assert Supplier.objects.get(pk=supplier.pk).phone == "13912345678"
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM purchasing_supplier WHERE id = %s", [supplier.pk])
        stored = cursor.fetchone()[0]
    assert "13912345678" not in stored
    assert [e.reason for e in history(supplier)] == ["created"]


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"code": " "}, "code"), ({"name": ""}, "name"), ({"lead_time_days": -1}, "lead_time_days"),
    ({"min_order_fen": -1}, "min_order_fen"), ({"payment_terms_days": 1.5}, "payment_terms_days"),
    ({"phone": "1" * 31}, "phone"),
])
def test_bad_supplier_is_422_and_not_created(system_actor, kwargs, field):
    with pytest.raises(InvalidSupplier) as exc:
        services.create_supplier(**{"code": "X", "name": "X", **kwargs}, actor=system_actor)
    assert field in exc.value.detail["fields"]
    assert not Supplier.objects.exists()


def test_duplicate_code_is_409(system_actor):
    services.create_supplier(code="X", name="X", actor=system_actor)
    with pytest.raises(DuplicateSupplier) as exc:
        services.create_supplier(code="X", name="Y", actor=system_actor)
    assert exc.value.status == 409 and Supplier.objects.get().name == "X"


def test_update_is_audited_without_the_phone(buying):
    supplier = services.update_supplier(supplier_id=buying.supplier.pk, phone="13600000000", lead_time_days=9,
                                        actor=buying.actor)
    assert (supplier.phone, supplier.lead_time_days) == ("13600000000", 9)
    assert history(supplier).last().data == {"phone": "***", "lead_time_days": 9}
    with pytest.raises(InvalidSupplier):
        services.update_supplier(supplier_id=buying.supplier.pk, lead_time_days=-3, actor=buying.actor)
    assert Supplier.objects.get(pk=supplier.pk).lead_time_days == 9


def test_prices_one_preferred_supplier_per_sku(buying):
    other = services.create_supplier(code="B", name="B", actor=buying.actor)
    services.set_supplier_price(supplier_id=buying.supplier.pk, sku_id=buying.sku_a.pk, cost_fen=1000,
                                is_preferred=True, actor=buying.actor)
    services.set_supplier_price(supplier_id=other.pk, sku_id=buying.sku_a.pk, cost_fen=990, min_order_quantity=12,
                                is_preferred=True, actor=buying.actor)
    assert list(SupplierPrice.objects.filter(sku=buying.sku_a, is_preferred=True).values_list(
        "supplier_id", "cost_fen", "min_order_quantity")) == [(other.pk, 990, 12)]
    with pytest.raises(InvalidSupplier) as exc:
        services.set_supplier_price(supplier_id=other.pk, sku_id=buying.sku_a.pk, cost_fen=-1, min_order_quantity=0,
                                    actor=buying.actor)
    assert set(exc.value.detail["fields"]) == {"cost_fen", "min_order_quantity"}
    services.remove_supplier_price(supplier_id=other.pk, sku_id=buying.sku_a.pk, actor=buying.actor)
    with pytest.raises(SupplierPriceNotFound):
        services.remove_supplier_price(supplier_id=other.pk, sku_id=buying.sku_a.pk, actor=buying.actor)
