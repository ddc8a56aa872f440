"""Sandbox for BPMN scripts, gateway conditions and timer expressions.

SpiffWorkflow's default environment runs them with plain eval/exec and all builtins. Here they are
compiled with RestrictedPython plus a stricter policy, run against a deep copy of the task data under
a time limit, and a script's changes are written back only if it succeeds.

Refused at compile time (ScriptRejected): imports, names and attributes starting with "_", class
definitions, ``try``/``with`` (a script must not catch ScriptTimeout), names such as open, eval, exec,
getattr, type, print, and ``.format``/``.format_map`` (str.format can reach dunders; use f-strings).
Refused at run time (ScriptRejected): ``*``, ``**`` and ``<<`` whose result would be huge, ``range``
longer than MAX_RANGE.

Not covered (limitations):
- Memory is not bounded otherwise: ``s = s + s`` in a loop, ``str.replace``/``join``, huge format
  widths or ``sum`` of lists can allocate a lot before the time limit is noticed.
- The time limit is checked on Python line/call events of the script, so a single long C-level call
  is not interrupted; the caps above keep such calls short in practice.
- Helpers are trusted and untimed; they must not swallow exceptions raised by script callbacks.
- This is a language-level sandbox inside the service process, not OS-level isolation.
"""

from __future__ import annotations

import ast
import builtins
import copy
import operator
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from functools import lru_cache
from types import CodeType, FrameType
from typing import Any

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safe_builtins,
    safer_getattr,
)
from RestrictedPython.transformer import RestrictingNodeTransformer
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

FILENAME = "<string>"  # PythonScriptEngine looks for this name in tracebacks to report the line number
MAX_ITEMS = 10_000_000  # longest str/bytes/list/tuple that `*` may build
MAX_BITS = 100_000  # largest int (about 30,000 digits) that `**` / `<<` may build
MAX_RANGE = 1_000_000  # range() is consumed by C code (sum, list, sorted) that the timer cannot stop
CACHE_SIZE = 512

FORBIDDEN_NAMES = frozenset({
    "open", "eval", "exec", "compile", "getattr", "setattr", "delattr", "hasattr", "globals", "locals",
    "vars", "dir", "type", "object", "super", "input", "help", "breakpoint", "memoryview", "print",
    "printed", "classmethod", "staticmethod", "property", "exit", "quit",
})  # fmt: skip
FORBIDDEN_ATTRIBUTES = frozenset({"format", "format_map", "mro"})
EXTRA_BUILTINS = ("min", "max", "sum", "sorted", "list", "dict", "set", "tuple", "enumerate", "zip", "any", "all")


class ScriptTimeout(Exception):
    """The script ran longer than the time limit."""


class ScriptRejected(Exception):
    """The script uses something the sandbox does not allow."""


class _Policy(RestrictingNodeTransformer):
    """RestrictedPython's policy, plus our refusals and size-checked `*`, `**`, `<<`."""

    def _refuse(self, node: ast.AST, what: str) -> ast.AST:
        self.error(node, f"{what} not allowed in scripts.")
        return node

    def visit_Name(self, node: ast.Name) -> Any:
        if node.id in FORBIDDEN_NAMES:
            return self._refuse(node, f'"{node.id}" is')
        return super().visit_Name(node)

    def visit_Attribute(self, node: ast.Attribute) -> Any:
        if node.attr in FORBIDDEN_ATTRIBUTES:
            return self._refuse(node, f'".{node.attr}" is')  # getattr is forbidden, so this check is static
        return super().visit_Attribute(node)

    def visit_Import(self, node: ast.AST) -> Any:
        return self._refuse(node, "Imports are")

    visit_ImportFrom = visit_Import

    def visit_ClassDef(self, node: ast.ClassDef) -> Any:
        return self._refuse(node, "Class definitions are")

    def visit_Try(self, node: ast.AST) -> Any:
        # The trace function is dropped once it raises, so a caught ScriptTimeout would stop the clock.
        return self._refuse(node, "try statements are")

    visit_TryStar = visit_Try

    def visit_With(self, node: ast.With) -> Any:
        return self._refuse(node, "with statements are")

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        node = self.node_contents_visit(node)
        if not isinstance(node.op, ast.Mult | ast.Pow | ast.LShift):
            return node
        symbol = {ast.Mult: "*", ast.Pow: "**", ast.LShift: "<<"}[type(node.op)]
        call = ast.Call(ast.Name("_binop_", ast.Load()), [ast.Constant(symbol), node.left, node.right], [])
        return ast.fix_missing_locations(ast.copy_location(call, node))


_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "//": operator.floordiv,
    "%": operator.mod, "**": operator.pow, "<<": operator.lshift, ">>": operator.rshift, "&": operator.and_,
    "|": operator.or_, "^": operator.xor, "@": operator.matmul,
}  # fmt: skip
# `x += y` compiles to `x = _inplacevar_("+=", x, y)`; the in-place variant keeps list `+=` semantics.
_OPERATORS = _BINARY | {op + "=": getattr(operator, "i" + fn.__name__.rstrip("_")) for op, fn in _BINARY.items()}


