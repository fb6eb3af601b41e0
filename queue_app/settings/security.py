"""The `security:` section of config.yaml: how sign-in is throttled, how long a staff session lasts,
what a password must be. Defaults are safe; a centre rarely changes them."""

from __future__ import annotations

from typing import Literal

from limits import RateLimitItem, parse_many
from pydantic import Field, field_validator

from .common import Strict


def _limits(value: str) -> str:
    try:
        parse_many(value)
    except ValueError:
        raise ValueError(f"'{value}' is not a list of limits like '5 per 5 minutes; 20 per hour'") from None
    return value


class Security(Strict):
    # failed sign-ins allowed before a wait is imposed, for one user name and for one client address;
    # several windows make a back-off: after 5 a short wait, after 15 an hour
    failed_sign_ins_per_account: str = "5 per 5 minutes; 15 per hour; 40 per day"
    failed_sign_ins_per_address: str = "20 per 5 minutes; 60 per hour"
    session_idle_minutes: int = Field(60, ge=5, le=24 * 60)  # a session unused this long is signed out
    session_hours: int = Field(12, ge=1, le=72)  # and any session (or API token) after this long
    password_min_length: int = Field(10, ge=8, le=128)
    # civil IDs, phone numbers and visitors' addresses are erased from tickets, appointments and sent
    # messages this many days after the visit; the statistics stay
    personal_data_days: int = Field(30, ge=1, le=3650)
    # roles that must enrol two-step verification (TOTP) before using the site; optional for the others
    two_step_roles: list[Literal["admin", "supervisor", "clerk", "central"]] = ["admin", "supervisor", "central"]

    _account = field_validator("failed_sign_ins_per_account")(_limits)
    _address = field_validator("failed_sign_ins_per_address")(_limits)

    def account_limits(self) -> list[RateLimitItem]:
        return parse_many(self.failed_sign_ins_per_account)

    def address_limits(self) -> list[RateLimitItem]:
        return parse_many(self.failed_sign_ins_per_address)
