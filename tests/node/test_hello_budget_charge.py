"""What a stranger's handshake is charged of the hello budget (node/hello_budget.py): its own measured
cost, in tokens worth a reply each, not a running mean of the costs so far.

Pure: the budget's clock and each handshake's cost are given here, so nothing depends on this
machine's speed or load. Hellos are offered every `STEP_S` of the budget's clock, each from a
source of its own (one address's bucket is half the global one's: here the global one is at stake).
"""
from __future__ import annotations

import itertools
from collections.abc import Callable

from node.hello_budget import BURST, GRANTS_HOLD, RESERVE, RESERVE_BURST, RESERVE_SHARE, SHARE, SHARED, SOURCE_SHARE, HelloBudget

TOKEN_S = 0.001  # what a token is worth: a reply's CPU time
STEP_S = 0.0005  # between two hellos offered (faster than the budget refills: it is the limit)


def offered(budget: HelloBudget, now: list[float], until_s: float, cost: Callable[[int], float]) -> list[float]:
    """Hellos offered until `until_s` on the budget's clock: the costs of those replied to (the
    n-th replied to costs `cost(n)`, charged as its handshake ends)."""
    spent: list[float] = []
    sources = itertools.count()
    while now[0] < until_s:
        source = f"s{next(sources)}"
        if budget.take(source):
            spent.append(cost(len(spent)))
            budget.ended(source)
            budget.charge(source, spent[-1])
        now[0] += STEP_S
    return spent


def budget_at(now: list[float]) -> HelloBudget:
    return HelloBudget(cost_s=TOKEN_S, clock=lambda: now[0])


def test_cheap_handshakes_buy_no_costly_ones_beyond_the_share() -> None:
    """A stranger alternating 100 cheap handshakes (a hello dropped after the reply) and 10 costly
    ones (200 tokens' worth each: credentials judged): with a running mean of the costs, the cheap
    ones pulled the price down and the costly ones came at it, twice the share of a core over a
    minute (6.0 s of CPU where the share is 3.0). Each now pays its own cost: the share, and at most a
    burst and one handshake's debt more."""
    now = [0.0]
    minute = 60.0
    spent = offered(budget_at(now), now, minute, lambda n: 0.00001 if n % 110 < 100 else 200 * TOKEN_S)
    assert sum(spent) <= SHARE * minute + BURST * TOKEN_S + 200 * TOKEN_S, \
        f"strangers took {sum(spent) / minute / SHARE:.2f} times the share"


def test_one_slow_handshake_costs_its_own_time_once_not_a_raised_price_for_those_after() -> None:
    """One handshake measured 100 tokens' worth (a busy moment): a running mean of the costs rose
    some tenfold and stayed so, however long the node was quiet, until enough handshakes came to
    bring it down (515 replies in the next 10 s, a minute later, where a full budget makes 524). It
    is a debt of 100 tokens now, paid back by the refill in 100 tokens' worth / SHARE (2 s here);
    a minute later the replies come at the full rate."""
    now = [0.0]
    budget = budget_at(now)
    assert offered(budget, now, STEP_S, lambda n: 100 * TOKEN_S) == [100 * TOKEN_S]
    now[0] += 60.0  # quiet for a minute, well past the 2 s the debt takes to pay back
    start = now[0]
    replied = offered(budget, now, start + 10.0, lambda n: TOKEN_S)
    full = BURST + 10.0 * SHARE * (1 - RESERVE_SHARE) / TOKEN_S  # a full bucket, then the refill's rate (the reserve not asked)
    assert len(replied) >= full - 1, f"{len(replied)} replies where a full budget makes {full:.0f}"


def test_a_handshake_within_its_token_takes_that_token_only() -> None:
    now = [0.0]
    budget = budget_at(now)
    assert budget.take("a")
    budget.ended("a")
    budget.charge("a", TOKEN_S / 2)
    assert budget._global.tokens == BURST - 1 and budget.replied == 1


