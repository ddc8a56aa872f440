"""Quiet hours, retry backoff, webhook settings and Message-IDs: the pure rules of notification delivery."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.config import Settings
from service.errors import InvalidInput
from service.notifications.config import NotifyConfig, parse_webhooks
from service.notifications.dispatch import backoff
from service.notifications.messages import message_id
from service.notifications.quiet import QuietHours

NIGHT = QuietHours.parse("22:00-07:00")
LUNCH = QuietHours.parse("12:00-13:30")


def shanghai(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


def test_a_window_across_midnight_holds_evening_and_early_morning_until_seven() -> None:
    assert NIGHT is not None
    assert not NIGHT.contains(shanghai(23, 21, 59)) and NIGHT.contains(shanghai(23, 22, 0))
    assert NIGHT.release(shanghai(23, 23, 0)) == shanghai(24, 7, 0)
    assert NIGHT.release(shanghai(24, 3, 30)) == shanghai(24, 7, 0)
    assert NIGHT.release(shanghai(24, 7, 0)) == shanghai(24, 7, 0)  # the end is outside the window
    assert NIGHT.release(shanghai(24, 12, 0)) == shanghai(24, 12, 0)


def test_a_daytime_window_ends_the_same_day() -> None:
    assert LUNCH is not None
    assert LUNCH.release(shanghai(24, 12, 40)) == shanghai(24, 13, 30)
    assert LUNCH.release(shanghai(24, 11, 59)) == shanghai(24, 11, 59)
    assert str(LUNCH) == "12:00-13:30"


@pytest.mark.parametrize("text", ["22-07", "25:00-07:00", "22:00-07:60", "08:00-08:00", "夜间"])
def test_bad_quiet_hours_are_refused_with_the_setting_named(text: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        QuietHours.parse(text)
    assert "DUBAN_QUIET_HOURS" in raised.value.details["errors"]
    assert QuietHours.parse("  ") is None


@given(
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)),
    st.sampled_from([NIGHT, LUNCH, QuietHours.parse("00:00-06:00"), QuietHours.parse("23:59-00:01")]),
)
def test_release_is_never_early_never_inside_and_never_a_day_late(moment: datetime, quiet: QuietHours | None) -> None:
    assert quiet is not None
    released = quiet.release(moment)
    assert released >= moment and released - moment < timedelta(days=1)
    assert not quiet.contains(released)
    assert (released == moment) is (not quiet.contains(moment))


def test_backoff_doubles_from_a_minute_and_is_capped_at_an_hour() -> None:
    assert [backoff(n).total_seconds() / 60 for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]


def test_webhooks_are_named_gateways_whose_kind_is_the_name_prefix() -> None:
    gateways = parse_webhooks("wecom=https://qyapi.example/send?key=a=b, dingtalk_office=https://oapi.example/robot")
    assert [(g.name, g.kind, g.url) for g in gateways] == [
        ("wecom", "wecom", "https://qyapi.example/send?key=a=b"),
        ("dingtalk_office", "dingtalk", "https://oapi.example/robot"),
    ]
    assert "key=" not in repr(gateways)  # the robot's token is a secret
    for bad in ("slack=https://x", "wecom=ftp://x", "wecom=https://a,wecom=https://b", "we com=https://x"):
        with pytest.raises(InvalidInput):
            parse_webhooks(bad)
    assert parse_webhooks(" , ") == ()


def test_settings_make_the_config_and_keep_secrets_out_of_reprs(tmp_path) -> None:
    settings = Settings(
        data_dir=tmp_path, smtp_host="mail.local", smtp_password="s3cret", webhooks="wecom=https://x/?key=k",
        quiet_hours="22:00-07:00", outbox_max_attempts=3,
    )  # fmt: skip
    config = NotifyConfig.from_settings(settings)
    assert config.email_enabled and config.delivers and config.max_attempts == 3 and str(config.quiet) == "22:00-07:00"
    assert "s3cret" not in repr(settings) + repr(config) and "key=k" not in repr(settings) + repr(config)
    assert not NotifyConfig().delivers and NotifyConfig().release(shanghai(23, 23)) == shanghai(23, 23)
    with pytest.raises(InvalidInput):
        NotifyConfig.from_settings(Settings(data_dir=tmp_path, outbox_max_attempts=0))


def test_a_message_id_is_stable_per_row_and_in_the_senders_domain() -> None:
    first = message_id("bulletin:abc:email:a@x", "督查室 <duban@gov.example>")
    assert first == message_id("bulletin:abc:email:a@x", "duban@gov.example")
    assert first.endswith("@gov.example>") and first != message_id("bulletin:abd:email:a@x", "duban@gov.example")
