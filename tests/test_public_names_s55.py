"""Session 55's help() and dir() findings: ``__all__`` of the losses, metrics and activations (session 56: of the
initializers, regularizers, constraints and schedules too; and a literal
one for the optimizers), the docstrings of Callback's hooks, of Layer's methods a subclass overrides and of
the (de)serializers, the optimizers' common Keras arguments in ``help()``, and the reprs of the scalers and of
a layer outside a model."""

import ast
import importlib
import inspect
import pathlib
import pydoc

import numpy as np
import pytest

import glassnet
from glassnet import (activations, callbacks, constraints, initializers, layers, losses, metrics, optimizers,
                      regularizers, schedules)
from glassnet.preprocessing import MinMaxScaler, StandardScaler

SRC = pathlib.Path(glassnet.__file__).parent

# -- 1. __all__ ---------------------------------------------------------------------------------------------------

ALL_MODULES = (losses, metrics, activations, optimizers)
#: registry helpers and imported modules the packages hold, which are not their API
HELPERS = {"types", "inspect", "lookup", "to_config", "from_config", "has_name", "from_keras", "LOSSES", "METRICS",
           "ACTIVATIONS", "OPTIMIZERS", "CLASSES", "FUNCTIONS", "UNNAMED_FUNCTIONS", "NEED_ARGUMENT", "NAME_REFUSALS",
           "function_name", "function_config", "layer_names", "get_by_name_for_layer", "check_in_layer",
           "check_layer_axis", "resolve_axes", "checked_axes", "output_delta", "EPSILON", "Variable", "base",
           "functions", "regression", "variable_parts", "BLOCK"}


def _registered(module):
    """The public names a registry serves: its classes, and Keras's functions (activations: instances)."""
    names = {name for name in module.CLASSES}
    if module is losses:
        names |= {name for name in dir(losses) if any(getattr(losses, name) is fn for fn in losses.FUNCTIONS)}  # mse too
    if module is metrics:
        names |= {name for name in dir(metrics) if any(getattr(metrics, name) is fn for table in (
            metrics.FUNCTIONS, metrics.UNNAMED_FUNCTIONS) for fn in table)}
    if module is activations:
        names |= {name for name in dir(activations)
                  if not name.startswith("_") and isinstance(getattr(activations, name), activations.Activation)}
    return names | {"get", "serialize", "deserialize"}


@pytest.mark.parametrize("module", ALL_MODULES, ids=lambda m: m.__name__)
def test_all_names_exactly_the_public_api(module):
    names = module.__all__
    assert len(names) == len(set(names))
    assert all(hasattr(module, name) and not inspect.ismodule(getattr(module, name)) for name in names)
    assert _registered(module) <= set(names), sorted(_registered(module) - set(names))
    assert not set(names) & HELPERS and not any(name.startswith("_") for name in names)


def test_losses_metrics_activations_all_name_their_bases_and_glassnet_s_own_entries():
    assert {"Loss", "FunctionLoss", "SquaredError", "PerceptronLoss", "LogLoss", "MaxMargin", "MulticlassHinge",
            "NegativeLogLikelihood", "mae", "mse"} <= set(losses.__all__)
    assert {"Metric", "MeanMetricWrapper", "Mean", "Sum", "Accuracy", "accuracy_score", "confusion_matrix",
            "huber", "log_cosh"} <= set(metrics.__all__)
    assert {"Activation", "FunctionActivation", "GeneralReLU", "Step", "Sign", "swish", "hard_swish"} <= set(
        activations.__all__)


def test_optimizers_all_is_a_literal_list_of_the_same_names():
    # it was ["Optimizer", *CLASSES, ...], which type checkers cannot read (pyright: the classes "not exported")
    assert set(optimizers.__all__) == {"Optimizer", *optimizers.CLASSES, "OptimizerMap", "get", "serialize",
                                       "deserialize"}
    tree = ast.parse((SRC / "optimizers" / "__init__.py").read_text(encoding="utf-8"))
    values = [node.value for node in tree.body if isinstance(node, ast.Assign)
              and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)]
    assert len(values) == 1 and isinstance(values[0], ast.List)
    assert all(isinstance(item, ast.Constant) and isinstance(item.value, str) for item in values[0].elts)


