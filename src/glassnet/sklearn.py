"""scikit-learn estimators on glassnet's engine (SPEC B3): ``MLPClassifier``, ``MLPRegressor``.

Drop-in replacements for ``sklearn.neural_network.MLPClassifier`` and
``MLPRegressor``: the same parameter names, defaults and fitted attributes,
trained by glassnet's own :class:`~glassnet.models.Sequential` and training
loop (:func:`glassnet.models.training.fit`), never by a second loop. The
estimator holds the trained network in ``model_``.

The objective is scikit-learn's. For a batch of ``n_b`` samples

    J = (1/n_b) Σ_i L(y_i, ŷ_i) + (α / (2 n_b)) Σ_l ||W^(l)||²

with ``L`` the log-loss ``-Σ_k y_k log ŷ_k`` through a softmax (multiclass),
the binary log-loss summed over outputs through a logistic output (binary,
multilabel), or ``½ Σ_k (y_k - ŷ_k)²`` through the identity (regression);
``δ^(L) = ŷ - y`` in all three cases. The penalty ``α/(2 n_b)·||W||²`` is an
L2 ``kernel_regularizer`` whose factor follows the batch size. With
``sample_weight`` the weights are rescaled to mean 1 (exact for full batches,
see ``docs/sklearn.md``). Weights are initialised as scikit-learn does
(uniform in ``±sqrt(6 / (fan_in + fan_out))``, ``±sqrt(2 / ...)`` for
'logistic'), from the same ``random_state`` stream.

'sgd' is momentum/Nesterov SGD (``m ← μ m − η g``), 'adam' is Adam with
``ε`` outside the root, both glassnet optimizers with scikit-learn's
defaults; 'lbfgs' runs ``scipy.optimize.minimize(method="L-BFGS-B")`` on the
model's flat parameter vector with ``model.forward``/``backward``.

Importing this module imports scikit-learn; ``import glassnet`` does not.
"""

import io
import json
import numbers
import os
import tempfile
import warnings
import zipfile

import numpy as np

try:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import accuracy_score, r2_score
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import LabelBinarizer
    from sklearn.utils import check_random_state
    from sklearn.utils.metaestimators import available_if
    from sklearn.utils.multiclass import type_of_target, unique_labels
    from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "glassnet.sklearn requires scikit-learn >= 1.6: pip install glassnet[sklearn]"
    ) from exc

from . import activations, optimizers, regularizers
from ._estimator import BaseEstimator, ClassifierMixin, RegressorMixin
from ._io import atomic_write_bytes
from ._validation import check_array, check_number, check_positive_int
from .backend import standardize_dtype
from .callbacks import Callback
from .layers import Activation, BatchNormalization, Dense, Dropout
from .models import Sequential, load_model
from .models.training import predict_arrays

__all__ = ["MLPClassifier", "MLPRegressor"]

_SOLVERS = ("lbfgs", "sgd", "adam")
_SCHEDULES = ("constant", "invscaling", "adaptive")
#: scikit-learn's output activation names -> glassnet's
_OUTPUT_ACTIVATIONS = {"softmax": "softmax", "logistic": "sigmoid", "identity": "linear"}
_LOSSES = {"softmax": "categorical_crossentropy", "logistic": "binary_crossentropy", "identity": "squared_error"}
_META_NAME = "sklearn.json"
_META_FORMAT = "glassnet-sklearn"
_MAX_META_BYTES = 16 * 2**20


# -- hyperparameters --------------------------------------------------------------
def _check_bool(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False. Received: {name}={value!r}")
    return bool(value)


def _check_choice(value, name, choices):
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}. Received: {name}={value!r}")
    return value


def _hidden_sizes(hidden_layer_sizes):
    sizes = hidden_layer_sizes
    if isinstance(sizes, str) or not hasattr(sizes, "__iter__"):
        sizes = [sizes]
    return [check_positive_int(h, f"hidden_layer_sizes[{i}]") for i, h in enumerate(sizes)]


def _hidden_activations(activation, n_hidden):
    """One glassnet activation name per hidden layer (a name, or a list of them)."""
    if isinstance(activation, str):
        names = [activation] * n_hidden
    elif isinstance(activation, (list, tuple)):
        if len(activation) != n_hidden:
            raise ValueError(
                f"activation lists one name per hidden layer: expected {n_hidden}, "
                f"received {len(activation)} ({activation!r})."
            )
        names = list(activation)
    else:
        raise TypeError(f"activation must be a name or a list of names. Received: activation={activation!r}")
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"activation names must be strings. Received: {name!r}")
        activations.get(name)  # raises ValueError listing the valid names
    return names


def _is_logistic(name):
    return name in ("logistic", "sigmoid")


