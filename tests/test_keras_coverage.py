"""docs/keras-coverage.md says, per module, which Keras 3.15 names glassnet has; these tests keep it true.

Without Keras: every name the page puts in glassnet is there (and every `get` name resolves), every
other name it lists is not. With Keras: every public name of the modules, and every lower-case name of
their registries' ``ALL_OBJECTS_DICT``, is on the page, so a Keras upgrade or a new glassnet component
fails here until the page follows.
"""

import importlib
import inspect
import re
from pathlib import Path

import pytest

import glassnet
from test_keras_compat import real_keras  # noqa: F401  (the fixture: Keras on JAX, or a skip)

PAGE = Path(__file__).resolve().parents[1] / "docs" / "keras-coverage.md"
MODULES = ("layers", "activations", "losses", "metrics", "optimizers", "optimizers.schedules", "initializers",
           "regularizers", "constraints", "callbacks", "saving", "mixed_precision", "wrappers")
#: (module, name): why glassnet's get gives another object than Keras's
GET_DIFFERENCES = {
    ("metrics", "accuracy"): "Keras's is the exact-match Accuracy, glassnet's the categorical accuracy (the page says so)",
}
_SECTION = re.compile(r"^## `keras\.([\w.]+)`$", re.M)
_COUNT = re.compile(r"\((\d+) of (\d+)\)")
_NAMES = re.compile(r"((?:`[^`]+`(?:, )?)+)$")  # the run of `name`s that ends a line


def _names(line):
    found = _NAMES.search(line)
    return re.findall(r"`([^`]+)`", found[1]) if found else []


def coverage(text=None):
    """``{module: {"in": [...], "out": [...], "get in": [...], "get out": [...]}}`` as the page lists them,
    with ``counts``: ``{"in": (n, of), ...}`` from its "(n of m)"."""
    parts = _SECTION.split(PAGE.read_text() if text is None else text)
    found = {}
    for module, body in zip(parts[1::2], parts[2::2]):
        lists = found[module] = {"in": [], "out": [], "get in": [], "get out": [], "counts": {}}
        current = None
        for line in body.splitlines():
            if line.startswith(("In glassnet", "`get` in glassnet")):
                key = "in" if line.startswith("In") else "get in"
                lists[key] += _names(line)
                lists["counts"][key] = tuple(map(int, _COUNT.search(line).groups()))
                current = None
            elif line in ("Not in glassnet:", "`get` not in glassnet:"):
                current = "out" if line.startswith("Not") else "get out"
            elif line.startswith("- ") and current:
                lists[current] += _names(line)
            elif line.strip():
                current = None
    return found


def _module(root, path):
    for part in path.split("."):
        root = getattr(root, part)
    return root


def test_the_page_is_read():
    text = ("## `keras.a.b`\n\nIn glassnet (1 of 3): `X`\n\nNot in glassnet:\n\n- why: this, and that: `Y`, `y`\n\n"
            "`get` in glassnet (1 of 1): `x`\n\nA note about `Z`.\n- `W`\n")
    assert coverage(text) == {"a.b": {"in": ["X"], "out": ["Y", "y"], "get in": ["x"], "get out": [],
                                      "counts": {"in": (1, 3), "get in": (1, 1)}}}


def test_the_page_s_glassnet_names_are_in_glassnet_and_its_others_are_not():
    page = coverage()
    assert tuple(page) == MODULES
    for module, lists in page.items():
        ours = _module(glassnet, module)
        for name in lists["in"]:
            assert not inspect.ismodule(getattr(ours, name, None)) and hasattr(ours, name), f"{module}.{name}"
        for name in lists["out"]:
            assert not hasattr(ours, name), f"glassnet.{module} has {name}: move it to 'In glassnet'"
        for name in lists["get in"]:
            assert ours.get(name) is not None, f"{module}.get({name!r})"
        for name in lists["get out"]:
            # (the X-at-Y metrics' names: a TypeError naming the value they need, as Keras's get fails on them)
            with pytest.raises((ValueError, TypeError), match=r"Unknown|needs its \w+ argument"):
                ours.get(name)  # it resolves now: move it to "`get` in glassnet"
        for key in ("in", "get in"):
            if key in lists["counts"]:
                shown = len(lists[key]), len(lists[key]) + len(lists[key.replace("in", "out")])
                assert lists["counts"][key] == shown, f"{module}: '{key}' says {lists['counts'][key]}"
        everything = lists["in"] + lists["out"]
        assert len(everything) == len(set(everything)), module
        assert len(set(lists["get in"] + lists["get out"])) == len(lists["get in"] + lists["get out"]), module


def _public(real, module):
    theirs = _module(real, module)
    return {name for name in dir(theirs) if not name.startswith("_") and not inspect.ismodule(getattr(theirs, name))}


def _registry(module):
    try:
        table = importlib.import_module(f"keras.src.{module}").ALL_OBJECTS_DICT
    except (ImportError, AttributeError):
        return None
    return {name for name in table if name == name.lower()}


def _called(obj):
    """What an object is called, for comparing kinds: ``relu`` for Keras's function, ``ReLU`` for
    glassnet's object, both ``relu`` once lower-cased without underscores."""
    name = obj.__name__ if inspect.isfunction(obj) or inspect.isclass(obj) else type(obj).__name__
    return name.replace("_", "").lower()


def test_every_public_keras_name_is_on_the_page(real_keras):  # noqa: F811  (the imported fixture)
    page = coverage()
    assert tuple(page) == MODULES
    for module, lists in page.items():
        assert set(lists["in"]) | set(lists["out"]) == _public(real_keras, module), module
        theirs = _module(real_keras, module)
        for name in lists["in"]:  # a class where Keras has a class, a function where it has a function
            assert inspect.isclass(getattr(_module(glassnet, module), name)) == inspect.isclass(getattr(theirs, name)), name
        registry = _registry(module)
        if registry is None:
            assert lists["get in"] == lists["get out"] == [], module
            continue
        assert set(lists["get in"]) | set(lists["get out"]) == registry, module
        for name in lists["get in"]:
            try:
                keras_one = theirs.get(name)
            except (KeyError, TypeError, ValueError):
                continue  # Keras 3.15's get("constant") is a KeyError (the page says so)
            same = _called(_module(glassnet, module).get(name)) == _called(keras_one)
            assert same != ((module, name) in GET_DIFFERENCES), f"{module}.get({name!r})"
