from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketingConfig(AppConfig):
    name = "huitong.marketing"
    label = "marketing"
    verbose_name = _("营销")

    def ready(self) -> None:
        from huitong.marketing.services import merging
        from huitong.members.merging import MergeParticipant, register_merge_participant

        register_merge_participant(
            MergeParticipant(name=merging.NAME, move=merging.move_coupons, undo=merging.undo_move_coupons)
        )
