"""The real `dealbot console` process, replaying the example conversations."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEALBOT = Path(sys.executable).parent / "dealbot"


def run_console(script: str, db: Path, *args: str) -> str:
    done = subprocess.run(
        [str(DEALBOT), "console", "--db", str(db), *args],
        check=False,
        input=script,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def tour(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The tour's transcript, played once for the tests that read it."""
    db = tmp_path_factory.mktemp("tour") / "tour.db"
    return run_console((ROOT / "examples" / "tour.txt").read_text(), db)


def test_tour_reps_log_touches_with_next_steps(tour: str) -> None:
    assert (
        "✓ @alice logged a call with Acme: “Discussed pricing for 40 seats; they need SSO first.”"
        in tour
    )
    assert "Next step T1: send quote — due Tue Dec 1\n" in tour


def test_tour_manager_sees_team_pipeline_and_rep_is_refused(tour: str) -> None:
    team_view = tour.split("[bob] /pipeline team", 1)[1].split("[alice] /pipeline @dave", 1)[0]
    assert "D1 “40-seat license” $120,000 — Acme, @alice" in team_view
    assert "Initech" not in team_view  # dave is in another team
    refused = tour.split("[alice] /pipeline @dave", 1)[1].split("\n[", 1)[0]
    assert "outside what you can see" in refused and "Initech" not in refused


def test_tour_requirement_confirmed_by_every_confirmer_with_click(tour: str) -> None:
    assert "[bob] :click 1\ndealbot: ✓ @bob confirmed R1 v1 (Acme)." in tour
    assert "Everyone has confirmed: the requirement is agreed." in tour
    assert "│ Confirmers: @bob ✓, @carl ✓" in tour
    assert "→ @alice: Requirement R1 (Acme) is confirmed by every confirmer." in tour


def test_tour_handover_sends_history_to_new_owner(tour: str) -> None:
    assert "→ @carl: @bob handed Acme over to you (from @alice)." in tour
    summary = tour.split("→ @carl: @bob handed Acme over to you", 1)[1].split("→ @alice", 1)[0]
    assert "call by @alice: “Discussed pricing for 40 seats" in summary


def test_tour_minutes_action_items_become_tasks(tour: str) -> None:
    assert "• T4 @alice: send revised quote — due Wed Dec 2\n" in tour
    assert "→ @bob: New task from @alice's minutes (Acme) — T5: book the pilot" in tour


def test_tour_mistakes_get_clear_answers(tour: str) -> None:
    assert "“signed” is not a stage" in tour
    assert "You wrote: /task Acme call back someday" in tour
    assert "“02-30” is not a date or time that exists." in tour


def test_console_controls(tmp_path: Path) -> None:
    out = run_console(
        ":now 2026-11-30 09:00\n:now yesterday\n:click 3\n:bogus\n[bob] /log Acme call hi\n"
        ":tick 2026-12-01 09:00\n:click nope:1\n",
        tmp_path / "c.db",
    )
    assert ":now needs a time like 2026-12-01 09:00" in out
    assert "(clock set to Mon 2026-11-30 09:00 UTC)" in out  # the refused :now left it there
    assert "the last card shown has no button 3" in out
    assert "unknown console command ':bogus'" in out
    assert "✓ @bob logged a call with Acme" in out
    assert "(tick 2026-12-01 09:00: nothing due)" in out
    assert "That button (nope:1) does not exist" in out


def test_console_state_survives_restart_on_the_same_file(tmp_path: Path) -> None:
    db = tmp_path / "keep.db"
    run_console(":now 2026-11-30 09:00\n[alice] /log Acme call first touch\n", db)
    out = run_console(":now 2026-12-01 09:00\n[alice] /customer Acme\n", db)
    assert "“first touch”" in out


def test_console_rejects_unknown_timezone(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(DEALBOT), "console", "--db", str(tmp_path / "x.db"), "--tz", "Mars/Olympus"],
        input="",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0 and "unknown time zone" in done.stderr


@pytest.fixture(scope="module")
def tour_zh(tmp_path_factory: pytest.TempPathFactory) -> str:
    script = (ROOT / "examples" / "tour_zh.txt").read_text()
    db = tmp_path_factory.mktemp("tour_zh") / "tour_zh.db"
    return run_console(script, db, "--tz", "Asia/Shanghai")


