import factory

from huitong.inventory.models import Location, LocationKind


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    code = factory.Sequence(lambda n: f"WH{n:03d}")
    name = factory.Sequence(lambda n: f"仓库{n}")
    kind = LocationKind.WAREHOUSE
    province = "浙江省"
    city = "杭州市"
