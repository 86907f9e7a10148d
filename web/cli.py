"""`accord`: the one command line entry point."""

import json
import signal
import sys
import threading
from pathlib import Path

import click

from mediation import bundle_check
from mediation import checkpoint_notes
from mediation import checkpoints
from mediation import directory
from mediation import ledger
from mediation import lifecycle
from mediation import safekeeping
from mediation import witness
from mediation.clock import SystemClock
from mediation.credentials import SCOPES
from mediation.credentials import issue_token
from mediation.credentials import revoke_token
from mediation.db import configured_url
from mediation.db import open_database
from mediation.errors import DomainError
from mediation.errors import Invalid
from mediation.schema import SchemaTooNew
from mediation.schema import current_version
from mediation.schema import migrate
from mediation.schema import pending
from mediation.schema import refuse_newer
from outreach.schema import ALL_PLANS
from mediation.parties import ROLES
from outreach import delivery
from outreach import sending
from outreach.config import MailConfig
from outreach import install as install_outreach
from protocols import agreement
from protocols.board import board as protocol_board
from web import witness_client
from web.serving import serve_app


def _open(ctx) -> None:
    open_database(ctx.obj["database_url"])


def _need_schema(ctx) -> None:
    """Commands other than `init` run on a schema that is exactly this release's."""
    _open(ctx)
    try:
        refuse_newer(ALL_PLANS)
    except SchemaTooNew as error:
        raise click.ClickException(str(error)) from None
    if current_version() == 0:
        raise click.ClickException("the database has no schema yet: run 'accord init' first")
    if pending(ALL_PLANS):
        raise click.ClickException("the database's schema is older than this release: run 'accord init' to upgrade it")


def _fail(error: DomainError):
    if isinstance(error, Invalid):
        lines = [f"{field}: {'; '.join(messages)}" for field, messages in error.errors.items()]
        return click.ClickException("\n".join(lines))
    return click.ClickException(error.detail)


@click.group()
@click.option("--database", "database_url", envvar="ACCORD_DATABASE_URL", default=None,
              help="Database URL (default: ACCORD_DATABASE_URL, else a SQLite file here).")
@click.pass_context
def main(ctx, database_url):
    """Accord: dispute mediation and communication protocols between a supplier and its customers."""
    ctx.ensure_object(dict)
    install_outreach()
    ctx.obj["database_url"] = database_url or configured_url()
    ctx.obj["clock"] = SystemClock()


@main.command()
@click.pass_context
def init(ctx):
    """Create or upgrade the schema; running it again changes nothing."""
    _open(ctx)
    try:
        applied = migrate(ctx.obj["clock"], progress=click.echo, plans=ALL_PLANS)
    except SchemaTooNew as error:
        raise click.ClickException(str(error)) from None
    versions = ", ".join(f"{plan.component} {current_version(plan.component)}" for plan in ALL_PLANS)
    click.echo(f"schema versions: {versions}" + ("" if applied else " (already up to date)"))
    key_path = checkpoints.signing_key_path()
    try:
        created = checkpoints.create_signing_key(key_path)
        verifier = checkpoints.verifier_key()
    except (OSError, ValueError) as error:
        raise click.ClickException(f"the signing key at {key_path} cannot be used: {error}") from None
    click.echo(f"{'created the' if created else 'kept the existing'} checkpoint signing key {key_path}")
    click.echo(f"verifier key: {verifier}")
    for person in directory.auditors_who_write():
        others = ", ".join(sorted(person.roles - {"auditor"}))
        click.echo(f"warning: {person.email} holds auditor with {others}; auditors change nothing, so they "
                   f"only read until given roles again (accord user roles {person.email} ...)", err=True)


@main.group()
def org():
    """Organizations."""


@org.command("add")
@click.argument("name")
@click.option("--kind", type=click.Choice(["supplier", "customer"]), required=True)
@click.pass_context
def org_add(ctx, name, kind):
    """Add an organization."""
    _need_schema(ctx)
    try:
        created = directory.create_organization(None, ctx.obj["clock"], name=name, kind=kind)
    except DomainError as error:
        raise _fail(error) from None
    click.echo(f"organization {created.id}: {created.name} ({created.kind})")


