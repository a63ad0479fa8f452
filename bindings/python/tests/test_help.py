"""What ``help()`` and IDEs show of the native module: real signatures (defaults as their
values, never ``...``), and docstrings that say what dcimanager/_native.pyi says — the
module's ``__doc__`` texts (the Rust doc comments) are compared with the stub's docstrings,
item by item, and the stub's defaults with the runtime's."""

from __future__ import annotations

import ast
import inspect
import pathlib
import pydoc
import sys
from typing import Any, Dict, Iterator, Optional, Tuple

import pytest

import dcimanager
from dcimanager import DEFAULTS, Client, _native

STUB = pathlib.Path(__file__).resolve().parents[1] / "dcimanager" / "_native.pyi"

#: pyo3 leaves a class's text signature out under the limited API of Python 3.9 (the wheel is
#: abi3-py39): there, inspect.signature(Client) finds none; the methods keep theirs.
CLASS_SIGNATURES = sys.version_info >= (3, 10)
needs_class_signatures = pytest.mark.skipif(not CLASS_SIGNATURES, reason="no class text signatures on 3.9")


def words(text: Optional[str]) -> str:
    """A docstring with its line breaks and indentation made single spaces."""
    return " ".join((text or "").split())


def stub_items() -> Iterator[Tuple[str, Any, ast.AST]]:
    """(qualified name, runtime object, stub node) for every function, class, method and
    property of the stub (property setters left out)."""
    tree = ast.parse(STUB.read_text())
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            yield node.name, getattr(_native, node.name), node
        elif isinstance(node, ast.ClassDef):
            cls = getattr(_native, node.name)
            yield node.name, cls, node
            for member in node.body:
                if not isinstance(member, ast.FunctionDef):
                    continue
                if any(isinstance(d, ast.Attribute) and d.attr == "setter" for d in member.decorator_list):
                    continue
                yield f"{node.name}.{member.name}", inspect.getattr_static(cls, member.name), member


@needs_class_signatures
def test_client_signature_shows_real_defaults() -> None:
    sig = inspect.signature(Client)
    assert list(sig.parameters) == [
        "base_url", "verify", "timeout", "connect_timeout", "retries", "backoff_factor", "token",
        "email", "password", "max_body_size", "pinned_pubkey", "proxy", "no_proxy",
    ]  # fmt: skip
    defaults = {name: p.default for name, p in sig.parameters.items()}
    assert defaults["base_url"] is inspect.Parameter.empty
    assert defaults["verify"] is True
    assert defaults["timeout"] == 60.0 == DEFAULTS["timeout"]
    assert defaults["connect_timeout"] == DEFAULTS["connect_timeout"]
    assert defaults["retries"] == DEFAULTS["retries"]
    assert defaults["backoff_factor"] == DEFAULTS["backoff_factor"]
    assert defaults["max_body_size"] == DEFAULTS["max_body_size"]
    for name in ("token", "email", "password", "pinned_pubkey", "proxy", "no_proxy"):
        assert defaults[name] is None, name
    assert all(p.kind is p.KEYWORD_ONLY for p in list(sig.parameters.values())[1:])


def test_other_defaults_are_the_cores() -> None:
    assert inspect.signature(Client.paginate).parameters["page_size"].default == DEFAULTS["page_size"]
    assert inspect.signature(Client.get_all).parameters["concurrency"].default == DEFAULTS["batch_concurrency"]
    assert inspect.signature(dcimanager.server_pin).parameters["timeout"].default == DEFAULTS["connect_timeout"]


def runtime_signatures() -> Iterator[Tuple[str, inspect.Signature]]:
    for name, obj in vars(_native).items():
        if inspect.isclass(obj):
            if getattr(obj, "__text_signature__", None):
                yield name, inspect.signature(obj)
            for attr, member in vars(obj).items():
                if callable(member) and getattr(member, "__text_signature__", None):
                    yield f"{name}.{attr}", inspect.signature(member)
        elif callable(obj):
            yield name, inspect.signature(obj)


def test_no_signature_shows_an_ellipsis() -> None:
    seen = dict(runtime_signatures())
    assert {"Client.get", "Client.get_all", "Client.paginate", "server_pin"} <= set(seen)
    assert ("Client" in seen) == CLASS_SIGNATURES
    for name, sig in seen.items():
        for p in sig.parameters.values():
            assert p.default is not Ellipsis, f"{name}({p.name}=...)"
    text = pydoc.render_doc(Client, renderer=pydoc.plaintext)
    assert "page_size=100" in text and "concurrency=8" in text
    assert "Ellipsis" not in text and "=..." not in text
    if CLASS_SIGNATURES:
        assert "timeout=60.0" in text and "verify=True" in text and "proxy=None" in text


def test_docs_say_what_help_needs() -> None:
    doc = Client.__doc__ or ""
    for word in ("verify", "pinned_pubkey", "proxy", "no_proxy", "timeout", "retries", "token"):
        assert f"``{word}``" in doc, word
    for name in ("get", "get_all", "post", "delete", "request", "paginate", "login"):
        method_doc = getattr(Client, name).__doc__
        assert method_doc and "See the package documentation" not in method_doc, name
        assert len(words(method_doc)) > 40, name


#: Special methods with a meaning of their own to document (the others: __new__, __iter__...;
#: __bool__ is a slot, whose __doc__ is CPython's own: Response's docstring says what it does).
DOCUMENTED_DUNDERS = {"__enter__", "__exit__"}


def test_every_public_item_is_documented_in_both() -> None:
    checked = 0
    for name, runtime, node in stub_items():
        public = all(not part.startswith("_") or part in DOCUMENTED_DUNDERS for part in name.split("."))
        stub_doc = ast.get_docstring(node, clean=True)
        runtime_doc = runtime.__doc__
        if public:
            assert stub_doc, f"{name}: no docstring in the stub"
            assert runtime_doc, f"{name}: no __doc__ at run time"
        if stub_doc:
            assert words(stub_doc) == words(runtime_doc), f"{name}: the stub and the Rust doc comment differ"
            checked += 1
    assert checked > 50


def stub_defaults(node: ast.FunctionDef) -> Dict[str, Any]:
    args = node.args
    out: Dict[str, Any] = {}
    positional = args.posonlyargs + args.args
    for arg, default in zip(positional[len(positional) - len(args.defaults) :], args.defaults):
        out[arg.arg] = ast.literal_eval(default)
    for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults):
        if kw_default is not None:
            out[arg.arg] = ast.literal_eval(kw_default)
    return out


def is_property(node: ast.AST) -> bool:
    return isinstance(node, ast.FunctionDef) and any(
        isinstance(d, ast.Name) and d.id == "property" for d in node.decorator_list
    )


FUNCTIONS = [n for n, _, node in stub_items() if isinstance(node, ast.FunctionDef) and not is_property(node)]


@pytest.mark.parametrize("name", FUNCTIONS)
def test_stub_defaults_are_the_runtimes(name: str) -> None:
    runtime, node = {n: (obj, node) for n, obj, node in stub_items()}[name]
    assert isinstance(node, ast.FunctionDef)
    if name.endswith(".__new__"):
        if not CLASS_SIGNATURES:
            pytest.skip("no class text signatures on 3.9")
        runtime = getattr(_native, name.split(".")[0])
    sig = inspect.signature(runtime)
    theirs = {n: p.default for n, p in sig.parameters.items() if p.default is not p.empty}
    assert theirs == stub_defaults(node), name