@pytest.mark.parametrize("module", (losses, metrics, activations), ids=lambda m: m.__name__)
def test_star_import_gives_the_public_names_and_no_helpers(module):
    namespace = {}
    exec(f"from {module.__name__} import *", namespace)
    public = {name for name in namespace if not name.startswith("__")}
    assert public == set(module.__all__)
    assert all(namespace[name] is getattr(module, name) for name in public)
    assert "types" not in namespace and "lookup" not in namespace  # (they were exported)


def test_help_of_the_packages_lists_their_classes():
    # without __all__, pydoc lists only what the package module itself defines: none of the loss classes
    assert "class BinaryCrossentropy" in pydoc.render_doc(losses, renderer=pydoc.plaintext)
    assert "class AUC" in pydoc.render_doc(metrics, renderer=pydoc.plaintext)
    assert "class ReLU" in pydoc.render_doc(activations, renderer=pydoc.plaintext)


# -- 2. docstrings ------------------------------------------------------------------------------------------------

HOOKS = [name for name in vars(callbacks.Callback) if name.startswith("on_")]


def test_every_callback_hook_says_when_it_is_called_and_what_logs_hold():
    assert len(HOOKS) == 16
    for name in [*HOOKS, "set_model", "set_params"]:
        doc = inspect.getdoc(getattr(callbacks.Callback, name)) or ""
        assert doc.startswith(("Called", "Keras's older name")), name
        if name.startswith("on_") and not name.startswith("on_batch"):
            assert "logs" in doc, name


def test_the_hooks_logs_are_what_their_docstrings_say():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    seen = []

    class Record(callbacks.Callback):
        pass

    for name in HOOKS:
        setattr(Record, name, lambda self, *args, _name=name: seen.append((_name, *args)))
    model = glassnet.Sequential([layers.Input((3,)), layers.Dense(1, activation="sigmoid")], seed=0)
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=2, batch_size=16, validation_split=0.25, verbose=0, callbacks=[Record()])
    logs = {name: [args[-1] for hook, *args in seen if hook == name] for name in HOOKS}
    assert logs["on_train_begin"] == [{}] and all(entry == {} for entry in logs["on_epoch_begin"])
    assert all(entry == {} for entry in logs["on_train_batch_begin"] + logs["on_test_batch_begin"])
    epoch_end = logs["on_epoch_end"][-1]
    assert list(epoch_end) == sorted(epoch_end) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert logs["on_train_end"] == [epoch_end]  # the last epoch's
    assert logs["on_train_batch_end"][-1] == {k: epoch_end[k] for k in ("accuracy", "loss")}  # running, to the end
    assert logs["on_test_end"][-1] == {"accuracy": epoch_end["val_accuracy"], "loss": epoch_end["val_loss"]}
    seen.clear()
    out = model.predict(x, batch_size=16, verbose=0, callbacks=[Record()])
    batch_ends = [args for hook, *args in seen if hook == "on_predict_batch_end"]
    assert [batch for batch, _ in batch_ends] == [0, 1, 2]
    np.testing.assert_array_equal(np.concatenate([entry["outputs"] for _, entry in batch_ends]), out)


def test_layer_methods_a_subclass_overrides_state_their_contract():
    for name, words in (("forward", ("self.X", "training", "self.params")),
                        ("backward", ("self.grads", "in place", "dX", "needs_input_gradient")),
                        ("build", ("self.params", "self.grads", "weight_names", "super().build")),
                        ("get_config", ("from_config", "super().get_config()")),
                        ("regularization_penalty", ("grads",))):
        doc = inspect.getdoc(getattr(layers.Layer, name)) or ""
        assert all(word in doc for word in words), (name, doc)
    # a layer's own forward and backward inherit them in help()
    assert "self.grads" in (inspect.getdoc(layers.Dense.backward) or "")


