"""``Sequential``: a stack of layers with Keras's model API (SPEC B1).

The model owns the layers, the loss, the optimizer and the metrics; the
training loop itself lives in :mod:`glassnet.models.training`. After
:meth:`Sequential.build`, every trainable array of every layer is a view into
one flat parameter vector (and every gradient into one flat gradient vector),
so the optimizer updates the whole network with a few large array operations
(:mod:`glassnet.models.flat`).

Here: the class itself (its settings, ``compile``, the ``fit``/``evaluate``/``predict``
entry points, the weights API). ``Sequential`` inherits the rest from one mixin per
concept: :mod:`~glassnet.models.layer_stack` (its layers: ``add``/``pop``/``build``,
their names), :mod:`~glassnet.models.backprop` (the forward and backward passes,
the loss and its penalties, ``gradients``), :mod:`~glassnet.models.flat` (the
flat vectors), :mod:`~glassnet.models.nested_models` (models nested in it),
:mod:`~glassnet.models.nodes` (``model.input``/``output`` and the layers' nodes),
:mod:`~glassnet.models.persistence` (files, configurations, pickles),
:mod:`~glassnet.models.data_checks` (the checks of the data given to fit, evaluate
and predict), :mod:`~glassnet.models.compiled_metrics` (compile's metrics made into
Metric objects) and :mod:`~glassnet.models.summary` (``summary``).
"""

import functools
import inspect
import math
import time

import numpy as np

from .. import backend, kernels, losses, optimizers
from .._keywords import _keyword_error
from .._validation import check_bool, check_positive_int, refuse_all_zero
from ..backend import make_rng, seedings, standardize_dtype
from ..dtype_policies import PolicyAttributes, policy_name
from ..layers import InputLayer, Layer
from ..layers._weights import NotBuiltError
from ..layers.base import ChainTensor, assign_weights, check_batch_shape, check_name, check_training, snake_case
from ..threads import model_lock
from . import callbacks as callbacks_module, inference, streams, training, updates
# (the names that moved to backprop.py and layer_stack.py are still glassnet.models.sequential.<name>)
from .backprop import _CACHES, Backprop, _scaled  # noqa: F401
from .compiled_metrics import CompiledMetrics, _loss_weight, _metric_list, _names_metrics
from .data_checks import DataChecks
from .divergence import user_stacklevel
from .epochs import _class_weights
from .flat import FlatVectors, _hand_out
from .layer_stack import (LayerStack, _DeclaredBuild, _default_name, _drawing_from, _name_taken,  # noqa: F401
                          _names_kept, _refuse_after_weights, build_shape)
from .nested_models import NestedModels
from .nesting import nested_items
from .nodes import SymbolicNodes
from .persistence import Persistence
from .summary import Summary


#: the last number given to each default model name ("sequential", "functional"), as Keras's
#: ``object_name_uids``: the second unnamed model is "sequential_1"; ``clear_session`` resets it
_MODEL_NAMES = {}


def auto_name(prefix):
    """Keras's default name of a new model: ``prefix``, then ``prefix_1``, ``prefix_2``... per session.
    Two models both named "sequential" were nested as two "sequential"s (get_layer, summary)."""
    k = _MODEL_NAMES.get(prefix, 0)
    _MODEL_NAMES[prefix] = k + 1
    return f"{prefix}_{k}" if k else prefix


#: fit's arguments in Keras 1 and 2 that Keras 3 removed (a bare "unexpected keyword argument"), and what instead
_OLD_FIT_ARGUMENTS = {
    "nb_epoch": "Keras 1's nb_epoch is called epochs",
    "samples_per_epoch": "Keras 1's samples_per_epoch is steps_per_epoch, counted in batches",
    "nb_val_samples": "Keras 1's nb_val_samples is validation_steps, counted in batches",
    **{name: f"fit has no {name} (Keras 2's; Keras 3 refuses it too): pass it to the data, "
             f"glassnet.utils.PyDataset({name}=...)" for name in ("workers", "use_multiprocessing", "max_queue_size")},
}


def _refuse_old_fit_arguments(fit):
    """``fit`` refusing Keras 1 and 2's arguments (_OLD_FIT_ARGUMENTS) with what to write instead; its
    signature stays Keras 3's (functools.wraps)."""
    names = list(inspect.signature(fit).parameters)[1:]  # (after self)

    @functools.wraps(fit)
    def checked(self, *args, **kwargs):
        old = [name for name in kwargs if name in _OLD_FIT_ARGUMENTS]
        if old:
            raise TypeError(f"{type(self).__name__}.fit() got unexpected keyword argument(s) {', '.join(old)}: "
                            + "; ".join(_OLD_FIT_ARGUMENTS[name] for name in old) + ".")
        unknown = next((name for name in kwargs if name not in names), None)
        if unknown is not None:  # max_epochs (Lightning, skorch), epoch: "Did you mean 'epochs'?"
            rate = "the learning rate is the optimizer's: compile(optimizer=glassnet.optimizers.SGD(learning_rate=...))"
            raise _keyword_error(f"{type(self).__name__}.fit()", unknown, names, {
                "lr": rate, "learning_rate": rate, "optimizer": "the optimizer is compile's: compile(optimizer=...)"})
        return fit(self, *args, **kwargs)
    return checked


def _named_dtype(layers):
    """The one dtype that ``layers`` (and nested models) name, else None: a model given no dtype
    computes in it, as Keras's model computes each layer in its own (``Dense(3, dtype="float64")``)."""
    named = {}  # dtype -> the first layer or model naming it
    for layer in layers:
        if isinstance(layer, (Layer, Sequential)) and not isinstance(layer, InputLayer) and layer._own_dtype is not None:
            named.setdefault(standardize_dtype(layer.dtype), layer)
    if len(named) > 1:  # (the model's dtype= would refuse all but one of them)
        which = ", ".join(f"{dtype!r} ({_what(layer)})" for dtype, layer in named.items())
        raise ValueError(f"The layers name several dtypes: {which}, but a glassnet model keeps all its weights in one "
                         "dtype. Give them one dtype.")
    return next(iter(named), None)


