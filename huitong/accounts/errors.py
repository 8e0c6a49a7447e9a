from huitong.core.errors import InvalidInput


class UnknownRole(InvalidInput):
    code = "unknown_role"