def test_tour_zh_covers_the_same_ground_in_chinese(tour_zh: str) -> None:
    assert "✓ @小李 记录了与华为的拜访：“客户关注交付周期和私有化部署”" in tour_zh
    assert "下一步 T1：发方案 — 截止 12月4日 周五\n" in tour_zh
    assert "• D1“私有化部署项目” 50万元 — 华为，@小李" in tour_zh
    assert "[小李] /漏斗 @小赵\ndealbot → @小李 only: 超出你的查看范围" in tour_zh
    assert "→ @小李: 需求 R1（华为）已获全部确认人确认。" in tour_zh
    assert "• T5 @王经理：预约试点 — 截止 12月4日 周五\n" in tour_zh
    assert "→ @小张: @王经理 把客户华为交接给了你（原负责人 @小李）。" in tour_zh
    assert "你发送的内容：/会议 华为 2月30日 10:00" in tour_zh
    assert "→ “支持达梦和人大金仓，兼容性清单已发给客户”" in tour_zh  # the answer, kept
    # across 元旦: "元旦后" is the first working day after it, a day off is kept and said so,
    # nothing is pushed on the holiday, and the admin hears once that 2027's 调休 is unknown
    assert "寄送合同 — 截止 2027年1月4日 周一\n" in tour_zh
    assert "电话回访 — 截止 2027年1月2日 周六（1月2日是周六，不是工作日）" in tour_zh
    assert "(tick 2027-01-01 09:30: nothing due)" in tour_zh
    assert tour_zh.count("→ @老板: 📅 本机器人还没有国务院办公厅 2027 年的放假安排") == 1


def test_scheduler_script_fires_each_rule_at_its_moment(tmp_path: Path) -> None:
    out = run_console((ROOT / "examples" / "scheduler.txt").read_text(), tmp_path / "s.db")
    blocks = {}
    for chunk in out.split("\n:tick ")[1:]:
        when, _, rest = chunk.partition("\n")
        blocks.setdefault(when, []).append(rest.split("\n[")[0].split("\n#")[0])
    assert blocks["2026-12-04 11:59"][0].startswith("→ @bob: Good morning.")  # the day's digest
    assert "Send the minutes" not in blocks["2026-12-04 11:59"][0]
    assert "→ @alice: Your meeting M1 with Acme ended" in blocks["2026-12-04 12:00"][0]
    assert (
        "→ @alice: ❗ Acme's question Q1 has waited 2 working hours"
        in blocks["2026-12-04 12:00"][0]
    )
    assert "→ @bob: ❗ Escalated: Acme's question Q1" in blocks["2026-12-04 16:00"][0]
    assert "nothing due" in blocks["2026-12-05 09:00"][0]
    assert "nothing due" in blocks["2026-12-06 18:00"][0]
    monday, again = blocks["2026-12-07 09:00"]
    assert "→ @alice: ┌─ ⏰ Due now: T1 send the quote" in monday
    assert "[2] Snooze 1 day   :click task.snooze:1:1" in monday
    assert "→ @bob: No minutes yet for @alice's meeting M1" in monday
    assert "nothing due" in again
    # Snooze and Done show on the reminder card itself, not as new messages
    snoozed = out.split("[alice] :click 2\n")[1]
    assert snoozed.startswith("dealbot (card updated): ┌─ 💤 Snoozed: T1 send the quote")
    assert "💤 Snoozed by @alice until Tue Dec 8 09:00." in snoozed.split(":tick")[0]
    done = out.split("[alice] :click 1\n")[1]
    assert done.startswith("dealbot (card updated): ┌─ ✓ Done: T1 send the quote")
    assert "✓ Done by @alice, Wed Dec 16 09:00." in done
    assert "snoozed until" not in out and "T1 done:" not in out
    assert "→ @bob: ┌─ Please confirm R1 · Acme (v1)" in blocks["2026-12-08 09:00"][0]
    assert "✓ @bob confirmed R1 v1 (Acme). Everyone has confirmed" in out
    final = blocks["2026-12-16 09:00"][0]
    assert "⚠ stale: D1 “40-seat license” $120,000" in final and "Globex" not in final
    assert "1 working day over" in final


def test_chinese_holidays_from_a_config_file(tmp_path: Path) -> None:
    config = tmp_path / "cn.toml"
    config.write_text('[bot]\ntimezone = "Asia/Shanghai"\nholidays = "CN"\n')
    script = (
        ":now 2026-09-30 10:00\n[小李] /待办 华为 续签合同 10月2日\n"
        ":tick 2026-10-02 09:00\n:tick 2026-10-07 09:00\n:tick 2026-10-08 09:00\n"
    )
    out = run_console(script, tmp_path / "cn.db", "--config", str(config))
    assert out.count("nothing due") == 2  # National Day: Oct 2 and Oct 7 are holidays
    assert "→ @小李: ┌─ ⏰ 到期提醒：T1 续签合同" in out.split(":tick 2026-10-08 09:00")[1]


def test_console_clock_is_confirmed_and_never_ticks_backwards(tmp_path: Path) -> None:
    out = run_console(
        ":now 2026-12-01 09:00\n:tick 2026-11-30 09:00\n:tick 2026-12-01 09:00\n"
        ":now 2026-11-20 09:00\n",
        tmp_path / "clock.db",
        "--tz",
        "Asia/Shanghai",
    )
    assert ":now 2026-12-01 09:00\n  (clock set to Tue 2026-12-01 09:00 Asia/Shanghai)" in out
    assert (
        "  ! :tick 2026-11-30 09:00 is before the clock (Tue 2026-12-01 09:00 Asia/Shanghai): "
        "time only moves forward, nothing ran." in out
    )
    assert "(tick 2026-12-01 09:00: nothing due)" in out  # the same time is not earlier
    assert "(clock set to Fri 2026-11-20 09:00 Asia/Shanghai)" in out  # :now may go back


