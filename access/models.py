"""Who may do what: accounts and their tokens, teams, the applications teams own, and the
environments only some teams may deploy to (README, "Access control").

Accounts and tokens are never deleted: an account is deactivated and a token revoked, so
the names the audit log recorded keep meaning something. A token's secret is never
stored: only its SHA-256 digest (a token is 256 random bits, so no slow hash is needed)
and a short public prefix that identifies it in lists and logs.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from contracts.models import Environment, Pacticipant

SCOPES = ("read", "write", "admin")
# A name as it appears in URLs and messages: no spaces, no slashes.
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@+-]*$"
NAME_MAX_LENGTH = 100


class Account(models.Model):
    """Someone (or something) that holds tokens: a person (`user`) or a pipeline (`system`)."""

    USER, SYSTEM = "user", "system"
    KINDS = (USER, SYSTEM)

    name = models.CharField(max_length=NAME_MAX_LENGTH, unique=True)
    kind = models.CharField(max_length=10, choices=[(kind, kind) for kind in KINDS])
    display_name = models.CharField(max_length=255, blank=True, default="")
    email = models.CharField(max_length=255, blank=True, default="")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(name__regex=NAME_PATTERN), name="account_name_format"),
            models.CheckConstraint(condition=models.Q(kind__in=("user", "system")), name="account_kind_known"),
        ]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """A group of accounts that owns applications: its members may write about them."""

    name = models.CharField(max_length=NAME_MAX_LENGTH, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(name__regex=NAME_PATTERN), name="team_name_format")]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """An account in a team: write permission on the team's applications."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "team"], name="membership_unique")]


class ApplicationOwner(models.Model):
    """The team that owns an application (a pacticipant has at most one)."""

    pacticipant = models.OneToOneField(Pacticipant, on_delete=models.CASCADE, related_name="owner")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="owned")
    created_at = models.DateTimeField(auto_now_add=True)


class EnvironmentRestriction(models.Model):
    """An environment that only members of `teams` (and admins) may record deployments and
    releases in. No teams: admins only."""

    environment = models.OneToOneField(Environment, on_delete=models.CASCADE, related_name="restriction")
    teams = models.ManyToManyField(Team, blank=True, related_name="restrictions")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)


class TokenQuerySet(models.QuerySet):
    def usable(self) -> TokenQuerySet:
        """Tokens that authenticate now: not revoked, not expired, of an active account."""
        now = timezone.now()
        return self.filter(revoked_at__isnull=True, account__active=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class Token(models.Model):
    """A bearer token of an account: `acc_<prefix>_<secret>`, shown once when created."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="tokens")
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    prefix = models.CharField(max_length=16, unique=True)  # public: identifies the token
    digest = models.CharField(max_length=64)  # SHA-256 (hex) of the whole token
    scopes = models.JSONField(default=list)  # cumulative: write includes read, admin includes write
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.CharField(max_length=255, blank=True, default="")
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=255, blank=True, default="")  # who, as the audit log names them

    objects = TokenQuerySet.as_manager()

    class Meta:
        constraints = [
            # A name is reused once the token that had it is revoked (rotation keeps names).
            models.UniqueConstraint(
                fields=["account", "name"], condition=models.Q(revoked_at__isnull=True), name="token_name_unique_live"
            ),
            models.CheckConstraint(condition=models.Q(name__regex=NAME_PATTERN), name="token_name_format"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    def status(self, now=None) -> str:
        """'active', 'expired' or 'revoked' (an inactive account's tokens are 'active' but refused)."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= (now or timezone.now()):
            return "expired"
        return "active"
