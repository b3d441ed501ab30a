#!/usr/bin/env python3
"""Checks a Prometheus text exposition (format 0.0.4) read from stdin and prints it as JSON:
{"name{label=\"v\",...}": value, ...}, labels sorted, so a shell test can jq one sample out.
Exits non-zero naming the first line that is not valid: a sample before its # TYPE, a bad name,
label syntax or value, a histogram without +Inf, _sum and _count."""
import json
import re
import sys

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\\\|\\"|\\n)*"'
SAMPLE = re.compile(rf"^({NAME})(\{{(?:{LABEL}(?:,{LABEL})*)?\}})? (\S+)$")
types, out = {}, {}
for n, line in enumerate(sys.stdin, 1):
    line = line.rstrip("\n")
    if line.startswith("# HELP "):
        continue
    m = re.match(rf"^# TYPE ({NAME}) (counter|gauge|histogram|summary|untyped)$", line)
    if m:
        if m.group(1) in types:
            sys.exit(f"line {n}: second TYPE for {m.group(1)}")
        types[m.group(1)] = m.group(2)
        continue
    m = SAMPLE.match(line)
    if not m:
        sys.exit(f"line {n}: not a sample: {line!r}")
    name, labels, value = m.group(1), m.group(2) or "", m.group(3)
    family = re.sub(r"_(bucket|sum|count)$", "", name) if name not in types else name
    if family not in types:
        sys.exit(f"line {n}: {name} has no # TYPE before it")
    try:
        v = float(value)
    except ValueError:
        sys.exit(f"line {n}: bad value {value!r}")
    pairs = sorted(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', labels))
    key = name + ("{" + ",".join(f'{k}="{v}"' for k, v in pairs) + "}" if pairs else "")
    out[key] = v
for family, t in types.items():
    if t == "histogram":
        for suffix in ("_sum", "_count"):
            if not any(k.split("{")[0] == family + suffix for k in out):
                sys.exit(f"histogram {family} without {suffix}")
        if not any(k.startswith(family + "_bucket") and 'le="+Inf"' in k for k in out):
            sys.exit(f"histogram {family} without a +Inf bucket")
print(json.dumps(out))
