"""Failed sign-ins are throttled: per username and address, and per address; a locked form
answers 429 without checking the password, and the lock ends with its window."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.ui.test_signin import READER, WRITER, browser, sign_in, text
from ui.models import SignInFailures

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def users(settings) -> None:
    settings.ACCORD_BASIC_AUTH_USERNAME, settings.ACCORD_BASIC_AUTH_PASSWORD = WRITER
    settings.ACCORD_BASIC_AUTH_READ_ONLY_USERNAME, settings.ACCORD_BASIC_AUTH_READ_ONLY_PASSWORD = READER
    settings.ACCORD_ALLOW_PUBLIC_READ = False
    settings.ACCORD_SIGNIN_MAX_FAILURES = 5
    settings.ACCORD_SIGNIN_ADDRESS_MAX_FAILURES = 12
    settings.ACCORD_SIGNIN_LOCK_SECONDS = 900


def attempt(password: str, *, username: str = WRITER[0], address: str = "198.51.100.7"):
    return sign_in(browser(REMOTE_ADDR=address), (username, password))


def test_five_wrong_passwords_lock_that_username_from_that_address(db) -> None:
    for _ in range(5):
        response = attempt("guess")
        assert response.status_code == 200 and "Wrong username or password." in text(response)
    locked = attempt(WRITER[1])  # even the right password: it is not checked while locked
    assert locked.status_code == 429
    assert "Too many failed sign-ins. Try again in 15 minutes." in text(locked)
    assert 890 <= int(locked["Retry-After"]) <= 900
    assert WRITER[1] not in locked.content.decode()
    # Another address, or another user from this one, is not locked.
    assert attempt(WRITER[1], address="203.0.113.9").status_code == 303
    assert attempt(READER[1], username=READER[0]).status_code == 303


def test_the_lock_ends_with_its_window(db) -> None:
    for _ in range(5):
        attempt("guess")
    assert attempt(WRITER[1]).status_code == 429
    SignInFailures.objects.update(locked_until=timezone.now() - timedelta(seconds=1))
    assert attempt(WRITER[1]).status_code == 303


def test_a_successful_sign_in_forgets_the_failures(db) -> None:
    for _ in range(4):
        attempt("guess")
    assert attempt(WRITER[1]).status_code == 303
    for _ in range(4):
        attempt("guess")
    assert attempt(WRITER[1]).status_code == 303  # 4 + 4 failures, never 5 in a row


def test_guessing_across_usernames_locks_the_address(db) -> None:
    for n in range(12):
        assert attempt("guess", username=f"user{n}").status_code == 200
    locked = attempt(READER[1], username=READER[0])
    assert locked.status_code == 429
    assert attempt(READER[1], username=READER[0], address="203.0.113.9").status_code == 303


def test_an_empty_form_is_not_counted(db) -> None:
    for _ in range(8):
        assert attempt("").status_code == 200
    assert not SignInFailures.objects.exists()
    assert attempt(WRITER[1]).status_code == 303


def test_old_windows_are_dropped_as_failures_come(db) -> None:
    SignInFailures.objects.create(key="user:old|192.0.2.1", failures=3, window_start=timezone.now() - timedelta(days=1))
    attempt("guess")
    assert not SignInFailures.objects.filter(key="user:old|192.0.2.1").exists()
    assert SignInFailures.objects.filter(key=f"user:{WRITER[0]}|198.51.100.7", failures=1).exists()
