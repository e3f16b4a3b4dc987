"""Docstrings as help() shows them: the package's doctests run, the base methods have text that every
subclass inherits, the main classes name their arguments, and two small contracts found on the way
(Precision's two names of one argument, gradcheck's ``__all__``)."""

import doctest
import importlib
import inspect
import pkgutil
import re

import numpy as np
import pytest

import glassnet
from glassnet import activations, callbacks, classic, descent, initializers, layers, losses, metrics, optimizers
from glassnet import trace as trace_module
from glassnet import utils
from glassnet.gradcheck import check_gradients
from glassnet.models import Sequential, load_model
from glassnet.preprocessing import MinMaxScaler, StandardScaler

#: modules that raise ImportError on purpose (Keras's modules glassnet has not), and the command lines
_NOT_IMPORTABLE = {"glassnet.applications", "glassnet.ops", "glassnet.random"}


def _package_modules():
    return [info.name for info in pkgutil.walk_packages(glassnet.__path__, "glassnet.")
            if info.name not in _NOT_IMPORTABLE and not info.name.endswith("__main__")]


def _subclasses(cls):
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


def test_every_doctest_of_the_package_runs():
    # the onnx example's last line ran after its skipped import (NameError), and Variable carried
    # NumPy's docstrings, whose examples doctest collected as glassnet's (4 failed under NumPy 2)
    failed, attempted = {}, {}
    for name in _package_modules():
        result = doctest.testmod(importlib.import_module(name), report=False)
        attempted[name] = result.attempted
        if result.failed:
            failed[name] = result.failed
    assert failed == {}
    # the modules with examples: they are found and run (a test that ran nothing could not fail)
    for name in ("glassnet.datasets", "glassnet.descent", "glassnet.onnx", "glassnet.trace", "glassnet.utils"):
        assert attempted[name] > 0, name


def test_variable_routed_methods_keep_numpy_text_without_its_examples():
    from glassnet.variables import Variable

    assert [t.name for t in doctest.DocTestFinder().find(importlib.import_module("glassnet.variables"))
            if t.examples] == []
    assert Variable.sum.__doc__.startswith("ndarray.sum, of the layer's current weights.")
    assert "Return the sum of the array elements" in Variable.sum.__doc__
    assert ">>>" not in Variable.flat.__doc__ and "1-D iterator" in Variable.flat.__doc__


def test_no_docstring_holds_a_control_character():
    # _validation.check_path's "a\x00b.gn" was a NUL in a non-raw docstring
    bad = []
    for name in _package_modules():
        module = importlib.import_module(name)
        for obj in [module, *vars(module).values()]:
            if getattr(obj, "__module__", module.__name__) != module.__name__:
                continue
            members = vars(obj).values() if inspect.isclass(obj) else ()
            for each in [obj, *members]:
                doc = each.__doc__ if isinstance(getattr(each, "__doc__", None), str) else ""
                if re.search(r"[\x00-\x08\x0b-\x1f]", doc):
                    bad.append(f"{name}: {getattr(each, '__qualname__', each)!r}")
    assert bad == []
    assert "\x00" not in glassnet._validation.check_path.__doc__


@pytest.mark.parametrize("cls", sorted(_subclasses(activations.Activation), key=lambda c: c.__qualname__),
                         ids=lambda c: c.__name__)
def test_an_activation_s_forward_derivative_and_backward_have_text(cls):
    for method in ("forward", "derivative", "backward", "get_config"):
        assert inspect.getdoc(getattr(cls, method)), f"{cls.__name__}.{method}"


@pytest.mark.parametrize("cls", sorted(_subclasses(metrics.Metric), key=lambda c: c.__qualname__),
                         ids=lambda c: c.__qualname__)
def test_a_metric_s_result_has_text(cls):
    assert inspect.getdoc(cls.result)


@pytest.mark.parametrize("method", [
    StandardScaler.transform, StandardScaler.inverse_transform, StandardScaler.fit_transform,
    MinMaxScaler.transform, MinMaxScaler.inverse_transform, MinMaxScaler.fit_transform,
    losses.Loss.fused_delta, losses.BinaryCrossentropy.fused_delta, Sequential.count_params, Sequential.get_config,
    optimizers.Optimizer.set_state, optimizers.Adam.set_state, optimizers.Adam.get_config,
    initializers.HeNormal.get_config, losses.Huber.from_config,
], ids=lambda m: m.__qualname__)
def test_core_methods_have_text(method):
    assert inspect.getdoc(method)


