"""The checks of the data given to a :class:`~glassnet.models.Sequential`'s ``fit``, ``evaluate``,
``predict`` and the calls on one batch: ``x`` against the model's input, the targets ``y`` encoded for
the loss (and what its metrics see of them), ``sample_weight``, a stream of batches in place of arrays,
and the model's state (compiled, built, in the active array namespace).

:class:`DataChecks` is the part of ``Sequential`` that makes these checks; the training loop
(:mod:`glassnet.models.training`) calls them before it touches the data.
"""

import contextlib
import math
import warnings

import numpy as np

from .. import backend, losses, metrics
from ..activations import Softmax
from .._validation import (check_array, check_consistent_length, check_positive_int, check_sparse, is_compact,
                           is_sparse, on_host)
from . import streams
from .divergence import user_stacklevel


#: losses of one embedding (n, d) and one label per sample, refused for outputs of several axes (Keras's too: its
#: matmul of the embeddings fails); Dice and Tversky sum over their axis of any outputs, as Keras's, and train on them
_EMBEDDING_LOSSES = (losses.Circle,)


def _target_encoding(loss, given, prepared):
    """How ``loss.prepare_targets`` re-encoded the caller's targets ``given`` (see
    :meth:`Sequential._metric_targets`): None, ``"binary"`` (0/1 trained as −1/+1),
    ``"labels"``/``"label_column"`` (integer labels of shape (n,)/(n, 1), or (n, m)/(n, m, 1) for
    outputs (n, m, k), trained as one-hot)."""
    if isinstance(loss, losses.SparseCategoricalCrossentropy):
        return "labels" if given.ndim == prepared.ndim - 1 else "label_column"
    if (isinstance(loss, losses._SignedLabelLoss) and prepared.size
            and not np.array_equal(np.reshape(given, prepared.shape), prepared)):
        return "binary"
    return None


def softmax_on_one_unit(model):
    """The warning for a softmax over one output unit (``Dense(1, activation='softmax')``), whose output
    is always 1.0 whatever its input, so that nothing learns; else ''. (Keras warns at each batch.)"""
    layer = model._layers[-1] if model._layers else None
    activation = getattr(layer, "activation", None)
    shape = getattr(layer, "output_shape", None)
    if not isinstance(activation, Softmax) or not shape or shape[-1] != 1 or activation.other_axes(len(shape) + 1):
        return ""
    return ("The output layer applies softmax to 1 unit: its output is always 1.0 (a softmax divides each output "
            "by the sum of the row's), so nothing can learn. For two classes use Dense(1, activation='sigmoid') "
            "with loss='binary_crossentropy', or Dense(2, activation='softmax') with "
            "loss='sparse_categorical_crossentropy'.")


#: layers that turn samples of several axes into rows, so a model holding one takes such samples without an Input
_TAKES_AXES = ("Flatten", "Reshape", "GlobalAveragePooling1D", "GlobalMaxPooling1D")


