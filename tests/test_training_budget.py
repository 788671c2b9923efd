import pytest

from ganforge.training.budget import StepBudget


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def run(budget, clock, seconds_per_step, until):
    budget.start(0)
    for step in range(1, until + 1):
        clock.now += seconds_per_step
        if budget.after_step(step):
            return step
    return None


def test_without_a_time_budget_the_plan_is_the_steps_and_time_never_runs_out():
    clock = FakeClock()
    budget = StepBudget(50, None, clock=clock)
    assert run(budget, clock, 10.0, 50) is None
    assert budget.planned == 50 and not budget.estimated


def test_the_budget_estimates_the_steps_that_fit_and_ends_within_a_step():
    clock = FakeClock()
    budget = StepBudget(3000, 60.0, warmup=5, clock=clock)
    budget.start(0)
    for step in range(1, 11):
        clock.now += 4.0 if step <= 5 else 0.125  # slow warm-up steps, then the real pace
        budget.after_step(step)
    assert budget.estimated and budget.pace == 0.125
    # 20.625 s used; the remaining 39.375 s fit 315 more steps at 0.125 s
    assert budget.planned == 10 + 315
    clock.now += 0.125 * 314
    assert not budget.after_step(324)
    clock.now += 0.125
    assert budget.after_step(325)


def test_the_plan_never_exceeds_the_steps_nor_falls_behind_the_step():
    clock = FakeClock()
    budget = StepBudget(20, 1000.0, warmup=1, clock=clock)
    assert run(budget, clock, 1.0, 20) is None and budget.planned == 20
    clock2 = FakeClock()
    slow = StepBudget(20, 3.0, warmup=1, clock=clock2)
    assert run(slow, clock2, 1.0, 20) == 3 and slow.planned == 3


def test_a_resumed_run_measures_its_pace_from_where_it_continues():
    clock = FakeClock()
    budget = StepBudget(1000, 10.0, warmup=2, clock=clock)
    budget.start(500)
    for step in range(501, 506):
        clock.now += 0.5
        budget.after_step(step)
    assert budget.pace == pytest.approx(0.5) and budget.planned == 505 + 15


def test_a_budget_must_be_positive():
    with pytest.raises(ValueError):
        StepBudget(10, 0.0)


def test_the_estimate_settles_after_twenty_steps_or_a_twentieth_of_the_budget():
    clock = FakeClock()
    budget = StepBudget(10_000, 1000.0, warmup=1, clock=clock)
    budget.start(0)
    for step in range(1, 21):
        clock.now += 0.01
        budget.after_step(step)
    assert budget.estimated and not budget.settled  # 19 steps, 0.19 s measured
    clock.now += 0.01
    budget.after_step(21)
    assert budget.settled
    slow = StepBudget(10_000, 100.0, warmup=1, clock=clock)
    slow.start(21)
    for step in range(22, 25):
        clock.now += 3.0
        slow.after_step(step)
    assert slow.settled  # 6 s of 100 measured
