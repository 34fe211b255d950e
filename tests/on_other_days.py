"""Run the date and rule tests again with the machine's clock moved to other days.

Every scenario sets its own clock ("now") and stamps its rows from it, so no test may depend on
the day it runs. This proves it: the same tests run under libfaketime (the PyPI package
`libfaketime`, from the `test` extra, ships the library), once per day below, with the real
clock's date, time and year moved there (the monotonic clock is left alone, so timeouts still
work). Tests that start servers or listen on sockets are left out: a faked clock upsets their
timeouts, and what they test is not the calendar.

    python tests/on_other_days.py [--at "2028-02-29 23:30:00"]... [pytest args]
    ./dev test-dates [the same]

The days run at once, each in its own pytest process. Exit status: 0 when every run passed,
else the first failing run's status.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# a Monday in February of a year holidays may not know yet; a leap day's last half hour (already
# March 1st in Shanghai); a Monday in July of a leap year
DAYS = ("2027-02-08 10:00:00", "2028-02-29 23:30:00", "2028-07-03 10:00:00")

# the tests about dates, working time, scheduled rules and what is stamped when: no servers, no
# sockets. On SQLite only (the PostgreSQL variants run in the normal suite: the store is handed
# every time by the code, never asked for its own clock); the console's terminal tests (a pty,
# not a calendar) stay in the normal suite too.
FILES = (
    "test_dates.py",
    "test_deadlines.py",
    "test_worktime.py",
    "test_reminders_digests.py",
    "test_jobs.py",
    "test_grammar.py",
    "test_amounts.py",
    "test_messages.py",
    "test_config.py",
    "test_retention.py",
    "test_audit.py",
    "test_handler.py",
    "test_console.py",
    "test_calendar.py",
    "test_closing.py",
    "test_task_owner.py",
    "test_touch_words.py",
    "test_customer_dedupe.py",
    "test_approvals.py",
    "test_approvals_console.py",
    "test_checklists.py",
    "test_checklists_console.py",
    "test_milestones.py",
    "test_milestones_console.py",
    "test_payments.py",
    "test_payment_reminders.py",
    "test_payments_console.py",
    "test_process_tours.py",
)
SELECT = "not postgres and not test_interactive"
PROBE = 'import datetime as d; print(f"{d.datetime.now():%Y-%m-%d %H}")'  # what a process sees


def library() -> Path:
    """libfaketime's shared library, as the `libfaketime` package ships it."""
    try:
        import libfaketime
    except ImportError:
        sys.exit("on_other_days: the libfaketime package is missing: pip install -e '.[test]'")
    lib = Path(libfaketime.__file__).parent / "vendor" / "libfaketime" / "src" / "libfaketime.so.1"
    if not lib.is_file():
        sys.exit(f"on_other_days: {lib} is missing (libfaketime ships it for Linux only)")
    return lib


def faked(day: str, lib: Path) -> dict[str, str]:
    """The environment of a process whose clock starts at `day`; exits if it does not."""
    preload = " ".join(p for p in (str(lib), os.environ.get("LD_PRELOAD", "")) if p)
    env = {
        **os.environ,
        "LD_PRELOAD": preload,  # inherited by what the tests start (the console)
        "FAKETIME": f"@{day}",  # each process starts there, then the clock runs on
        "DONT_FAKE_MONOTONIC": "1",  # timeouts and durations keep the real pace
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
    }
    # a run on the real clock would pass and prove nothing: see that the clock moved
    seen = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    if seen != day[:13]:
        sys.exit(f"on_other_days: the clock did not move to {day} (a process saw {seen!r})")
    return env


def start(day: str, lib: Path, tmp: Path, pytest_args: list[str]) -> subprocess.Popen[bytes]:
    """One pytest run with the clock at `day`, its output to a file in `tmp`."""
    env = faked(day, lib)
    name = day.replace(" ", "T").replace(":", "")
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        f"--basetemp={tmp / name}",
        "-k",
        SELECT,
        *(str(ROOT / "tests" / f) for f in FILES),
        *pytest_args,
    ]
    out = (tmp / f"{name}.log").open("wb")
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def main() -> int:
    parser = argparse.ArgumentParser(
        description="The date and rule tests, on other days (libfaketime).",
        epilog="Other arguments go to pytest (a -k of yours replaces the usual selection).",
    )
    parser.add_argument(
        "--at",
        action="append",
        metavar="DAY",
        help=f'a day and time like "2028-02-29 23:30:00" (repeatable; default: {", ".join(DAYS)})',
    )
    args, pytest_args = parser.parse_known_args()
    lib = library()
    days = args.at or list(DAYS)
    began = time.monotonic()
    status = 0
    with tempfile.TemporaryDirectory(prefix="dealbot-other-days-") as name:
        tmp = Path(name)
        # the days at once: each is one process on one core, and they share nothing
        runs = [(day, start(day, lib, tmp, pytest_args)) for day in days]
        closing = []
        for day, proc in runs:
            code = proc.wait()
            log = (tmp / f"{day.replace(' ', 'T').replace(':', '')}.log").read_text(
                encoding="utf-8", errors="replace"
            )
            lines = log.rstrip("\n").splitlines() or ["(no output)"]
            if code != 0:
                print(f"== the clock at {day}: pytest exited {code}", flush=True)
                print(log, flush=True)  # all of it, to see what failed and why
                status = status or code
            closing.append((day, lines[-1].strip("= ")))
    print(
        f"== the date and rule tests on other days ({time.monotonic() - began:.0f}s, "
        f"{len(FILES)} files, {SELECT}):"
    )
    for day, line in closing:
        print(f"   {day}: {line}")
    return status


if __name__ == "__main__":
    sys.exit(main())
