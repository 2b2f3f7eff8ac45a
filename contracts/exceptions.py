"""Domain errors. The API's exception handler maps each to its HTTP status and body."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class BrokerError(Exception):
    """Base class: a request that cannot be done as asked, with a message for the client."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def body(self) -> dict:
        return {"error": self.message}


class NotFound(BrokerError):
    status = 404


class InvalidInput(BrokerError):
    """400 with `{"errors": {field: [messages]}}`, the Pact Broker's validation shape."""

    def __init__(self, errors: Mapping[str, Sequence[str]] | str, field: str = "base") -> None:
        if isinstance(errors, str):
            errors = {field: [errors]}
        self.errors = {key: list(values) for key, values in errors.items()}
        super().__init__("; ".join(f"{key}: {' '.join(values)}" for key, values in self.errors.items()))

    def body(self) -> dict:
        return {"errors": self.errors}


class InvalidSelectors(BrokerError):
    """400 with `{"errors": [messages]}`, the matrix's validation shape."""

    def __init__(self, messages: Sequence[str]) -> None:
        self.messages = list(messages)
        super().__init__("; ".join(self.messages))

    def body(self) -> dict:
        return {"errors": self.messages}


class Conflict(BrokerError):
    """409: the request contradicts stored data (e.g. changed content for a version)."""

    status = 409

    def __init__(self, message: str, *, field: str = "base", notices: Sequence[Mapping[str, str]] = ()) -> None:
        super().__init__(message)
        self.field = field
        self.notices = list(notices)

    def body(self) -> dict:
        body: dict = {"errors": {self.field: [self.message]}}
        if self.notices:
            body["notices"] = self.notices
        return body


class Unprocessable(InvalidInput):
    status = 422


class TooLarge(BrokerError):
    """413: a body (or a contract in it) over its configured limit; the message names it."""

    status = 413
