#!/usr/bin/env python3
"""Turns tests/operations.json (the conformance matrix) into a C table (a header) for
tests/c/test_conformance.c and tests/cpp/test_conformance.cpp, so both run exactly the rows of
the shared table. Usage: operations_to_c.py operations.json > operations_table.h

Every JSON value the C side compares is written as its compact JSON text (the emulator
answers compact JSON): the checks' values and the last request's body and query, which the
C side finds as raw JSON in the emulator's log. "Not given" is NULL for texts and -2 for
numbers; an expected null is -1 (numbers) or "" (texts)."""

import json
import sys

UNSET = -2


def c_str(s):
    return "NULL" if s is None else json.dumps(s)  # a JSON string literal is a C string literal


def compact(v):
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)


def checks(name, items):
    rows = []
    for c in items or []:
        equals = compact(c["equals"]) if "equals" in c else None
        rows.append(f"{{{c_str(c['path'])}, {c_str(equals)}, {c.get('length', UNSET)}}}")
    rows.append("{NULL, NULL, -2}")
    return f"static const struct op_check {name}[] = {{{', '.join(rows)}}};"


def error_fields(e):
    e = e or {}

    def num(key):
        if key not in e:
            return UNSET
        return -1 if e[key] is None else int(e[key])

    phase = e.get("phase", "?")
    phase = "NULL" if phase == "?" else c_str(phase or "")
    sent = UNSET if "request_sent" not in e else int(bool(e["request_sent"]))
    def text(key):  # NULL: not checked; "": none expected
        value = e.get(key, "?")
        return "NULL" if value == "?" else c_str(value or "")

    return (f"{{{c_str(e.get('kind'))}, {num('http_status')}, {num('api_code')}, {phase}, "
            f"{sent}, {num('attempts')}, {text('argument')}, {text('method')}, {text('url')}}}")


def main() -> None:
    table = json.load(open(sys.argv[1], encoding="utf-8"))
    pre, rows = [], []
    for i, row in enumerate(table["rows"]):
        a, r = row.get("args", {}), row["result"]
        client = row.get("client", {})
        faults = [compact(f) for f in row.get("faults", [])]
        assert len(faults) <= 2, "at most two faults per row"
        query = a.get("query", [])
        assert len(query) <= 3, "at most three query parameters"
        qtext = ", ".join(f"{{{c_str(k)}, {c_str(v)}}}" for k, v in query) or "{NULL, NULL}"
        headers = list((r.get("headers") or {}).items())
        assert len(headers) <= 2
        htext = ", ".join(f"{{{c_str(k)}, {c_str(v)}}}" for k, v in headers) or "{NULL, NULL}"
        reqs = list((row.get("requests") or {}).items())
        assert len(reqs) <= 2
        rtext = ", ".join(f"{{{c_str(k)}, {n}}}" for k, n in reqs) or "{NULL, 0}"
        pre.append(checks(f"checks_{i}", r.get("checks") or r.get("each")))
        last = row.get("last_request", {})
        error = r if r["shape"] == "error" else r.get("error")
        confirmed = r.get("confirmed")
        fields = [
            c_str(row["name"]), c_str(row.get("session", "admin")),
            str(client.get("retries", UNSET)), str(float(client.get("backoff_factor", -1))),
            str(client.get("timeout_ms", UNSET)),
            c_str(compact(row["config"]) if "config" in row else None),
            c_str(faults[0] if faults else None), c_str(faults[1] if len(faults) > 1 else None),
            c_str(row["op"]),
            *(c_str(a.get(k)) for k in ("email", "password", "user", "key", "path", "method",
                                        "where", "orderby", "text", "expires_at", "description",
                                        "value")),
            c_str(compact(a["body"]) if "body" in a else None),
            f"{{{qtext}}}", str(a.get("page_size", UNSET)), str(a.get("timeout_ms", UNSET)),
            c_str(r["shape"]), c_str(r.get("id")),
            str(UNSET if confirmed is None else int(confirmed)),
            c_str(r.get("equals")), str(r.get("count", UNSET)), str(r.get("status", UNSET)),
            f"{{{htext}}}", f"checks_{i}", "true" if error else "false", error_fields(error),
            f"{{{rtext}}}", "true" if row.get("requests") == {} else "false",
            *(c_str(compact(last[k]) if k in last else None) for k in ("body", "query")),
        ]
        rows.append("    {" + ", ".join(fields) + "},")
    print("/* Generated from tests/operations.json by scripts/operations_to_c.py; do not edit. */")
    print("\n".join(pre))
    print("static const struct op_row op_rows[] = {")
    print("\n".join(rows))
    print("};")


if __name__ == "__main__":
    main()
