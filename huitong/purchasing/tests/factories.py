import factory

from huitong.purchasing.models import Supplier


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supplier

    code = factory.Sequence(lambda n: f"SUP{n:03d}")
    name = factory.Sequence(lambda n: f"供应商{n}")
    contact_name = "王经理"
    phone = "13800000000"
    lead_time_days = 5
    min_order_fen = 0
    payment_terms_days = 30
