"""Calendar arithmetic on dates: deadlines counted in months or years."""

import calendar
import datetime


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day so many months later (the month's last day when it has fewer days)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def add_years(day: datetime.date, years: int) -> datetime.date:
    """The same day so many years later (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def local_datetime(day: datetime.date, time: datetime.time | None = None) -> datetime.datetime:
    """`day` at `time` (midnight without one), in the site's time zone (Europe/Paris)."""
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime.combine(day, time or datetime.time()))