# -- the epoch hook: scikit-learn's bookkeeping around the engine's loop ----------------
class _EpochEnd(Callback):
    """After each epoch: ``loss_curve_``, ``t_``, early stopping on the validation
    score, the 'invscaling'/'adaptive' learning rates and the ``tol`` /
    ``n_iter_no_change`` stopping rule, exactly in scikit-learn's order."""

    def __init__(self, estimator, n_train, validation):
        super().__init__()
        self.estimator = estimator
        self.n_train = n_train
        self.validation = validation
        self.stopped = False

    def on_epoch_end(self, epoch, logs=None):
        est = self.estimator
        est.n_iter_ += 1
        est.loss_ = float(logs["loss"])
        est.t_ += self.n_train
        est.loss_curve_.append(est.loss_)
        if est.verbose:
            print(f"Iteration {est.n_iter_}, loss = {est.loss_:.8f}")
        if self.validation is not None:
            self._validate()
        else:
            est._update_best_loss()
        est._iteration_ends()
        if est._no_improvement_count > est.n_iter_no_change:
            what = "Validation score" if self.validation is not None else "Training loss"
            msg = f"{what} did not improve more than tol={est.tol:f} for {est.n_iter_no_change} consecutive epochs."
            if est._trigger_stopping(msg):
                self.stopped = True
                self.model.stop_training = True
            else:
                est._no_improvement_count = 0

    def _validate(self):
        est, model = self.estimator, self.model
        X_val, Y_val, y_val, w_val, v_val, mean_w = self.validation
        A = predict_arrays(model, X_val)
        score = est._score_outputs(A, y_val, w_val) if np.isfinite(A).all() else np.nan
        est.validation_scores_.append(score)
        penalty = est._penalty(X_val.shape[0] * mean_w)
        est.validation_loss_curve_.append(float(model.loss(Y_val, A, v_val)) + penalty)
        if est.verbose:
            print(f"Validation score: {score:f}")
        if score < est.best_validation_score_ + est.tol:
            est._no_improvement_count += 1
        else:
            est._no_improvement_count = 0
        if score > est.best_validation_score_:
            est.best_validation_score_ = score
            est._best_weights = model.get_weights()


class _EpochEndBatchAlpha(_EpochEnd):
    """Also sets the L2 factor ``α/(2 n_b)`` for the short last batch."""

    def __init__(self, estimator, n_train, validation, regularizer, l2_full, l2_last, last_step):
        super().__init__(estimator, n_train, validation)
        self.regularizer = regularizer
        self.l2_full, self.l2_last, self.last_step = l2_full, l2_last, last_step

    def on_train_batch_begin(self, batch, logs=None):
        self.regularizer.l2 = self.l2_last if batch == self.last_step else self.l2_full


class _BatchL2(regularizers.L2):
    """``l2 · Σ W²`` with gradient ``2 · l2 · W``: :class:`glassnet.regularizers.L2`
    computed with one temporary (it runs every step) and an ``l2`` that the
    estimator sets to ``α / (2 n_b)``. Installed only while training, so saved
    models and pickles never hold it."""

    def __call__(self, W):
        w = W.reshape(-1)
        return self.l2 * float(np.dot(w, w))

    def gradient(self, W):
        return W * (2.0 * self.l2)


