"""Browser sessions: sign-in, revocation, timeouts and throttling of failed attempts."""

import threading
from concurrent.futures import ThreadPoolExecutor

from mediation import directory
from mediation import sessions
from mediation.credentials import hash_password
from mediation.db import database
from mediation.db import write_transaction
from mediation.parties import Person
from mediation.sessions import AccessEvent
from mediation.sessions import WebSession

PASSWORD = "a long enough password"


def _with_password(world, key):
    with write_transaction():
        Person.update(password_hash=hash_password(PASSWORD)).where(Person.id == world.id(key)).execute()
    return world.people[key].email


def _kinds():
    return [e.kind for e in AccessEvent.select().order_by(AccessEvent.id)]


def test_a_right_password_opens_a_session_the_key_resumes(world, clock):
    email = _with_password(world, "alice")
    outcome = sessions.sign_in(email.upper(), PASSWORD, clock.now(), "10.0.0.1")
    assert outcome.person.id == world.id("alice")
    assert sessions.resume(outcome.key, clock.now()).id == world.id("alice")
    assert WebSession.get().key_hash != outcome.key, "only a hash of the key is stored"
    assert _kinds() == ["login"]


def test_each_sign_in_gets_a_new_key(world, clock):
    email = _with_password(world, "alice")
    first = sessions.sign_in(email, PASSWORD, clock.now())
    second = sessions.sign_in(email, PASSWORD, clock.now())
    assert first.key != second.key


def test_wrong_password_unknown_email_and_disabled_person_fail_alike(world, clock):
    email = _with_password(world, "alice")
    disabled = _with_password(world, "sam")
    directory.disable_person(None, clock, person_id=world.id("sam"))
    for attempt in ((email, "wrong password!"), ("nobody@nowhere.example", PASSWORD), (disabled, PASSWORD)):
        outcome = sessions.sign_in(*attempt, clock.now())
        assert outcome.person is None and outcome.key is None and not outcome.throttled
    details = [e.detail for e in AccessEvent.select().order_by(AccessEvent.id)]
    assert details == ["wrong password", "unknown email", "person disabled"]
    assert WebSession.select().count() == 0


def test_signing_out_ends_the_session_for_good(world, clock):
    outcome = sessions.sign_in(_with_password(world, "alice"), PASSWORD, clock.now())
    sessions.sign_out(outcome.key, clock.now())
    assert sessions.resume(outcome.key, clock.now()) is None
    assert WebSession.get().ended_because == "logout"
    assert _kinds() == ["login", "logout"]


def test_disabling_a_person_ends_every_session_of_theirs(world, clock):
    email = _with_password(world, "carla")
    keys = [sessions.sign_in(email, PASSWORD, clock.now()).key for _ in range(2)]
    directory.disable_person(world.actor("contoso_admin"), clock, person_id=world.id("carla"))
    assert all(sessions.resume(key, clock.now()) is None for key in keys)
    assert {s.ended_because for s in WebSession.select()} == {"person_disabled"}


def test_an_idle_session_times_out_and_activity_keeps_it_alive(world, clock):
    outcome = sessions.sign_in(_with_password(world, "alice"), PASSWORD, clock.now())
    for _ in range(4):
        clock.advance(minutes=20)
        assert sessions.resume(outcome.key, clock.now()) is not None
    clock.advance(minutes=31)
    assert sessions.resume(outcome.key, clock.now()) is None
    assert WebSession.get().ended_because == "idle_timeout"


def test_a_session_ends_after_its_absolute_lifetime_however_busy(world, clock):
    outcome = sessions.sign_in(_with_password(world, "alice"), PASSWORD, clock.now())
    for _ in range(12 * 4):
        clock.advance(minutes=15)
        assert sessions.resume(outcome.key, clock.now()) is not None
    clock.advance(minutes=1)
    assert sessions.resume(outcome.key, clock.now()) is None
    assert WebSession.get().ended_because == "absolute_timeout"


def test_repeated_failures_for_one_email_are_throttled_even_with_the_right_password(world, clock):
    email = _with_password(world, "alice")
    for _ in range(sessions.MAX_FAILURES_PER_EMAIL):
        assert not sessions.sign_in(email, "wrong password!", clock.now()).throttled
    refused = sessions.sign_in(email, PASSWORD, clock.now())
    assert refused.throttled and refused.key is None
    assert _kinds()[-1] == "login_throttled"
    clock.advance(minutes=16)
    assert sessions.sign_in(email, PASSWORD, clock.now()).key is not None


def test_repeated_failures_from_one_address_are_throttled_across_emails(world, clock):
    email = _with_password(world, "alice")
    for n in range(sessions.MAX_FAILURES_PER_ADDRESS):
        sessions.sign_in(f"guess{n}@northwind.example", "wrong password!", clock.now(), "203.0.113.9")
    assert sessions.sign_in(email, PASSWORD, clock.now(), "203.0.113.9").throttled
    assert sessions.sign_in(email, PASSWORD, clock.now(), "198.51.100.7").key is not None


def test_parallel_guesses_cannot_get_past_the_limit(world, clock):
    """Each attempt counts the failures before it inside its own turn, so ten guesses sent
    at once still record no more failures than the limit."""
    email = _with_password(world, "alice")
    start = threading.Barrier(10)

    def guess():
        start.wait()
        try:
            return sessions.sign_in(email, "wrong password!", clock.now())
        finally:
            database.close()

    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(lambda _: guess(), range(10)))
    assert sum(not o.throttled for o in outcomes) == sessions.MAX_FAILURES_PER_EMAIL
    assert _kinds().count("login_failed") == sessions.MAX_FAILURES_PER_EMAIL


def test_a_person_without_a_password_cannot_sign_in(world, clock):
    outcome = sessions.sign_in(world.people["dev"].email, "", clock.now())
    assert outcome.key is None
    assert AccessEvent.get().detail == "wrong password"