@org.command("list")
@click.pass_context
def org_list(ctx):
    """List organizations."""
    _need_schema(ctx)
    for row in directory.every_organization():
        click.echo(f"{row.id}\t{row.kind}\t{row.name}")


@main.group()
def user():
    """People."""


@user.command("add")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--org", "org_name", required=True, help="Name of the person's organization.")
@click.option("--role", "roles", multiple=True, type=click.Choice(ROLES), help="Repeat for several roles.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@click.pass_context
def user_add(ctx, email, name, org_name, roles, password_stdin):
    """Add a person to an organization."""
    _need_schema(ctx)
    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if len(password) < 10:
            raise click.ClickException("the password must have at least 10 characters")
    try:
        organization = directory.find_organization(org_name)
        person = directory.create_person(
            None, ctx.obj["clock"], email=email, name=name, organization_id=organization.id,
            roles=roles, password=password,
        )
    except DomainError as error:
        raise _fail(error) from None
    click.echo(f"person {person.id}: {person.email} ({', '.join(sorted(person.roles)) or 'no roles'})")


@user.command("disable")
@click.argument("email")
@click.pass_context
def user_disable(ctx, email):
    """Disable a person: their API tokens stop working at once."""
    _need_schema(ctx)
    try:
        person = directory.disable_person(None, ctx.obj["clock"], person_id=directory.find_person(email).id)
    except DomainError as error:
        raise _fail(error) from None
    click.echo(f"person {person.id}: {person.email} disabled")


@user.command("enable")
@click.argument("email")
@click.pass_context
def user_enable(ctx, email):
    """Let a disabled person sign in again."""
    _need_schema(ctx)
    try:
        person = directory.enable_person(None, ctx.obj["clock"], person_id=directory.find_person(email).id)
    except DomainError as error:
        raise _fail(error) from None
    click.echo(f"person {person.id}: {person.email} enabled")


@user.command("roles")
@click.argument("email")
@click.option("--role", "roles", multiple=True, type=click.Choice(ROLES),
              help="Repeat for several roles; none leaves the person without a role.")
@click.pass_context
def user_roles(ctx, email, roles):
    """Replace a person's roles."""
    _need_schema(ctx)
    try:
        person = directory.set_roles(None, ctx.obj["clock"], person_id=directory.find_person(email).id, roles=roles)
    except DomainError as error:
        raise _fail(error) from None
    click.echo(f"person {person.id}: {person.email} ({', '.join(sorted(person.roles)) or 'no roles'})")


@main.group()
def token():
    """API tokens."""


@token.command("create")
@click.argument("email")
@click.option("--label", default="", help="What the token is for.")
@click.option("--scope", type=click.Choice(SCOPES), default="api", show_default=True,
              help="'calendar' tokens only read calendar feeds (for a calendar app's subscription URL).")
@click.pass_context
def token_create(ctx, email, label, scope):
    """Create an API token; prints the token alone (it is not shown again)."""
    _need_schema(ctx)
    try:
        person = directory.find_person(email)
    except DomainError as error:
        raise _fail(error) from None
    _, plain = issue_token(person, ctx.obj["clock"].now(), label, scope)
    click.echo(plain)


@token.command("revoke")
@click.argument("token_id", type=int)
@click.pass_context
def token_revoke(ctx, token_id):
    """Revoke a token by its id."""
    _need_schema(ctx)
    revoked = revoke_token(token_id, ctx.obj["clock"].now())
    if not revoked:
        raise click.ClickException(f"token {token_id} does not exist or is already revoked")
    click.echo(f"token {token_id} revoked")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.pass_context
def serve(ctx, host, port, threads):
    """Serve the web app and API with a production WSGI server (waitress)."""
    _need_schema(ctx)
    serve_app(ctx.obj["database_url"], host, port, threads, announce=click.echo)


@main.command()
@click.option("--demo-database", "demo_url", default="sqlite:///accord-demo.sqlite3", show_default=True,
              help="Where to build the demo; it is wiped first.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--serve/--no-serve", default=True, help="Serve the demo once it is built.")
def demo(demo_url, host, port, serve):
    """Build a fresh demo database with a realistic scenario, print its people and tokens, serve it."""
    from web.demo import build_demo

    people = build_demo(demo_url, progress=click.echo)
    click.echo("")
    click.echo(f"Demo password for every person: {people.password}")
    click.echo(f"{'email':38} {'organization':20} {'roles':28} token")
    for entry in people.entries:
        click.echo(f"{entry.email:38} {entry.organization:20} {','.join(entry.roles):28} {entry.token}")
    if serve:
        click.echo("")
        click.echo(f"Open http://{host}:{port}/ in a browser and sign in as any person above with the demo password,")
        click.echo("for example alice@northwind.example (account manager) or carla@contoso.example (Contoso's point person).")
        click.echo(f"Or try the API: curl -H 'Authorization: Bearer {people.entries[0].token}' http://{host}:{port}/api/v1/me")
        click.echo(f"Notifications are delivered every {DEMO_INTERVAL_SECONDS} s while the demo runs.")
        stop = threading.Event()
        try:
            serve_app(demo_url, host, port, threads=8, announce=click.echo, alongside=lambda: delivery.run(
                SystemClock(), _mail_config(), stop, DEMO_INTERVAL_SECONDS, report=_report_news,
                signing_key=_signing_key()))
        finally:
            stop.set()


DEMO_INTERVAL_SECONDS = 10


def _report_news(done: delivery.Round) -> None:
    if done.news:
        click.echo(f"delivery: {done}")


def _mail_config() -> MailConfig:
    """The mail settings of the environment; a malformed ACCORD_SMTP_URL stops the command."""
    config = MailConfig.from_environment()
    if config.smtp_url:
        try:
            sending.smtp_server(config.smtp_url)
        except sending.SmtpUrlError as error:
            raise click.ClickException(str(error)) from None
    return config


@main.group()
def audit():
    """The tamper-evident ledger."""


@audit.command("verify")
@click.option("--digest", "digest_text", default=None, help="A digest from 'accord audit digest' to check against.")
@click.pass_context
def audit_verify(ctx, digest_text):
    """Verify every chain and the tree; exit 1 naming the first bad event."""
    _need_schema(ctx)
    try:
        digest = ledger.Digest.parse(digest_text) if digest_text else None
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--digest") from None
    result = ledger.verify(digest)
    if result.ok:
        click.echo(f"ok: {result.checked} events verified in their chains, the tree of {result.head.sequence} "
                   f"events up to {result.head}")
        return
    click.echo(f"TAMPERED: {result.where}: {result.problem}", err=True)
    ctx.exit(1)


@audit.command("digest")
@click.pass_context
def audit_digest(ctx):
    """Bring the ledger's tree up to date, then print its size and root as SIZE:ROOT, to
    keep and check the history against later."""
    _need_schema(ctx)
    try:
        key = checkpoints.signing_key()
    except checkpoints.MissingSigningKey:
        key = None
    checkpoints.integrate(ctx.obj["clock"].now(), key)
    click.echo(str(ledger.head()))


@audit.command("integrate")
@click.pass_context
def audit_integrate(ctx):
    """Add the events written since the last run to the ledger's Merkle tree and sign a
    checkpoint of it (for cron; `accord worker` does it every round)."""
    _need_schema(ctx)
    integration = checkpoints.integrate(ctx.obj["clock"].now(), _signing_key(),
                                        progress=lambda added: click.echo(f"integrated {added} events so far"))
    signed = "a checkpoint signed" if integration.checkpoint else "no new checkpoint"
    click.echo(f"integrated {integration.added} events: the tree has {integration.size}, {signed}")


@audit.command("verifier-key")
def audit_verifier_key():
    """Print the key that checks this installation's checkpoints, for witnesses and auditors."""
    click.echo(checkpoints.verifier_key(_signing_key()))


def _signing_key():
    try:
        return checkpoints.signing_key()
    except checkpoints.MissingSigningKey as error:
        raise click.ClickException(str(error)) from None


@audit.command("witness-key")
@click.argument("keyfile", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--name", required=True, help="The key's name, e.g. contoso.example/witness.")
def audit_witness_key(keyfile, name):
    """Create a company's witness key in KEYFILE (never overwritten) and print the verifier
    key its administrator registers (PUT /api/v1/organizations/{id}/witness-key)."""
    try:
        verifier = witness.create_witness_key(keyfile, name)
    except FileExistsError:
        raise click.ClickException(f"{keyfile} exists already: a witness key is never overwritten") from None
    except ValueError as error:
        raise click.ClickException(f"--name: {error}") from None
    click.echo(verifier)
    click.echo(f"witness key written to {keyfile}; register the verifier key above for your company", err=True)


@audit.command("witness")
@click.option("--url", required=True, help="The installation, e.g. https://accord.northwind.example.")
@click.option("--token", required=True, envvar="ACCORD_TOKEN", help="A token of an administrator or auditor of your "
              "company (default: ACCORD_TOKEN).")
@click.option("--key", "keyfile", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The witness key file from 'accord audit witness-key'.")
@click.option("--state", "state_file", default="accord-witness.json", show_default=True,
              type=click.Path(dir_okay=False, path_type=Path), help="What this witness last cosigned.")
@click.option("--log-key", default=None, help="The installation's verifier key (default: the state's, else "
              "the installation's own answer, trusted on first use).")
@click.pass_context
def audit_witness(ctx, url, token, keyfile, state_file, log_key):
    """Cosign the installation's latest checkpoint if it extends the one last cosigned, on
    your company's own machine (for cron); exit 1 with the reason when it refuses."""
    try:
        private_key = checkpoint_notes.read_private_key(keyfile)
    except (OSError, ValueError) as error:
        raise click.ClickException(f"cannot read the witness key {keyfile}: {error}") from None
    try:
        done = witness_client.run(witness_client.Api(url, token), private_key, state_file, log_key,
                                  ctx.obj["clock"].now().timestamp())
    except witness.Refusal as refusal:
        click.echo(f"REFUSED: {refusal.reason}", err=True)
        ctx.exit(1)
    except (witness_client.WitnessError, witness.StateFileError, OSError) as error:
        raise click.ClickException(str(error)) from None
    if done.trusted_on_first_use:
        click.echo(f"trusted the log's key on first use, as the installation gave it; {state_file} pins it now",
                   err=True)
    was = "first cosignature" if done.previous_size is None else f"was {done.previous_size}"
    click.echo(f"cosigned {done.origin} at {done.size} events ({was})")


@audit.command("verify-bundle")
@click.argument("bundle_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--key", "log_key", required=True, help="The installation's verifier key, as 'accord audit "
              "verifier-key' prints it, or a file holding it.")
@click.option("--witness-key", "witness_keys", multiple=True, help="A witness's verifier key (or a file holding it) "
              "whose cosignature the checkpoint must carry; may be repeated.")
@click.pass_context
def audit_verify_bundle(ctx, bundle_file, log_key, witness_keys):
    """Verify a proof bundle offline, with no database and no server; exit 1 naming the first
    thing that fails."""
    try:
        bundle = json.loads(bundle_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise click.ClickException(f"cannot read {bundle_file} as JSON: {error}") from None
    try:
        checked = bundle_check.check(bundle, _key_text(log_key), [_key_text(key) for key in witness_keys],
                                     report=click.echo)
    except bundle_check.BundleProblem as problem:
        click.echo(f"FAILED: {problem}", err=True)
        ctx.exit(1)
    cosigned = f"cosigned by {', '.join(checked.cosigners)}" if checked.cosigners else "no witness key given"
    click.echo(f"ok: {checked.events} events verified against the checkpoint of {checked.size} events signed by "
               f"{checked.origin}, {cosigned}")


def _key_text(value: str) -> str:
    """A verifier key given as itself or as the path of a file holding it."""
    try:
        if not Path(value).is_file():
            return value.strip()
    except (OSError, ValueError):  # too long or not a possible path: a key, then
        return value.strip()
    try:
        return Path(value).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise click.ClickException(f"cannot read the key file {value}: {error}") from None


@audit.command("export")
@click.option("--subject", default=None, help="Only one subject, as TYPE:ID (e.g. dispute:3).")
@click.pass_context
def audit_export(ctx, subject):
    """Write the events as JSON lines on standard output."""
    _need_schema(ctx)
    from web.schemas import EventOut

    dump = EventOut().dump
    if subject:
        kind, _, ident = subject.partition(":")
        if not ident.isdigit():
            raise click.BadParameter("use TYPE:ID, e.g. dispute:3", param_hint="--subject")
        events = ledger.history(kind, int(ident))
    else:
        events = ledger.every_event()
    for event in events:
        click.echo(json.dumps(dump(event), default=str))


@main.group()
def db():
    """Backups and health checks of the database."""


@db.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def db_backup(ctx, path):
    """Copy the SQLite database to PATH while it is served, then verify the copy.

    On PostgreSQL, use pg_dump instead.
    """
    _need_schema(ctx)
    try:
        safekeeping.backup_sqlite(path, progress=lambda copied, total: click.echo(f"copied {copied} of {total} pages"))
    except safekeeping.BackupRefused as error:
        raise click.ClickException(str(error)) from None
    open_database(f"sqlite:///{path}")
    _report_health(ctx, safekeeping.check(), f"backup written to {path}")


@db.command("check")
@click.pass_context
def db_check(ctx):
    """Run SQLite's integrity check (on SQLite) and verify the whole ledger; exit 1 on any problem."""
    _need_schema(ctx)
    _report_health(ctx, safekeeping.check(), "database")


def _report_health(ctx, health, what: str) -> None:
    if health.ok:
        where = f" up to {health.head}" if health.head else ""
        integrity = "SQLite's integrity check passed, " if health.integrity_checked else ""
        click.echo(f"ok: {what}: {integrity}{health.events_verified} ledger events verified{where}")
        return
    for problem in health.problems:
        click.echo(f"PROBLEM: {what}: {problem}", err=True)
    ctx.exit(1)


@main.command()
@click.pass_context
def notify(ctx):
    """Deliver everything due now, then exit (for cron); running it again sends nothing new."""
    _need_schema(ctx)
    click.echo(f"notify: {delivery.deliver_due(ctx.obj['clock'], _mail_config())}")


@main.command()
@click.option("--interval", default=delivery.INTERVAL_SECONDS, show_default=True, type=click.FloatRange(min=1),
              help="Seconds between rounds of delivery.")
@click.pass_context
def worker(ctx, interval):
    """Integrate the ledger and deliver continuously, a round every INTERVAL seconds, until
    stopped (Ctrl+C or SIGTERM)."""
    _need_schema(ctx)
    key = _signing_key()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    click.echo(f"worker: integrating the ledger and delivering every {interval:g} s (Ctrl+C to stop)")
    try:
        delivery.run(ctx.obj["clock"], _mail_config(), stop, interval, report=lambda done: click.echo(f"worker: {done}"),
                     signing_key=key)
    except KeyboardInterrupt:
        stop.set()
    click.echo("worker: stopped")


@main.command()
@click.argument("machine", type=click.Choice(["dispute", "protocol"]))
def diagram(machine):
    """Print a live state machine definition as a Mermaid diagram."""
    click.echo(lifecycle.mermaid() if machine == "dispute" else agreement.mermaid())


@main.group()
def protocols():
    """Communication protocols."""


@protocols.command("check")
@click.option("--format", "output", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
def protocols_check(ctx, output):
    """Print the board of protocols in force; exit 1 when any is overdue (for cron)."""
    _need_schema(ctx)
    items = [
        {
            "protocol_id": entry.protocol_id,
            "account": entry.account,
            "project": entry.project,
            "scenario": entry.scenario,
            "version": entry.version,
            "status": entry.compliance.status,
            "next_due_at": entry.compliance.next_due_at.isoformat() if entry.compliance.next_due_at else None,
        }
        for entry in protocol_board(None, ctx.obj["clock"])
    ]
    if output == "json":
        click.echo(json.dumps(items, indent=2))
    elif not items:
        click.echo("No protocol is in force.")
    else:
        click.echo(f"{'id':>4}  {'status':18} {'next due (UTC)':17} {'scenario':16} project")
        for item in items:
            due = item["next_due_at"][:16].replace("T", " ") if item["next_due_at"] else "-"
            click.echo(f"{item['protocol_id']:>4}  {item['status']:18} {due:17} {item['scenario']:16} "
                       f"{item['account']} / {item['project']}")
    if any(item["status"] == "overdue" for item in items):
        ctx.exit(1)


if __name__ == "__main__":
    main()
