"""The table of names (docs/errors.md) against the code of every language: each kind's class
in Python (and its kind), C (the status in the header), PHP (the class file) and C++ (the
class in the header), and each fact's name in each language. A rename in one place without
the table, or the table without the code, fails here."""

from __future__ import annotations

import re
import warnings
from typing import Dict, List

import pytest

import dcimanager
from conftest import ROOT

DOC = (ROOT / "docs" / "errors.md").read_text()
C_HEADER = (ROOT / "include" / "dcimanager.h").read_text()
CPP_HEADER = (ROOT / "include" / "dcimanager.hpp").read_text()
PHP_EXCEPTIONS = ROOT / "bindings" / "php" / "src" / "Exception"


def table(title: str) -> List[List[str]]:
    """The rows of the table under a heading, cells stripped."""
    section = DOC.split(f"## {title}", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    return [[c.strip() for c in row.strip("|").split("|")] for row in rows[2:]]


def names(cell: str) -> List[str]:
    """The code names of a cell (between backticks)."""
    return re.findall(r"`([^`]+)`", cell)


KINDS = [row for row in table("Kinds") if row[0].startswith("`")]


@pytest.mark.parametrize("row", KINDS, ids=[names(r[0])[1] for r in KINDS])
def test_every_kind_has_its_name_in_every_language(row: List[str]) -> None:
    kind = names(row[0])[1]
    c_status, python, php, cpp = names(row[1])[0], names(row[2])[0], names(row[3])[0], names(row[4])[0]
    assert re.search(rf"\b{c_status} = \d+", C_HEADER), c_status
    cls = getattr(dcimanager, python)
    assert issubclass(cls, dcimanager.Error) and cls._KIND == kind
    assert (PHP_EXCEPTIONS / f"{php}.php").exists(), php
    assert re.search(rf"\bclass {cpp}\b", CPP_HEADER), cpp


def test_every_kind_of_the_core_is_in_the_table() -> None:
    in_table = {names(r[0])[1] for r in KINDS}
    in_python = {
        c._KIND for c in vars(dcimanager).values()
        if isinstance(c, type) and issubclass(c, dcimanager.Error) and c is not dcimanager.Error
    }
    assert in_table == in_python


FACTS = table("Facts")


@pytest.mark.parametrize("row", FACTS, ids=[r[0] for r in FACTS])
def test_every_fact_has_its_name_in_every_language(row: List[str]) -> None:
    c_names, python, php, cpp = names(row[2]), names(row[3]), names(row[4]), names(row[5])
    for name in c_names:
        if name.startswith("dci_"):
            assert re.search(rf"\b{name.rstrip('()')}\(", C_HEADER), name
    error = dcimanager.ApiError("x", code=1, msg="m", value=None)
    for name in python:
        if name != "str(e)":
            assert hasattr(error, name), name
    php_source = "".join(p.read_text() for p in PHP_EXCEPTIONS.glob("*.php"))
    for name in php:
        builtin = name in ("getMessage()", "getCode()")  # PHP's Exception's own
        assert builtin or f"function {name.rstrip('()')}(" in php_source, name
    for name in cpp:
        if name != "what()":
            assert re.search(rf"\b{name.rstrip('()')}\(\) const", CPP_HEADER), name


def test_old_names_still_work_and_say_they_are_deprecated() -> None:
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        old = dcimanager.RetryError
    assert old is dcimanager.RetriesExhaustedError
    assert any(issubclass(w.category, DeprecationWarning) for w in seen)
