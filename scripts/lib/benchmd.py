"""benchmd.py -- BENCHMARKS.md's sections: each `## NAME` section belongs to the benchmark that
writes it, and is replaced whole (or added at the end) when that benchmark runs again."""
import re

HEADER = ("# Benchmarks\n\nEach section is written by `scripts/bench NAME`; peers run side by side on the same "
          "input in one run.\n\n")


def _pattern(name):
    return re.compile(rf"^## {re.escape(name)}\n.*?(?=^## |\Z)", re.S | re.M)


def section(path, name):
    """The section's current text, or None."""
    try:
        m = _pattern(name).search(open(path).read())
    except FileNotFoundError:
        return None
    return m.group(0) if m else None


def replace(path, name, text):
    """Puts `text` (starting with `## NAME`) in place of the section, or at the end."""
    try:
        doc = open(path).read()
    except FileNotFoundError:
        doc = HEADER
    p = _pattern(name)
    doc = p.sub(lambda _: text, doc) if p.search(doc) else doc.rstrip("\n") + "\n\n" + text
    open(path, "w").write(doc)
