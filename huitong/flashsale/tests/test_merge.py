import pytest

from huitong.flashsale import member_merge
from huitong.flashsale.errors import LimitReached
from huitong.flashsale.models import Claim, FlashSaleBuyer
from huitong.members.merging import merge_participants

pytestmark = pytest.mark.django_db


def test_merging_moves_claims_where_the_target_has_none_and_undo_moves_them_back(flash):
    one, two = flash.sale(quantity=5), flash.sale(quantity=5)
    nick, phone = flash.customers(2)
    flash.buy(one, nick, "db")
    flash.buy(two, nick, "db")
    flash.buy(two, phone, "db")
    assert member_merge.FLASH_SALE_PARTICIPANT in merge_participants()

    data = member_merge.move_flash_sales(nick, phone)
    assert data["sale_ids"] == [one.pk]
    assert FlashSaleBuyer.objects.get(sale=one).customer_id == phone
    assert set(Claim.objects.filter(sale=two).values_list("customer_id", flat=True)) == {nick, phone}
    with pytest.raises(LimitReached):  # the merged member's limit counts the moved claim
        flash.buy(one, phone, "db")

    member_merge.undo_move_flash_sales(data)
    assert FlashSaleBuyer.objects.get(sale=one).customer_id == nick
    assert Claim.objects.get(sale=one).customer_id == nick