class DataChecks:
    """Sequential's checks of the data given to fit, evaluate and predict, and of its own state."""

    # -- checked inputs ----------------------------------------------------------
    def _check_x(self, x, name="x", sparse=False):
        """``x`` checked against the model's input; a SciPy sparse matrix stays sparse (CSR)
        where the caller makes its batches dense (``sparse=True``: fit, evaluate, predict),
        else it is made dense here; likewise a NumPy array of integers (uint8 images) stays as
        given there, each batch converted to the model's dtype, else it is converted here."""
        # samples of several axes: for a model that flattens or pools them (Flatten, Reshape or a global pooling
        # first, or after layers that keep the sample's shape, such as Rescaling or Normalization), whose
        # declared input has several axes, or that declares none and is built on x, as Keras builds Dense on
        # the last axis (a forgotten Flatten is then named when the targets' shape says so: _position_targets)
        if hasattr(x, "columns") and hasattr(x, "dtypes") and self.__dict__.get("_input_columns"):
            self._check_columns(x, name)
        if isinstance(x, dict):
            # the name given to the Input, which a copy keeps without the Input itself (from_config, load_model)
            given = self.__dict__.get("_input_name") or getattr(self.__dict__.get("_input_layer"), "name", None)
            x = self._named(x, name, given, "input")
        several = self._input_shape is not None and _arrays_per_io(x, len(self._input_shape) + 1)
        if several:  # Keras's list of one array per input: fit([x1, x2], y)
            raise ValueError(f"{name} is a {type(x).__name__} of {several} arrays, one per input (Keras's per-input "
                             "list), but glassnet models have one input and one output: concatenate the features into "
                             f"one array, np.hstack([x1, x2]), for one Input of their total width. Received arrays of "
                             f"shapes {[tuple(item.shape) for item in x]!s:.200}."
                             + (" If they are the data and the targets, pass them as two arguments: fit(x, y), not "
                                f"fit({'(x, y)' if isinstance(x, tuple) else '[x, y]'})." if several == 2 and name == "x"
                                else ""))
        x = _one_batch(x, 2 if self._input_shape is None else len(self._input_shape) + 1)
        allow_nd = (self._input_shape is None or len(self._input_shape) > 1
                    or any(type(layer).__name__ in _TAKES_AXES for layer in self._layers))
        # a model that takes one feature reads a 1-D x as one value per sample, as Keras 3 does (the
        # TensorFlow regression tutorial fits its horsepower model on train_features["Horsepower"])
        one_feature = self._input_shape is not None and tuple(self._input_shape) == (1,)
        # integer images stay as given where the caller converts each batch (sparse=True)
        compact = sparse and backend.is_numpy() and is_compact(x, self.dtype)
        dtype = None if compact else self.dtype
        finite = not (compact and x.dtype.kind == "f")  # (is_compact has checked those values: one read, not two)
        if is_sparse(x):
            X = check_sparse(x, name=name, dtype=self.dtype)
            if not sparse or not backend.is_numpy():
                X = X.toarray()
        elif one_feature:
            X = check_array(x, name=name, ndim=1, dtype=dtype, allow_nd=True, finite=finite)
            X = X.reshape(-1, 1) if X.ndim == 1 else X
        else:
            shape = getattr(x, "shape", None)
            if (not allow_nd and self._input_shape is not None and shape is not None and len(shape) > 2
                    and math.prod(shape[1:]) == self._input_shape[0]):  # images into a model of rows (Input((784,)))
                raise ValueError(f"{name} must be a 2-D array of shape (n_samples, {self._input_shape[0]}) for the "
                                 f"model's {self._input_shape[0]} input features. Received an array of shape "
                                 f"{tuple(shape)}: flatten each sample, {name}.reshape(len({name}), -1), or begin the "
                                 f"model with layers.Flatten() after Input(shape={tuple(shape[1:])}).")
            X = check_array(x, name=name, ndim=2, dtype=dtype, allow_nd=allow_nd, finite=finite)
        if self.built and tuple(X.shape[1:]) != tuple(self._input_shape):
            want = self._input_shape[0] if len(self._input_shape) == 1 else self._input_shape
            got = X.shape[1] if X.ndim == 2 else X.shape[1:]
            unit = " features" if len(self._input_shape) == 1 else ""
            raise ValueError(f"{name}: the model expected {want}{unit}, got {got}{unit}"
                             f"{_shapes_hint(name, X.shape, tuple(self._input_shape))}")
        return X

    def _check_columns(self, frame, name):
        """A DataFrame's column names against those of the DataFrame fit first took (the model reads columns
        by position): the same in another order refused, as scikit-learn does; other names warned of (a
        renamed column may be meant: Keras checks nothing)."""
        expected, given = self._input_columns, list(frame.columns)
        if given == expected or not all(isinstance(label, str) for label in given):
            return
        df = name if name.isidentifier() else "x"
        if sorted(given) == sorted(expected):
            raise ValueError(f"{name}'s columns are those the model was fitted on, in another order; the model reads "
                             f"them by position. Reorder them as at fit, {df} = {df}[{expected!r:.300}].")
        unseen, missing = [c for c in given if c not in expected], [c for c in expected if c not in given]
        warnings.warn(f"{name}'s columns are not those the model was fitted on (unseen at fit: {unseen!r:.150}; "
                      f"missing: {missing!r:.150}); the model reads them by position. Align them as at fit, e.g. "
                      f"{df} = {df}.reindex(columns=x_train.columns, fill_value=0) after pd.get_dummies.",
                      UserWarning, stacklevel=user_stacklevel())

    @staticmethod
    def _named(data, name, expected, what, alias=None):
        """The array of Keras's ``{name: array}`` for the model's one input (the ``Input``'s name) or
        output (:meth:`_output_names`: ``expected``, or its ``alias``)."""
        if len(data) == 1 and expected is not None and next(iter(data)) in (expected, alias):
            return next(iter(data.values()))
        keys = f"Received a dict with the keys {list(data)!r:.200}"
        if expected is None:
            raise TypeError(f"{name} given as a dict names the model's {what}, and this model's has no name yet "
                            f"(Input(..., name=...)): pass the array itself. {keys}")
        raise TypeError(f"{name} given as a dict must map this model's one {what}, {expected!r}, to its array "
                        f"({{{expected!r}: array}}), or be the array itself. {keys}")

    def _output_names(self):
        """The name of the model's one output, as Keras names it (its last layer's; a nested model's own
        name where the model ends with one: Keras's ``output_names`` of ``Model(x, inner(h))`` is
        ``['inner']``), and the last layer's name, which glassnet's flattened chain takes too
        (``(None, None)`` for a model without layers)."""
        if not self._layers:
            return None, None
        from .nesting import nested_items

        last = self._layers[-1].name
        *_, item = nested_items(self)
        return (item.name if item is not self._layers[-1] and getattr(item, "_layers", None) else last), last

    def _given_targets(self, y, name, rows=None):
        """``y`` as an array (Keras's ``{output name: y}`` and ``[y]`` too: :func:`_one_batch`, for the
        ``rows`` samples of x), with named errors for None, text and ragged lists (NaN and range are
        checked with the encoding, in _check_y)."""
        if isinstance(y, dict):
            output, last = self._output_names()
            y = self._named(y, name, output, "output", last)
        several = _arrays_per_io(y, 1, rows)
        if several:  # Keras's list of one array per output: fit(x, [y1, y2])
            raise ValueError(f"{name} is a {type(y).__name__} of {several} arrays, one per output (Keras's per-output "
                             "list), but glassnet models have one input and one output: make one model per output on "
                             "the shared layers, Model(inputs, head1) and Model(inputs, head2), and fit each on its "
                             "targets; or give one output all the targets side by side, np.column_stack([y1, y2]), "
                             f"with one loss. Received arrays of shapes {[tuple(item.shape) for item in y]!s:.200}.")
        y = _one_batch(y, 1, rows)
        try:
            return check_array(on_host(y, name), name, ndim=None, finite=False, allow_empty=True)
        except TypeError as exc:  # class names: "y must contain numbers. Received an array of dtype <U3"
            if not _holds_text(y):
                raise
            raise TypeError(f"{exc}. {name} holds class names: encode them as integers, classes, {name} = "
                            f"np.unique({name}, return_inverse=True) (class k is classes[k]), for "
                            "loss='sparse_categorical_crossentropy'; glassnet.sklearn.MLPClassifier takes the "
                            "names as they are.") from None

    def _check_y(self, y, n, name="y", scoring=False):
        """The targets ``y`` checked and encoded for the loss. ``scoring``: targets only scored (validation
        data, ``evaluate``), not trained on, which may lie beyond the output activation's range."""
        Y = check_array(y, name=name, ndim=None, finite=True)
        out = tuple(self._layers[-1].output_shape)
        if len(out) == 1 and Y.shape[1:] == (out[0], 1):
            # targets (n, k, 1) of outputs (n, k) lose the trailing 1, as Keras's squeeze_or_expand_to_same_rank
            # lines them up (binary_io_u, auc, precision, ... of a tagger's flattened outputs were refused)
            Y = Y[..., 0]
        if Y.ndim == 0 or (Y.ndim > 2 and len(out) == 1):
            raise ValueError(f"{name} must be 1-D or 2-D. Received an array of shape {Y.shape}.")
        given = Y
        if len(out) > 1:  # per-position outputs (n, ..., k): targets of that shape, or labels (n, ...)
            Y = self._position_targets(Y, out, name)
        else:
            Y = self._prepare_targets(Y, self.n_outputs, name)
        if name == "y":  # what the metrics see of the targets of this fit/evaluate (validation ones follow them)
            self._target_encoding = _target_encoding(self.loss, given, Y)
        activation = getattr(self._layers[-1], "activation", None)
        low, high = activation.output_range if activation is not None else (-math.inf, math.inf)
        # training toward targets the output cannot reach is a mistake (labels 0..9 on one sigmoid unit); scoring
        # them is not: the autoencoder tutorial's anomaly detection validates on test data scaled by the training
        # data's min and max, a little outside [0, 1], and Keras scores it (a loss's own target_range still holds)
        if (self.loss.targets_in_output_range and not scoring and Y.size
                and (Y.min() < low or Y.max() > high)):
            one_unit = softmax_on_one_unit(self)
            if one_unit:  # rescaled targets would train on the constant 1.0 just the same
                raise ValueError(f"{name} has values from {Y.min()} to {Y.max()}, but rescaling them would not help. "
                                 + one_unit)
            raise ValueError(
                f"{name} has values from {Y.min()} to {Y.max()}, but the output activation "
                f"{type(self._layers[-1].activation).__name__} only produces values in [{low}, {high}]. "
                "Use a matching output activation or rescale/encode the targets."
            )
        # in the model's dtype: a target beyond its range (1e300 in float32) is an error, not inf (integer
        # targets, labels or one-hot rows of them, are within every float dtype's range but float16's)
        finite = given.dtype.kind == "f" or np.dtype(self.dtype).itemsize < 4
        return check_array(Y, name=name, ndim=None, dtype=self.dtype, allow_empty=True, finite=finite)

    def _position_targets(self, Y, out, name):
        """Targets of outputs ``(n, *out)`` of several axes, prepared as the loss prepares rows: as
        Keras, the loss and the metrics read each position ``(n, ..., k)`` as one row of ``k``."""
        if isinstance(self.loss, _EMBEDDING_LOSSES):  # (before the targets' shape: its labels are (n,), not positions)
            raise ValueError(f"Loss {self.loss.name!r} takes one embedding per sample, outputs of shape (n, n_dims), "
                             "and one integer label per sample, y of shape (n,), as Keras's Circle; the model's "
                             f"outputs have shape (n, {', '.join(map(str, out))}). Add a Flatten (or a global "
                             "pooling) layer before the output layer, so that each sample has one embedding.")
        sparse = isinstance(self.loss, losses.SparseCategoricalCrossentropy)
        want = out[:-1] if sparse else out
        labels = Y[..., 0] if sparse and Y.shape[1:] == (*want, 1) else Y
        if not sparse and out[-1] == 1 and Y.shape[1:] == out[:-1]:
            # one target per position (n, T) for outputs (n, T, 1), as (n,) for (n, 1) and as Keras lines them up
            labels = Y[..., None]
        if labels.shape[1:] != want:
            what = "integer labels" if sparse else "targets"
            # targets of one row per sample: most likely a forgotten Flatten (images into Dense)
            hint = ("" if Y.ndim > 2 else " For one output per sample, add a Flatten layer before the first Dense "
                    "(Dense acts on the last axis of each sample, as Keras's).")
            if sparse and Y.shape[1:] == out:  # one-hot rows given for labels
                hint = self.loss._rows_hint(name)
            raise ValueError(f"{name}: the model's outputs have shape (n, {', '.join(map(str, out))}), so loss "
                             f"{self.loss.name!r} takes {what} of shape (n, {', '.join(map(str, want))}). "
                             f"Received shape {Y.shape}.{hint}")
        rows = labels.reshape(-1) if sparse else labels.reshape(-1, out[-1])
        return self._prepare_targets(rows, out[-1], name).reshape(Y.shape[0], *out)

    def _prepare_targets(self, Y, n_outputs, name):
        """The loss's ``prepare_targets``; a sparse loss one-hot encodes the labels straight into the model's
        dtype (a float64 one-hot, then its float32 copy, peaked at 3× the n × k kept, hscale s57); a subclass's
        own prepare_targets is called as the protocol has it, without the dtype."""
        if type(self.loss).prepare_targets is losses.SparseCategoricalCrossentropy.prepare_targets:
            return self.loss.prepare_targets(Y, n_outputs, name=name, dtype=self.dtype)
        return self.loss.prepare_targets(Y, n_outputs, name=name)

    @contextlib.contextmanager
    def _keeping_target_encoding(self):
        """Within the block, evaluate's targets set what its metrics see of them, and after it
        fit's are as they were: a callback that evaluates inside fit (on a held-out part, on
        labels of one class) changed how fit's metrics read the next batches' targets."""
        kept = getattr(self, "_target_encoding", None)
        try:
            yield
        finally:
            self._target_encoding = kept

    def _metric_targets(self, Y):
        """The targets as the caller gave them, for the metrics (as Keras's metrics see
        them): ``(for glassnet's own metrics, for the others)``.

        The loss may train on an encoding of them: 0/1 labels as −1/+1 for the hinge-type
        losses (every metric gets the 0/1 labels back), integer labels as one-hot rows for
        ``sparse_categorical_crossentropy`` (glassnet's metrics read the one-hot rows, a
        function or ``Metric`` subclass of the user's gets the labels)."""
        encoding = getattr(self, "_target_encoding", None)
        if encoding is None:
            return Y, Y
        if encoding == "binary":
            Y = (Y + 1) * 0.5
            return Y, Y
        labels = Y.argmax(axis=-1)
        ignored = getattr(self.loss, "ignore_class", None)
        if ignored is not None and not 0 <= ignored < Y.shape[-1]:  # the zero rows of the ignored labels
            labels = np.where(Y.any(axis=-1), labels, ignored)
        return Y, labels if encoding == "labels" else labels[..., None]

    def _check_sample_weight(self, sample_weight, n, name="sample_weight"):
        if sample_weight is None:
            return None
        # Keras's per-output forms of the one output, as y's (_given_targets): [sw], (sw,), {output name: sw}
        # (a dict of other keys, {0: 1.0}, is no name of an output: said not to be an array, as before)
        if isinstance(sample_weight, dict) and sample_weight and all(isinstance(k, str) for k in sample_weight):
            output, last = self._output_names()
            sample_weight = self._named(sample_weight, name, output, "output", last)
        sample_weight = _one_batch(sample_weight, 1, n)
        if (isinstance(sample_weight, (list, tuple)) and len(sample_weight) not in (1, n)
                and all(getattr(item, "ndim", 0) >= 1 for item in sample_weight)):  # arrays, not rows of numbers
            raise ValueError(f"{name} has {len(sample_weight)} arrays, one per output (Keras's per-output list), but "
                             "glassnet models have one output: pass its weights, the array itself.")
        w = on_host(sample_weight, name)
        if not hasattr(w, "ndim") or hasattr(w, "columns"):  # a list (its shape says what it weighs, as an array's),
            w = check_array(w, name=name, ndim=None, dtype=self.dtype)  # a DataFrame (a column of weights, as Keras)
        if w.ndim == 2 and w.shape[1] == 1:
            w = w[:, 0]  # a column of weights, as Keras accepts
        positions = tuple(self._layers[-1].output_shape)[:-1] if self.built else ()
        if positions and w.ndim > 1:  # one weight per position of outputs (n, m, k): Keras's "temporal"
            w = check_array(w, name=name, ndim=None, dtype=self.dtype)
            if w.shape == (n, *positions, 1):
                w = w[..., 0]  # a trailing 1, as Keras squeezes it (as (n, 1) is a column of per-sample weights)
            if w.shape != (n, *positions):
                raise ValueError(f"{name} must have one weight per sample ({n},) or one per position "
                                 f"{(n, *positions)}. Received shape {w.shape}.")
        else:
            w = check_array(w, name=name, ndim=1, dtype=self.dtype)
        if w.shape[0] != n:
            raise ValueError(f"{name} must have one weight per sample ({n}). Received {w.shape[0]}.")
        # (finite, as check_array reads them; negative weights are taken, as Keras's: Σ w_i J_i / n holds
        # for any sign, and REINFORCE trains with fit(x, actions, sample_weight=advantages))
        return w

    def _check_namespace(self):
        """A built model's arrays belong to the namespace it was built in (SPEC A12)
        (and its layers to this model again, when another model shares them)."""
        self._first_use()
        self._claim_if_rebound()
        name, device = getattr(self, "_namespace", ("numpy", None))
        active = (backend.namespace_name(), backend.namespace_device())
        if self.built and (name, device) != active:
            call = repr(name.split(".")[-1]) + ("" if device is None else f", device={device!r}")
            raise ValueError(
                f"This model was built with the array namespace {_where(name, device)}, but {_where(*active)} is "
                f"active: call glassnet.backend.set_namespace({call}) first, or rebuild it in the active "
                f"namespace (glassnet.models.clone_model)."
            )

    def _require_built(self, what):
        if not self.built:
            raise ValueError(f"{what}() needs a built model: call fit(), predict() or build(input_shape) first.")

    def _require_compiled(self, what):
        if not self.compiled:
            # a Keras custom loop keeps its loss_fn apart and never compiles; here gradients differentiates compile's
            hint = (" gradients differentiates the compiled loss: model.compile(loss=loss_fn) is enough (your "
                    "optimizer's apply_gradients does the step)." if what == "gradients" else "")
            raise ValueError(f"You must call compile() before {what}(): the model has no loss or optimizer yet.{hint}")

    def _prepare_xy(self, x, y, sample_weight=None, names=("x", "y"), what="fit"):
        self._require_compiled(what)
        self._check_namespace()
        self._ensure_built()  # so that x is checked against the declared input size
        X = self._check_x(x, names[0], sparse=what in ("fit", "evaluate"))
        if what == "fit" and "_input_columns" not in self.__dict__ and hasattr(x, "columns") and hasattr(x, "dtypes"):
            columns = list(x.columns)  # (kept in memory, for predict's DataFrames: _check_columns; not saved)
            # (names that are all text and unique: duplicates cannot be reordered by name)
            self._input_columns = (columns if all(isinstance(label, str) for label in columns)
                                   and len(set(columns)) == len(columns) else None)
        if not self.built:
            self.build((None, *X.shape[1:]))
        if not self.metrics and (self._metric_ids or getattr(self, "_weighted_metric_ids", None)):
            self._resolve_metrics()
        if y is None:  # evaluate(x), an autoencoder's fit(x)
            same = self.built and tuple(self._layers[-1].output_shape) == tuple(X.shape[1:])
            raise TypeError(f"{names[1]} must be an array-like of numbers. Received: {names[1]}=None. {what}() needs "
                            f"the targets that loss {self.loss.name!r} compares the outputs with: {what}(x, y)"
                            + (f"; an autoencoder's targets are its inputs: {what}(x, x)." if same else "."))
        y = self._given_targets(y, names[1], X.shape[0])
        check_consistent_length(**{names[0]: X, names[1]: y})
        Y = self._check_y(y, X.shape[0], names[1], scoring=what == "evaluate")
        if names[1] == "y" and what in ("fit", "evaluate", "train_on_batch"):  # (not validation data)
            self._warn_if_accuracy_misses_signed_labels(y)
        if names[1] == "y" and what in ("fit", "evaluate"):
            self._warn_if_accuracy_reads_multilabel_rows(Y)
        return X, Y, self._check_sample_weight(sample_weight, X.shape[0])

    def _warn_if_accuracy_reads_multilabel_rows(self, Y):
        """``metrics=["accuracy"]`` on several units under binary cross-entropy is categorical accuracy (as Keras
        resolves it): multi-label targets (a row with no 1 or several) are read by their argmax, their first 1,
        which is no class, and nothing says so. Warned of, the values kept as Keras's."""
        if getattr(self.loss, "name", None) not in ("binary_crossentropy", "binary_focal_crossentropy"):
            return
        names = [m.name for m in self.metrics if isinstance(m, metrics.CategoricalAccuracy)
                 and m.name.lower() in ("accuracy", "acc")]
        if names and Y.ndim == 2 and Y.shape[1] > 1 and (np.abs(Y.sum(axis=1) - 1) > 1e-3).any():
            warnings.warn(f"Metric {names[0]!r} of {Y.shape[1]} output units is categorical accuracy (as Keras's: "
                          "the argmax of each row of y against that of the outputs), but rows of y hold no 1 or "
                          "several (multi-label targets), whose argmax is no class: for the share of labels right, "
                          "compile with metrics=['binary_accuracy'].", UserWarning, stacklevel=user_stacklevel())

    def _warn_if_accuracy_misses_signed_labels(self, y):
        """-1/+1 labels (Keras's Hinge docs ask for them) under a hinge-type loss, with a binary accuracy: the
        metric compares 0/1 predictions with the labels as given, so a -1 never counts (a perfect classifier
        scores 0.5, in Keras too). 0/1 labels train the same (the loss reads them as -1/+1) and count right."""
        if not isinstance(self.loss, losses._SignedLabelLoss) or getattr(self, "_target_encoding", None) is not None:
            return  # (0/1 labels: "binary", the metrics get them back)
        names = [metric.name for metric in self.metrics if isinstance(metric, metrics.BinaryAccuracy)]
        if names and (y == -1).any():
            warnings.warn(f"Metric {names[0]!r} compares 0/1 predictions with the targets as given, and y holds -1 "
                          "labels, which it never counts as right (a perfect classifier scores 0.5 on balanced "
                          f"classes). Pass 0/1 labels: loss {self.loss.name!r} reads them as -1/+1 and trains the "
                          "same.", UserWarning, stacklevel=user_stacklevel())

    def _stream(self, x, y, sample_weight, batch_size, steps):
        """``x`` of evaluate/predict as a :class:`~glassnet.models.streams.Stream`, the arguments
        that only arrays take refused (as Keras)."""
        what = streams.kind(x)
        for name, value, holds in (("y", y, "targets"), ("sample_weight", sample_weight, "sample weights")):
            if value is not None:
                raise ValueError(f"x is {what}, whose batches give their {holds}: pass {name}=None (as Keras).")
        if batch_size is not None:  # Keras ignores it, as fit does (it was refused here, and warned of there)
            warnings.warn(f"batch_size={batch_size!r} is ignored: x is {what}, which makes its own batches.",
                          UserWarning, stacklevel=user_stacklevel())  # at the caller of evaluate or predict
        if steps is not None:
            check_positive_int(steps, "steps")
        stream = streams.Stream(x, "x")
        if stream.indexed and stream.length is None and steps is None:
            raise ValueError("x is a PyDataset without end (num_batches is None): give steps, the batches to read.")
        return stream



