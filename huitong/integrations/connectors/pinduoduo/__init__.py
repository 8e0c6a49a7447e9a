"""Pinduoduo (拼多多) merchant connector over the POP gateway (gw-api.pinduoduo.com/api/router):
md5-signed form posts named by ``type``, answers wrapped in ``<name>_response``."""
