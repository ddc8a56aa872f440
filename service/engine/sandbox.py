"""Sandbox for BPMN scripts, gateway conditions and timer expressions.

SpiffWorkflow's default environment runs them with plain eval/exec and all builtins. Here they are
compiled with RestrictedPython plus a stricter policy, run on a deep copy of the task data under a time
limit, and a script's changes are written back only if it succeeds.

Refused when compiling (ScriptRejected): imports, names and attributes starting with "_", classes,
``try``/``with`` (a script must not catch ScriptTimeout), names such as open, eval, exec, getattr, type,
print, and ``.format``/``.format_map``/``.mro`` (str.format can reach dunders; use f-strings).
Refused when running (ScriptRejected): ``*``, ``**``, ``<<`` with a huge result, ``range`` over MAX_RANGE.

Not covered (limitations):
- Memory is not bounded otherwise: ``s = s + s`` in a loop, ``str.replace``/``join``, huge format widths
  or ``sum`` of lists can allocate a lot before the time limit is noticed.
- The time limit is checked on the script's Python line/call events, so one long C-level call is not
  interrupted; the caps above keep such calls short in practice.
- Helpers are trusted and untimed; they must not swallow exceptions raised by script callbacks.
- Language-level sandbox inside the service process, not OS-level isolation.
"""

from __future__ import annotations

import ast
import builtins
import copy
import operator
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from functools import lru_cache, partialmethod
from types import CodeType, FrameType
from typing import Any

from RestrictedPython import Guards, compile_restricted_eval, compile_restricted_exec
from RestrictedPython.transformer import RestrictingNodeTransformer
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from service.engine.storable import NotStorable, check_storable

FILENAME = "<string>"  # PythonScriptEngine looks for this name in tracebacks to report the line number
MAX_ITEMS = 10_000_000  # longest str/bytes/list/tuple that `*` may build
MAX_BITS = 100_000  # largest int (about 30,000 digits) that `**` / `<<` may build
MAX_RANGE = 1_000_000  # ranges are consumed by C code (sum, list, sorted) that the timer cannot stop
FORBIDDEN_NAMES = frozenset({
    "open", "eval", "exec", "compile", "getattr", "setattr", "delattr", "hasattr", "globals", "locals",
    "vars", "dir", "type", "object", "super", "input", "help", "breakpoint", "memoryview", "print",
    "printed", "classmethod", "staticmethod", "property", "exit", "quit",
    "BaseException", "SystemExit", "KeyboardInterrupt", "GeneratorExit",  # would bypass `except Exception`
})  # fmt: skip
FORBIDDEN_ATTRIBUTES = frozenset({"format", "format_map", "mro"})
EXTRA_BUILTINS = frozenset({
    "min", "max", "sum", "sorted", "list", "dict", "set", "tuple", "enumerate", "zip", "any", "all",
})  # fmt: skip


class ScriptTimeout(Exception):
    """The script ran longer than the time limit."""


class ScriptRejected(Exception):
    """The script uses something the sandbox does not allow."""


class _Policy(RestrictingNodeTransformer):
    """RestrictedPython's policy plus our refusals; `*`, `**`, `<<` become size-checked `_binop_` calls."""

    def _refuse(self, node: ast.AST, what: str) -> ast.AST:
        self.error(node, f"{what} not allowed in scripts.")
        return node

    def visit_Name(self, node: ast.Name) -> Any:
        if node.id in FORBIDDEN_NAMES:
            return self._refuse(node, f'"{node.id}" is')
        return super().visit_Name(node)

    def visit_Attribute(self, node: ast.Attribute) -> Any:
        if node.attr in FORBIDDEN_ATTRIBUTES:  # static check suffices: getattr() is not available
            return self._refuse(node, f'".{node.attr}" is')
        return super().visit_Attribute(node)

    visit_Import = visit_ImportFrom = partialmethod(_refuse, what="Imports are")
    visit_ClassDef = partialmethod(_refuse, what="Class definitions are")
    # A trace function that raised is uninstalled, so a caught ScriptTimeout would stop the clock.
    visit_Try = visit_TryStar = partialmethod(_refuse, what="try statements are")
    visit_With = partialmethod(_refuse, what="with statements are")

    def visit_While(self, node: ast.While) -> Any:
        node = self.node_contents_visit(node)
        # `while True: pass` compiles to a jump onto itself, which fires no trace event: add an instruction.
        tick = ast.copy_location(ast.Expr(ast.Name("_loop_", ast.Load())), node.body[0])
        node.body.insert(0, ast.fix_missing_locations(tick))
        return node

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        node = self.node_contents_visit(node)
        symbol = {ast.Mult: "*", ast.Pow: "**", ast.LShift: "<<"}.get(type(node.op))
        if symbol is None:
            return node
        call = ast.Call(ast.Name("_binop_", ast.Load()), [ast.Constant(symbol), node.left, node.right], [])
        return ast.fix_missing_locations(ast.copy_location(call, node))


_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "//": operator.floordiv,
    "%": operator.mod, "**": operator.pow, "<<": operator.lshift, ">>": operator.rshift, "&": operator.and_,
    "|": operator.or_, "^": operator.xor, "@": operator.matmul,
}  # fmt: skip
# `x += y` compiles to `x = _inplacevar_("+=", x, y)`; the in-place variants keep list `+=` semantics.
_OPERATORS = _BINARY | {k + "=": getattr(operator, "i" + f.__name__.strip("_")) for k, f in _BINARY.items()}


