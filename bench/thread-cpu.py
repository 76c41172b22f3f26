#!/usr/bin/env python3
"""Where a command's CPU goes, thread by thread, and what the servers it talks to spend meanwhile.

    bench/thread-cpu.py OUT.json [--peer NAME=PID]... -- COMMAND...

Runs COMMAND (for etcd-backup, bin/etcd-backup execs java, so the child is the JVM), reads
/proc/CHILD/task/*/stat every 50 ms until it exits, and writes OUT.json:

    {"wall": s, "cpu": s, "threads": {"backup-stage": s, ...}, "peers": {"etcd": s, ...}}

"threads" sums user + system time per thread name, with pool numbers taken off ("grpc-nio-worker-
ELG-1-2" and "-3" are one row). This is the kernel's accounting, so native code (zstd, BoringSSL)
counts where JFR's Java samples miss it. "cpu" is the process's own total at its last sample; a
thread that ended between two samples loses at most 50 ms, which the "(ended between samples)" row
holds. A peer's figure is its CPU between COMMAND's start and end (etcd sending the snapshot,
S3Proxy storing the parts). The command's stdout and stderr pass through.
"""
import json
import os
import re
import subprocess
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")


def cpu_of(stat_path):
    """utime + stime in seconds from a /proc stat file, or None once it is gone."""
    try:
        with open(stat_path) as f:
            s = f.read()
    except OSError:
        return None
    # The name is in parentheses and may hold spaces ("C2 CompilerThre"): split after the last ')'.
    fields = s[s.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def group(name):
    # pool and thread numbers off the end: "grpc-nio-worker-ELG-1-2" -> "grpc-nio-worker-ELG"
    return re.sub(r"([-#_ ]?\d+)+$", "", name.strip()) or name.strip()


def main(argv):
    if "--" not in argv or argv.index("--") < 1:
        sys.exit("usage: thread-cpu.py OUT.json [--peer NAME=PID]... -- COMMAND...")
    split = argv.index("--")
    out, opts, command = argv[0], argv[1:split], argv[split + 1:]
    peers = {}
    while opts:
        if opts[0] != "--peer" or len(opts) < 2 or "=" not in opts[1]:
            sys.exit("thread-cpu.py: expected --peer NAME=PID, got " + " ".join(opts))
        name, pid = opts[1].split("=", 1)
        peers[name] = int(pid)
        opts = opts[2:]
    before = {n: cpu_of(f"/proc/{p}/stat") for n, p in peers.items()}
    t0 = time.monotonic()
    child = subprocess.Popen(command)
    last = {}  # tid -> (name, seconds)
    total = 0.0
    while child.poll() is None:
        task_dir = f"/proc/{child.pid}/task"
        try:
            tids = os.listdir(task_dir)
        except OSError:
            break
        for tid in tids:
            try:
                with open(f"{task_dir}/{tid}/comm") as f:
                    name = f.read()
            except OSError:
                continue
            s = cpu_of(f"{task_dir}/{tid}/stat")
            if s is not None:
                last[tid] = (group(name), s)
        s = cpu_of(f"/proc/{child.pid}/stat")
        if s is not None:
            total = s
        time.sleep(0.05)
    wall = time.monotonic() - t0
    after = {n: cpu_of(f"/proc/{p}/stat") for n, p in peers.items()}
    threads = {}
    for name, s in last.values():
        threads[name] = threads.get(name, 0.0) + s
    missed = total - sum(threads.values())
    if missed > 0.005:
        threads["(ended between samples)"] = missed
    result = {
        "exit": child.returncode,
        "wall": round(wall, 3),
        "cpu": round(total, 2),
        "threads": {k: round(v, 2) for k, v in sorted(threads.items(), key=lambda kv: -kv[1])},
        "peers": {n: round(after[n] - before[n], 2) for n in peers if before[n] is not None and after[n] is not None},
    }
    with open(out, "w") as f:
        json.dump(result, f)
    return child.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
