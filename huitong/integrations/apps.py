from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "huitong.integrations"
    label = "integrations"
    verbose_name = _("平台对接")
