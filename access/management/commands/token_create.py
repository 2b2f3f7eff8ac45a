"""`manage.py token_create`: a token from the command line, for the first admin of a broker
whose only credentials are tokens (ACCORD_REQUIRE_AUTH), and for scripts.

    python manage.py token_create --account ops --kind user --scopes admin --name bootstrap

The account is created when it does not exist. The token is printed once, on standard
output alone (so `TOKEN=$(manage.py token_create ...)` works); it is stored only as a digest.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from access.models import SCOPES, Account
from access.selectors import account_get, authentication_on
from access.services.accounts import account_create
from access.services.tokens import token_create
from contracts.exceptions import BrokerError, NotFound


class Command(BaseCommand):
    help = "Create a bearer token (and its account, if new); print the token once."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--account", required=True, help="the account's name (created if it does not exist)")
        parser.add_argument("--kind", choices=Account.KINDS, default=Account.USER,
                            help="for a new account: a person (user, the default) or a pipeline (system)")  # fmt: skip
        parser.add_argument("--name", default="bootstrap", help="the token's name (default: bootstrap)")
        parser.add_argument("--scopes", nargs="+", choices=SCOPES, default=["admin"],
                            help="read, write (includes read) or admin (includes write; the default)")  # fmt: skip
        parser.add_argument("--expires-in-days", type=int, default=None, help="expiry; default: never")

    def handle(self, *args, **options) -> None:
        days = options["expires_in_days"]
        if days is not None and days < 1:
            raise CommandError("--expires-in-days must be at least 1")
        try:
            try:
                account = account_get(name=options["account"])
            except NotFound:
                account = account_create(name=options["account"], kind=options["kind"])
                self.stderr.write(f"Created the {account.kind} account '{account.name}'.")
            expires_at = timezone.now() + timedelta(days=days) if days is not None else None
            token, value = token_create(account=account, name=options["name"], scopes=options["scopes"],
                                        expires_at=expires_at, allow_open=True)  # fmt: skip
        except BrokerError as error:
            raise CommandError(error.message) from None
        self.stderr.write(
            f"Token '{token.name}' (id {token.prefix}, scopes {', '.join(token.scopes)}) of account "
            f"'{account.name}': copy it now, it is not shown again."
        )
        if not authentication_on():
            self.stderr.write(
                "Warning: this broker is open (no basic-auth users, ACCORD_REQUIRE_AUTH off): tokens authenticate "
                "nothing until ACCORD_REQUIRE_AUTH=true."
            )
        self.stdout.write(value)