def test_console_brackets_that_are_not_speakers(tmp_path: Path) -> None:
    out = run_console(
        ":now 2026-11-30 09:00\n"
        "[]\n[小 李] /商机 华为 新建 项目 一百万\n[ ] hi\n[小李] /商机 华为 新建 项目 一百万\n"
        "[bob smith] /deal Acme new seats 10k\n",
        tmp_path / "speakers.db",
        "--lang",
        "zh_CN",
    )
    assert "[]\n  ! [] is not a speaker name" in out
    assert "  ! [小 李] is not a speaker name: a name has no spaces" in out
    assert "  ! [ ] is not a speaker name" in out
    assert "  ! [bob smith] is not a speaker name" in out and "Acme" not in out.split("smith]")[2]
    assert "the speaker is still me" in out and "the speaker is still 小李" in out
    assert out.count("新建商机") == 1  # only [小李]'s line reached the bot


def _interactive(
    tmp_path: Path, steps: list[tuple[bytes, str]], args: tuple[str, ...] = ()
) -> tuple[str, int]:
    """Type each step's keys into an interactive console on a real terminal, waiting for the
    text it expects back; returns the screen and the exit status."""
    import os
    import pty
    import select
    import time

    pid, fd = pty.fork()
    if pid == 0:  # the child: the console on a terminal
        env = {**os.environ, "HOME": str(tmp_path)}
        os.chdir(tmp_path)  # where its log file goes
        os.execve(
            str(DEALBOT), [str(DEALBOT), "console", "--db", str(tmp_path / "i.db"), *args], env
        )

    screen = b""

    def wait_for(text: str, seconds: float = 30) -> None:
        """Until `text` shows after what the screen showed before."""
        nonlocal screen
        start, end = len(screen), time.monotonic() + seconds
        while text not in screen[start:].decode(errors="replace") and time.monotonic() < end:
            if select.select([fd], [], [], 0.2)[0]:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:  # the console closed its terminal
                    return
                if not chunk:
                    return
                screen += chunk

    status = None
    try:
        wait_for("[me] ")
        for keys, expect in steps:
            os.write(fd, keys)
            wait_for(expect)
        for _ in range(300):
            done, code = os.waitpid(pid, os.WNOHANG)
            if done:
                status = os.waitstatus_to_exitcode(code)
                break
            time.sleep(0.1)
    finally:
        if status is None:  # still running: it did not quit
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        os.close(fd)
    return screen.decode(errors="replace"), -1 if status is None else status


def test_interactive_ctrl_c_clears_the_line_and_ctrl_d_quits(tmp_path: Path) -> None:
    screen, status = _interactive(
        tmp_path,
        [
            (b":now 2026-11-30 09:00\r", "\n[me] "),  # the clock is set and the prompt back
            ("[小李] /商机 华为 新建 项目 一百万".encode(), "一百万"),
            (b"\x03", "\n[me] "),  # Ctrl-C: the half-typed line is dropped, the console stays
            (b"/deal Acme new seats 10k\r", "\n[me] "),
            ("[小李] /客户 华为\r".encode(), "\n[小李] "),
            (b"\x04", "\n"),  # Ctrl-D: quit
        ],
    )
    assert "Ctrl-C clears the line, Ctrl-D quits" in screen
    assert "(line cleared; Ctrl-D or :quit leaves)" in screen
    assert "New deal D1 “seats” $10,000 for Acme" in screen  # still there after Ctrl-C
    assert "“华为”" in screen.split("/客户 华为", 1)[1] and "D1“项目”" not in screen
    assert status == 0


def test_interactive_warnings_go_to_a_log_file_not_between_the_lines(tmp_path: Path) -> None:
    """2027 has no official CN holiday schedule yet: the calendar falls back and warns. In a
    terminal that warning must not appear among the conversation's lines."""
    screen, status = _interactive(
        tmp_path,
        [
            (b":now 2026-12-30 10:00\r", "clock set"),
            (b"/task Acme call back 2027-01-05 10:00\r", "\n[me] "),
            (b":tick 2027-01-05 10:00\r", "\n[me] "),
            (b"\x04", "\n"),
        ],
        args=("--tz", "Asia/Shanghai"),
    )
    assert status == 0
    assert "Warnings go to dealbot.log" in screen
    assert "WARNING" not in screen and "2027" in screen
    assert "2027" in (tmp_path / "dealbot.log").read_text(encoding="utf-8")