def test_one_costly_strangers_debt_leaves_the_reserve_to_members() -> None:
    """A stranger's handshake that cost 200 tokens' worth (its credentials judged) left a debt in the
    shared bucket that turned every newcomer away, members included (those behind the stranger's
    relay by their source's bucket too), until the refill paid it back: 200 tokens' worth / SHARE, 4 s
    here and some 30 s on a Pi Zero, and again at each such handshake (until 2026-12-07). The reserve
    is out of its reach: a hello from that source is still replied to, and a member's token goes back."""
    now = [0.0]
    budget = budget_at(now)
    assert budget.take("relay")
    budget.ended("relay")
    budget.charge("relay", 200 * TOKEN_S)
    assert not budget.take("relay") and not budget.take("elsewhere"), "no debt in the shared buckets"
    assert budget.may_upgrade("relay"), "a newcomer (a member, maybe) is turned away before its hello"
    for _ in range(3):  # a member dialling in again and again, each proving a member at message 3
        assert budget.take_served("relay") == RESERVE, "a member behind the costly stranger's address is locked out"
        budget.member("relay", reserve=True)
        budget.ended("relay")
    assert budget.turned_away == 2 and budget.reserved == 3 and budget.refunded == 3


def test_strangers_served_from_the_reserve_pay_it_alone_within_the_share() -> None:
    """Strangers alternating costly handshakes (200 tokens' worth) and hellos served from the reserve
    while the shared buckets are in debt: those are refused at message 3 (no member), a reply and its
    check, an eighth of a token's worth, and charged to the reserve alone; the shared buckets' debts are
    the costly ones'. Over a minute strangers take the share, and at most both bursts and one costly
    handshake's debt more."""
    now = [0.0]
    budget = budget_at(now)
    spent: list[float] = []
    minute = 60.0
    sources = itertools.count()
    while now[0] < minute:
        source = f"s{next(sources)}"
        served = budget.take_served(source)
        if served == SHARED:
            spent.append(200 * TOKEN_S)
            budget.ended(source)
            budget.charge(source, spent[-1])
        elif served == RESERVE:
            spent.append(TOKEN_S / 8)
            budget.ended(source)
            budget.charge(source, spent[-1], reserve=True)
        now[0] += STEP_S
    assert budget.reserved > 0, "the reserve served no one"
    assert sum(spent) <= SHARE * minute + (BURST + RESERVE_BURST) * TOKEN_S + 200 * TOKEN_S, \
        f"strangers took {sum(spent) / minute / SHARE:.2f} times the share"


def test_a_stranger_judged_within_its_allowance_leaves_no_debt_that_outlasts_a_token() -> None:
    """A stranger behind a relay (the members' address too) makes one costly handshake each time the
    relay's bucket is full again, its credentials judged for as long as `take_allowance` gives (its
    token paying for the rest): a token's refill later the buckets hold a token, and a newcomer at
    that address (a member group's new device, known only by its credentials) is served from
    them, not from the members' reserve that lets on only devices the node knows. Judged in full
    (200 tokens' worth each, until 2026-12-07), every such newcomer was served from the reserve."""
    now = [0.0]
    budget = budget_at(now)
    token_refill_s = TOKEN_S / (SHARE * (1 - RESERVE_SHARE) * SOURCE_SHARE)  # of the relay's bucket
    served = []
    while now[0] < 60.0:
        if budget._source("relay", now[0]).tokens >= BURST * SOURCE_SHARE:
            assert budget.take("relay")
            granted = budget.take_allowance("relay")
            assert granted <= BURST * SOURCE_SHARE - 1
            budget.ended("relay")
            budget.charge("relay", TOKEN_S + min(granted * TOKEN_S, 200 * TOKEN_S), granted=granted)
            now[0] += 1.01 * token_refill_s  # (a hair more: sums of floats)
            served.append(budget.take_served("relay"))  # the newcomer
            budget.ended("relay")
            budget.member("relay", reserve=served[-1] == RESERVE)
        now[0] += STEP_S
    assert len(served) >= 50, "the stranger made few handshakes"
    assert served.count(SHARED) == len(served), \
        f"{served.count(RESERVE)} of {len(served)} newcomers were served from the members' reserve"