def _what(layer):
    return f"Model {layer.name!r}" if isinstance(layer, Sequential) else layer._label()


def _keras_layer_order(model, top=True):
    """``model``'s layers in the order Keras's ``_flatten_layers`` visits them (its ``losses`` follow
    it): its own in order, a nested model's reversed (Keras puts them on the left of its queue), each
    nested in nested reversed again in its place."""
    items = list(nested_items(model))
    for item in items if top else reversed(items):
        yield from _keras_layer_order(item, top=False) if isinstance(item, Sequential) else (item,)


#: Keras's hooks into fit, evaluate, predict and a model's call, which glassnet's engine does not call
KERAS_HOOKS = ("train_step", "test_step", "predict_step", "compute_loss", "compute_metrics", "call")


def refuse_keras_hooks(cls, traced_call=False):
    """Refuse a subclass that overrides Keras's hooks: fit would run as if they were not there.
    ``traced_call``: a subclass of ``Model``, whose ``call`` glassnet traces (models/subclassing.py)."""
    hooks = [name for name in KERAS_HOOKS if name in vars(cls) and not (traced_call and name == "call")]
    lightning = {"training_step": "call(self, x) gives the outputs and compile(loss=...) the loss (a custom loss: "
                                  "def loss(y_true, y_pred))",
                 "validation_step": "fit(validation_data=(x_val, y_val))", "test_step": "evaluate(x, y)",
                 "predict_step": "predict(x)", "configure_optimizers": "compile(optimizer=...)",
                 "on_train_epoch_end": "a Callback's on_epoch_end, fit(callbacks=[...])"}
    if any(name in vars(cls) for name in ("training_step", "validation_step", "configure_optimizers",
                                          "on_train_epoch_end")):  # PyTorch Lightning's LightningModule
        raise TypeError(f"{cls.__name__} defines PyTorch Lightning's hooks, which glassnet's fit, evaluate and "
                        "predict never call (fit would train as if they were not there, with compile's default "
                        "optimizer). Instead: " + "; ".join(f"{name} → {lightning[name]}" for name in lightning
                                                              if name in vars(cls)) + ".")
    forward = inspect.signature(cls.forward).parameters if traced_call and "forward" in vars(cls) else {}
    if forward and "training" not in forward and all(p.kind != p.VAR_KEYWORD for p in forward.values()):
        # PyTorch's forward(self, x); glassnet's own, forward(self, X, training=False), may be overridden
        raise TypeError(f"{cls.__name__} defines forward, which is glassnet's own pass through the layers "
                        "(model.forward(x, training=False)): PyTorch's forward is Keras's and glassnet's call. "
                        "Rename it call (or give the helper another name; an override of glassnet's pass takes "
                        "training: def forward(self, X, training=False): ... super().forward(X, training)).")
    if hooks == ["call"]:
        # a Sequential runs its layers in turn; a subclass of Model is what glassnet traces
        raise TypeError(
            f"{cls.__name__} overrides call of a Sequential, which runs its layers in turn and never calls it. "
            "Subclass Model instead (keras.Model, as Keras's guides do): glassnet traces its call as a chain of "
            "layers. Or build the chain as Sequential([...]) (an encoder and a decoder: "
            "autoencoder = Sequential([encoder, decoder])).")
    if hooks:
        raise TypeError(
            f"{cls.__name__} overrides {', '.join(hooks)}, which glassnet's fit, evaluate and predict never call "
            "(Keras's 'Customizing what happens in fit()' needs autodiff of your code; glassnet differentiates by "
            "each layer's backward). Write the loop yourself: grads = model.gradients(x, y, trainable_only=True, "
            "update_state=True); optimizer.apply_gradients(zip(grads, model.trainable_weights)) (docs/api.md, "
            "'Your own training loop'), or hook into fit with a Callback.")
    if "forward" in vars(cls) and cls.__module__.split(".")[0] != "glassnet":  # (once per class)
        cls._forward_overridden = True  # (fit's step checks its output: training.refuse_changed_output)
        forward = inspect.signature(cls.forward).parameters
        cls._forward_takes_pins = "pins" in forward or any(p.kind == p.VAR_KEYWORD for p in forward.values())


