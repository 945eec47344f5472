"""Check generated pika programs: each file must compile, and every name it reads must be
defined in it (assigned, imported, a parameter or a def) or be a Python builtin. A small
pyflakes for undefined names, on the standard library only (symtable).

Usage: python3 check_programs.py FILE...  (exit 1 and one line per problem if any)
"""
import builtins
import symtable
import sys


def undefined(source, filename):
    table = symtable.symtable(source, filename, "exec")
    module_names = {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported()}
    defined = module_names | set(dir(builtins))
    problems = []

    def walk(scope):
        for symbol in scope.get_symbols():
            name = symbol.get_name()
            if not symbol.is_referenced():
                continue
            local = symbol.is_assigned() or symbol.is_imported() or symbol.is_parameter()
            if scope.get_type() != "module" and local:
                continue
            if symbol.is_free():
                # A closure's name (e.g. a comprehension reading its function's local):
                # symtable marks it free only when an enclosing function defines it.
                continue
            if name not in defined:
                problems.append(f"{filename}: {scope.get_name()}: '{name}' is used but never defined")
        for child in scope.get_children():
            walk(child)

    walk(table)
    return problems


def main(paths):
    problems = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            source = f.read()
        try:
            compile(source, path, "exec")
        except SyntaxError as e:
            problems.append(f"{path}:{e.lineno}: {e.msg}")
            continue
        problems.extend(undefined(source, path))
    for p in problems:
        print(p)
    print(f"checked {len(paths)} programs: {len(problems)} problems", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