def _arrays_per_io(data, rank, rows=None):
    """The number of arrays in Keras's list of one per input or output, ``fit([x1, x2], y)``,
    ``fit(x, [y1, y2])``: a list (or tuple) of two or more whole batches, arrays of at least ``rank`` axes
    (not rows of numbers, nor one sample per array: given the ``rows`` of x, not that many); else 0."""
    if not isinstance(data, (list, tuple)) or len(data) < 2 or len(data) == rows:
        return 0
    shapes = [tuple(getattr(item, "shape", ())) for item in data]  # (given rows, each array has that many)
    return len(data) if all(len(s) >= rank and (rows is None or s[0] == rows) for s in shapes) else 0


def _one_batch(data, rank, rows=None):
    """Keras's list (or tuple) of one array for the model's one input or output: ``predict([x])``,
    ``fit(x, [y])``. Unwrapped where its array is a whole batch: an array (not a nested list of numbers,
    which is data: ``predict([[0, 1]])`` is one sample) of at least ``rank`` axes (a sample's plus the
    batch's; ``predict([x[0]])`` stays one sample) and, given the ``rows`` of x, as many rows (more than one:
    ``[y]`` of a single sample reads the same either way)."""
    if not (isinstance(data, (list, tuple)) and len(data) == 1):
        return data
    (array,) = data
    shape = getattr(array, "shape", None)
    if isinstance(array, (list, tuple)) or shape is None or len(shape) < rank:
        return data
    if rows is not None and (rows == 1 or shape[0] != rows):
        return data
    return array


