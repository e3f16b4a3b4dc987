"""What a user's tools read of the package: Keras's import paths that are modules, and no py.typed
marker while the public API carries no annotations (PEP 561: type checkers then trust the missing types,
and gave users false errors: mypy's "Model has no attribute fit", pyright's 60 on the documented examples)."""

import inspect
import pathlib
import subprocess
import sys

import glassnet


def test_keras_s_schedules_module_path_imports_in_a_fresh_process():
    # the attribute glassnet.optimizers.schedules existed, the import statement failed (ModuleNotFoundError)
    code = ("from glassnet.optimizers.schedules import ExponentialDecay, LearningRateSchedule\n"
            "import glassnet.optimizers.schedules as s, glassnet.schedules as t\n"
            "assert s is t and ExponentialDecay is t.ExponentialDecay\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_no_py_typed_marker_unless_the_public_api_is_annotated():
    package = pathlib.Path(glassnet.__file__).parent
    functions = [obj for module in (glassnet.models, glassnet.layers, glassnet.losses, glassnet.optimizers)
                 for obj in vars(module).values() if inspect.isfunction(obj) or inspect.isclass(obj)]
    annotated = [f for f in functions if getattr(f, "__annotations__", None)
                 or getattr(getattr(f, "__init__", None), "__annotations__", None)]
    if (package / "py.typed").exists():
        assert len(annotated) > 0.9 * len(functions), "py.typed promises annotations the public API lacks"
