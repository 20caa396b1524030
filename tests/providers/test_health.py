"""Provider health: failure streaks, cooldowns, rate limits, ordering and thread safety.

Time is injected (a list holding "now"), so cooldowns are tested without sleeping.
"""

from __future__ import annotations

import threading

import pytest

from g4f.errors import BadRequestError, ModelNotFoundError, NetworkError, RateLimitError, ResponseStatusError
from g4f.providers.health import ProviderHealth, provider_name


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def make(threshold: int = 3, cooldown: float = 60.0) -> tuple[ProviderHealth, Clock]:
    clock = Clock()
    return ProviderHealth(failure_threshold=threshold, cooldown=cooldown, clock=clock), clock


def test_consecutive_failures_start_a_cooldown_that_ends_with_time():
    health, clock = make(threshold=3, cooldown=60)
    for _ in range(2):
        health.record_failure("A", NetworkError("reset"))
    assert health.is_healthy("A")
    health.record_failure("A", ResponseStatusError("oops", status=500))
    assert not health.is_healthy("A")
    assert health.cooldown_remaining("A") == 60
    assert not health.is_rate_limited("A")
    clock.now += 59.5
    assert health.cooldown_remaining("A") == pytest.approx(0.5)
    clock.now += 1
    assert health.is_healthy("A")


def test_a_success_ends_the_streak_and_the_cooldown():
    health, _ = make(threshold=2)
    health.record_failure("A", NetworkError("reset"))
    health.record_failure("A", NetworkError("reset"))
    assert not health.is_healthy("A")
    health.record_success("A")
    assert health.is_healthy("A")
    assert health.state("A").consecutive_failures == 0
    health.record_failure("A", NetworkError("reset"))
    assert health.is_healthy("A")  # a new streak starts from zero


def test_rate_limit_with_retry_after_cools_down_exactly_that_long_at_first_failure():
    health, clock = make(threshold=3, cooldown=60)
    health.record_failure("A", RateLimitError("slow down", retry_after=30))
    assert health.is_rate_limited("A")
    assert health.cooldown_remaining("A") == 30
    assert health.describe("A").startswith("rate limited, 30 s left (last error: RateLimitError: slow down")
    clock.now += 30
    assert health.is_healthy("A") and not health.is_rate_limited("A")


def test_rate_limit_without_retry_after_counts_as_an_ordinary_failure():
    health, _ = make(threshold=2, cooldown=60)
    health.record_failure("A", RateLimitError("slow down"))
    assert health.is_healthy("A")
    health.record_failure("A", RateLimitError("slow down"))
    assert health.cooldown_remaining("A") == 60 and not health.is_rate_limited("A")


@pytest.mark.parametrize("error", [BadRequestError("bad", status=400), ModelNotFoundError("no such model")])
def test_errors_caused_by_the_request_are_not_held_against_the_provider(error):
    health, _ = make(threshold=1)
    health.record_failure("A", error)
    assert health.is_healthy("A")
    assert health.state("A").consecutive_failures == 0


def test_order_puts_healthy_first_cooling_by_recovery_and_skips_rate_limited():
    health, clock = make(threshold=1, cooldown=60)
    health.record_failure("B", NetworkError("reset"))  # cools until +60
    clock.now += 10
    health.record_failure("D", NetworkError("reset"))  # cools until +70
    health.record_failure("E", RateLimitError("slow", retry_after=5))
    clock.now -= 10
    health.record_failure("C", NetworkError("reset"))  # cools until +60 as B, listed after B
    to_try, limited = health.order(["D", "A", "C", "E", "B", "F"])
    assert to_try == ["A", "F", "C", "B", "D"]  # C and B recover together: given order
    assert limited == ["E"]


def test_order_among_equally_cooling_providers_keeps_the_given_order():
    health, _ = make(threshold=1, cooldown=60)
    health.record_failure("X", NetworkError("reset"))
    health.record_failure("Y", NetworkError("reset"))
    assert health.order(["Y", "X", "Z"]) == (["Z", "Y", "X"], [])


def test_providers_are_keyed_by_name_whether_class_or_instance():
    class Groq:
        @classmethod
        def get_name(cls):
            return "Groq"

    health, _ = make(threshold=1)
    health.record_failure(Groq, NetworkError("reset"))
    assert not health.is_healthy("Groq")
    assert not health.is_healthy(Groq())
    assert provider_name(Groq) == "Groq"
    health.reset(Groq)
    assert health.is_healthy("Groq")


def test_thresholds_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("G4F_HEALTH_FAILURES", "1")
    monkeypatch.setenv("G4F_HEALTH_COOLDOWN", "5")
    clock = Clock()
    health = ProviderHealth(clock=clock)
    health.record_failure("A", NetworkError("reset"))
    assert health.cooldown_remaining("A") == 5
    monkeypatch.setenv("G4F_HEALTH_COOLDOWN", "soon")
    with pytest.raises(ValueError, match="G4F_HEALTH_COOLDOWN"):
        ProviderHealth()
    monkeypatch.delenv("G4F_HEALTH_COOLDOWN")
    with pytest.raises(ValueError, match="failure_threshold"):
        ProviderHealth(failure_threshold=0)


def test_updates_from_many_threads_are_never_lost():
    health = ProviderHealth(failure_threshold=10**9, cooldown=1)
    start = threading.Barrier(8)

    def hammer() -> None:
        start.wait()
        for _ in range(2000):
            health.record_failure("A", NetworkError("reset"))
            health.order(["A", "B"])

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert health.state("A").consecutive_failures == 16000


def test_the_last_error_is_kept_short_and_without_the_provider_prefix():
    health, _ = make(threshold=1)
    health.record_failure("Groq", ResponseStatusError("Groq: " + "x" * 500 + "\nsecond line", status=500))
    last = health.state("Groq").last_error
    assert last.startswith("ResponseStatusError: xxx") and last.endswith("...")
    assert "second line" not in last and len(last) < 240