def _binop(op: str, a: Any, b: Any) -> Any:
    """Apply an arithmetic operator, refusing results that would exhaust memory or CPU inside C code."""
    symbol = op.rstrip("=")
    if symbol == "*" and any(
        isinstance(seq, str | bytes | list | tuple) and isinstance(n, int) and len(seq) * n > MAX_ITEMS
        for seq, n in ((a, b), (b, a))
    ):
        raise ScriptRejected(f"Sequence repetition longer than {MAX_ITEMS} items refused.")
    if (
        isinstance(a, int)
        and isinstance(b, int)
        and (
            (symbol == "**" and abs(a) > 1 and a.bit_length() * b > MAX_BITS)
            or (symbol == "<<" and a != 0 and a.bit_length() + b > MAX_BITS)
        )
    ):
        raise ScriptRejected(f"Integer result of '{symbol}' over {MAX_BITS} bits refused.")
    return _OPERATORS[op](a, b)


def _range(*args: int) -> range:
    result = range(*args)
    if len(result) > MAX_RANGE:
        raise ScriptRejected(f"range() longer than {MAX_RANGE} items refused.")
    return result


_BUILTINS: dict[str, Any] = {  # pow() would bypass _binop
    k: v for k, v in Guards.safe_builtins.items() if k[0] != "_" and k not in FORBIDDEN_NAMES | {"pow"}
}
_BUILTINS.update({name: getattr(builtins, name) for name in EXTRA_BUILTINS}, range=_range)
# The names RestrictedPython's rewritten code calls. _getattr_ refuses "_" names and str.format again at
# run time; _write_ lets scripts change dicts and lists only.
_GUARDS: dict[str, Any] = {
    "__builtins__": _BUILTINS, "_getattr_": Guards.safer_getattr, "_getitem_": operator.getitem,
    "_getiter_": iter, "_iter_unpack_sequence_": Guards.guarded_iter_unpack_sequence,
    "_unpack_sequence_": Guards.guarded_unpack_sequence, "_write_": Guards.full_write_guard,
    "_inplacevar_": _binop, "_binop_": _binop, "_loop_": None,
}  # fmt: skip


@lru_cache(maxsize=512)
def _compile(source: str, mode: str) -> tuple[CodeType, frozenset[str]]:
    """Compile once per source text; also return the names the code binds (to spot shadowed helpers)."""
    tree: Any = ast.parse(source, FILENAME, mode)  # a real SyntaxError carries the line number
    bound = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    bound |= {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    result = (compile_restricted_eval if mode == "eval" else compile_restricted_exec)(tree, policy=_Policy)
    if result.errors or result.code is None:
        raise ScriptRejected(" ".join(result.errors) or "Script could not be compiled.")
    return result.code, frozenset(bound)


def compile_only(source: str, mode: str) -> None:
    """Raise SyntaxError or ScriptRejected as running the text would; nothing is run."""
    _compile(source, mode)


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    """Script environment for PythonScriptEngine: task data are the script's variables."""

    def __init__(self, helpers: Mapping[str, Callable[..., Any]], time_limit: float = 1.0) -> None:
        if bad := [name for name in helpers if not name.isidentifier() or name[0] == "_" or name == "get"]:
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
        updates = {  # functions and iterators made by the script are not task data
            k: v for k, v in namespace.items()
            if k not in hidden and not k.startswith("_") and not callable(v) and not isinstance(v, Iterator)
        }  # fmt: skip
        for name, value in updates.items():
            if value is not context.get(name):  # what the script set or changed must be savable
                try:
                    check_storable(name, value)
                except NotStorable as exc:
                    raise ScriptRejected(str(exc)) from None
        for name in [name for name in context if name not in namespace]:  # removed with `del`
            del context[name]
        context.update(updates)
        return True

    def _namespace(self, context: Mapping[str, Any], external_context: Any) -> dict[str, Any]:
        # One dict for globals and locals, so functions and comprehensions see task data.
        if clash := sorted(self.reserved & context.keys()):
            raise ScriptRejected(f"Task data variable(s) {clash} shadow helper names; rename them.")
        # A deep copy keeps failed scripts atomic and stops conditions from mutating task data.
        namespace = {**(external_context or {}), **copy.deepcopy(dict(context)), **self.globals}

        def get(name: str, default: Any = None) -> Any:
            hidden = not isinstance(name, str) or name.startswith("_") or name in self.globals
            return default if hidden else namespace.get(name, default)

        namespace["get"] = get
        return namespace

    def _run(self, code: CodeType, namespace: dict[str, Any]) -> Any:
        deadline = time.monotonic() + self.time_limit
        expired = False

        def trace(frame: FrameType, event: str, arg: Any) -> Any:
            nonlocal expired
            if frame.f_code.co_filename != FILENAME:
                return None  # helpers are trusted and not traced; they could swallow the exception
            if time.monotonic() > deadline:
                expired = True
                raise ScriptTimeout(f"脚本运行超过 {self.time_limit:g} 秒的时间限制")
            return trace  # line events also fire on backward jumps, so every loop iteration is checked

        previous = sys.gettrace()  # settrace is per thread, so Flask worker threads do not interfere
        sys.settrace(trace)
        try:
            result = eval(code, namespace)  # restricted code object in a guarded namespace
        finally:
            sys.settrace(previous)
        if expired:  # raised, but swallowed by a helper that a script callback was running in
            raise ScriptTimeout(f"脚本运行超过 {self.time_limit:g} 秒的时间限制")
        return result