def test_public_functions_of_the_registries_have_docstrings():
    undocumented = [f"{module.__name__}.{name}" for module in (initializers, constraints, schedules, regularizers,
                                                              losses, metrics, activations, optimizers)
                    for name, value in vars(module).items() if not name.startswith("_")
                    and inspect.isfunction(value) and value.__module__ == module.__name__ and not value.__doc__]
    assert undocumented == []


def test_the_serializers_docstrings_hold():
    assert initializers.serialize(initializers.HeNormal(seed=2)) == {"class_name": "HeNormal", "config": {"seed": 2}}
    assert constraints.serialize(constraints.MaxNorm(1.5)) == {"class_name": "MaxNorm",
                                                               "config": {"max_value": 1.5, "axis": 0}}
    assert repr(initializers.deserialize("he_normal")) == "HeNormal(seed=None)"
    assert repr(constraints.deserialize("max_norm")) == "MaxNorm(max_value=2.0, axis=0)"
    schedule = schedules.ExponentialDecay(0.1, 10, 0.9)
    config = schedules.serialize(schedule)
    assert repr(schedules.deserialize(config)) == repr(schedule)
    assert repr(schedules.deserialize({k: v for k, v in config.items() if k != "module"})) == repr(schedule)
    with pytest.raises(ValueError, match="Unknown learning-rate schedule 'exponential_decay'"):
        schedules.deserialize("exponential_decay")
    for module, kind in ((initializers, "initializer"), (constraints, "constraint")):
        # (an unregistered function; session 59: a registered one is saved by its registered name)
        with pytest.raises(ValueError, match=f"Cannot save the {kind} lambda: it has no name a model file could hold"):
            module.serialize(lambda *args: 0)


# -- 3. the optimizers' common arguments in help() ----------------------------------------------------------------

COMMON = {"weight_decay": 0.01, "clipnorm": 1.0, "clipvalue": 0.5, "global_clipnorm": 1.0, "use_ema": True,
          "ema_momentum": 0.9, "ema_overwrite_frequency": 2, "loss_scale_factor": None,
          "gradient_accumulation_steps": 2, "name": "mine"}
TAKING = [cls for name, cls in optimizers.CLASSES.items() if name not in ("LossScaleOptimizer", "MultiOptimizer")]


def test_the_base_optimizer_documents_each_common_argument():
    doc = inspect.getdoc(optimizers.Optimizer)
    for name in ("learning_rate", *COMMON):
        assert f"\n{name} : " in doc, name


@pytest.mark.parametrize("cls", TAKING, ids=lambda c: c.__name__)
def test_help_of_each_optimizer_names_the_common_arguments_it_takes(cls):
    text = pydoc.render_doc(cls, renderer=pydoc.plaintext)
    assert all(name in text for name in COMMON), [name for name in COMMON if name not in text]
    assert "see :class:`Optimizer`" in inspect.getdoc(cls)
    # and it takes them, as the docstring says (loss_scale_factor: None only)
    for name, value in COMMON.items():
        cls(**{name: value, **({"use_ema": True} if name == "ema_overwrite_frequency" else {})})
    with pytest.raises(ValueError, match=r"loss_scale_factor must be None: .*LossScaleOptimizer\(optimizer, "):
        cls(loss_scale_factor=2.0)


# -- 4. reprs -----------------------------------------------------------------------------------------------------

SCALERS = [(StandardScaler, {}), (StandardScaler, {"with_mean": False}), (StandardScaler, {"with_std": False,
                                                                                           "with_mean": False}),
           (MinMaxScaler, {}), (MinMaxScaler, {"feature_range": (-1, 1)}), (MinMaxScaler, {"clip": True}),
           (MinMaxScaler, {"feature_range": (-1.0, 1.0), "clip": True}), (MinMaxScaler, {"feature_range": [0, 2]}),
           (MinMaxScaler, {"feature_range": (0, 1)})]


