"""A person created without a password is invited by mail; "forgot password" mails the
same kind of link, answering alike whether or not the address is known, within limits.
A link works once, for a while, and setting a password signs the person out everywhere."""

import re
from datetime import timedelta

import pytest

from mediation import directory
from mediation import sessions
from mediation.credentials import password_matches
from mediation.db import write_transaction
from mediation.errors import Invalid
from mediation.errors import NotFound
from mediation.parties import Person
from outreach import passwords
from outreach.models import Mail
from outreach.models import PasswordLink
from tests.conftest import _PASSWORD_HASH
from tests.conftest import PASSWORD

LINK = re.compile(r"/password/([A-Za-z0-9_-]+)")


def invite(world, email="nina@contoso.example"):
    directory.create_person(world.actor("contoso_admin"), world.clock, email=email, name="Nina Berg",
                            organization_id=world.orgs["contoso"].id, roles=["point_person"])
    mail = Mail.get(Mail.to_address == email)
    return mail, LINK.search(mail.text_body).group(1)


def test_a_person_created_without_a_password_is_invited_with_a_single_use_link(world):
    mail, token = invite(world)
    assert mail.subject == "You are invited to Accord" and "for 168 hours" in mail.text_body
    assert mail.unsubscribe_token is None
    assert PasswordLink.get().token_hash != token, "only the link's hash is kept"
    assert passwords.link_of(token, world.clock.now()).purpose == "invitation"
    nina = passwords.set_password(token, "a new long password", "a new long password", world.clock.now())
    assert password_matches(Person.get_by_id(nina.id), "a new long password")
    with pytest.raises(NotFound):
        passwords.set_password(token, "another password!", "another password!", world.clock.now())


def test_a_person_created_with_a_password_is_not_invited(world):
    directory.create_person(None, world.clock, email="omar@contoso.example", name="Omar", roles=[],
                            organization_id=world.orgs["contoso"].id, password="a long enough password")
    assert not Mail.select().where(Mail.to_address == "omar@contoso.example").exists()


def test_an_invitation_expires_after_seven_days(world):
    _, token = invite(world)
    world.clock.advance(days=7, seconds=1)
    with pytest.raises(NotFound):
        passwords.link_of(token, world.clock.now())


def test_a_reset_is_mailed_only_for_a_known_active_address_and_the_answer_is_the_same(world):
    assert passwords.request_reset("Carla@Contoso.example", world.clock.now(), "10.0.0.1") is True
    assert passwords.request_reset("nobody@contoso.example", world.clock.now(), "10.0.0.1") is True
    directory.disable_person(None, world.clock, person_id=world.id("dev"))
    assert passwords.request_reset("dev@contoso.example", world.clock.now(), "10.0.0.1") is True
    [mail] = Mail.select().where(Mail.kinds == "reset")
    assert mail.to_address == "carla@contoso.example" and "for 2 hours" in mail.text_body
    token = LINK.search(mail.text_body).group(1)
    world.clock.advance(hours=2, seconds=1)
    with pytest.raises(NotFound):
        passwords.link_of(token, world.clock.now())


def test_reset_requests_are_limited_per_email_and_per_address_known_or_not(world):
    for _ in range(passwords.RESETS_PER_EMAIL):
        assert passwords.request_reset("nobody@contoso.example", world.clock.now(), "10.0.0.1")
    assert not passwords.request_reset("nobody@contoso.example", world.clock.now(), "10.0.0.2")
    for number in range(passwords.RESETS_PER_ADDRESS - passwords.RESETS_PER_EMAIL):
        passwords.request_reset(f"someone{number}@contoso.example", world.clock.now(), "10.0.0.1")
    assert not passwords.request_reset("carla@contoso.example", world.clock.now(), "10.0.0.1")
    assert passwords.request_reset("carla@contoso.example", world.clock.now(), "10.0.0.9")
    world.clock.advance(hours=1, seconds=1)
    assert passwords.request_reset("nobody@contoso.example", world.clock.now(), "10.0.0.1")


def test_setting_a_password_ends_every_session_of_the_person(world):
    with write_transaction():
        Person.update(password_hash=_PASSWORD_HASH).where(Person.id == world.id("carla")).execute()
    signed_in = sessions.sign_in("carla@contoso.example", PASSWORD, world.clock.now())
    assert sessions.resume(signed_in.key, world.clock.now()) is not None
    passwords.request_reset("carla@contoso.example", world.clock.now())
    token = LINK.search(Mail.get(Mail.kinds == "reset").text_body).group(1)
    passwords.set_password(token, "brand new password", "brand new password", world.clock.now() + timedelta(minutes=5))
    assert sessions.resume(signed_in.key, world.clock.now()) is None


def test_a_password_that_breaks_a_rule_changes_nothing(world):
    _, token = invite(world)
    with pytest.raises(Invalid) as refused:
        passwords.set_password(token, "short", "short", world.clock.now())
    assert set(refused.value.errors) == {"password"}
    with pytest.raises(Invalid) as refused:
        passwords.set_password(token, "long enough password", "long enough passw0rd", world.clock.now())
    assert set(refused.value.errors) == {"repeated"}
    assert passwords.link_of(token, world.clock.now()).purpose == "invitation", "the link still works"
