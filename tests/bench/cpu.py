"""CPU time spent so far by the parts of the machine a benchmark exercises, read from /proc."""

import os
from pathlib import Path


def cpu_seconds(*, web_pid: int | None = None) -> dict[str, float]:
    """CPU time used so far by PostgreSQL (every server process on the machine), by this
    process (all its threads), and, given `web_pid`, by that web server and its workers."""
    ticks = {"web": 0, "postgresql": 0}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:  # the process ended meanwhile
            continue
        fields = stat.rsplit(")", 1)[1].split()
        parent, used = int(fields[1]), int(fields[11]) + int(fields[12])
        if web_pid is not None and web_pid in (int(entry.name), parent):
            ticks["web"] += used
        elif command.startswith(b"postgres"):
            ticks["postgresql"] += used
    per_second = os.sysconf("SC_CLK_TCK")
    own = os.times()
    spent = {role: used / per_second for role, used in ticks.items()}
    if web_pid is None:
        del spent["web"]
    return {**spent, "this process": own.user + own.system}
