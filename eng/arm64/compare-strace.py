#!/usr/bin/env python3
"""The arm64 strace oracle: compares what traceloop printed with what strace printed for the same processes.

In the arm64 VM (eng/arm64/init), `traceloop run -- strace -f -n -qq -a0 -s 32 -o FILE -- sh -c COMMAND` records strace
and the command it runs; both outputs are printed on the console between '==== traceloop N', '==== strace N' and
'==== end N' markers. For every process strace followed, its lines are aligned with traceloop's lines of the same pid
(by syscall name, resynchronising over a syscall one side lacks, as the x86-64 sweep in Gadget.Traceloop.Tests does) and
compared as text. Prints one line per command and the differing lines; exits 1 when more than MAX_DIFFERING of strace's
lines differ or are missing overall, or when a command's output is missing.

usage: compare-strace.py CONSOLE_LOG [MAX_DIFFERING_PERCENT]
"""
import re
import sys
from collections import defaultdict

STRACE_LINE = re.compile(r"^(\d+)\s+(?:\[\s*\d+\]\s+)?(.*)$")
TRACELOOP_LINE = re.compile(r"^\[pid (\d+)\] (.*)$")
LOOKAHEAD = 50


def sections(log):
    """{index: {"traceloop": [...], "strace": [...], "command": str, "status": str}} from the console log."""
    result = defaultdict(lambda: {"traceloop": [], "strace": [], "command": "", "status": ""})
    current = None
    for raw in log:
        line = raw.rstrip("\r\n")
        m = re.match(r"^gadget-arm64: oracle (\d+) status (\d+) command: (.*)$", line)
        if m:
            result[int(m.group(1))]["status"] = m.group(2)
            result[int(m.group(1))]["command"] = m.group(3)
            continue
        m = re.match(r"^==== (traceloop|strace|end) (\d+)$", line)
        if m:
            current = None if m.group(1) == "end" else (int(m.group(2)), m.group(1))
            continue
        if current is not None:
            result[current[0]][current[1]].append(line)
    return result


def name_of(text):
    return text.split("(", 1)[0]


def strace_calls(lines):
    """pid -> [syscall text], with <unfinished ...> and <... resumed> halves joined; signals and exits left out."""
    calls = defaultdict(list)
    pending = {}
    for line in lines:
        m = STRACE_LINE.match(line)
        if not m:
            continue
        pid, body = int(m.group(1)), m.group(2)
        if body.startswith("---") or body.startswith("+++"):
            continue
        if body.endswith(" <unfinished ...>"):
            pending[pid] = body[: -len(" <unfinished ...>")]
            continue
        resumed = re.match(r"^<\.\.\. (\w+) resumed>(.*)$", body)
        if resumed:
            body = pending.pop(pid, resumed.group(1) + "(") + resumed.group(2)
        calls[pid].append(body)
    return calls


def traceloop_calls(lines):
    calls = defaultdict(list)
    for line in lines:
        m = TRACELOOP_LINE.match(line)
        if not m:
            continue
        body = m.group(2)
        if body.startswith("---") or body.startswith("+++"):
            continue
        calls[int(m.group(1))].append(body)
    return calls


def normalise(text):
    """One spelling of the argument list: split at top-level commas, joined with ', ' (resumed lines join two pieces)."""
    open_at = text.find("(")
    close_at = text.rfind(") = ")
    if open_at < 0 or close_at < open_at:
        return text.strip()
    args, depth, current, quote = [], 0, "", False
    escaped = False
    for ch in text[open_at + 1:close_at]:
        if quote:
            current += ch
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                quote = False
            continue
        if ch == '"':
            quote = True
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            args.append(current.strip())
            current = ""
        else:
            current += ch
    if current.strip():
        args.append(current.strip())
    return f"{text[:open_at]}({', '.join(args)}) = {text[close_at + 4:].strip()}"


def compare(strace, traceloop):
    identical, missing, differences = 0, 0, []
    for pid, theirs in strace.items():
        ours = traceloop.get(pid, [])
        # strace follows its child from the command's execve: what the child did before is strace's own code.
        if theirs and name_of(theirs[0]) == "execve":
            starts = [k for k, t in enumerate(ours) if name_of(t) == "execve" and t.endswith(" = 0")]
            ours = ours[starts[0]:] if starts else []
        i = j = 0
        while i < len(theirs):
            if j >= len(ours):
                missing += len(theirs) - i
                differences += [(t, "(not recorded)") for t in theirs[i:]]
                break
            if name_of(ours[j]) != name_of(theirs[i]):
                skip_ours = next((k for k in range(j, min(len(ours), j + LOOKAHEAD)) if name_of(ours[k]) == name_of(theirs[i])), -1)
                skip_theirs = next((k for k in range(i, min(len(theirs), i + LOOKAHEAD)) if name_of(theirs[k]) == name_of(ours[j])), -1)
                if skip_ours >= 0 and (skip_theirs < 0 or skip_ours - j <= skip_theirs - i):
                    j = skip_ours
                elif skip_theirs >= 0:
                    missing += skip_theirs - i
                    differences += [(t, "(not recorded)") for t in theirs[i:skip_theirs]]
                    i = skip_theirs
                else:
                    missing += 1
                    differences.append((theirs[i], "(not recorded)"))
                    i += 1
                continue
            expected, actual = normalise(theirs[i]), normalise(ours[j])
            if expected == actual:
                identical += 1
            else:
                differences.append((expected, actual))
            i += 1
            j += 1
    return identical, missing, differences


def main():
    log_path = sys.argv[1]
    max_differing = float(sys.argv[2]) if len(sys.argv) > 2 else 2.0
    with open(log_path, errors="replace") as f:
        runs = sections(f)
    if not runs:
        print(f"compare-strace: no oracle output in {log_path}")
        return 1
    total = same = 0
    failed = False
    for index in sorted(runs):
        run = runs[index]
        strace = strace_calls(run["strace"])
        lines = sum(len(v) for v in strace.values())
        if run["status"] != "0" or lines == 0:
            print(f"FAIL oracle {index} `{run['command']}`: traceloop exited {run['status'] or '?'}, {lines} strace lines")
            failed = True
            continue
        identical, missing, differences = compare(strace, traceloop_calls(run["traceloop"]))
        total += lines
        same += identical
        print(f"oracle {index} `{run['command']}`: {identical}/{lines} identical, {missing} not recorded")
        for expected, actual in differences[:15]:
            print(f"    strace:    {expected}\n    traceloop: {actual}")
    differing = 100.0 * (total - same) / total if total else 100.0
    print(f"arm64 strace oracle: {same}/{total} lines identical ({differing:.2f}% differing, at most {max_differing}% allowed)")
    return 1 if failed or differing > max_differing else 0


if __name__ == "__main__":
    sys.exit(main())
