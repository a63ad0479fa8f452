#!/usr/bin/env python3
"""Turns tests/faults.json into a C table (a header) for tests/c/test_faults.c, so the C suite
runs exactly the rows of the shared fault matrix. Usage: faults_to_c.py faults.json > table.h"""

import json
import sys


def c_string(s: str) -> str:
    return json.dumps(s)  # a JSON string literal is a valid C string literal for this text


def main() -> None:
    m = json.load(open(sys.argv[1]))
    cfg = m["client"]
    out = ["/* Generated from tests/faults.json by scripts/faults_to_c.py; do not edit. */",
           "static const struct fault_row fault_rows[] = {"]
    for row in m["rows"]:
        client = {**cfg, **row.get("client", {})}
        e = row["expect"]
        faults = []
        for f in row["faults"]:
            f = dict(f)
            date_in = f.pop("retry_after_date_in", None)
            faults.append((json.dumps(f, separators=(",", ":")), date_in or 0))
        assert len(faults) <= 2, "at most two faults per row"
        while len(faults) < 2:
            faults.append((None, 0))
        fields = [
            c_string(row["name"]),
            f"{client['retries']}, {client['backoff_factor']}, {client['timeout_ms']}",
            ", ".join(f"{c_string(f) if f else 'NULL'}, {d}" for f, d in faults),
            c_string(row["call"]),
            c_string(row["path"]),
            "true" if e.get("ok") else "false",
            c_string(e.get("error", "")),
            str(e.get("attempts", -1)),
            str(e.get("http_status", -1)),
            str(e.get("api_code", -1)),
            str(e.get("requests", -1)),
            str(e.get("logins", -1)),
            str(e.get("min_ms", -1)),
            str(e.get("max_ms", -1)),
        ]
        out.append("    {" + ", ".join(fields) + "},")
    out.append("};")
    print("\n".join(out))


if __name__ == "__main__":
    main()