def test_sklearn_transformer_fit_transform_says_y_is_required():
    # it inherited scikit-learn's text: "y ... default=None", but the override requires y
    from glassnet.wrappers import SKLearnTransformer

    doc = inspect.getdoc(SKLearnTransformer.fit_transform)
    assert "``y`` is required" in doc and "default=None" not in doc
    assert inspect.signature(SKLearnTransformer.fit_transform).parameters["y"].default is inspect.Parameter.empty


_OPTIMIZER_MOMENTS = ("learning_rate", "beta_1", "beta_2", "epsilon")
_INITIALIZER_AXES = ("seed", "input_axes", "output_axes")

#: (object, the arguments its docstring names); help() shows a subclass's own text only
NAMED = [
    (losses.BinaryCrossentropy, ("from_logits", "label_smoothing", "axis", "epsilon", "reduction")),
    (losses.CategoricalCrossentropy, ("from_logits", "label_smoothing", "axis", "epsilon", "reduction")),
    (losses.SparseCategoricalCrossentropy, ("from_logits", "ignore_class", "axis", "reduction")),
    (losses.BinaryFocalCrossentropy, ("apply_class_balancing", "alpha", "gamma", "from_logits", "label_smoothing",
                                      "axis", "reduction")),
    (losses.CategoricalFocalCrossentropy, ("alpha", "gamma", "from_logits", "label_smoothing", "axis", "reduction")),
    (losses.Huber, ("delta",)),
    (losses.Tversky, ("alpha", "beta", "axis")),
    (losses.binary_crossentropy, ("from_logits", "label_smoothing", "axis")),
    (losses.categorical_crossentropy, ("from_logits", "label_smoothing", "axis")),
    (losses.sparse_categorical_crossentropy, ("from_logits", "ignore_class", "axis")),
    (losses.binary_focal_crossentropy, ("apply_class_balancing", "alpha", "gamma", "from_logits", "label_smoothing",
                                        "axis")),
    (losses.categorical_focal_crossentropy, ("alpha", "gamma", "from_logits", "label_smoothing", "axis")),
    (losses.huber, ("delta",)),
    (losses.tversky, ("alpha", "beta", "axis")),
    (losses.circle, ("ref_labels", "ref_embeddings", "remove_diagonal", "gamma", "margin")),
    (Sequential.fit, ("verbose", "callbacks", "validation_split", "validation_data", "initial_epoch")),
    (Sequential.evaluate, ("verbose", "return_dict", "callbacks")),
    (Sequential.predict, ("verbose", "callbacks")),
    (Sequential.train_on_batch, ("return_dict", "class_weight")),
    (Sequential.test_on_batch, ("return_dict",)),
    (load_model, ("compile", "custom_objects", "safe_mode")),
    (optimizers.SGD, ("learning_rate", "momentum", "nesterov")),
    (optimizers.Adam, (*_OPTIMIZER_MOMENTS, "amsgrad")),
    (optimizers.AdamW, (*_OPTIMIZER_MOMENTS, "amsgrad", "weight_decay")),
    (optimizers.Adamax, _OPTIMIZER_MOMENTS),
    (optimizers.Nadam, _OPTIMIZER_MOMENTS),
    (optimizers.Lamb, _OPTIMIZER_MOMENTS),
    (optimizers.ScheduleFreeAdamW, (*_OPTIMIZER_MOMENTS, "warmup_steps")),
    (optimizers.Lion, ("learning_rate", "beta_1", "beta_2")),
    (optimizers.Adagrad, ("learning_rate", "initial_accumulator_value", "epsilon")),
    (optimizers.RMSprop, ("learning_rate", "rho", "momentum", "epsilon", "centered")),
    (optimizers.Adadelta, ("learning_rate", "rho", "epsilon")),
    (optimizers.Ftrl, ("learning_rate", "learning_rate_power", "initial_accumulator_value",
                       "l1_regularization_strength", "l2_regularization_strength",
                       "l2_shrinkage_regularization_strength", "beta")),
    (optimizers.Adafactor, ("learning_rate", "epsilon_1", "epsilon_2", "clip_threshold", "relative_step")),
    (optimizers.Muon, ("learning_rate", "momentum", "nesterov", "muon_a", "muon_b", "muon_c")),
    (layers.Dense, ("use_bias",)),
    (layers.Dropout, ("rate", "noise_shape", "seed")),
    (layers.GaussianNoise, ("stddev", "seed")),
    (layers.GaussianDropout, ("rate", "seed")),
    (layers.AlphaDropout, ("rate", "noise_shape", "seed")),
    (layers.BatchNormalization, ("epsilon", "momentum", "center", "scale")),
    (layers.GlobalAveragePooling1D, ("data_format", "keepdims")),
    (layers.GlobalMaxPooling1D, ("data_format", "keepdims")),
    (callbacks.EarlyStopping, ("monitor", "patience", "mode", "baseline", "start_from_epoch", "verbose")),
    (callbacks.ModelCheckpoint, ("save_weights_only", "mode", "verbose")),
    (callbacks.ReduceLROnPlateau, ("mode", "verbose")),
    (callbacks.LearningRateScheduler, ("verbose",)),
    (callbacks.CSVLogger, ("filename", "separator", "append")),
    (metrics.Precision, ("thresholds", "top_k", "class_id", "threshold")),
    (metrics.Recall, ("thresholds", "top_k", "class_id", "threshold")),
    (activations.LeakyReLU, ("negative_slope",)),
    (activations.ELU, ("alpha",)),
    (activations.Softmax, ("beta", "axis")),
    (activations.BipolarSigmoid, ("steepness",)),
    (initializers.VarianceScaling, ("mode", *_INITIALIZER_AXES)),
    (initializers.GlorotUniform, _INITIALIZER_AXES),
    (initializers.GlorotNormal, _INITIALIZER_AXES),
    (initializers.HeUniform, _INITIALIZER_AXES),
    (initializers.HeNormal, _INITIALIZER_AXES),
    (initializers.LecunUniform, _INITIALIZER_AXES),
    (initializers.LecunNormal, _INITIALIZER_AXES),
    (descent.compare_optimizers, ("f", "x0", "steps", "grad", "optimizers")),
    (check_gradients, ("sample_weight", "epsilon", "atol")),
    (classic.train_neuron, ("learning_rate", "epochs")),
    (trace_module.worked_example_model, ("activation", "learning_rate", "weights")),
    (trace_module.format_table, ("markdown",)),
    (utils.Progbar, ("width", "unit_name", "verbose")),
]