def _binop(op: str, a: Any, b: Any) -> Any:
    """Apply an arithmetic operator, refusing results that would exhaust memory or CPU in C code."""
    symbol = op.rstrip("=")
    if symbol == "*":
        for seq, n in ((a, b), (b, a)):
            if isinstance(seq, str | bytes | list | tuple) and isinstance(n, int) and len(seq) * n > MAX_ITEMS:
                raise ScriptRejected(f"Sequence repetition longer than {MAX_ITEMS} items refused.")
    elif symbol in ("**", "<<") and isinstance(a, int) and isinstance(b, int) and b > 0 and abs(a) > 1:
        bits = a.bit_length() * b if symbol == "**" else a.bit_length() + b
        if bits > MAX_BITS:
            raise ScriptRejected(f"Integer result of '{symbol}' too large (over {MAX_BITS} bits) refused.")
    return _OPERATORS[op](a, b)


def _range(*args: int) -> range:
    result = range(*args)
    if len(result) > MAX_RANGE:
        raise ScriptRejected(f"range() longer than {MAX_RANGE} items refused.")
    return result


_BUILTINS: dict[str, Any] = {
    name: value
    for name, value in safe_builtins.items()
    if not name.startswith("_") and name not in FORBIDDEN_NAMES and name != "pow"  # pow() bypasses _binop
}
_BUILTINS.update({name: getattr(builtins, name) for name in EXTRA_BUILTINS}, range=_range)

_GUARDS: dict[str, Any] = {
    "__builtins__": _BUILTINS,
    "_getattr_": safer_getattr,  # refuses "_" names and str.format again at run time
    "_getitem_": operator.getitem,
    "_getiter_": iter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": full_write_guard,  # dicts and lists may be written to, other objects not
    "_inplacevar_": _binop,
    "_binop_": _binop,
}


@lru_cache(maxsize=CACHE_SIZE)
def _compile(source: str, mode: str) -> tuple[CodeType, frozenset[str]]:
    """Compile once per source text; also return the names the code binds (to spot shadowed helpers)."""
    tree = ast.parse(source, FILENAME, mode)  # a real SyntaxError carries the line number
    bound = frozenset(
        n.id if isinstance(n, ast.Name) else n.name
        for n in ast.walk(tree)
        if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load) or isinstance(n, ast.FunctionDef)
    )
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    result = compiler(tree, FILENAME, policy=_Policy)
    if result.errors or result.code is None:
        raise ScriptRejected(" ".join(result.errors) or "Script could not be compiled.")
    return result.code, bound


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    """Script environment for PythonScriptEngine: task data are the script's variables."""

    def __init__(self, helpers: Mapping[str, Callable[..., Any]], time_limit: float = 1.0) -> None:
        bad = [name for name in helpers if not name.isidentifier() or name.startswith("_") or name == "get"]
        if bad:
            raise ValueError(f"Invalid helper names: {bad}")
        super().__init__({**_GUARDS, **helpers})
        self.reserved = frozenset(helpers) | {"get"}
        self.time_limit = time_limit

    def evaluate(self, expression: str, context: dict[str, Any], external_context: Any = None) -> Any:
        code, _ = _compile(expression, "eval")
        return self._run(code, self._namespace(context, external_context))

    def execute(self, script: str, context: dict[str, Any], external_context: Any = None) -> bool:
        code, bound = _compile(script, "exec")
        if shadowed := sorted(bound & self.reserved):
            raise ScriptRejected(f"Script assigns to helper name(s) {shadowed}; use other variable names.")
        namespace = self._namespace(context, external_context)
        self._run(code, namespace)
        hidden = (self.globals.keys() | (external_context or {}).keys() | {"get"}) - context.keys()
        # Functions and iterators defined by the script are not task data.
        updates = {
            name: value
            for name, value in namespace.items()
            if name not in hidden and not name.startswith("_") and not callable(value)
            and not isinstance(value, Iterator)
        }  # fmt: skip
        for name in [name for name in context if name not in namespace]:  # removed with `del`
            del context[name]
        context.update(updates)
        return True

    def _namespace(self, context: Mapping[str, Any], external_context: Any) -> dict[str, Any]:
        if clash := sorted(self.reserved & context.keys()):
            raise ScriptRejected(f"Task data variable(s) {clash} shadow helper names; rename them.")
        # A deep copy keeps failed scripts atomic and stops conditions from mutating task data.
        namespace = {**(external_context or {}), **copy.deepcopy(dict(context)), **self.globals}

        def get(name: str, default: Any = None) -> Any:
            if not isinstance(name, str) or name.startswith("_") or name in self.globals:
                return default
            return namespace.get(name, default)

        namespace["get"] = get
        return namespace

    def _run(self, code: CodeType, namespace: dict[str, Any]) -> Any:
        deadline = time.monotonic() + self.time_limit
        expired = False

        def trace(frame: FrameType, event: str, arg: Any) -> Any:
            nonlocal expired
            if frame.f_code.co_filename != FILENAME:
                return None  # helpers are trusted; raising inside them could be swallowed
            if time.monotonic() > deadline:
                expired = True
                raise ScriptTimeout(f"Script exceeded the time limit of {self.time_limit:g} s.")
            return trace  # line events also fire on every backward jump, so loops are checked

        previous = sys.gettrace()  # settrace is per thread, so Flask worker threads do not interfere
        sys.settrace(trace)
        try:
            result = eval(code, namespace)  # noqa: S307 - restricted code object, guarded namespace
        finally:
            sys.settrace(previous)
        if expired:  # the timeout was raised but swallowed by C code or a helper
            raise ScriptTimeout(f"Script exceeded the time limit of {self.time_limit:g} s.")
        return result
