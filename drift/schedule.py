"""When live targets run: an interval ("15m", "1h30m", "90s") or a cron expression.

Pure functions, no database. Each target's slots are offset by a jitter derived from a
hash of its uuid (at most a tenth of the interval, capped at a minute), so thousands of
targets on "every 15 minutes" spread over the window instead of firing in the same
second, and one target keeps the same offset from run to run.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from celery.schedules import crontab

DEFAULT = "15m"
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_INTERVAL = re.compile(r"^(?:\d+[smhd])+$")
_PART = re.compile(r"(\d+)([smhd])")
MAX_JITTER_SECONDS = 60.0
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


class InvalidSchedule(ValueError):
    """The text is neither an interval nor a cron expression we accept."""


@dataclass(frozen=True)
class Schedule:
    text: str
    interval: timedelta | None = None
    cron: crontab | None = None

    @property
    def jitter_window(self) -> float:
        """Seconds over which targets sharing this schedule are spread."""
        if self.interval is not None:
            return min(self.interval.total_seconds() / 10, MAX_JITTER_SECONDS)
        return MAX_JITTER_SECONDS

    def next_after(self, now: datetime, *, seed: str) -> datetime:
        """The first slot strictly after `now` for the target whose uuid is `seed`."""
        offset = timedelta(seconds=jitter_fraction(seed) * self.jitter_window)
        if self.interval is not None:
            step = self.interval.total_seconds()
            elapsed = (now - EPOCH - offset).total_seconds()
            slots = int(elapsed // step) + 1
            return EPOCH + offset + timedelta(seconds=slots * step)
        assert self.cron is not None
        # The cron slot strictly after (now - offset), shifted forward by the offset.
        shifted = (now - offset).astimezone(UTC)
        base = shifted.replace(second=0, microsecond=0)
        while True:
            cron = crontab(**_cron_fields(self.text), nowfun=lambda base=base: base)
            slot = base + cron.remaining_estimate(base)
            if slot > shifted:
                return slot + offset
            base = slot + timedelta(minutes=1)


def jitter_fraction(seed: str) -> float:
    """A stable number in [0, 1) from the seed."""
    digest = hashlib.sha256(seed.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _cron_fields(text: str) -> dict[str, str]:
    parts = text.split()
    names = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")
    return dict(zip(names, parts, strict=True))


def parse(text: str | None, *, minimum_seconds: float = 60) -> Schedule:
    """Parse a schedule; raises InvalidSchedule with a message fit for an API answer."""
    text = (text or DEFAULT).strip()
    compact = text.replace(" ", "").lower()
    if _INTERVAL.match(compact):
        seconds = sum(int(n) * _UNITS[u] for n, u in _PART.findall(compact))
        if seconds < minimum_seconds:
            raise InvalidSchedule(f"the interval {text!r} is shorter than the minimum of {minimum_seconds:g} seconds")
        if seconds > 31 * 86400:
            raise InvalidSchedule(f"the interval {text!r} is longer than 31 days")
        return Schedule(text=compact, interval=timedelta(seconds=seconds))
    parts = text.split()
    if len(parts) != 5:
        raise InvalidSchedule(
            f"{text!r} is neither an interval (like '15m', '1h30m', '90s') nor a cron expression "
            "of five fields (minute hour day-of-month month day-of-week, like '*/10 * * * *')"
        )
    try:
        cron = crontab(**_cron_fields(text))
        cron.remaining_estimate(datetime.now(UTC))
    except Exception as exc:  # noqa: BLE001 - celery raises several kinds for a bad field
        raise InvalidSchedule(f"{text!r} is not a valid cron expression: {exc}") from None
    parsed = Schedule(text=" ".join(parts), cron=cron)
    if minimum_seconds > 60:
        # A cron expression can fire every minute at most; check its closest slots.
        slot = parsed.next_after(datetime(2030, 1, 1, tzinfo=UTC), seed="")
        for _ in range(10):
            following = parsed.next_after(slot, seed="")
            if (following - slot).total_seconds() < minimum_seconds:
                raise InvalidSchedule(
                    f"{text!r} runs more often than the minimum interval of {minimum_seconds:g} seconds"
                )
            slot = following
    return parsed