def test_scalers_repr_as_scikit_learn_s():
    assert repr(StandardScaler()) == "StandardScaler()"
    assert repr(MinMaxScaler(feature_range=(-1, 1))) == "MinMaxScaler(feature_range=(-1, 1))"
    assert repr(MinMaxScaler((-1.0, 1.0), clip=True)) == "MinMaxScaler(clip=True, feature_range=(-1.0, 1.0))"
    assert repr(MinMaxScaler(feature_range=(0, 1))) == "MinMaxScaler()"  # glassnet's default (0.0, 1.0)
    scaler = StandardScaler().set_params(with_std=False)
    assert repr(scaler.fit(np.eye(3))) == "StandardScaler(with_std=False)"  # fitted or not


@pytest.mark.parametrize("cls, params", SCALERS, ids=lambda v: getattr(v, "__name__", repr(v)))
def test_scalers_repr_equals_scikit_learn_s_of_the_same_call(cls, params):
    preprocessing = pytest.importorskip("sklearn.preprocessing")
    assert repr(cls(**params)) == repr(getattr(preprocessing, cls.__name__)(**params))


def test_a_layer_repr_shows_its_key_argument_in_a_model_and_outside():
    # outside a model it was <Dense name=None>, which said nothing of the layer
    dense = layers.Dense(3)
    assert repr(dense) == "<Dense name=None, units=3>"
    assert repr(layers.Dropout(0.5)) == "<Dropout name=None, rate=0.5>"
    assert repr(layers.Activation("relu")) == "<Activation name=None, activation=ReLU()>"
    assert repr(layers.Reshape((2, 3))) == "<Reshape name=None, target_shape=(2, 3)>"
    assert repr(layers.Flatten()) == "<Flatten name=None>"  # no required argument: the name alone
    model = glassnet.Sequential([layers.Input((4,)), dense, layers.Dense(2, name="out")])
    assert [repr(layer) for layer in model.layers] == ["<Dense name='dense', units=3>", "<Dense name='out', units=2>"]
    long = repr(layers.Rescaling(np.arange(100.0)))
    assert long.startswith("<Rescaling name=None, scale=[0.0, 1.0,") and long.endswith("...>") and len(long) < 100


def test_a_layer_of_yours_repr_never_fails():
    class Kept(layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units

    class Elsewhere(layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.size = units

    class Failing(Kept):
        @property
        def units(self):
            raise RuntimeError("no")

        @units.setter
        def units(self, value):
            pass

    assert repr(Kept(4)) == "<Kept name=None, units=4>"
    assert repr(Elsewhere(4)) == "<Elsewhere name=None>"
    assert repr(Failing(4)) == "<Failing name=None>"


# -- session 56: the initializers, regularizers, constraints and schedules ------------------------------------------

@pytest.mark.parametrize("module", (initializers, regularizers, constraints, schedules), ids=lambda m: m.__name__)
def test_all_of_the_other_registries_names_their_classes_aliases_and_functions_only(module):
    names = module.__all__
    assert len(names) == len(set(names))
    assert all(hasattr(module, name) and not inspect.ismodule(getattr(module, name)) for name in names)
    classes = set(module.CLASSES.values())
    aliases = {name for name in dir(module) if not name.startswith("_") and isinstance(getattr(module, name), type)
               and getattr(module, name) in classes}
    functions = {name for name in ("get", "serialize", "deserialize") if hasattr(module, name)}
    bases = {name for name in ("Initializer", "Regularizer", "FunctionRegularizer", "Constraint", "LearningRateSchedule")
             if hasattr(module, name)}
    assert set(names) == aliases | functions | bases
    namespace = {}
    exec(f"from {module.__name__} import *", namespace)
    assert {name for name in namespace if not name.startswith("__")} == set(names)  # np, math, helpers: not exported


@pytest.mark.parametrize("name", ("initializers", "regularizers", "constraints", "optimizers.schedules"))
def test_the_other_registries_export_every_public_name_keras_has(name):
    pytest.importorskip("keras")
    ours = importlib.import_module(f"glassnet.{name}")
    theirs = importlib.import_module(f"keras.{name}")
    public = {n for n in dir(theirs) if not n.startswith("_")} - {"STFT", "STFTInitializer", "stft"}
    assert public <= set(ours.__all__), sorted(public - set(ours.__all__))
