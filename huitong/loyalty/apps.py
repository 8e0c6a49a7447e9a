from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoyaltyConfig(AppConfig):
    name = "huitong.loyalty"
    label = "loyalty"
    verbose_name = _("积分与储值")

    def ready(self) -> None:
        from huitong.loyalty.services.merging import move_loyalty, undo_loyalty
        from huitong.members.merging import MergeParticipant, register_merge_participant

        register_merge_participant(MergeParticipant(name="loyalty", move=move_loyalty, undo=undo_loyalty))
