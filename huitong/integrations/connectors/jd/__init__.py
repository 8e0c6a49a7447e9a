"""JD (京东) POP seller connector over JOS (京东开放服务): routerjson gateway, md5-signed requests,
business parameters as a ``360buy_param_json`` string, answers wrapped in ``<method>_responce``."""
