"""Fulfillment test data: locations of the kinds pickups need. Shipments, pickups and runs are made
through the services (their numbers, codes and audit entries come from there)."""

import factory

from huitong.inventory.models import LocationKind
from huitong.inventory.tests.factories import LocationFactory


class StoreLocationFactory(LocationFactory):
    code = factory.Sequence(lambda n: f"ST{n:03d}")
    name = factory.Sequence(lambda n: f"门店{n}")
    kind = LocationKind.STORE
    district = "西湖区"
    address = "文三路 1 号"


class PickupPointFactory(LocationFactory):
    code = factory.Sequence(lambda n: f"PP{n:03d}")
    name = factory.Sequence(lambda n: f"社区自提点{n}")
    kind = LocationKind.PICKUP_POINT
    district = "余杭区"
    address = "良渚文化村 8 幢"
