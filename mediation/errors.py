"""Domain errors. The web layer maps each to an HTTP status; nothing here knows HTTP."""


class DomainError(Exception):
    """Base of every refusal the domain can give."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    """Unknown id, or an id the caller may not even know exists."""

    def __init__(self, kind: str, ident):
        super().__init__(f"{kind} {ident} does not exist")
        self.kind = kind


class Forbidden(DomainError):
    """The caller is known and may see the object, but may not do this."""


class Invalid(DomainError):
    """Input that is well-formed but breaks a rule; errors are keyed by field name."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("the request breaks one or more rules")
        self.errors = errors

    @classmethod
    def field(cls, name: str, message: str) -> "Invalid":
        return cls({name: [message]})


class Conflict(DomainError):
    """The request is valid but clashes with the current state of the data."""


class StaleVersion(Conflict):
    """Somebody else changed the object since the caller read it."""

    def __init__(self, current_version: int | None):
        super().__init__(
            "the object was changed by someone else; "
            f"its current version is {current_version}"
        )
        self.current_version = current_version


class InvalidTrigger(Conflict):
    """The trigger does not exist from the object's current state."""

    def __init__(self, trigger: str, state: str, available: list[str]):
        listed = ", ".join(available) or "none"
        super().__init__(
            f"'{trigger}' is not possible in state '{state}'; possible now: {listed}"
        )
        self.trigger = trigger
        self.state = state
        self.available = available


class GuardsUnmet(Conflict):
    """Every condition of the transition that is not met, by name."""

    def __init__(self, trigger: str, unmet: list[str]):
        super().__init__(f"'{trigger}' needs: {', '.join(unmet)}")
        self.trigger = trigger
        self.unmet = unmet
