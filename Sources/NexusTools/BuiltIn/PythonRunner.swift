/// The program `python_execute` runs the model's code with (`python3 -c RUNNER CODE`). It runs
/// the code as `python3 -c CODE` would, and reads it the way a model means it:
/// - the value of a last bare expression is printed, as in a notebook or the REPL (`sorted(x)`,
///   `df.mean()`), and a `return VALUE` outside any function ends the program with that value shown;
/// - code that does not parse because it was written on one line, with compound statements
///   joined by `;` (`import csv; with open(f) as h: ...; print(n)`), is laid out on lines the way
///   Python reads a header's inline body (everything after the colon belongs to it) and run when
///   that parses, and so is code that ends in a stray `}` (the JSON around it, written once too
///   often); anything else that does not parse fails as it would;
/// - a standard-library module the code uses (`shutil.copy(...)`) but never imports is imported
///   for it, as the code plainly means;
/// - a traceback shows the code's own frames only, a missing module says to use the standard
///   library, a number that failed to convert from a CSV file's text points at its header row, a
///   function missing from a module names the modules that have it (`os.copy`: `shutil.copy`),
///   a command line given to `subprocess` as one program's name shows it as a list, `len()` of
///   something read one item at a time (a CSV reader) says to make a list first, and an
///   `input()` that found no input says that nobody types here.
/// The code runs in a fresh `__main__` namespace that holds what the run's earlier code defined
/// (imports, functions, classes; ``ToolContext/earlierCode``), as a notebook's next cell would:
/// a model calls the function it wrote a step before. Nothing here widens what the sandbox allows.
enum PythonRunner {
    static let source = #"""
import ast, sys, traceback

def _nexus_main(source, earlier):
    shown = "<code>"
    try:
        tree = ast.parse(source, shown)
    except SyntaxError as error:
        tree = _nexus_unjoined(source, shown)
        trimmed = _nexus_without_stray_closers(source)
        if tree is None and trimmed is not None:
            tree = _nexus_parsed(trimmed, shown) or _nexus_unjoined(trimmed, shown)
        if tree is None:
            sys.stderr.write("".join(traceback.format_exception_only(type(error), error)))
            return 1
    last = tree.body[-1] if tree.body else None
    shows_last = isinstance(last, ast.Expr)
    if shows_last and isinstance(last.value, ast.Call) and getattr(last.value.func, "id", "") == "print":
        shows_last = False
    body = tree.body[:-1] if shows_last else tree.body
    body = [_NexusReturns().visit(statement) for statement in body]
    scope = {"__name__": "__main__", "__builtins__": __builtins__, "_NexusReturned": _NexusReturned}
    for name in _nexus_unimported_modules(tree):
        scope[name] = __import__(name)
    _nexus_earlier_definitions(earlier, scope)
    sys.argv = ["-c"]
    try:
        value = None
        try:
            exec(compile(ast.fix_missing_locations(ast.Module(body=body, type_ignores=[])), shown, "exec"), scope)
            if shows_last:
                value = eval(compile(ast.Expression(body=last.value), shown, "eval"), scope)
        except _NexusReturned as returned:
            value = returned.value
        if value is not None:
            print(repr(value))
    except SyntaxError as error:
        sys.stderr.write("".join(traceback.format_exception_only(type(error), error)))
        return 1
    except SystemExit:
        raise
    except BaseException as error:
        trace = error.__traceback__
        while trace is not None and trace.tb_frame.f_code.co_filename != shown:
            trace = trace.tb_next
        sys.stderr.write("".join(traceback.format_exception(type(error), error, trace)))
        if isinstance(error, ModuleNotFoundError) and error.name:
            sys.stderr.write("[%s is not installed here: use the standard library (csv, json, statistics, re, os)]\n" % error.name)
        if isinstance(error, ValueError) and "csv" in source and ("convert string" in str(error) or "invalid literal" in str(error)):
            sys.stderr.write("[the first row of a CSV file is its header: csv.DictReader reads it as the field names; with csv.reader, skip it with next(reader)]\n")
        if isinstance(error, TypeError) and str(error).endswith("has no len()") and " of type '" in str(error):
            sys.stderr.write("[%s is read one item at a time and has no length: make a list of it first (items = list(...)) and use len(items)]\n"
                             % str(error).split("'")[1])
        if isinstance(error, EOFError) and "input(" in source:
            sys.stderr.write("[the program asked for input(), and nobody types here: write the values the task gives into the program]\n")
        hint = _nexus_where_it_is(error)
        if hint:
            sys.stderr.write("[%s]\n" % hint)
        if isinstance(error, FileNotFoundError) and isinstance(error.filename, str) and " " in error.filename.strip() and "subprocess" in source:
            sys.stderr.write("[subprocess took the whole command line %r as one program's name: pass a list (%r) or shell=True]\n"
                             % (error.filename, error.filename.split()))
        return 1
    return 0

# Modules a program for files and text reaches for, where a function missing from one may live.
_NEXUS_KIN = ("shutil", "os", "os.path", "pathlib", "glob", "subprocess", "statistics", "math", "json", "csv", "re",
              "collections", "itertools", "string", "datetime", "time", "sys")

def _nexus_where_it_is(error):
    """For `module.name` that does not exist (os.copy), the modules that do have `name`."""
    import importlib, types
    if not isinstance(error, AttributeError) or not isinstance(getattr(error, "obj", None), types.ModuleType) or not getattr(error, "name", None):
        return None
    found = []
    for kin in _NEXUS_KIN:
        if kin == error.obj.__name__:
            continue
        try:
            module = importlib.import_module(kin)
        except ImportError:
            continue
        if callable(getattr(module, error.name, None)):
            found.append("%s.%s" % (kin, error.name))
    if not found:
        return None
    return "%s has no %s; %s exists" % (error.obj.__name__, error.name, " and ".join(found[:3]))


def _nexus_earlier_definitions(earlier, scope):
    """What the run's earlier code defined (imports, functions, classes), made again before this
    code, as a notebook keeps them from cell to cell; their other statements do not run again."""
    import json
    for cell in json.loads(earlier):
        tree = _nexus_parsed(cell, "<earlier code>") or _nexus_unjoined(cell, "<earlier code>")
        for node in tree.body if tree else []:
            if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                try:
                    exec(compile(ast.Module(body=[node], type_ignores=[]), "<earlier code>", "exec"), scope)
                except Exception:
                    pass

class _NexusReturned(BaseException):
    def __init__(self, value):
        self.value = value

class _NexusReturns(ast.NodeTransformer):
    """A `return VALUE` outside any function ends the program with VALUE as its result."""
    def visit_FunctionDef(self, node):
        return node
    visit_AsyncFunctionDef = visit_Lambda = visit_ClassDef = visit_FunctionDef

