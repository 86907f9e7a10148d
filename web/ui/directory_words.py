"""The words the pages use for the directory's codes: people's roles and the kinds of
organization."""

ROLES = {"admin": "Administrator", "account_manager": "Account manager", "point_person": "Point person",
         "auditor": "Auditor"}
ORGANIZATION_KINDS = {"supplier": "Supplier", "customer": "Customer"}


def role(name: str) -> str:
    return ROLES.get(name, name)


def organization_kind(name: str) -> str:
    return ORGANIZATION_KINDS.get(name, name)
