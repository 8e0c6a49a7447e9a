from ninja import Field, Schema

from huitong.channels.models import Platform


class StoreIn(Schema):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=100)
    platform: Platform


class StoreOut(Schema):
    id: int
    code: str
    name: str
    platform: str
    is_active: bool
