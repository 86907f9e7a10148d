"""The words the relationship pages use: a balance said in full, with the rule that calls it,
for an account and for an account manager."""

from mediation.balance import ADVOCACY_MINIMUM
from mediation.balance import LEAN_POINTS
from mediation.balance import RELATIONSHIP_MINIMUM

RULE = (f"A relationship leans to a company when, over at least {RELATIONSHIP_MINIMUM} resolutions, that "
        f"company gains on average more than {LEAN_POINTS:g} point a resolution more than the other "
        "(each option is worth -5 to 5 to each company).")
SHORT = {"balanced": "Balanced", "leans_supplier": "Leans to {supplier}", "leans_customer": "Leans to {customer}",
         "too_few": "Too few resolutions to tell"}
SAID = {
    "balanced": "Balanced: over {count} resolutions neither company gained much more than the other.",
    "leans_supplier": "Leans to {supplier}: over {count} resolutions {supplier} gained {gap:.1f} points a "
                      "resolution more than {customer}. {customer} may feel left hanging.",
    "leans_customer": "Leans to {customer}: over {count} resolutions {customer} gained {gap:.1f} points a "
                      "resolution more than {supplier}. Check that {supplier}'s interests are still argued for.",
    "too_few": "Too few resolutions to tell: {count} in this period, {minimum} are needed.",
}


def _words(account, value) -> dict:
    gap = abs(value.to_supplier - value.to_customer) / value.resolutions if value.resolutions else 0.0
    return {"supplier": account.supplier.name, "customer": account.customer.name, "count": value.resolutions,
            "gap": gap, "minimum": RELATIONSHIP_MINIMUM}


def balance_short(account, value) -> str:
    """"Leans to Contoso Retail", for a list of accounts."""
    return SHORT[value.balance].format(**_words(account, value))


def balance_said(account, value) -> str:
    """The balance in a sentence, with what it asks of the reader."""
    return SAID[value.balance].format(**_words(account, value))


def leans(value) -> bool:
    return value.balance in ("leans_supplier", "leans_customer")


ADVOCACY_RULE = (f"An account manager is flagged when, over at least {ADVOCACY_MINIMUM} resolutions of the "
                 f"disputes they mediated, one company gained on average more than {LEAN_POINTS:g} point a "
                 "resolution more than the other.")
FLAG_SHORT = {"forgot_who_they_work_for": "Leans to the customer", "customer_left_hanging": "Leans to the supplier"}
FLAG_SAID = {
    "forgot_who_they_work_for": "{name} may have forgotten who they work for: over {count} resolutions the "
                                "customers gained {gap:.1f} points a resolution more than {supplier}.",
    "customer_left_hanging": "Customers may feel left hanging by {name}: over {count} resolutions {supplier} "
                             "gained {gap:.1f} points a resolution more than the customers.",
}


def advocate_said(name: str, supplier: str, value, flag) -> str:
    """The advocate's balance in a sentence, with what it asks of the reader."""
    if flag:
        gap = abs(value.to_supplier - value.to_customer) / value.resolutions
        return FLAG_SAID[flag].format(name=name, supplier=supplier, count=value.resolutions, gap=gap)
    if value.balance == "too_few":
        return (f"Too few resolutions to tell: {value.resolutions} in this period, {ADVOCACY_MINIMUM} are needed.")
    return f"Balanced: over {value.resolutions} resolutions neither company gained much more than the other."
