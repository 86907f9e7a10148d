"""The outbox as the supplier's administrators read it: every mail composed, sent or still
waiting (as it waits when no SMTP server is configured), newest first. A mail may be about
any customer, so only the supplier's administrators read it."""

from mediation.access import Actor
from mediation.access import is_supplier_admin
from mediation.errors import Forbidden
from mediation.errors import NotFound
from mediation.paging import Page
from mediation.paging import page_of
from mediation.parties import Person
from outreach.models import Mail

PAGE_SIZE = 25


def _require_reader(actor: Actor) -> None:
    if not is_supplier_admin(actor):
        raise Forbidden("the outbox holds every customer's mail: the supplier's administrators read it")


def outbox(actor: Actor, *, before: int | None = None, limit: int = PAGE_SIZE) -> Page[Mail]:
    """A page of mail, newest first, older than the mail `before`; each with its person."""
    _require_reader(actor)
    query = Mail.select(Mail, Person).join(Person)
    if before:
        query = query.where(Mail.id < before)
    return page_of(query.order_by(Mail.id.desc()), limit)


def mail_of(actor: Actor, mail_id: int) -> Mail:
    _require_reader(actor)
    mail = Mail.select(Mail, Person).join(Person).where(Mail.id == mail_id).first()
    if mail is None:
        raise NotFound("mail", mail_id)
    return mail