def test_allowances_given_at_once_share_what_the_buckets_hold() -> None:
    """A dozen strangers' credentials waiting for the database at once, each given its allowance
    before any is charged: each was given the whole of what the buckets held, and each used it, so
    the global bucket ended at -120 tokens (until 2026-12-07). Now an allowance is taken when given:
    together they are given no more than the buckets held, and they leave no debt beyond each
    handshake's own cost."""
    now = [0.0]
    budget = budget_at(now)
    strangers = [f"s{i}" for i in range(12)]
    for source in strangers:
        assert budget.take(source)
    granted = [budget.take_allowance(source) for source in strangers]
    held = BURST - len(strangers)  # (each source's own bucket holds more than what is left of the global one)
    assert sum(granted) <= held, f"{sum(granted):.1f} tokens given where the buckets held {held}"
    for source, tokens in zip(strangers, granted):
        budget.ended(source)
        budget.charge(source, TOKEN_S + tokens * TOKEN_S, granted=tokens)  # each used all it was given
    assert budget._refill(budget._global, budget._rate(), now[0]).tokens >= -1e-9, "the strangers left a debt"
    assert budget.may_upgrade("newcomer")


def test_an_allowance_not_used_is_given_back_at_the_charge() -> None:
    now = [0.0]
    budget = budget_at(now)
    assert budget.take("a")
    granted = budget.take_allowance("a")
    assert granted == (BURST * SOURCE_SHARE - 1) / 2, "half of what the lesser bucket held"
    budget.ended("a")
    budget.charge("a", 3 * TOKEN_S, granted=granted)  # its token and two more: two of the granted used
    assert budget._global.tokens == BURST - 3
    assert budget._source("a", now[0]).tokens == BURST * SOURCE_SHARE - 3


def test_an_allowance_taken_for_a_handshake_that_links_or_proves_a_member_is_given_back() -> None:
    now = [0.0]
    budget = budget_at(now)
    assert budget.take("a") and budget.take("b")
    budget.linked("a", budget.take_allowance("a"))  # a new group's first contact: its credentials made it a member
    budget.member("b", granted=budget.take_allowance("b"))
    budget.ended("a")
    budget.ended("b")
    assert budget._global.tokens == BURST - 1, "only the linked handshake's token stays taken"
    assert budget._source("a", now[0]).tokens == BURST * SOURCE_SHARE - 1
    assert budget._source("b", now[0]).tokens == BURST * SOURCE_SHARE


def test_allowances_waiting_together_leave_the_newcomers_a_part_of_the_buckets() -> None:
    """Behind a relay every visitor is one source. Strangers' credentials waiting at once on a busy
    database thread each took half of what the buckets held: four of them held 7.5 of the 8 tokens
    the relay's bucket had left, and a newcomer there (a member group's new device, known only by
    its credentials) was served from the members' reserve, which lets on only devices the node
    knows (until 2026-12-07). Now allowances waiting together hold at most GRANTS_HOLD of what the
    buckets and they hold; a lone one is half of what the buckets hold, as before, and once they
    are settled the next is again."""
    now = [0.0]
    budget = budget_at(now)
    strangers = 4
    for _ in range(strangers):
        assert budget.take("relay")
    held = budget._source("relay", now[0]).tokens
    granted = [budget.take_allowance("relay") for _ in range(strangers)]
    left = budget._source("relay", now[0]).tokens
    assert sum(granted) <= GRANTS_HOLD * held + 1e-9, f"{sum(granted)} of {held} tokens held by waiting allowances"
    assert left + sum(granted) == held and left >= 1
    assert budget.take_served("relay") == SHARED, "the newcomer was served from the members' reserve"
    for tokens in granted:
        budget.ended("relay")
        budget.charge("relay", TOKEN_S, granted=tokens)  # (none used: all given back)
    budget.ended("relay")
    budget.member("relay")
    lone = budget._source("relay", now[0]).tokens
    assert budget.take_allowance("relay") == lone / 2, "a lone allowance is half of what the buckets hold"