    def visit_Return(self, node):
        value = node.value or ast.Constant(value=None)
        call = ast.Call(func=ast.Name(id="_NexusReturned", ctx=ast.Load()), args=[value], keywords=[])
        return ast.copy_location(ast.Raise(exc=call, cause=None), node)

def _nexus_unimported_modules(tree):
    """Standard-library modules used as `name.attribute` where nothing binds `name`."""
    bound, used = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            bound.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            used.add(node.value.id)
    names = getattr(sys, "stdlib_module_names", ())
    return sorted(name for name in used - bound if name in names and not name.startswith("_"))

def _nexus_parsed(source, shown):
    try:
        return ast.parse(source, shown)
    except SyntaxError:
        return None

def _nexus_without_stray_closers(source):
    text = source.rstrip()
    trimmed = text
    while trimmed.endswith("}") and trimmed.count("}") > trimmed.count("{"):
        trimmed = trimmed[:-1].rstrip()
    return trimmed if trimmed != text else None

def _nexus_unjoined(source, shown):
    import io, tokenize
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return None
    rows = source.splitlines() or [""]
    starts = [0]
    for line in source.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    offset = lambda position: starts[position[0] - 1] + position[1]
    compound = {"if", "elif", "else", "for", "while", "with", "try", "except", "finally", "def", "class", "async"}
    continuing = {"elif", "else", "except", "finally"}
    lines, piece, depth, lambdas = [], [], 0, 0
    indent, level, headers = "", 0, []
    def close(header):
        nonlocal piece, level, lambdas
        if not piece:
            return
        first = piece[0].string
        if first in continuing and headers:
            level = headers.pop()
        text = source[offset(piece[0].start):offset(piece[-1].end)]
        lines.append(indent + "    " * level + text)
        if header:
            headers.append(level)
            level += 1
        piece, lambdas = [], 0
    for token in tokens:
        kind, text = token.type, token.string
        if kind in (tokenize.INDENT, tokenize.DEDENT, tokenize.COMMENT, tokenize.ENDMARKER, tokenize.NL):
            continue
        if kind == tokenize.NEWLINE:
            close(False)
            level, headers = 0, []
            continue
        if not piece and depth == 0 and level == 0:
            row = rows[token.start[0] - 1]
            indent = row[:len(row) - len(row.lstrip())]
        if kind == tokenize.OP and text in "([{":
            depth += 1
        elif kind == tokenize.OP and text in ")]}":
            depth -= 1
        elif kind == tokenize.OP and depth == 0 and text == ";":
            close(False)
            continue
        elif kind == tokenize.OP and depth == 0 and text == ":" and piece and piece[0].string in compound:
            if lambdas:
                lambdas -= 1
            else:
                piece.append(token)
                close(True)
                continue
        elif kind == tokenize.NAME and text == "lambda" and depth == 0:
            lambdas += 1
        piece.append(token)
    close(False)
    repaired = "\n".join(lines) + "\n"
    try:
        return ast.parse(repaired, shown)
    except SyntaxError:
        return None

sys.exit(_nexus_main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "[]"))
"""#
}