# -- the shared estimator -----------------------------------------------------------
class _BaseMLP(BaseEstimator):
    """What MLPClassifier and MLPRegressor share (not for direct use)."""

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        dropout=0.0,
        batch_norm=False,
        optimizer=None,
        dtype=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.optimizer = optimizer
        self.dtype = dtype

    # -- checks ---------------------------------------------------------------------
    def _check_hyperparameters(self):
        """Validate every hyperparameter (at fit time, as scikit-learn does)."""
        hidden = _hidden_sizes(self.hidden_layer_sizes)
        _hidden_activations(self.activation, len(hidden))
        _check_choice(self.solver, "solver", _SOLVERS)
        check_number(self.alpha, "alpha", low=0)
        if self.batch_size != "auto":
            check_positive_int(self.batch_size, "batch_size")
        _check_choice(self.learning_rate, "learning_rate", _SCHEDULES)
        check_number(self.learning_rate_init, "learning_rate_init", low=0, low_open=True)
        check_number(self.power_t, "power_t", low=0)
        check_positive_int(self.max_iter, "max_iter")
        for name in ("shuffle", "warm_start", "nesterovs_momentum", "early_stopping", "batch_norm"):
            _check_bool(getattr(self, name), name)
        check_number(self.tol, "tol", low=0)
        check_number(self.momentum, "momentum", low=0, high=1)
        check_number(self.validation_fraction, "validation_fraction", low=0, high=1, high_open=True)
        check_number(self.beta_1, "beta_1", low=0, high=1, high_open=True)
        check_number(self.beta_2, "beta_2", low=0, high=1, high_open=True)
        check_number(self.epsilon, "epsilon", low=0, low_open=True)
        if self.n_iter_no_change != np.inf:
            check_positive_int(self.n_iter_no_change, "n_iter_no_change")
        check_positive_int(self.max_fun, "max_fun")
        rate = check_number(self.dropout, "dropout", low=0, high=1, high_open=True)
        if rate and self.solver == "lbfgs":
            raise ValueError(
                "dropout needs a stochastic solver ('sgd' or 'adam'); solver='lbfgs' needs a deterministic loss."
            )
        if self.optimizer is not None:
            if not isinstance(self.optimizer, str):
                raise TypeError(
                    f"optimizer must be a glassnet optimizer name or None. Received: optimizer={self.optimizer!r}"
                )
            optimizers.get(self.optimizer)  # raises ValueError listing the names
            if self.solver == "lbfgs":
                raise ValueError(
                    f"optimizer={self.optimizer!r} replaces a stochastic solver; it cannot be used with solver='lbfgs'."
                )
        if self.dtype is not None:
            standardize_dtype(self.dtype)
        return hidden

    def _check_sample_weight(self, sample_weight, n):
        if sample_weight is None:
            return None
        if isinstance(sample_weight, numbers.Number):
            sample_weight = np.full(n, sample_weight, dtype=np.float64)
        w = check_array(sample_weight, "sample_weight", ndim=1, dtype=np.float64, allow_empty=True)
        if w.shape != (n,):
            raise ValueError(f"sample_weight.shape == {w.shape}, expected {(n,)}!")
        if (w < 0).any():
            raise ValueError("sample_weight must be non-negative.")
        if not w.sum() > 0:
            raise ValueError("sample_weight must not sum to zero.")
        return w

    # -- building the network --------------------------------------------------------
    def _initialize(self, n_features, n_outputs, hidden, rs, dtype):
        """Create ``model_``: Dense layers initialised from ``rs`` as scikit-learn's."""
        self.n_iter_ = 0
        self.t_ = 0
        self.n_outputs_ = n_outputs
        self.n_layers_ = len(hidden) + 2
        self.out_activation_ = self._output_activation()
        acts = _hidden_activations(self.activation, len(hidden))
        if isinstance(self.activation, str):
            factors = [2.0 if _is_logistic(self.activation) else 6.0] * (len(hidden) + 1)
        else:
            factors = [2.0 if _is_logistic(a) else 6.0 for a in acts]
            factors.append(factors[-1] if factors else 6.0)
        units = [n_features, *hidden, n_outputs]
        init = []
        for fan_in, fan_out, factor in zip(units[:-1], units[1:], factors):
            bound = np.sqrt(factor / (fan_in + fan_out))
            W = rs.uniform(-bound, bound, (fan_in, fan_out))
            b = rs.uniform(-bound, bound, fan_out)
            init.append((W, b))
        rate = float(self.dropout)
        seeds = [int(rs.randint(np.iinfo(np.int32).max)) for _ in hidden] if rate else []

        model = Sequential(name=type(self).__name__.lower(), dtype=dtype, seed=0)
        for i, (size, act) in enumerate(zip(hidden, acts)):
            if self.batch_norm:
                model.add(Dense(size, None, kernel_initializer="zeros"))
                model.add(BatchNormalization())
                model.add(Activation(act))
            else:
                model.add(Dense(size, act, kernel_initializer="zeros"))
            if rate:
                model.add(Dropout(rate, seed=seeds[i]))
        model.add(Dense(n_outputs, _OUTPUT_ACTIVATIONS[self.out_activation_], kernel_initializer="zeros"))
        model.build((n_features,))
        for layer, (W, b) in zip(self._dense_layers(model), init):
            layer.params["W"][...] = W
            layer.params["b"][...] = b
        model.compile(optimizer="sgd", loss=_LOSSES[self.out_activation_])
        self.model_ = model
        self._optimizer_key = None

        self.loss_curve_ = []
        self._no_improvement_count = 0
        self.best_loss_ = None if self.early_stopping else np.inf
        self.validation_scores_ = [] if self.early_stopping else None
        self.best_validation_score_ = -np.inf if self.early_stopping else None
        self.validation_loss_curve_ = [] if self.early_stopping else None

    @staticmethod
    def _dense_layers(model):
        return [layer for layer in model.layers if isinstance(layer, Dense)]

    def _sync_views(self):
        """``coefs_``/``intercepts_`` are views into the model's flat parameters."""
        dense = self._dense_layers(self.model_)
        self.coefs_ = [layer.params["W"] for layer in dense]
        self.intercepts_ = [layer.params["b"] for layer in dense]

    def _install_alpha(self, reg):
        """Put one shared L2 regularizer on every Dense kernel (None removes it)."""
        for layer in self._dense_layers(self.model_):
            layer.kernel_regularizer = reg

    def _penalty(self, weight_sum):
        """``α/(2 Σw) Σ_l ||W^(l)||²`` (scikit-learn's penalty on a set of total weight Σw)."""
        if not self.alpha:
            return 0.0
        squares = sum(float(np.dot(W.ravel(), W.ravel())) for W in self.coefs_)
        return 0.5 * self.alpha * squares / weight_sum

    def _data_weights(self, w, n):
        """Sample weights for the engine, rescaled to mean 1, and their raw mean.

        The engine averages ``Σ w_i J_i / n``; scikit-learn divides by ``Σ w_i``.
        Rescaling to mean 1 makes the two equal on the whole set. Multilabel
        outputs are weighted by K, since the engine's binary cross-entropy is
        the mean over outputs and scikit-learn's the sum.
        """
        mean_w = 1.0 if w is None else float(w.mean())
        v = None if w is None else w / mean_w
        if self._multilabel_outputs():
            v = np.full(n, float(self.n_outputs_)) if v is None else v * self.n_outputs_
        if v is not None and np.all(v == 1.0):
            v = None
        return v, mean_w

    def _multilabel_outputs(self):
        return self.out_activation_ == "logistic" and self.n_outputs_ > 1

    def _new_optimizer(self):
        if self.optimizer is not None:
            opt = optimizers.get(self.optimizer)
            opt.learning_rate = self.learning_rate_init
            return opt
        if self.solver == "sgd":
            return optimizers.SGD(
                learning_rate=self.learning_rate_init,
                momentum=self.momentum,
                nesterov=bool(self.nesterovs_momentum and self.momentum > 0),
            )
        return optimizers.Adam(
            learning_rate=self.learning_rate_init, beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon
        )

    # -- scikit-learn's per-epoch rules ------------------------------------------------
    def _update_best_loss(self):
        if self.loss_curve_[-1] > self.best_loss_ - self.tol:
            self._no_improvement_count += 1
        else:
            self._no_improvement_count = 0
        if self.loss_curve_[-1] < self.best_loss_:
            self.best_loss_ = self.loss_curve_[-1]

    def _schedules_apply(self):
        return self.solver == "sgd"

    def _iteration_ends(self):
        """'invscaling': ``η = η₀ / (t + 1)^power_t`` with ``t`` the samples seen."""
        if self._schedules_apply() and self.learning_rate == "invscaling":
            self.model_.optimizer.learning_rate = float(self.learning_rate_init) / (self.t_ + 1) ** self.power_t

    def _trigger_stopping(self, msg):
        """Stop, or with 'adaptive' divide the learning rate by 5 (stop below 1e-6)."""
        opt = self.model_.optimizer
        if not (self._schedules_apply() and self.learning_rate == "adaptive"):
            if self.verbose:
                print(msg + " Stopping.")
            return True
        if opt.learning_rate <= 1e-6:
            if self.verbose:
                print(msg + " Learning rate too small. Stopping.")
            return True
        opt.learning_rate = opt.learning_rate / 5.0
        if self.verbose:
            print(msg + f" Setting learning rate to {opt.learning_rate:f}")
        return False

    # -- fitting --------------------------------------------------------------------------
    def _fit(self, X, y, sample_weight=None, incremental=False):
        hidden = self._check_hyperparameters()
        first_pass = not hasattr(self, "model_") or (not self.warm_start and not incremental)
        X, Y = self._validate_input(X, y, incremental, reset=first_pass)
        n, n_features = X.shape
        w = self._check_sample_weight(sample_weight, n)
        rs = check_random_state(self.random_state)
        if first_pass:
            if self.dtype is not None:
                dtype = standardize_dtype(self.dtype)
            else:
                dtype = "float32" if X.dtype == np.float32 else "float64"
            self._initialize(n_features, Y.shape[1], hidden, rs, dtype)
        elif Y.shape[1] != self.n_outputs_:
            raise ValueError(f"y has {Y.shape[1]} outputs, but the fitted network has {self.n_outputs_}.")
        self._sync_views()
        dtype = self.model_.dtype
        X, Y = X.astype(dtype, copy=False), Y.astype(dtype, copy=False)
        if self.solver == "lbfgs":
            self._fit_lbfgs(X, Y, w)
        else:
            self._fit_stochastic(X, Y, w, rs, incremental)
        if not np.isfinite(self.model_._flat_params).all():
            raise ValueError(
                "Solver produced non-finite parameter weights. The input data may contain "
                "large values and need to be preprocessed."
            )
        return self

    def _fit_stochastic(self, X, Y, w, rs, incremental):
        model = self.model_
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        key = (self.solver, self.optimizer)
        if not incremental or self._optimizer_key != key:
            model.compile(optimizer=self._new_optimizer(), loss=model.loss)
            self._optimizer_key = key
        # After an 'lbfgs' fit (warm start), or early_stopping switched on or off.
        if self.loss_curve_ is None:
            self.loss_curve_ = []
        if self.early_stopping and self.validation_scores_ is None:
            self.validation_scores_, self.validation_loss_curve_ = [], []
            self.best_validation_score_ = -np.inf
        if not self.early_stopping and self.best_loss_ is None:
            self.best_loss_ = np.inf

        validation = None
        if self.early_stopping:
            X, Y, w, validation = self._split_validation(X, Y, w, rs)
        n = X.shape[0]
        if self.shuffle:
            model.rng = np.random.default_rng(int(rs.randint(np.iinfo(np.int32).max)))
        if self.batch_size == "auto":
            batch_size = min(200, n)
        else:
            if self.batch_size > n:
                warnings.warn("Got `batch_size` less than 1 or larger than sample size. It is going to be clipped")
            batch_size = int(np.clip(self.batch_size, 1, n))
        v, mean_w = self._data_weights(w, n)

        reg = _BatchL2(0.5 * self.alpha / (batch_size * mean_w)) if self.alpha > 0 else None
        last = n % batch_size
        if reg is not None and last:
            callback = _EpochEndBatchAlpha(
                self, n, validation, reg, reg.l2, 0.5 * self.alpha / (last * mean_w), n // batch_size
            )
        else:
            callback = _EpochEnd(self, n, validation)

        self.n_iter_ = 0
        self._install_alpha(reg)
        try:
            model.fit(
                X, Y, batch_size=batch_size, epochs=1 if incremental else self.max_iter, verbose=0,
                callbacks=[callback], shuffle=self.shuffle, sample_weight=v,
            )
        finally:
            self._install_alpha(None)
        if not incremental and not callback.stopped and self.n_iter_ == self.max_iter:
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and the "
                "optimization hasn't converged yet.",
                ConvergenceWarning,
            )
        if self.early_stopping and getattr(self, "_best_weights", None) is not None:
            model.set_weights(self._best_weights)
            del self._best_weights

    def _split_validation(self, X, Y, w, rs):
        """scikit-learn's held-out set: ``train_test_split`` on the same random stream."""
        stratify = Y if (self._is_classifier and self.n_outputs_ == 1) else None
        arrays = (X, Y) if w is None else (X, Y, w)
        parts = train_test_split(*arrays, random_state=rs, test_size=self.validation_fraction, stratify=stratify)
        X_train, X_val, Y_train, Y_val = parts[:4]
        w_train, w_val = (parts[4], parts[5]) if w is not None else (None, None)
        if X_val.shape[0] < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' or the size of your dataset."
            )
        v_val, mean_val = self._data_weights(w_val, X_val.shape[0])
        return X_train, Y_train, w_train, (X_val, Y_val, self._decode(Y_val), w_val, v_val, mean_val)

    def _fit_lbfgs(self, X, Y, w):
        """Minimise ``J(w)`` with L-BFGS-B on the flat parameter vector."""
        import scipy.optimize

        model = self.model_
        n = X.shape[0]
        v, mean_w = self._data_weights(w, n)
        reg = _BatchL2(0.5 * self.alpha / (n * mean_w)) if self.alpha > 0 else None
        flat = model._flat_params

        def loss_and_gradient(theta):
            flat[...] = theta
            with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
                A = model.forward(X, training=True)
                J = model.compute_loss(Y, A, v)
                model.backward(Y, A, v)
            return J, model._flat_grads.astype(np.float64)

        curve = []

        def record(intermediate_result):
            curve.append(float(intermediate_result.fun))

        self._install_alpha(reg)
        try:
            result = scipy.optimize.minimize(
                loss_and_gradient,
                flat.astype(np.float64),
                method="L-BFGS-B",
                jac=True,
                options={"maxfun": self.max_fun, "maxiter": self.max_iter, "gtol": self.tol},
                callback=record,
            )
        finally:
            self._install_alpha(None)
        flat[...] = result.x
        self.n_iter_ = min(int(result.nit), self.max_iter)
        if result.status != 0:
            message = (
                f"lbfgs failed to converge after {self.n_iter_} iteration(s) (status={result.status}):\n"
                f"{result.message}\n"
            )
            if self.n_iter_ == self.max_iter:
                message += f"\nIncrease the number of iterations to improve the convergence (max_iter={self.max_iter})."
            warnings.warn(message, ConvergenceWarning)
        self.loss_ = float(result.fun)
        self.loss_curve_ = curve
        self.best_loss_ = None
        self.validation_scores_ = self.best_validation_score_ = self.validation_loss_curve_ = None

    def fit(self, X, y, sample_weight=None):
        """Fit the network to ``X`` (n_samples, n_features) and ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Class labels (classifier; a label-indicator matrix for multilabel)
            or real targets (regressor).
        sample_weight : array-like of shape (n_samples,), optional

        Returns
        -------
        self
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)

    def _stochastic(self):
        if self.solver not in ("sgd", "adam"):
            raise AttributeError(
                f"partial_fit is only available for stochastic optimizers. {self.solver} is not stochastic."
            )
        return True

    # -- prediction -----------------------------------------------------------------------
    def _forward(self, X):
        """``a^(L)`` for ``X`` in inference mode, shape (n_samples, n_outputs_)."""
        check_is_fitted(self, "model_")
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        return self.model_.predict(X)

    # -- pickling and files ---------------------------------------------------------------
    def __getstate__(self):
        state = dict(super().__getstate__())
        state.pop("coefs_", None)
        state.pop("intercepts_", None)
        if "model_" in state:
            state["model_"].release_caches(buffers=True)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        if "model_" in vars(self):
            # Unpickled layer arrays are copies: put them back into one flat vector.
            self.model_._bind_flat_buffers()
            self._sync_views()

    _FITTED = (
        "n_features_in_", "n_iter_", "t_", "n_layers_", "n_outputs_", "out_activation_", "loss_",
        "loss_curve_", "best_loss_", "validation_scores_", "best_validation_score_",
        "validation_loss_curve_", "_no_improvement_count",
    )

    def save(self, path):
        """Save the fitted estimator to one file in glassnet's safe model format.

        The file is the model file of ``model_.save`` (architecture, weights,
        optimizer state; never pickle) plus a member ``sklearn.json`` with the
        hyperparameters and fitted attributes. Written atomically.
        """
        check_is_fitted(self, "model_")
        meta = {
            "format": _META_FORMAT,
            "format_version": 1,
            "estimator": type(self).__name__,
            "params": {k: _to_json(v, k) for k, v in self.get_params(deep=False).items()},
            "fitted": {k: _to_json(getattr(self, k), k) for k in self._FITTED if hasattr(self, k)},
            "optimizer_key": list(self._optimizer_key) if self._optimizer_key else None,
        }
        if hasattr(self, "feature_names_in_"):
            meta["fitted"]["feature_names_in_"] = [str(s) for s in self.feature_names_in_]
        meta.update(self._extra_metadata())
        with tempfile.TemporaryDirectory(prefix="glassnet-") as folder:
            model_file = os.path.join(folder, "model.gn")
            self.model_.save(model_file)
            with open(model_file, "rb") as fh:
                buffer = io.BytesIO(fh.read())
        with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(_META_NAME, json.dumps(meta))
        atomic_write_bytes(path, buffer.getvalue())

    def _extra_metadata(self):
        return {}

    @classmethod
    def load(cls, path):
        """Load an estimator saved by :meth:`save` (no unpickling, no code from the file)."""
        path = os.fspath(path)
        model = load_model(path)
        with zipfile.ZipFile(path) as zf:
            try:
                info = zf.getinfo(_META_NAME)
            except KeyError:
                raise _load_error(
                    path, "it is a glassnet model without estimator metadata; use glassnet.models.load_model."
                ) from None
            if info.file_size > _MAX_META_BYTES:
                raise _load_error(path, f"{_META_NAME} is larger than {_MAX_META_BYTES} bytes.")
            with zf.open(info) as fh:
                raw = fh.read(_MAX_META_BYTES + 1)
        try:
            meta = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise _load_error(path, f"{_META_NAME} is not valid JSON ({exc}).") from None
        if not isinstance(meta, dict) or meta.get("format") != _META_FORMAT or meta.get("format_version") != 1:
            raise _load_error(path, f"{_META_NAME} is not glassnet estimator metadata (version 1).")
        if meta.get("estimator") != cls.__name__:
            raise _load_error(path, f"it holds a {meta.get('estimator')!r}, not a {cls.__name__}.")
        params, fitted = meta.get("params"), meta.get("fitted")
        if not isinstance(params, dict) or not isinstance(fitted, dict):
            raise _load_error(path, "params or fitted attributes are missing.")
        unknown = set(params) - set(cls._get_param_names())
        if unknown:
            raise _load_error(path, f"unknown parameters {sorted(unknown)}.")
        for key in ("hidden_layer_sizes", "activation"):
            if isinstance(params.get(key), list):
                params[key] = tuple(params[key])
        est = cls(**params)
        for key in cls._FITTED:
            if key in fitted:
                setattr(est, key, fitted[key])
        if "feature_names_in_" in fitted:
            est.feature_names_in_ = np.asarray(fitted["feature_names_in_"], dtype=object)
        key = meta.get("optimizer_key")
        est._optimizer_key = tuple(key) if isinstance(key, list) and len(key) == 2 else None
        est._restore_extra(meta, path)
        est.model_ = model
        est._sync_views()
        return est

    def _restore_extra(self, meta, path):
        pass


def _load_error(path, message):
    return ValueError(f"Cannot load estimator file {path!r}: {message}")


def _to_json(value, name):
    """A hyperparameter or fitted attribute as JSON (a RandomState is saved as None)."""
    if isinstance(value, np.random.RandomState):
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (tuple, list, np.ndarray)):
        return [_to_json(v, name) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"Cannot save {name}={value!r} in the estimator metadata (JSON only).")


def _classes_to_json(classes):
    classes = np.asarray(classes)
    if classes.dtype == object and not all(isinstance(c, str) for c in classes):
        raise TypeError("Only string, integer, float or boolean class labels can be saved.")
    dtype = classes.dtype.str if classes.dtype != object else "object"
    return {"dtype": dtype, "values": [_to_json(c, "classes_") for c in classes]}


def _classes_from_json(spec, path):
    try:
        dtype = np.dtype(spec["dtype"])
        if dtype.kind not in "biufUO" or not isinstance(spec["values"], list):
            raise ValueError
        if dtype.kind == "O" and not all(isinstance(c, str) for c in spec["values"]):
            raise ValueError
        return np.asarray(spec["values"], dtype=dtype)
    except (KeyError, TypeError, ValueError):
        raise _load_error(path, "the class labels are malformed.") from None


# -- the two estimators ------------------------------------------------------------------
class MLPClassifier(ClassifierMixin, _BaseMLP):
    """Multi-layer perceptron classifier (``sklearn.neural_network.MLPClassifier``
    on glassnet's engine).

    Output layer: softmax for more than two classes (loss ``-Σ_k y_k log ŷ_k``),
    one logistic unit for two classes and one per label for multilabel targets
    (binary log-loss summed over the labels); ``δ^(L) = ŷ - y``.

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(100,)
        Neurons of each hidden layer; ``()`` gives logistic regression.
    activation : str or tuple of str, default='relu'
        'identity', 'logistic', 'tanh', 'relu' or any glassnet activation
        name ('leaky_relu', 'elu', 'softplus', ...), or one name per hidden layer.
    solver : {'adam', 'sgd', 'lbfgs'}, default='adam'
    alpha : float, default=1e-4
        L2 strength: the loss gains ``α/(2 n_b) Σ ||W||²`` per batch of ``n_b``.
    batch_size : int or 'auto', default='auto'
        ``min(200, n_samples)`` when 'auto'; ignored by 'lbfgs'.
    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        Schedule for 'sgd': ``η₀ / (t+1)^power_t`` (t = samples seen) or ``η / 5``
        whenever the loss stalls for ``n_iter_no_change`` epochs.
    learning_rate_init, power_t, max_iter, shuffle, random_state, tol, verbose,
    warm_start, momentum, nesterovs_momentum, early_stopping, validation_fraction,
    beta_1, beta_2, epsilon, n_iter_no_change, max_fun
        As scikit-learn's, with its defaults.
    dropout : float, default=0.0
        glassnet extra: inverted-dropout rate after each hidden layer (stochastic solvers).
    batch_norm : bool, default=False
        glassnet extra: batch normalization between each hidden Dense and its activation.
    optimizer : str, optional
        glassnet extra: a glassnet optimizer name ('rmsprop', 'adagrad', ...)
        that replaces the update rule of 'sgd'/'adam', with ``learning_rate_init``.
    dtype : {None, 'float32', 'float64'}, default=None
        glassnet extra: precision of the network; None follows ``X`` as
        scikit-learn does (float32 stays float32, anything else is float64).

    Attributes
    ----------
    classes_, coefs_, intercepts_, n_iter_, loss_, loss_curve_, best_loss_,
    validation_scores_, best_validation_score_, t_, n_features_in_,
    feature_names_in_, n_layers_, n_outputs_, out_activation_
        As scikit-learn's (``coefs_[i]`` has shape (fan_in, fan_out) and is a
        view into the network's weights).
    validation_loss_curve_ : list of float or None
        The loss on the early-stopping validation set after each epoch.
    model_ : glassnet.models.Sequential
        The trained network.
    """

    _is_classifier = True

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        dropout=0.0,
        batch_norm=False,
        optimizer=None,
        dtype=None,
    ):
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes, activation=activation, solver=solver, alpha=alpha,
            batch_size=batch_size, learning_rate=learning_rate, learning_rate_init=learning_rate_init,
            power_t=power_t, max_iter=max_iter, shuffle=shuffle, random_state=random_state, tol=tol,
            verbose=verbose, warm_start=warm_start, momentum=momentum, nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping, validation_fraction=validation_fraction, beta_1=beta_1,
            beta_2=beta_2, epsilon=epsilon, n_iter_no_change=n_iter_no_change, max_fun=max_fun,
            dropout=dropout, batch_norm=batch_norm, optimizer=optimizer, dtype=dtype,
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags

    def _output_activation(self):
        return "softmax" if self._label_binarizer.y_type_ == "multiclass" else "logistic"

    def _validate_input(self, X, y, incremental, reset):
        """scikit-learn's rules for classes under fit / warm_start / partial_fit."""
        X, y = validate_data(self, X, y, multi_output=True, dtype=(np.float64, np.float32), reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if not hasattr(self, "classes_") or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer()
            self._label_binarizer.fit(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            classes = unique_labels(y)
            if self.warm_start:
                if set(classes) != set(self.classes_):
                    raise ValueError(
                        "warm_start can only be used where `y` has the same classes as in the previous "
                        f"call to fit. Previously got {self.classes_}, `y` has {classes}"
                    )
            elif len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
                raise ValueError(
                    f"`y` has classes not in `self.classes_`. `self.classes_` has {self.classes_}. 'y' has {classes}."
                )
        Y = self._label_binarizer.transform(y).astype(X.dtype)
        return X, Y

    def _decode(self, A):
        """Labels from outputs: argmax (softmax) or ``ŷ >= 0.5`` (logistic units)."""
        if self.n_outputs_ == 1:
            A = A.ravel()
        return self._label_binarizer.inverse_transform(A)

    def _score_outputs(self, A, y, sample_weight):
        return accuracy_score(y, self._decode(A), sample_weight=sample_weight)

    @available_if(_BaseMLP._stochastic)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """One epoch over ``(X, y)``; ``classes`` (all labels) is required on the first call.

        Calling it N times (``shuffle=False``) trains exactly as ``fit`` with ``max_iter=N``.
        """
        if classes is not None:
            classes = unique_labels(classes)
            if hasattr(self, "classes_") and not np.array_equal(self.classes_, classes):
                raise ValueError(
                    f"`classes={classes}` is not the same as on the first call to partial_fit, "
                    f"which was {self.classes_}."
                )
        first_call = not hasattr(self, "classes_")
        if first_call:
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit.")
            self.classes_ = classes
            self._label_binarizer = LabelBinarizer()
            if type_of_target(y).startswith("multilabel"):
                self._label_binarizer.fit(y)
            else:
                self._label_binarizer.fit(classes)
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def predict(self, X):
        """Predicted class labels, shape (n_samples,) or (n_samples, n_labels) for multilabel."""
        return self._decode(self._forward(X))

    def predict_proba(self, X):
        """Class probabilities ``ŷ``, shape (n_samples, n_classes) (two columns for binary)."""
        A = self._forward(X)
        if self.n_outputs_ == 1:
            p = A.ravel()
            return np.vstack([1 - p, p]).T
        return A

    def predict_log_proba(self, X):
        """``log`` of :meth:`predict_proba`."""
        P = self.predict_proba(X)
        with np.errstate(divide="ignore"):
            return np.log(P, out=P)

    def _extra_metadata(self):
        lb = self._label_binarizer
        return {
            "classes": _classes_to_json(self.classes_),
            "label_binarizer": {"y_type": lb.y_type_, "classes": _classes_to_json(lb.classes_)},
        }

    def _restore_extra(self, meta, path):
        spec = meta.get("label_binarizer")
        if not isinstance(spec, dict) or spec.get("y_type") not in ("binary", "multiclass", "multilabel-indicator"):
            raise _load_error(path, "the label encoding is malformed.")
        self.classes_ = _classes_from_json(meta.get("classes"), path)
        lb = LabelBinarizer()
        lb.classes_ = _classes_from_json(spec.get("classes"), path)
        lb.y_type_ = spec["y_type"]
        lb.sparse_input_ = False
        self._label_binarizer = lb


class MLPRegressor(RegressorMixin, _BaseMLP):
    """Multi-layer perceptron regressor (``sklearn.neural_network.MLPRegressor``
    on glassnet's engine): identity output, loss ``½ Σ_k (y_k - ŷ_k)²`` per
    sample, ``δ^(L) = ŷ - y``.

    Parameters are :class:`MLPClassifier`'s, plus ``loss='squared_error'``
    (scikit-learn's 'poisson' loss needs an exponential output and a Poisson
    loss, which glassnet's engine does not have yet).
    """

    _is_classifier = False

    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        dropout=0.0,
        batch_norm=False,
        optimizer=None,
        dtype=None,
    ):
        self.loss = loss
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes, activation=activation, solver=solver, alpha=alpha,
            batch_size=batch_size, learning_rate=learning_rate, learning_rate_init=learning_rate_init,
            power_t=power_t, max_iter=max_iter, shuffle=shuffle, random_state=random_state, tol=tol,
            verbose=verbose, warm_start=warm_start, momentum=momentum, nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping, validation_fraction=validation_fraction, beta_1=beta_1,
            beta_2=beta_2, epsilon=epsilon, n_iter_no_change=n_iter_no_change, max_fun=max_fun,
            dropout=dropout, batch_norm=batch_norm, optimizer=optimizer, dtype=dtype,
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _check_hyperparameters(self):
        if self.loss == "poisson":
            raise ValueError(
                "loss='poisson' is not supported yet: glassnet has no exponential output activation "
                "and Poisson loss. Use loss='squared_error'."
            )
        _check_choice(self.loss, "loss", ("squared_error",))
        return super()._check_hyperparameters()

    def _output_activation(self):
        return "identity"

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True, dtype=(np.float64, np.float32), reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        return X, Y.astype(X.dtype, copy=False)

    def _decode(self, A):
        return A.ravel() if A.shape[1] == 1 else A

    def _score_outputs(self, A, y, sample_weight):
        return r2_score(y, self._decode(A), sample_weight=sample_weight)

    @available_if(_BaseMLP._stochastic)
    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over ``(X, y)``, continuing from the current weights."""
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def predict(self, X):
        """Predicted targets, shape (n_samples,) or (n_samples, n_outputs)."""
        return self._decode(self._forward(X))