class Sequential(LayerStack, Backprop, FlatVectors, NestedModels, SymbolicNodes, Persistence, DataChecks,
                 CompiledMetrics, Summary, PolicyAttributes):
    """A linear stack of layers.

    Parameters
    ----------
    layers : list of Layer or Sequential, optional
        May start with ``glassnet.layers.Input(shape=...)``. Once the input shape is
        known (``Input``, ``input_dim``, ``input_shape``), the model is built, as Keras
        builds it: every layer has its weights, here and after each ``add``. A model
        in the list (Keras's ``Sequential([base_model, Dense(1)])``) joins as its layers,
        the same objects: both models share their weights, and ``layers`` lists the
        nested model's layers where Keras lists the model (see :meth:`add`).
    trainable : bool
        False trains none of the layers, those added later too (Keras's argument); unlike
        ``model.trainable = False``, it leaves the layers' own flags as they are, as Keras.
    name : str, optional
    dtype : {"float32", "float64"}, optional
        Precision of the weights and the math; defaults to the one dtype the given
        layers (or nested models) name, as Keras computes ``Dense(3, dtype="float64")``
        in float64, or, given none, the one the first layer or model added names, else
        ``glassnet.config.floatx()`` (float32).
    seed : int, optional
        Seeds everything random in this model: the initial weights, shuffling
        and dropout masks of layers given no seed of their own. Without it they
        draw from the global generator (see ``glassnet.utils.set_random_seed``).
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        refuse_keras_hooks(cls)

    #: the model's own flag, from ``trainable=`` or ``model.trainable = ...``: False trains no layer (see _trains)
    _trainable = True
    #: a build from the declared input shape, open until the model is first used (see _first_use)
    _declared = None
    #: whether the model was given its dtype= (then layers made under another global policy take it)
    _dtype_chosen = False
    #: what a training step skips, set by training._prepare_training: everything but the forward pass (a
    #: frozen model), the backward pass below this layer, the optimizer outside this slice of the weights
    _trains_nothing, _first_trained, _trained_span = False, None, None
    #: the model's threads.ModelLock, made at its first use (threads.model_lock)
    _thread_lock = None
    #: whether the user's class overrides forward, and whether that forward takes pins (refuse_keras_hooks)
    _forward_overridden, _forward_takes_pins = False, True
    #: PyTorch's nn.Module methods, and what to write here instead: still an AttributeError (hasattr stays
    #: False), whose message says it (docs/pytorch.md). Looked up only for names not found (__getattr__).
    _TORCH_NAMES = {
        "eval": "inference is the default: model(x) and predict(x) run Dropout and BatchNormalization in inference "
                "mode; model(x, training=True) runs them as in training (Monte Carlo dropout)",
        "train": "fit, train_on_batch and model.gradients(x, y, trainable_only=True, update_state=True) run the "
                 "training pass themselves; model(x, training=True) is one forward pass in training mode",
        "parameters": "model.trainable_weights lists the live arrays an optimizer steps (model.weights also the "
                      "batch-norm statistics and frozen layers' weights)",
        "named_parameters": "[(w.path, w) for w in model.trainable_weights] names them",
        "state_dict": "model.get_weights() returns copies of the weights, model.save_weights(path) writes them; "
                      "model.save(path) keeps the compiled optimizer's state too",
        "load_state_dict": "model.set_weights(weights) or model.load_weights(path); glassnet.models.load_model(path) "
                           "reads a whole model",
        "zero_grad": "not needed: model.gradients(x, y, trainable_only=True, update_state=True) returns new arrays "
                     "at each call",
        "to": "glassnet computes on NumPy arrays in the model's dtype (Sequential(..., dtype='float64')); "
              "glassnet.backend.set_namespace('torch', device='cuda'), before the model is built, computes on "
              "torch tensors",
    }
    _TORCH_NAMES["cuda"] = _TORCH_NAMES["cpu"] = _TORCH_NAMES["to"]
    #: Keras 2's model methods that Keras 3 removed, and what to write instead (as _TORCH_NAMES)
    _KERAS_2_NAMES = {
        "fit_generator": "fit(generator, steps_per_epoch=...) takes the generator or a glassnet.utils.PyDataset",
        "predict_classes": "np.argmax(model.predict(x), axis=-1), or (model.predict(x) > 0.5).astype('int32') "
                           "for one sigmoid unit",
        "predict_proba": "model.predict(x) returns the probabilities",
        "to_yaml": "model.to_json() (YAML was removed for safety)",
        "reset_states": "only recurrent layers have states, and glassnet has none: nothing to reset",
    }
    _KERAS_2_NAMES["evaluate_generator"] = "evaluate(generator, steps=...) takes the generator or a PyDataset"
    _KERAS_2_NAMES["predict_generator"] = "predict(generator, steps=...) takes the generator or a PyDataset"

    def __getattr__(self, name):
        hint = Sequential._TORCH_NAMES.get(name)
        if hint is None and name in Sequential._KERAS_2_NAMES:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r} (Keras 2's, removed "
                                 f"in Keras 3): {Sequential._KERAS_2_NAMES[name]}.", name=name, obj=self)
        if hint is None:  # Python's own error again, or a property's, which Python drops when it calls this
            return object.__getattribute__(self, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r} (PyTorch's "
                             f"nn.Module.{name}()): {hint}. See docs/pytorch.md.", name=name, obj=self)

    def __init__(self, layers=None, trainable=True, name=None, dtype=None, seed=None):
        if isinstance(trainable, str):  # Sequential(layers, "name"): glassnet's older order
            raise TypeError("Sequential's second argument is trainable, as in Keras: pass the name as "
                            f"name={trainable!r}.")
        trainable = check_bool(trainable, "trainable")
        self.name = check_name(name) or auto_name(snake_case(type(self).__name__))  # a subclass MyModel: my_model
        # a dtype given to the model is the user's choice for every layer given none, those made under a float16
        # or float64 global policy too (layer_stack: no clash with a layer naming the same dtype then)
        self._dtype_chosen = dtype is not None
        if dtype is None and isinstance(layers, (list, tuple)):
            dtype = _named_dtype(layers)
        # given none, named by none: the first layer or model added that names one sets it (_take_dtype)
        self._dtype_open = dtype is None
        self.dtype = standardize_dtype(dtype)
        # Keras's policy of the model, whose name a mixed one keeps (its dtype is float32: dtype_policies)
        self._policy_name = policy_name(dtype)
        self._layers = []
        self._input_shape = None
        self.built = False
        self.compiled = False
        self.jit_compile = False
        #: JSON values saved with the model (``glassnet train`` keeps the class labels here)
        self.metadata = {}
        self.optimizer = None
        self.loss = None
        self.metrics = []
        self._metric_ids = []
        self.stop_training = False
        self.stop_reason = None
        self.history = None
        self._frozen = []  # (slice, weights) of frozen layers during training (training._prepare_training)
        self._constraints = []  # (slice, shape, constraint) applied after each step (training._prepare_training)
        self.seed = seed
        self.rng = make_rng(seed)
        self._rng_seedings = seedings()  # (fit draws self.rng again after a set_random_seed: follow_global_seed)
        # {layer: mode} of the nested models called with training=... (Keras's base_model(inputs, training=False)):
        # the mode a call given no training runs those layers in (see _chained)
        self._pins = {}
        if layers is not None and not isinstance(layers, (list, tuple)):
            raise TypeError(f"layers must be a list of glassnet layers. Received: {layers!r:.100} of type "
                            f"{type(layers).__name__}" + (f"; write Sequential([{type(layers).__name__}(...)])"
                                                          if isinstance(layers, Layer) else ""))
        # the model's flag only, as Keras: its layers keep theirs (a batch norm still updates its statistics)
        self._trainable = trainable
        self._take_layers(layers or [])

    @property
    def input_shape(self):
        """``(None, *shape)``, or ``(8, *shape)`` for an ``Input`` given a batch size, as Keras's."""
        return None if self._input_shape is None else (self.__dict__.get("_input_batch_size"), *self._input_shape)

    @property
    def output_shape(self):
        """The output's shape with the batch axis: ``(None, ...)``, or ``(8, ...)`` for an ``Input`` given a
        batch size, as Keras's (each layer keeps the batch axis)."""
        self._ensure_built()
        return (self.__dict__.get("_input_batch_size"), *self._layers[-1].output_shape) if self.built else None

    @property
    def n_outputs(self):
        shape = self._layers[-1].output_shape if self._layers else None
        if shape is None:
            raise NotBuiltError(f"{type(self).__name__}.n_outputs exists once the model is built (fit, predict or build "
                                "first).")
        return int(math.prod(shape))

    @property
    def output_names(self):
        """Keras's list of the output names, read-only: the one output's, ``[last layer's name]`` (the
        nested model's name where the model ends with one, as Keras's ``Model(x, inner(h))``), the key
        that ``compile(loss={...})`` and ``fit(x, {...})`` take; ``[]`` for a model without layers."""
        output, _ = self._output_names()
        return [] if output is None else [output]

    @property
    def trainable(self):
        """The model's own flag, as Keras: False trains none of its layers, even one whose own flag
        is True (set after freezing the model); setting it sets every layer's ``trainable``, that
        of layers added later, and that of the models nested in it."""
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = check_bool(value, "trainable")
        # and the layers and models not joined yet (an unbuilt subclass's, a model waiting for the input shape),
        # as Keras: block.trainable = False, then Sequential([Input(...), block, ...]) was refused, its layers
        # still trainable
        for item in [*self._layers, *self._nested(), *self._waiting()]:
            item.trainable = bool(value)  # (a nested model's own nested models too)

    def _trains(self, layer):
        """Whether fit steps ``layer``'s weights: its own flag and the model's, as Keras (whose
        frozen model lists no trainable weights, whatever its layers' flags)."""
        return self._trainable and layer.trainable

    def _ensure_built(self):
        """Build now when the input shape is known (declared with Input, input_dim or
        input_shape), so that weights, summary and set_weights work before any fit, as Keras."""
        self._first_use()
        if not self.built and self._input_shape is not None and self._layers:
            self.build()

    def count_params(self):
        """The number of weights of every layer, trainable or not (as Keras's; the model must be built)."""
        self._ensure_built()
        self._require_built("count_params")
        return sum(math.prod(w.shape) for layer in self._layers for w in layer.weights)

    #: see the jit_compile property (a class default for models pickled before it was one)
    _jit_compile = False
    #: Keras's attribute, compile's ``run_eagerly`` as given: glassnet runs eagerly either way (it traces nothing)
    run_eagerly = False

    @property
    def jit_compile(self):
        """Whether fit trains with the compiled loops of :mod:`glassnet.kernels` (compile's
        ``jit_compile``, resolved: True or False). Set by hand it takes compile's values: True, False,
        or ``"auto"`` (True where numba is installed and imports); anything else is refused, as a model
        file could not be read back with it. True asks for numba at fit (an ImportError there if it is
        missing, before any weight changes)."""
        return self._jit_compile

    @jit_compile.setter
    def jit_compile(self, value):
        self._jit_compile = kernels._use_kernels(value)

    # -- compile ---------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None, weighted_metrics=None,
                run_eagerly=False, steps_per_execution=1, jit_compile=False, auto_scale_loss=True):
        """Choose the optimizer, the loss and the metrics (Keras's names or objects).

        As Keras, ``sample_weight`` and ``class_weight`` weigh the loss and the
        ``weighted_metrics``, not the ``metrics`` (a weighted metric whose name
        an unweighted one already has is logged as ``weighted_<name>``).

        ``jit_compile=True`` trains with the compiled loops of
        :mod:`glassnet.kernels` (the SGD and Adam/AdamW steps, bias + ReLU and
        dropout; needs numba: ``pip install "glassnet[jit]"``), with bit-for-bit
        the same weights as the NumPy code; ``"auto"`` does so when numba is
        installed. The first time on a machine the loops are built into a small
        module (about 10 s, in a child process; later processes load it in
        milliseconds, without numba in memory). The default is plain NumPy,
        which needs nothing else.

        ``loss_weights`` w (a finite number, or Keras's per-output ``[w]``, ``(w,)``,
        ``{"<output name>": w}`` of the one output) makes the loss ``w J + penalties``, as
        Keras's: fit descends it (the loss's gradient times w, the regularizers' as they are),
        and fit and evaluate log it; as in Keras, ``w = 0`` trains the penalties alone and a
        negative w ascends the loss (NaN and inf are a ValueError, where Keras takes them).

        Keras's ``run_eagerly`` and ``auto_scale_loss`` change nothing here (glassnet
        always runs eagerly, in one precision); ``steps_per_execution`` must be 1.

        The arguments come in Keras's order; glassnet's older ``compile(optimizer, loss,
        metrics)`` still works: a third argument that names metrics (strings, Metric
        objects, functions) rather than weights is read as ``metrics``.
        """
        if loss_weights is not None and metrics is None and _names_metrics(loss_weights):
            metrics, loss_weights = loss_weights, None
        check_bool(run_eagerly, "run_eagerly")
        check_bool(auto_scale_loss, "auto_scale_loss")
        if steps_per_execution != 1:
            raise ValueError("glassnet runs one step per execution: steps_per_execution must be 1. "
                             f"Received: steps_per_execution={steps_per_execution!r}")
        weight = 1.0 if loss_weights is None else _loss_weight(self._one_loss(loss_weights, "loss_weights"),
                                                               loss_weights)
        use_kernels = kernels._use_kernels(jit_compile)
        if use_kernels:
            kernels.require()  # (True: an ImportError now that says how to install numba; "auto" checked it)
        # fit passes it on to the optimizer and the layers
        self.jit_compile = use_kernels
        self.optimizer = optimizers.get(optimizer)
        updates.link_multi_optimizer(self)
        self.loss = losses.get(self._one_loss(loss))  # (Keras's [loss] and {output name: loss} of one output)
        self._loss_weight = weight  # (Backprop's: the loss and its gradient times it, not the penalties)
        self._metric_ids = _metric_list(self._one_output(metrics, "metrics"), "metrics")
        self._weighted_metric_ids = _metric_list(self._one_output(weighted_metrics, "weighted_metrics"),
                                                 "weighted_metrics")
        self.metrics = []
        self.run_eagerly = bool(run_eagerly)
        self.compiled = True

    # -- Keras API -----------------------------------------------------------------
    @_refuse_old_fit_arguments
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None, sample_weight=None,
            initial_epoch=0, steps_per_epoch=None, validation_steps=None, validation_batch_size=None,
            validation_freq=1):
        """Train for ``epochs`` passes over ``(x, y)``; returns a :class:`History`.

        ``batch_size`` defaults to 32 (Keras); ``batch_size=len(x)`` is full-batch
        and ``batch_size=1`` online learning. ``verbose``: 0 silent, 1 a progress
        bar, 2 one line per epoch (``"auto"``, the default, is 1, as Keras).
        ``callbacks``: a list of :class:`~glassnet.callbacks.Callback` objects, whose hooks
        fit calls (the :class:`History` is added). ``validation_split=f``: the last
        fraction f of the rows, cut before shuffling (as Keras), is not trained on and
        is evaluated after each epoch (``validation_data=(x, y)`` gives those rows
        instead). ``initial_epoch``: the epoch to start at, to resume a run (epochs
        ``initial_epoch`` to ``epochs − 1`` are trained). If the loss becomes NaN/inf, training stops
        within that batch with a :class:`~glassnet.models.DivergenceWarning`
        and the weights (optimizer state and batch normalization's statistics too) are restored to
        the start of that epoch, or of the one before where that start already gives the diverging
        batch a non-finite loss (the warning says which). The History holds the completed epochs only:
        a divergence in the first epoch leaves ``history.history == {}`` (Keras records the epoch's ``nan`` loss), so
        ``history.history["loss"]`` is then a KeyError. ``class_weight``
        ({class index: weight}) weighs each training sample by its class (as Keras;
        not together with ``sample_weight``). ``validation_freq=n`` validates after
        every n-th epoch only; ``validation_batch_size`` is the evaluation's chunk
        size (it changes the speed, not the figures). ``steps_per_epoch=k``: an
        epoch is the next k batches, continuing through the data (as Keras's
        epoch iterator; a new pass and shuffle start where one ends). Keras's
        ``shuffle="batch"`` keeps the batches in order and permutes the samples
        within each.

        ``x`` may also be a stream of batches ``(x, y)`` or ``(x, y, sample_weight)``, as
        in Keras: a generator (read once), a :class:`glassnet.utils.PyDataset` (Keras's
        too; a pass per epoch, its batches shuffled), or an iterable such as torch's
        ``DataLoader``; ``y``, ``sample_weight`` and ``batch_size`` are then the batches'
        and ``validation_data`` arrays or a stream; ``validation_steps=k``: each validation on its first k
        batches, a generator's kept from the first validation (docs/data.md).
        """
        with model_lock(self).fitting:  # (a second fit from another thread: a RuntimeError)
            return training.fit(
                self, x, y, batch_size=batch_size, epochs=epochs, verbose=verbose, callbacks=callbacks,
                validation_split=validation_split, validation_data=validation_data, shuffle=shuffle,
                initial_epoch=initial_epoch, sample_weight=sample_weight, class_weight=class_weight,
                validation_batch_size=validation_batch_size, validation_freq=validation_freq,
                steps_per_epoch=steps_per_epoch, validation_steps=validation_steps,
            )

    def evaluate(self, x=None, y=None, batch_size=None, verbose=0, sample_weight=None, steps=None, callbacks=None,
                 return_dict=False):
        """Loss (and metrics) on ``(x, y)`` in inference mode: the loss alone, or
        ``[loss, *metrics]`` when metrics were compiled (as Keras); ``return_dict=True``:
        a dict ``{name: value}``. ``verbose`` is 0 (silent) by default, unlike Keras's
        ``"auto"``: 1, 2 or ``"auto"`` print one line of steps, time and figures. ``callbacks`` get
        the test hooks (``on_test_begin``, ``on_test_batch_begin/end`` per chunk of
        ``batch_size`` rows, ``on_test_end``). ``steps=k``: the first k batches of ``batch_size``
        rows only, as Keras (with ``batch_size=None``, Keras's k batches of all the rows).

        As Keras, the loss is the mean of the batches' losses weighted by their sizes. For
        the default reduction that is the mean over all samples, whatever the batches, and
        ``batch_size=None`` computes it in chunks of 1024 rows (Keras's 32 where a callback has a
        test-batch hook, so that it sees Keras's batches); for the others (``"sum"``,
        ``"mean_with_sample_weight"``, an ``ignore_class``) it depends on the batches, and
        ``batch_size=None`` means Keras's 32. So does a metric function that returns one number per
        batch (d2l's log RMSE): it gets Keras's 32-row batches.

        ``x`` may be a stream of batches ``(x, y[, sample_weight])`` (a generator, a
        PyDataset, a DataLoader), as in :meth:`fit`: ``steps`` batches of it, or all."""
        cbs = callbacks_module.check_callbacks(callbacks)
        verbose = inference.check_verbose(verbose)
        with self._keeping_target_encoding():
            if streams.is_stream(x):
                stream = self._stream(x, y, sample_weight, batch_size, steps)
                self._require_compiled("evaluate")
                self._check_namespace()
                start = time.perf_counter()
                for cb in cbs:
                    cb.set_model(self)
                    cb.set_params(inference.stream_params(verbose, stream, steps))
                logs = inference.evaluate_stream(self, stream, steps, callbacks=cbs)
                if verbose:
                    inference.report(stream.read, time.perf_counter() - start, logs)
                self._keep_metrics_result(logs)
                return _logs_result(logs, return_dict, self.metrics)
            if steps is not None:
                steps = check_positive_int(steps, "steps")
            X, Y, w = self._prepare_xy(x, y, sample_weight, what="evaluate")
            keras_rows = None
            if batch_size is not None:
                check_positive_int(batch_size, "batch_size")
            elif steps is not None:  # Keras's: steps batches of all the rows
                batch_size = max(math.ceil(X.shape[0] / steps), 1)
            elif self._depends_on_batching():
                batch_size = 32
            else:
                batch_size = inference.default_batch_size(cbs, "on_test_batch_begin", "on_test_batch_end")
                keras_rows = 32  # (1024-row chunks: a metric function that returns one number sees Keras's batches)
            if steps is not None:  # the first steps batches (a slice), as Keras
                X, Y, w = inference.first_steps(steps, batch_size, (X, Y, w), stacklevel=user_stacklevel())
            refuse_all_zero(w, "sample_weight", "the loss would be 0 whatever the model")
            start = time.perf_counter()
            for cb in cbs:
                cb.set_model(self)
                cb.set_params(inference.array_params(verbose, X.shape[0], batch_size))
            logs = inference.evaluate_arrays(self, X, Y, w, batch_size, callbacks=cbs, keras_rows=keras_rows)
            if verbose:
                inference.report(inference.array_steps(X.shape[0], batch_size), time.perf_counter() - start, logs)
            self._keep_metrics_result(logs)
            return _logs_result(logs, return_dict, self.metrics)

    def train_on_batch(self, x, y, sample_weight=None, class_weight=None, return_dict=False):
        """One optimizer step on ``(x, y)`` as one batch; returns that batch's loss
        (before the step) and metrics, shaped as :meth:`evaluate`'s result (as Keras;
        ``return_dict=True``: a dict ``{name: value}``).
        ``class_weight`` weighs the samples by class, as in :meth:`fit`."""
        training.refuse_both_weightings("train_on_batch", class_weight, sample_weight)
        if class_weight is not None:
            _, Y, _ = self._prepare_xy(x, y, None, what="train_on_batch")
            sample_weight = _class_weights(self, backend.to_numpy(Y), class_weight)
        logs = training.train_on_batch(self, x, y, sample_weight)
        self._keep_metrics_result(logs)
        return _logs_result(logs, return_dict, self.metrics)

    def test_on_batch(self, x, y, sample_weight=None, return_dict=False):
        """Loss (and metrics) on ``(x, y)`` as one batch, in inference mode (as Keras), shaped as
        :meth:`evaluate`'s result (``return_dict=True``: a dict ``{name: value}``)."""
        with self._keeping_target_encoding():
            X, Y, w = self._prepare_xy(x, y, sample_weight, what="evaluate")
            refuse_all_zero(w, "sample_weight", "the loss would be 0 whatever the model")
            logs = inference.evaluate_arrays(self, X, Y, w, batch_size=max(X.shape[0], 1))
        self._keep_metrics_result(logs)
        return _logs_result(logs, return_dict, self.metrics)

    def predict_on_batch(self, x):
        """Outputs for ``x`` as one batch, in inference mode (as Keras)."""
        return self.predict(x)

    @property
    def weights(self):
        """Every layer's live weight arrays, in :meth:`get_weights`'s order (as Keras's variables)."""
        self._ensure_built()
        # this model's own arrays, the ones it steps: a model sharing the layers may hold them now (an inner model
        # that predicted last), and a custom loop's steps on its arrays were lost once this model computed
        self._claim_if_rebound()
        return _hand_out(self, [w for layer in self._layers for w in layer.weights])

    @property
    def trainable_weights(self):
        """The live arrays that training updates (Dense W, b; batch-norm gamma, beta of trainable layers)."""
        self._ensure_built()
        self._claim_if_rebound()  # (see weights)
        return _hand_out(self, [layer._handed_out(k) for layer in self._layers if layer.built and self._trains(layer)
                                for k in layer.weight_names if k in layer.params])

    @property
    def losses(self):
        """Keras's ``model.losses``, as floats: the activity penalties ``R(Y) / n`` of the last direct
        call (``model(x)``, ``layer(x)``; fit, evaluate and predict leave none, as Keras's), then the
        weight penalties, one per regularized trainable weight, in the layers' order (``sum(model.losses)``
        after ``model(x)`` is the penalty in that batch's loss). The activity penalties come in Keras's
        order, which lists a nested model's layers last to first (see :func:`_keras_layer_order`)."""
        return [*(penalty for layer in _keras_layer_order(self) for penalty in layer._activity_losses),
                *(penalty for layer in self._layers if self._trains(layer) for penalty in layer.weight_losses)]

    def add_loss(self, loss):
        """Keras's ``add_loss`` (in a subclass's ``call``), which glassnet lacks: refused with what to write
        instead (``activity_regularizer=``, ``layers.ActivityRegularization``, or your own loop)."""
        raise NotImplementedError(Layer._add_loss_refused(type(self).__name__))

    def add_weight(self, *args, **kwargs):
        """Keras's ``add_weight`` (a subclass's own weight, used in its ``call``), which glassnet's models lack:
        refused with what to write instead (an AttributeError named no reason)."""
        raise NotImplementedError(
            f"{type(self).__name__} called Keras's add_weight, which glassnet's models lack: a model holds the weights "
            "of its layers only, each trained by its layer's backward pass (glassnet does not differentiate the "
            "arithmetic of a call). Keep the weight in a layer and call that layer in call: a built-in one (a "
            "Dense(units, use_bias=False) for a learned matrix), or one of yours with the array in self.params and "
            "its gradient written in backward (see Layer.add_weight's message).")

    @property
    def non_trainable_weights(self):
        """The live arrays that training does not step (batch-norm moving statistics, frozen layers)."""
        self._ensure_built()
        self._claim_if_rebound()  # (see weights)
        return _hand_out(self, [layer._handed_out(k) for layer in self._layers
                                if layer.built for k in layer.weight_names if not self._trains(layer) or k not in layer.params])

    # Keras 3's names of the same lists (its guides' loops take model.trainable_variables)
    variables = property(lambda self: self.weights)
    trainable_variables = property(lambda self: self.trainable_weights)
    non_trainable_variables = property(lambda self: self.non_trainable_weights)

    def get_layer(self, name=None, index=None):
        """The layer called ``name``, or at position ``index`` (as Keras). A functional model's ``Input``
        is found by the name given to it, as Keras's: ``get_layer("pixels")`` is ``model.input``, its
        ``InputLayer`` (which ``layers`` and ``index`` leave out; a Sequential's, as in Keras, is not found)."""
        if name is not None and index is not None:
            raise ValueError(f"Provide only a layer name or a layer index. Received: index={index}, name={name!r}.")
        if index is not None:
            if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
                raise TypeError(f"index must be an integer. Received: index={index!r}")
            if not -len(self._layers) <= index < len(self._layers):
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only has "
                                 f"{len(self._layers)} layers.")
            return self._layers[index]
        if name is None:
            raise ValueError("Provide either a layer name or layer index at get_layer().")
        for layer in self._layers:
            if layer.name == name:
                return layer
        for model in self._nested():  # Keras's model.get_layer("base_model") of a model nested in it
            if model.name == name:
                return model
        if getattr(self, "_functional", False) and self.built and name == self.input.name:
            return self.input
        raise ValueError(f"No such layer: {name!r}. Existing layers are: {[layer.name for layer in self._layers]}.")

    def predict(self, x, batch_size=None, verbose=0, steps=None, callbacks=None):
        """Outputs ``a^(L)`` for inputs ``x`` (inference mode), shape ``(n, n_outputs)``.
        ``verbose`` is 0 (silent) by default, unlike Keras's ``"auto"``: 1, 2 or ``"auto"``
        print one line of steps and time. ``callbacks`` get the predict hooks (``on_predict_begin``,
        ``on_predict_batch_begin/end`` per chunk with ``{"outputs": ...}``,
        ``on_predict_end``). ``x`` may be a stream of batches (a generator, a PyDataset,
        a DataLoader; each ``x`` or ``(x, ...)``), as in :meth:`fit`: ``steps`` batches of it, or all. For
        arrays, ``steps=k`` predicts the first k batches of ``batch_size`` rows only, as Keras (with
        ``batch_size=None``, Keras's k batches of all the rows)."""
        cbs = callbacks_module.check_callbacks(callbacks)
        self._check_namespace()
        self._ensure_built()
        if streams.is_stream(x):
            stream = self._stream(x, None, None, batch_size, steps)
            verbose = inference.check_verbose(verbose)
            start = time.perf_counter()
            for cb in cbs:
                cb.set_model(self)
                cb.set_params(inference.stream_params(verbose, stream, steps))
            out = inference.predict_stream(self, stream, steps, callbacks=cbs)
            if verbose:
                inference.report(stream.read, time.perf_counter() - start)
            return out
        if steps is not None:
            steps = check_positive_int(steps, "steps")
        X = self._check_x(x, sparse=True)
        if not self.built:
            self.build((None, *X.shape[1:]))
        verbose = inference.check_verbose(verbose)
        if batch_size is not None:
            if np.ndim(batch_size) > 0:  # predict(x, y): an array where the batch size goes
                raise TypeError("predict takes no targets (its second argument is batch_size): call predict(x); "
                                "evaluate(x, y) scores the predictions against targets.")
            check_positive_int(batch_size, "batch_size")
        elif steps is not None:  # Keras's: steps batches of all the rows
            batch_size = max(math.ceil(X.shape[0] / steps), 1)
        else:
            batch_size = inference.default_batch_size(cbs, "on_predict_batch_begin", "on_predict_batch_end")
        if steps is not None:  # the first steps batches (a slice), as Keras
            (X,) = inference.first_steps(steps, batch_size, (X,), stacklevel=user_stacklevel())
        start = time.perf_counter()
        for cb in cbs:
            cb.set_model(self)
            cb.set_params(inference.array_params(verbose, X.shape[0], batch_size))
        out = inference.predict_arrays(self, X, batch_size, callbacks=cbs)
        if verbose:
            inference.report(inference.array_steps(X.shape[0], batch_size), time.perf_counter() - start)
        return out

    def __call__(self, inputs, training=None, mask=None):
        """Outputs for ``x`` as one batch (``model(x)``, or Keras's ``model(inputs=x)``); ``training=True``
        runs the training-mode pass (dropout active, batch statistics), as Keras's ``model(x, training=True)``.
        ``mask``: Keras's, None only (glassnet has no masks).

        Called on an ``Input(...)`` or on a layer's output (Keras's functional API), it
        chains this model's layers (the same objects, sharing their weights) and returns
        the last one's output; see :meth:`_chained`."""
        if mask is not None:  # (as a layer's: Python's "unexpected keyword argument 'mask'" named no reason)
            raise ValueError(f"glassnet has no masks (its layers take whole samples): Model {self.name!r} takes "
                             "mask=None only. Leave out the masked positions, or give them values that change nothing.")
        x = inputs
        if isinstance(x, (InputLayer, ChainTensor)):
            return self._chained(x, training)
        # Keras's "not in fit": inference, but for the nested models called with training=... (their
        # pins); an explicit training, as fit's, evaluate's and predict's, overrides the pins in Keras 3
        pins = self._pins if training is None else None
        if pins and not self._forward_takes_pins:  # a subclass's forward(self, X, training=False)
            fixed = getattr(self, "_fixed", {})  # (a subclass of Model's literal modes: its own forward applies them)
            if any(fixed.get(layer) != mode for layer, mode in pins.items()):
                raise TypeError(f"{type(self).__name__}.forward takes no pins, but model {self.name!r} runs some of "
                                "its layers in the mode its inputs were called with: give forward pins and pass them "
                                "on: def forward(self, X, training=False, pins=None): return super().forward(X, "
                                "training, pins)")
            pins = None
        training = check_training(training) or False
        self._check_namespace()
        X = self._check_x(x)
        if not self.built:
            self.build((None, *X.shape[1:]))
        # a training pass writes into the step's reused buffers, and moves statistics: one at a time, and
        # none beside another thread's inference pass or training step (threads.ModelLock); an inference
        # pass beside other inference passes
        lock = model_lock(self)
        # (NumPy's overflow warnings quiet, as in predict and evaluate: NaN outputs speak for themselves)
        with lock.exclusive if training or (pins and any(pins.values())) else lock.shared, backend.quiet_floats():
            # (pins only when there are some: a subclass's forward may take none, above)
            A = self.forward(X, training=training, **({"pins": pins} if pins else {}))
            self._list_activity_losses()
            # a training pass writes into the step's reused buffers: hand out a copy, so that
            # each call (Monte-Carlo dropout) keeps its own result; so does a model of
            # identity layers, whose output is the caller's own array or a view of it (Flatten)
            shared = A is X or (isinstance(A, np.ndarray) and isinstance(X, np.ndarray) and np.may_share_memory(A, X))
            return backend.copy(A) if training or shared or (pins and any(pins.values())) else A

    def call(self, inputs, training=None, mask=None):
        """Keras's ``model.call(x, training=False)``: the forward pass, as ``model(x, training=...)``. (A
        ``Sequential`` runs its layers in turn and never calls it: override it in a subclass of ``Model``.)"""
        return self(inputs, training=training, mask=mask)

    def compute_output_shape(self, input_shape):
        """The output shape for inputs of shape ``input_shape``, the batch axis first (``(None, 3)`` ->
        ``(None, 1)``, ``(8, 3)`` -> ``(8, 1)``), as Keras's: each layer's in turn, without building the
        model. A model that takes inputs of another shape (declared, or built) refuses it, as Keras."""
        shape = check_batch_shape(input_shape, type(self).__name__)
        if self._input_shape is not None and shape[1:] != tuple(self._input_shape):
            raise ValueError(f"Model {self.name!r} takes inputs of shape {(None, *self._input_shape)}. Received: "
                             f"input_shape={shape}")
        if not self._layers:  # (empty, or its layers not known before the build: a subclass of Model's)
            raise ValueError(f"Model {self.name!r} has no layers yet: add some with model.add(...), or build it "
                             "first (model.build(input_shape)).")
        if self.built:
            return (shape[0], *self._layers[-1].output_shape)
        sample = shape[1:]
        for layer in self._layers:
            sample = layer.sample_output_shape(sample)
        return (shape[0], *sample)

    def _chained(self, x, training):
        """The model's layers called in turn on the symbolic ``x``, as Keras's ``base_model(x)``.

        ``training=False`` (or True) pins this model's layers to that mode in the model built
        on the chain, as Keras 3.15 records it in the call's node: a call of that model given no
        training (``model(x)``) runs them in it, its other layers in inference mode. As in Keras,
        a call that names a mode overrides every pin: fit trains them (dropout active, a trainable
        batch norm on batch statistics, moving them), evaluate and predict infer. A pin of a model
        nested in this one holds where this call names no mode; this call's overrides it (the
        outermost pin wins, as Keras's functional call passes its own training down)."""
        label = f"Model {self.name!r}"
        self._refuse_changed_nested()  # (its chain is the old one: Model(x, outer(x)) computed with it)
        shape = x.input_shape if isinstance(x, InputLayer) else x.sample_shape
        if self.__dict__.get("_deferred"):
            self.build((None, *shape))
        if not self._layers:
            raise ValueError(f"{label} has no layers to call; add some with model.add(...).")
        training = check_training(training)  # (a traced call's TRACED_TRAINING: as None)
        if self._input_shape is not None and tuple(shape) != tuple(self._input_shape):
            raise ValueError(f"{label} takes inputs of shape {(None, *self._input_shape)}, but it was called on an "
                             f"input of shape {(None, *shape)}.")
        for layer in self._layers:
            x = layer(x)
        pins = {layer: training for layer in self._layers} if training is not None else self._pins
        x.pins = {**x.pins, **{layer: mode for layer, mode in pins.items() if layer in self._layers}}
        x.models = (*x.models, self)  # (Model(inputs, outputs) nests it: get_layer, the trainable setter)
        return x

    def trace(self, x, y, apply=False, sample_weight=None):
        """One training step shown in the lectures' notation (a, z, δ, ∂J/∂W, ΔW
        per layer); see :func:`glassnet.trace.trace`. Changes nothing unless ``apply``."""
        from ..trace import trace

        return trace(self, x, y, apply=apply, sample_weight=sample_weight)

    def diagnose(self, x, y, losses=None, warn=True, max_samples=1024):
        """Dead ReLUs, saturated units, vanishing/exploding gradients, with advice;
        see :func:`glassnet.diagnostics.diagnose`."""
        from ..diagnostics.probe import _diagnose

        # the warnings at the caller's line (below: _diagnose, _emit)
        return _diagnose(self, x, y, losses, warn, max_samples, stacklevel=user_stacklevel() + 2)

    def get_weights(self):
        """Copies of every weight array, layer by layer, in Keras's order
        (Dense: W, b; BatchNormalization: gamma, beta, moving mean, moving variance)."""
        self._ensure_built()
        return [w for layer in self._layers for w in layer.get_weights()]

    def set_weights(self, weights):
        """Set every weight array; shapes must match :meth:`get_weights`."""
        self._check_namespace()
        self._ensure_built()
        self._require_built("set_weights")
        targets = self.weights
        names = [f"weights[{i}] ({w.path})" if hasattr(w, "path") else f"weights[{i}]" for i, w in enumerate(targets)]
        assign_weights(targets, weights, names, "set_weights")
        self._weights_given = True  # (not the initializers' draw: diagnose's start checks skip them)

    def __repr__(self):
        # Keras's: <Sequential name=net, built=True>, <Functional name=functional, built=True> for a functional
        # model, <MyNet name=my_net, built=False> for a subclass
        kind = "Functional" if getattr(self, "_functional", False) else type(self).__name__
        return f"<{kind} name={self.name}, built={self.built}>"


def _only_none(why, **arguments):
    """Keras arguments that mean nothing here, refused unless None; ``why`` says so."""
    for name, value in arguments.items():
        if value is not None:
            raise ValueError(f"{name} {why}: pass {name}=None. Received: {name}={value!r}")


def _logs_result(logs, return_dict, metrics):
    """Keras's shape of a result: the dict (its keys sorted, as Keras's), or the loss alone,
    or ``[loss, *metrics]`` in the compiled metrics' order (``metrics_names``, as Keras's list)."""
    if check_bool(return_dict, "return_dict"):
        return logs
    names = ["loss", *(m.name for m in metrics if m.name in logs)]
    values = [logs[name] for name in names] + [value for name, value in logs.items() if name not in names]
    return values[0] if len(values) == 1 else values


__all__ = ["Sequential"]
