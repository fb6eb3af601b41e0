"""The pure queue rules, without a database: states, numbers, codes, input checks, call-next (the calendar:
test_calendar.py).

ETA (domain/eta.py) is being reworked by another helper and is deliberately not pinned down here.
"""

from __future__ import annotations

import math
import string
from datetime import datetime, timedelta

import pytest

from queue_app.domain import tickets as rules
from queue_app.domain.errors import Conflict, IntakeClosed, InvalidInput, QueueError
from queue_app.domain.policy import Candidate, effective_wait, order_candidates
from queue_app.domain.tickets import Status

# --- ticket states -----------------------------------------------------------------------------------

# Every action from every state: the target state, or None when the action must be refused.
EXPECTED = {
    "call": {Status.WAITING: Status.CALLED},
    "recall": {Status.CALLED: Status.CALLED},
    "start": {Status.CALLED: Status.SERVING},
    "complete": {Status.CALLED: Status.DONE, Status.SERVING: Status.DONE},
    "no_show": {Status.CALLED: Status.NO_SHOW},
    "transfer": {Status.WAITING: Status.WAITING, Status.CALLED: Status.WAITING, Status.SERVING: Status.WAITING},
    "cancel": {Status.WAITING: Status.CANCELLED, Status.CALLED: Status.CANCELLED, Status.PARKED: Status.CANCELLED},
    "park": {Status.CALLED: Status.PARKED, Status.SERVING: Status.PARKED},
    "unpark": {Status.PARKED: Status.CALLED},
    "requeue": {Status.NO_SHOW: Status.WAITING},
    "close": {Status.WAITING: Status.CLOSED, Status.PARKED: Status.CLOSED},
}


def test_every_action_is_covered() -> None:
    assert set(EXPECTED) == set(rules.TRANSITIONS)


@pytest.mark.parametrize("action", sorted(EXPECTED))
@pytest.mark.parametrize("status", list(Status))
def test_transition_from_every_state(action: str, status: Status) -> None:
    target = EXPECTED[action].get(status)
    if target is None:
        with pytest.raises(Conflict) as refused:
            rules.next_status(status, action)
        assert refused.value.code == "invalid_transition"
        assert refused.value.status == 409
        assert refused.value.params == {"action": action, "status": status.value}
    else:
        assert rules.next_status(status.value, action) is target  # plain strings from the database work too


def test_final_states_accept_nothing_but_a_requeued_no_show() -> None:
    for status in rules.FINAL_STATES:
        for action in rules.TRANSITIONS:
            if (status, action) == (Status.NO_SHOW, "requeue"):
                assert rules.next_status(status, action) == Status.WAITING
                continue
            with pytest.raises(Conflict):
                rules.next_status(status, action)


def test_display_number_is_prefix_and_padded_sequence() -> None:
    assert rules.display_number("A", 12) == "A012"
    assert rules.display_number("D", 1) == "D001"
    assert rules.display_number("B", 999) == "B999"
    assert rules.display_number("C", 1234) == "C1234"  # never truncated


