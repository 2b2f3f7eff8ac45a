"""URL converters (registered by ContractsConfig.ready(); every app's routes use `seg`)."""

from urllib.parse import quote, unquote


class Segment:
    """One path segment; may contain an encoded '/' (%2F), decoded here exactly once."""

    regex = r"[^/]+"

    def to_python(self, value: str) -> str:
        return unquote(value)

    def to_url(self, value: str) -> str:
        return quote(value, safe="")