def _holds_text(y):
    """Whether ``y`` (an array, a list, a pandas Series) holds text: class names."""
    try:
        values = np.asarray(y)
    except Exception:  # noqa: BLE001 -- (ragged: not text that could be encoded)
        return False
    return values.dtype.kind in "US" or values.dtype == object and isinstance(next(iter(values.flat), None), str)


def _shapes_hint(name, shape, sample):
    """The rest of the message for ``name`` of ``shape`` where the model takes samples of shape ``sample``:
    both full shapes, and the mistakes that give them (one sample without its batch axis; the number of
    samples put in the Input's shape)."""
    text = f": {name} has shape {shape}, where the model takes (n, {', '.join(map(str, sample))})."
    if len(sample) > 1 and len(shape) == len(sample) and shape[1:] == sample[1:]:
        if shape == sample:  # predict(x[0]) of Input((28, 28)); or Input(shape=(64, 4)) for x of 64 rows
            text += f" If {name} is one sample, give it its batch axis: {name}[np.newaxis]. If it holds {shape[0]} samples,"
        else:
            text += f" If {name} holds {shape[0]} samples,"
        text += f" the Input's shape is one sample's, without the number of samples: Input(shape={shape[1:]})."
    elif len(shape) == 2 and sample == shape[:1]:  # fit(X.T, T.T) with one sample per column, MATLAB's and R's layout
        text += (f" {name}.T has that shape: glassnet takes one sample per row (MATLAB and R put samples in "
                 f"columns).")
    return text


def _where(namespace, device):
    return namespace if device is None else f"{namespace} on device {device!r}"