def _names(doc, parameter):
    """Whether ``doc`` names ``parameter`` as glassnet's docstrings do: as a word in literal text
    (````name````, ````name=True````, ````m ← momentum·m````), or as a numpydoc entry (``name : type``
    or ``a, name, b`` on a line of its own)."""
    p = re.escape(parameter)
    return (any(re.search(rf"\b{p}\b", span) for span in re.findall(r"``(.+?)``", doc, re.S))
            or bool(re.search(rf"^\s*(\w+, )*{p}(, \w+)*( :.*)?$", doc, re.M)))


@pytest.mark.parametrize(("obj", "parameters"), NAMED, ids=lambda v: getattr(v, "__qualname__", None))
def test_the_docstring_names_the_arguments(obj, parameters):
    signature = inspect.signature(obj)
    doc = inspect.getdoc(obj)
    for parameter in parameters:
        assert parameter in signature.parameters, parameter  # (the list itself stays true)
        assert _names(doc, parameter), f"{obj.__qualname__} does not name {parameter}"


def test_evaluate_and_predict_say_their_verbose_default_differs_from_keras():
    for method in (Sequential.evaluate, Sequential.predict):
        assert inspect.signature(method).parameters["verbose"].default == 0
        doc = inspect.getdoc(method)
        assert "unlike Keras's" in doc and '``"auto"``' in doc


@pytest.mark.parametrize("cls", [metrics.Precision, metrics.Recall])
def test_precision_refuses_thresholds_and_its_alias_threshold_together(cls):
    # both were taken and threshold silently dropped: Precision(thresholds=0.3, threshold=0.9).thresholds == 0.3
    with pytest.raises(ValueError, match=r"thresholds or threshold .*not both.*thresholds=0\.3, threshold=0\.9"):
        cls(thresholds=0.3, threshold=0.9)
    # either one alone is the same metric: counted by hand, outputs above 0.6 are the predicted positives
    y, p = np.array([1, 1, 0, 0, 1]), np.array([0.9, 0.5, 0.7, 0.2, 0.65])
    tp, fp, fn = 2, 1, 1
    expected = tp / (tp + fp) if cls is metrics.Precision else tp / (tp + fn)
    for metric in (cls(thresholds=0.6), cls(threshold=0.6), cls(0.6)):
        metric.update_state(y, p)
        assert metric.thresholds == 0.6
        assert metric.result() == pytest.approx(expected, rel=1e-12)


def test_gradcheck_star_import_gives_its_api_only():
    namespace = {}
    exec("from glassnet.gradcheck import *", namespace)
    assert sorted(set(namespace) - {"__builtins__"}) == ["GradientCheckResult", "NOISE_FACTOR", "check_gradients"]
