from ninja import Router, Status

from huitong.channels import selectors, services
from huitong.channels.schemas import StoreIn, StoreOut
from huitong.core.api import ANY_STAFF, errors, staff
from huitong.core.permissions import Role

router = Router()


@router.get("/stores", response=list[StoreOut], auth=ANY_STAFF)
def list_stores(request):
    return selectors.list_stores()


@router.post("/stores", response={201: StoreOut, **errors(409, 422)}, auth=staff(Role.OPERATOR))
def create_store(request, payload: StoreIn):
    return Status(201, services.create_store(**payload.dict()))
