"""fetch_ahead: the next items come from a thread while the caller uses this one, and no more
than asked for."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from harvester.ahead import fetch_ahead


class _Source:
    """A generator of numbered items that records which it was asked for, and by which thread."""

    def __init__(self, count: int, *, fail_at: int | None = None) -> None:
        self.count = count
        self.fail_at = fail_at
        self.asked: list[tuple[int, str]] = []
        self.closed = False
        self.error = RuntimeError(f"item {fail_at}: the server broke")
        self.running = threading.Lock()  # held while an item is being made
        self.gate: dict[int, threading.Event] = {}  # item -> released when it may be made

    def items(self) -> Iterator[int]:
        try:
            for number in range(1, self.count + 1):
                with self.running:
                    self.asked.append((number, threading.current_thread().name))
                    if number in self.gate:
                        assert self.gate[number].wait(5), f"item {number} never released"
                    if number == self.fail_at:
                        raise self.error
                yield number
        finally:
            self.closed = True

    def numbers(self) -> list[int]:
        return [number for number, _ in self.asked]


def _wait_until(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def test_every_item_comes_once_and_in_order() -> None:
    source = _Source(7)

    with fetch_ahead(source.items(), name="test-ahead") as items:
        got = list(items)

    assert got == [1, 2, 3, 4, 5, 6, 7]
    assert source.numbers() == [1, 2, 3, 4, 5, 6, 7] and source.closed


def test_the_first_two_items_are_made_only_when_asked_for() -> None:
    source = _Source(5)

    with fetch_ahead(source.items(), name="test-ahead") as items:
        assert next(items) == 1
        time.sleep(0.05)  # time enough for a thread to run ahead, if there were one
        assert source.numbers() == [1]
        assert next(items) == 2
        assert _wait_until(lambda: source.numbers() == [1, 2, 3])  # now one comes ahead

    assert [thread for _, thread in source.asked] == ["MainThread", "MainThread", "test-ahead"]


def test_only_one_item_is_made_ahead_while_the_caller_is_busy() -> None:
    source = _Source(6)

    with fetch_ahead(source.items(), name="test-ahead") as items:
        next(items), next(items)
        assert _wait_until(lambda: source.numbers() == [1, 2, 3])
        time.sleep(0.05)
        assert source.numbers() == [1, 2, 3]  # 4 waits until 3 is taken
        assert next(items) == 3
        assert _wait_until(lambda: source.numbers() == [1, 2, 3, 4])
        assert list(items) == [4, 5, 6]


def test_with_depth_two_two_items_are_made_ahead_and_no_more() -> None:
    source = _Source(8)

    with fetch_ahead(source.items(), name="test-ahead", depth=2) as items:
        assert next(items) == 1
        time.sleep(0.05)
        assert source.numbers() == [1]  # the first two still come only when asked for
        assert next(items) == 2
        assert _wait_until(lambda: source.numbers() == [1, 2, 3, 4])
        time.sleep(0.05)
        assert source.numbers() == [1, 2, 3, 4]  # 5 waits until 3 is taken
        assert next(items) == 3
        assert _wait_until(lambda: source.numbers() == [1, 2, 3, 4, 5])
        assert list(items) == [4, 5, 6, 7, 8]

    assert source.closed


def test_leaving_early_with_depth_two_drops_both_items_made_ahead() -> None:
    source = _Source(10)

    with fetch_ahead(source.items(), name="test-ahead", depth=2) as items:
        assert [next(items), next(items)] == [1, 2]
        assert _wait_until(lambda: len(source.asked) == 4)

    assert source.numbers() == [1, 2, 3, 4] and source.closed
    assert not any(thread.name == "test-ahead" for thread in threading.enumerate())


def test_leaving_tells_a_fetch_waiting_on_the_caller_to_give_up() -> None:
    """``leaving`` is set before the block waits for the fetch in progress: a fetch that waits
    for the caller (for a place in a mapping process the caller frees) ends instead of hanging."""
    leaving, waiting = threading.Event(), threading.Event()
    gave_up: list[bool] = []

    def items() -> Iterator[int]:
        yield 1
        yield 2
        waiting.set()
        gave_up.append(leaving.wait(5))  # item 3 waits for the caller, who has left
        yield 3

    started = time.monotonic()
    with fetch_ahead(items(), name="test-ahead", leaving=leaving) as got:
        assert [next(got), next(got)] == [1, 2]
        assert waiting.wait(5)

    assert gave_up == [True] and time.monotonic() - started < 4


def test_a_depth_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="depth must be at least 1, got 0"):
        with fetch_ahead(iter([1]), name="t", depth=0):
            pass


def test_an_error_reaches_the_caller_unchanged_after_the_items_before_it() -> None:
    source = _Source(6, fail_at=4)
    got: list[int] = []

    with pytest.raises(RuntimeError) as raised, fetch_ahead(source.items(), name="t") as items:
        for number in items:
            got.append(number)

    assert raised.value is source.error  # the same object: same type and message
    assert str(raised.value) == "item 4: the server broke"
    assert got == [1, 2, 3] and source.closed


def test_an_error_in_the_first_items_comes_from_the_callers_own_call() -> None:
    source = _Source(3, fail_at=1)

    with pytest.raises(RuntimeError) as raised, fetch_ahead(source.items(), name="t") as items:
        next(items)

    assert raised.value is source.error


def test_leaving_early_drops_the_item_made_ahead_and_closes_the_source() -> None:
    source = _Source(10)

    with fetch_ahead(source.items(), name="test-ahead") as items:
        assert [next(items), next(items)] == [1, 2]
        assert _wait_until(lambda: len(source.asked) == 3)

    assert source.numbers() == [1, 2, 3] and source.closed  # 3 made, never handed out
    assert not any(thread.name == "test-ahead" for thread in threading.enumerate())


def test_leaving_waits_for_an_item_being_made_then_makes_no_more() -> None:
    source = _Source(10)
    source.gate[3] = threading.Event()

    def release_later() -> None:
        time.sleep(0.2)
        source.gate[3].set()

    releaser = threading.Thread(target=release_later)
    with fetch_ahead(source.items(), name="test-ahead") as items:
        next(items), next(items)
        assert _wait_until(lambda: len(source.asked) == 3)  # item 3 is being made
        releaser.start()
        started = time.monotonic()
    waited = time.monotonic() - started
    releaser.join()

    assert waited >= 0.1  # the fetch in progress ended before the block was left
    assert source.numbers() == [1, 2, 3] and source.closed
    assert not any(thread.name == "test-ahead" for thread in threading.enumerate())


def test_an_error_in_the_callers_body_stops_the_fetching_cleanly() -> None:
    source = _Source(10)

    with pytest.raises(KeyError), fetch_ahead(source.items(), name="test-ahead") as items:
        for number in items:
            if number == 4:
                raise KeyError("the store broke")

    assert source.numbers() in ([1, 2, 3, 4], [1, 2, 3, 4, 5])  # 5 only if already started
    assert source.closed
    assert not any(thread.name == "test-ahead" for thread in threading.enumerate())


def test_the_source_is_never_advanced_by_two_threads_at_once() -> None:
    source = _Source(300)
    got = []

    # If the caller and the thread both ran the generator, it would raise "generator already
    # executing"; a caller of varying speed gives the thread every chance to.
    with fetch_ahead(source.items(), name="test-ahead") as items:
        for number in items:
            got.append(number)
            if number % 7 == 0:
                time.sleep(0.001)

    assert got == list(range(1, 301)) and source.numbers() == got