def test_tracking_code_has_at_least_64_random_bits() -> None:
    alphabet = set(string.ascii_letters + string.digits + "-_")
    codes = {rules.new_tracking_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in codes:
        assert set(code) <= alphabet
        assert len(code) * math.log2(len(alphabet)) >= 64
    # the characters are spread over the whole alphabet (not, say, hex digits only)
    assert len(set("".join(codes))) == len(alphabet)


# --- input checks ------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [1, 2, 10])
def test_transactions_in_range(value: int) -> None:
    assert rules.check_transactions(value, 10) == value


@pytest.mark.parametrize("value", [0, 11, -1, True, "2", 2.0, None])
def test_transactions_out_of_range(value: object) -> None:
    with pytest.raises(InvalidInput) as refused:
        rules.check_transactions(value, 10)
    assert refused.value.code == "invalid_transactions" and refused.value.params == {"maximum": 10}


def test_civil_id() -> None:
    assert rules.check_civil_id("290010112345") == "290010112345"
    assert rules.check_civil_id(None) is None and rules.check_civil_id("") is None
    # one person, however the digits were typed: Arabic-Indic, Urdu, a stray space or newline
    for same in ("٢٩٠٠١٠١١٢٣٤٥", "۲۹۰۰۱۰۱۱۲۳۴۵", " 290010112345", "290010112345\n"):
        assert rules.check_civil_id(same) == "290010112345"
    for bad in ("12", "2900101123456", "29001011234a", 290010112345, "２９００１０１１２３４５", "2900 10112345"):
        with pytest.raises(InvalidInput) as refused:
            rules.check_civil_id(bad)
        assert refused.value.code == "invalid_civil_id"


def test_priority() -> None:
    assert rules.check_priority(None) is rules.PriorityClass.NONE
    assert rules.check_priority("elderly") is rules.PriorityClass.ELDERLY
    assert rules.check_priority("disabled") is rules.PriorityClass.DISABLED
    for chosen in ("vip", "appointment"):  # the appointment class comes with a check-in, never from a form
        with pytest.raises(InvalidInput) as refused:
            rules.check_priority(chosen)
        assert refused.value.code == "invalid_priority"


def test_errors_carry_stable_codes_and_statuses() -> None:
    assert (QueueError().code, QueueError().status) == ("queue_error", 400)
    error = IntakeClosed("daily_cap_reached", cap=10)
    assert (error.code, error.status, error.params) == ("daily_cap_reached", 409, {"cap": 10})
    assert IntakeClosed().code == "intake_closed"  # the class default stays when no code is given
    assert type(error).code == "intake_closed"  # a per-instance code never leaks into the class


# --- call-next policy --------------------------------------------------------------------------------

NOW = datetime(2026, 11, 22, 9, 0)
BOOSTS = {"elderly": 15, "disabled": 20}


def candidate(ticket_id: int, service: str, waited: float, priority: str = "none", callable: bool = True) -> Candidate:
    return Candidate(ticket_id, service, priority, NOW - timedelta(minutes=waited), callable)


def order(candidates: list[Candidate], services: list[str], streak: int = 0, max_consecutive: int = 3) -> list[int]:
    return [c.ticket_id for c in order_candidates(candidates, services, NOW, BOOSTS, max_consecutive, streak)]


def test_effective_wait_adds_the_boost() -> None:
    assert effective_wait(candidate(1, "a", 10), NOW, BOOSTS) == 600
    assert effective_wait(candidate(1, "a", 10, "elderly"), NOW, BOOSTS) == 600 + 15 * 60
    assert effective_wait(candidate(1, "a", 10, "unknown"), NOW, BOOSTS) == 600


def test_tiers_follow_the_counter_order() -> None:
    queue = [candidate(1, "residency", 60), candidate(2, "traffic", 1), candidate(3, "medical", 90)]
    assert order(queue, ["traffic", "residency"]) == [2, 1]  # medical is not served here
    assert order(queue, ["residency", "traffic"]) == [1, 2]


def test_longest_wait_first_within_a_tier() -> None:
    queue = [candidate(1, "traffic", 5), candidate(2, "traffic", 20), candidate(3, "traffic", 12)]
    assert order(queue, ["traffic"]) == [2, 3, 1]


def test_priority_boost() -> None:
    queue = [candidate(1, "traffic", 20), candidate(2, "traffic", 10, "elderly")]
    assert order(queue, ["traffic"]) == [2, 1]  # 10 + 15 > 20
    queue = [candidate(1, "traffic", 30), candidate(2, "traffic", 10, "elderly")]
    assert order(queue, ["traffic"]) == [1, 2]  # 10 + 15 < 30
    queue = [candidate(1, "traffic", 10, "elderly"), candidate(2, "traffic", 10, "disabled")]
    assert order(queue, ["traffic"]) == [2, 1]  # 20 > 15
    # a boost never lifts a ticket over a tier
    queue = [candidate(1, "traffic", 1), candidate(2, "residency", 1, "disabled")]
    assert order(queue, ["traffic", "residency"]) == [1, 2]


def test_anti_starvation_after_max_consecutive_priority_calls() -> None:
    queue = [
        candidate(1, "traffic", 10),
        candidate(2, "traffic", 5, "elderly"),
        candidate(3, "traffic", 4, "disabled"),
        candidate(4, "traffic", 8),
    ]
    assert order(queue, ["traffic"], streak=2) == [3, 2, 1, 4]
    assert order(queue, ["traffic"], streak=3) == [1, 3, 2, 4]  # the longest-waiting regular ticket jumps
    assert order(queue, ["traffic"], streak=1, max_consecutive=1) == [1, 3, 2, 4]
    only_priority = [candidate(2, "traffic", 5, "elderly"), candidate(5, "residency", 50)]
    # no regular ticket in the first tier: the priority ticket still goes first
    assert order(only_priority, ["traffic", "residency"], streak=5) == [2, 5]


def appointment(ticket_id: int, service: str, slot_in_minutes: float) -> Candidate:
    """A checked-in appointment: its place in time is its slot's start (in the future when positive)."""
    return Candidate(ticket_id, service, "appointment", NOW + timedelta(minutes=slot_in_minutes))


def test_an_appointment_goes_first_once_its_slot_has_begun() -> None:
    queue = [candidate(1, "traffic", 60), candidate(2, "traffic", 45, "disabled"), appointment(3, "traffic", 0)]
    assert order(queue, ["traffic"]) == [3, 2, 1]  # at its time, ahead of an hour's wait and a priority
    late_slots = [appointment(4, "traffic", -5), appointment(3, "traffic", -1), candidate(1, "traffic", 60)]
    assert order(late_slots, ["traffic"]) == [4, 3, 1]  # due appointments among themselves: by slot


def test_an_early_appointment_waits_like_one_who_came_at_its_slot() -> None:
    queue = [candidate(1, "traffic", 20), appointment(2, "traffic", 10), candidate(3, "traffic", 0)]
    assert order(queue, ["traffic"]) == [1, 3, 2]  # its slot is in ten minutes: behind those already here


def test_an_appointment_never_crosses_a_tier_and_counts_in_the_priority_streak() -> None:
    queue = [candidate(1, "traffic", 1), appointment(2, "residency", -10)]
    assert order(queue, ["traffic", "residency"]) == [1, 2]
    queue = [appointment(2, "traffic", -1), candidate(1, "traffic", 30)]
    assert order(queue, ["traffic"], streak=3) == [1, 2]  # after 3 priority or appointment calls, a walk-in


def test_non_callable_tickets_are_skipped() -> None:
    queue = [candidate(1, "traffic", 40, callable=False), candidate(2, "traffic", 5)]
    assert order(queue, ["traffic"]) == [2]
    assert order([candidate(1, "traffic", 40, callable=False)], ["traffic"]) == []


def test_ties_go_to_the_lower_id() -> None:
    queue = [candidate(9, "traffic", 10), candidate(3, "traffic", 10), candidate(5, "traffic", 10)]
    assert order(queue, ["traffic"]) == [3, 5, 9]


def test_nothing_to_call() -> None:
    assert order([], ["traffic"]) == []
    assert order([candidate(1, "medical", 10)], ["traffic"]) == []
