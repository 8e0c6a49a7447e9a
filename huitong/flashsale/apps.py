from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FlashsaleConfig(AppConfig):
    name = "huitong.flashsale"
    label = "flashsale"
    verbose_name = _("秒杀")

    def ready(self) -> None:
        from huitong.flashsale import member_merge

        member_merge.register()
