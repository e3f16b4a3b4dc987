"""What MLPClassifier and MLPRegressor share: parameters, the network, ``fit``, prediction.

``fit`` checks the hyperparameters (:mod:`._params`), builds ``model_`` (a
:class:`~glassnet.models.Sequential` of Dense layers initialised as
scikit-learn's, uniform in ``±sqrt(6 / (fan_in + fan_out))``, ``±sqrt(2 / ...)``
for 'logistic', from the same ``random_state`` stream) and hands it to a solver
(:mod:`._solvers`). ``coefs_``/``intercepts_`` are views into its weights; assigning them
copies into the network.
"""

import io
import pickle
from contextlib import contextmanager

import numpy as np
from sklearn import get_config
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from .._estimator import BaseEstimator, _named_init
from .._validation import check_array, check_sparse, is_sparse, refuse_stream, sized_by
from .. import activations, backend, losses
from ..backend import standardize_dtype
from ..layers import Activation, BatchNormalization, Dense, Dropout
from ..models import Sequential
from ..models.inference import predict_arrays
from ._files import _load, _save
from ._objective import _batch_l2, _data_weights, _refuse_zero_sum, _scikit_loss
from ._params import _check_hyperparameters, _check_sample_weight, _hidden_activations, _is_logistic
from ._solvers import _fit_lbfgs, _fit_stochastic, _keeps_optimizer, _new_optimizer, _split_validation

#: sparse X is taken as CSR rows, which the first Dense multiplies (every solver; lbfgs: the whole set at once)
_SPARSE = ("csr", "csc", "coo")

#: scikit-learn's output activation names -> glassnet's
_OUTPUT_ACTIVATIONS = {"softmax": "softmax", "logistic": "sigmoid", "identity": "linear", "exp": "exponential"}
_LOSSES = {"softmax": "categorical_crossentropy", "logistic": "binary_crossentropy", "identity": "squared_error",
           "exp": "poisson"}  # (MLPRegressor(loss='poisson') trains on scikit-learn's: _objective._ScikitPoisson)


class _LayerArrays(list):
    """``coefs_`` or ``intercepts_``: views of the network's weights, one per layer, in one list
    while the network is the same (``clf.coefs_ is clf.coefs_``, as scikit-learn's). Assigning an
    item (or the whole list) copies the values into the network, checked for the shape it has."""

    def __init__(self, views, name):
        super().__init__(views)
        self._name = name

    def __setitem__(self, index, value):
        if isinstance(index, slice):
            targets = list(range(len(self)))[index]
            values = list(value) if not isinstance(value, np.ndarray) else [value]
            if len(values) != len(targets):
                raise ValueError(f"{self._name} must be a list of {len(targets)} arrays, one per layer (the "
                                 f"network's architecture is fixed at fit). Received {len(values)}.")
            for i, v in zip(targets, values):
                self[i] = v
            return
        view = self[index]
        name = f"{self._name}[{index}]"
        array = check_array(value, name, ndim=view.ndim, dtype=np.float64)
        if array.shape != view.shape:
            raise ValueError(f"{name} must have shape {view.shape}, the network's (its architecture is fixed at "
                             f"fit). Received shape {array.shape}.")
        view[...] = array

    def __reduce_ex__(self, protocol):
        # A copy or pickle is scikit-learn's plain list: one made as a _LayerArrays kept its
        # __setitem__, so copy.copy(clf.coefs_)[0] = W wrote W into the network, and a pickled
        # clf.coefs_ needed glassnet's private class to load.
        return list, (list(self),)

    def _refuse_resizing(self, *args, **kwargs):
        # (the network keeps its layers: an array appended, removed or moved would change the list alone,
        # which then described another network than the one predict computes with)
        raise ValueError(f"{self._name} holds one array per layer of the network, whose architecture is fixed at "
                         "fit: its arrays cannot be added, removed or reordered. Assign arrays to its items (or "
                         "the whole list) instead.")

    append = extend = insert = pop = remove = clear = sort = reverse = _refuse_resizing
    __delitem__ = __iadd__ = __imul__ = _refuse_resizing


class _Pickler(pickle.Pickler):
    """Pickles an estimator's state without the arrays of ``model`` that loading rebuilds: the layers'
    gradients and the optimizer's scratch arrays, each written as ``np.zeros`` of its shape (the model's
    own ``__getstate__`` leaves out its flat vectors). The weights and the optimizer's state (Adam's
    moments, SGD's momentum) are kept: ``partial_fit`` and ``warm_start`` go on after loading as without
    pickling."""

    def __init__(self, file, model):
        super().__init__(file, protocol=5)
        optimizer = getattr(model, "optimizer", None)
        scratch = [getattr(optimizer, name, None) for name in ("_tmp", "_tmp2", "_step")]
        grads = [g for layer in model.layers for g in layer.grads.values()]
        rebuilt = [*grads, *scratch]
        self._rebuilt = {id(a): a for a in rebuilt if isinstance(a, np.ndarray)}

    def reducer_override(self, obj):
        if self._rebuilt.get(id(obj)) is obj:
            return np.zeros, (obj.shape, obj.dtype)
        return NotImplemented


def _weights_property(key, name):
    """``coefs_`` (key "W") or ``intercepts_`` ("b") of the Dense layers, as :class:`_LayerArrays`."""
    def get(self):
        return self._layer_arrays(key, name)

    def set(self, values):
        self._layer_arrays(key, name, setting=True)[:] = values

    return property(get, set)


def _in_dtype(X, dtype, name, finite=True):
    """``X`` (checked by scikit-learn: finite, float) in the network's ``dtype``; values beyond
    that dtype's range (float64 data for a float32 network) are named, not turned into inf.
    ``finite=False`` (scikit-learn's ``assume_finite``): converted without looking at the values."""
    if X.dtype == dtype:
        return X
    if not finite:
        with np.errstate(over="ignore"):
            return X.astype(dtype)
    return check_sparse(X, name, dtype) if is_sparse(X) else check_array(X, name, ndim=2, dtype=dtype)


def _refuse_non_finite(X):
    """``X`` to train on, under scikit-learn's ``assume_finite=True``, which skips its check of ``X``:
    refused if it holds NaN or inf, on which a network learns nothing. scikit-learn's MLP trains on
    to NaN weights and raises "Solver produced non-finite parameter weights" after ``max_iter``
    epochs ('sgd', 'adam'), or keeps its initial weights with ``loss_`` NaN and a
    ConvergenceWarning ('lbfgs'); glassnet raises before training, for every solver."""
    values = X.data if is_sparse(X) else X
    if not np.isfinite(values).all():
        kind = "NaN" if np.isnan(values).any() else "infinity"
        raise ValueError(
            f"Input X contains {kind}. scikit-learn's assume_finite=True skips its check of X, but the network "
            "cannot be trained on such values (its weights would all become NaN): remove or impute them first "
            "(predict takes them under assume_finite=True: their rows give NaN outputs, as scikit-learn's).")


@contextmanager
def _as_it_was_on_error(est, state):
    """Put back the attributes ``state`` (``vars(est)`` before) if the block raises: validating
    the input sets ``classes_`` and ``n_features_in_``, and a refit refused for its input left them
    the refused data's beside the network of the last fit, which then predicted with a raw
    LabelBinarizer error or refused the features it was trained on."""
    try:
        yield
    except BaseException:
        vars(est).clear()
        vars(est).update(state)
        raise


def _loss_for(out_activation, dtype):
    """The network's loss: scikit-learn's log-loss clips probabilities at the dtype's
    machine epsilon (2.2e-16 in float64), not at Keras's 1e-7, which capped a sample's
    loss near 16 and shifted loss_curve_ and lbfgs's line search."""
    loss = losses.get(_LOSSES[out_activation])
    if hasattr(loss, "epsilon"):
        loss.epsilon = float(np.finfo(dtype).eps)
    return loss


class _BaseMLP(BaseEstimator):
    """What MLPClassifier and MLPRegressor share (not for direct use)."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True  # as scikit-learn's MLP: sparse X (CSR, CSC, COO)
        return tags

    @_named_init
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
        jit_compile=False,
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
        self.jit_compile = jit_compile

    # -- checks ---------------------------------------------------------------------
    def _check_hyperparameters(self):
        """Validate every hyperparameter (at fit time, as scikit-learn does)."""
        return _check_hyperparameters(self)

    def _apply_activation(self):
        """Give the hidden layers the current ``activation``: scikit-learn reads it at every
        forward pass, so ``set_params(activation=...)`` acts on ``warm_start``/``partial_fit``.
        The layers that carry it are read from the network (fixed at fit), not from ``batch_norm``."""
        normalized = any(isinstance(layer, BatchNormalization) for layer in self.model_.layers)
        carriers = [layer for layer in self.model_.layers[:-1]
                    if isinstance(layer, Activation) or isinstance(layer, Dense) and not normalized]
        for layer, name in zip(carriers, _hidden_activations(self.activation, len(carriers))):
            if layer.activation.name != activations.get(name).name:
                layer.activation = activations.get(name)

    def _check_own_hyperparameters(self):
        """The checks of a subclass's own parameters (MLPRegressor's ``loss``)."""

    def set_params(self, **params):
        """scikit-learn's ``set_params``; ``optimizer__<name>`` (skorch's spelling) is refused with the
        parameters that set the optimizer (scikit-learn's reached into the name: "'str' object has no
        attribute 'set_params'")."""
        nested = next((key for key in params if key.startswith("optimizer__")), None)
        if nested is not None:
            raise ValueError(
                f"Invalid parameter {nested!r} for {type(self).__name__}: optimizer is a name, with no parameters "
                "of its own. Set the update rule with the estimator's own learning_rate_init=, momentum= and "
                "nesterovs_momentum= (SGD), beta_1=, beta_2= and epsilon= (Adam and its family).")
        return super().set_params(**params)

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
        model.compile(optimizer="sgd", loss=_loss_for(self.out_activation_, model.dtype))
        self.model_ = model
        vars(self).pop("_layer_lists", None)  # the last network's coefs_/intercepts_, which kept its weights alive
        if self.early_stopping and self.solver != "lbfgs":
            # what early stopping restores if no epoch scores above -inf (every validation score NaN:
            # outputs overflowed), as scikit-learn's _best_coefs, a copy of the initial weights; it
            # kept the last epoch's, which predicted only inf and NaN
            self._best_weights = model.get_weights()
        self._optimizer_key = None
        self._schedule = None  # (learning_rate, learning_rate_init, power_t) of 'sgd''s optimizer, when made

        self.loss_curve_ = []
        self._no_improvement_count = 0
        self.best_loss_ = None if self.early_stopping else np.inf
        self.validation_scores_ = [] if self.early_stopping else None
        self.best_validation_score_ = -np.inf if self.early_stopping else None
        self.validation_loss_curve_ = [] if self.early_stopping else None

    def _follow_early_stopping(self):
        """A ``warm_start`` fit after ``set_params(early_stopping=...)`` changed it: the other mode's records
        are those of a fresh fit of this mode (None), not the earlier fit's, which described other weights
        (scikit-learn's fit fails there: 'NoneType' object has no attribute 'append')."""
        if self.solver == "lbfgs" or not hasattr(self, "loss_curve_"):  # (L-BFGS keeps no such records)
            return
        stopping = self.early_stopping
        if stopping == (getattr(self, "validation_scores_", None) is not None):
            return
        if stopping:
            self.best_loss_ = None
            self.validation_scores_, self.best_validation_score_, self.validation_loss_curve_ = [], -np.inf, []
        else:
            self.validation_scores_ = self.best_validation_score_ = self.validation_loss_curve_ = None
            self.best_loss_ = min(self.loss_curve_, default=np.inf)
        self._no_improvement_count = 0  # (the other mode's count: the next fit stopped after 2 epochs)

    @staticmethod
    def _dense_layers(model):
        return [layer for layer in model.layers if isinstance(layer, Dense)]

    # ``coefs_``/``intercepts_`` are views into the model's flat parameters, which predict reads:
    # assigning them (the list, or one of its arrays) copies the values into the network, so that
    # the scikit-learn idiom ``clf.coefs_ = other.coefs_`` is not silently ignored.
    coefs_ = _weights_property("W", "coefs_")
    intercepts_ = _weights_property("b", "intercepts_")

    def _layer_arrays(self, key, name, setting=False):
        """The list of the network's ``key`` arrays: one list object while they are the network's, as
        scikit-learn's attribute (``clf.coefs_ is clf.coefs_``; a list held is the estimator's until a
        fit builds a new network), made anew where a fit or a load replaced them."""
        if "model_" not in vars(self):  # unfitted: hasattr() is False, as scikit-learn's
            if setting:
                raise AttributeError(f"{name} can be set once the estimator is fitted: the network it sets the "
                                     "weights of is built by fit (fit with max_iter=1 first).")
            raise AttributeError(f"{type(self).__name__} has no attribute {name!r} before fit.")
        arrays = [layer.params[key] for layer in self._dense_layers(self.model_)]
        lists = vars(self).setdefault("_layer_lists", {})
        held = lists.get(key)
        if held is None or len(held) != len(arrays) or any(a is not b for a, b in zip(held, arrays)):
            held = lists[key] = _LayerArrays(arrays, name)
        return held

    def _install_alpha(self, reg):
        """Put one shared L2 regularizer on every Dense kernel (None removes it)."""
        for layer in self._dense_layers(self.model_):
            layer.kernel_regularizer = reg

    # -- fitting --------------------------------------------------------------------------
    def _fit(self, X, y, sample_weight=None, incremental=False, state=None):
        # scikit-learn's contract: coefs_ and intercepts_ are NumPy arrays (views of the
        # model's weights here), so the estimators compute with NumPy whatever the
        # namespace glassnet.backend has active.
        state = dict(vars(self)) if state is None else state  # (partial_fit's: before it took classes)
        with backend.namespace("numpy"):
            return self._fit_numpy(X, y, sample_weight, incremental, state)

    def _fit_numpy(self, X, y, sample_weight, incremental, state):
        with _as_it_was_on_error(self, state):
            hidden = self._check_hyperparameters()
            if incremental and self.early_stopping:
                raise ValueError("partial_fit does not support early_stopping=True")
            first_pass = not hasattr(self, "model_") or (not self.warm_start and not incremental)
            X, Y = self._validate_input(X, y, incremental, reset=first_pass)
            if get_config()["assume_finite"]:  # (else validate_data refused them, with scikit-learn's message)
                _refuse_non_finite(X)
            w = _check_sample_weight(sample_weight, X.shape[0])
            if self.solver == "lbfgs":  # (its one batch; the stochastic solvers check each batch's sum)
                _refuse_zero_sum(w, "the training set (L-BFGS's one batch)")
            if first_pass:
                if self.dtype is not None:
                    dtype = standardize_dtype(self.dtype)
                else:
                    dtype = "float32" if X.dtype == np.float32 else "float64"
            elif Y.shape[1] != self.n_outputs_:
                raise ValueError(f"y has {Y.shape[1]} outputs, but the fitted network has {self.n_outputs_}.")
            elif self._output_activation() != self.out_activation_:  # (MLPRegressor's loss, set after fit)
                raise ValueError(f"loss={self.loss!r} needs the output activation {self._output_activation()!r}, "
                                 f"but the fitted network has {self.out_activation_!r}: fit with warm_start=False.")
            else:
                dtype = self.model_.dtype
            X, Y_network = _in_dtype(X, dtype, "X"), _in_dtype(Y, dtype, "y")  # (names values beyond dtype)
            rs = check_random_state(self.random_state)
            if first_pass:  # a new model_: the fitted one is put back if the split below is refused
                # (NumPy's MemoryError "Unable to allocate 21.8 TiB" named no argument)
                with sized_by(f"hidden_layer_sizes={self.hidden_layer_sizes!r:.100} for {X.shape[1]} features"):
                    self._initialize(X.shape[1], Y.shape[1], hidden, rs, dtype)
            # Held out here, not in the training loop, so that a data set too small to validate is
            # refused before the fitted network changes; after the initial weights, as scikit-learn
            # draws the split from the same random stream.
            validation = None
            if self.early_stopping and self.solver != "lbfgs":
                X, Y_network, w, validation = _split_validation(self, X, Y_network, w, rs)
        if not first_pass:
            self._apply_activation()
            if not incremental:
                self._follow_early_stopping()
        if self.solver == "lbfgs":
            # the loss L-BFGS reads takes float64 targets in float64, as scikit-learn's does with float32 X:
            # rounded to float32, targets from 2**28 hid every change of ŷ below their spacing, and
            # L-BFGS stopped at its first iteration with the initial loss, reporting convergence
            _fit_lbfgs(self, X, Y if Y.dtype.itemsize > Y_network.dtype.itemsize else Y_network, w)
        else:
            _fit_stochastic(self, X, Y_network, w, rs, incremental, validation)
        if not incremental and not self.warm_start:  # (partial_fit and warm_start reuse them at their next call)
            self._release_scratch()
        if not np.isfinite(self.model_._flat_params).all():
            raise ValueError(
                "Solver produced non-finite parameter weights. The input data may contain "
                "large values and need to be preprocessed."
            )
        return self

    def _release_scratch(self):
        """After a fit that is not to be continued (``warm_start=False``: the next fit builds a new network):
        drop the arrays a training step remakes, the layers' forward/backward and regularizer buffers and the
        optimizer's second scratch vector (a fitted (256, 256) network held 3.7 MB of them beside its 0.64 MB
        of weights: 5 such estimators took 35 MB, scikit-learn's 13 MB). What ``partial_fit`` goes on from
        stays: the weights and the optimizer's state (Adam's moments, SGD's momentum), so it continues bitwise
        as before. Kept after ``partial_fit`` and warm-started fits, whose next call reuses them (remade at
        each call, they made a loop of partial_fit on 200 rows 1.5x slower)."""
        self.model_.release_caches(buffers=True)
        self.model_.optimizer._release_scratch()

    def fit(self, X, y, sample_weight=None):
        """Fit the network to ``X`` (n_samples, n_features) and ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Class labels (classifier; a label-indicator matrix for multilabel)
            or real targets (regressor).
        sample_weight : array-like of shape (n_samples,), optional
            Finite weights of any sign, as scikit-learn's (each batch's loss divides
            by its ``Σ w_i``, which must not be 0); not all 0.

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
        computed = self._dense_layers(self.model_)[-1].activation.name
        if _OUTPUT_ACTIVATIONS.get(self.out_activation_) != computed:  # scikit-learn would compute with it
            raise ValueError(f"out_activation_ was set to {self.out_activation_!r}, but the network computes "
                             f"{computed!r}: glassnet's estimators predict with model_, whose output activation "
                             "is fixed at fit.")
        refuse_stream(X, "X")  # (scikit-learn: "float() argument must be ... not 'generator'")
        # dtype "numeric", as scikit-learn's predict: X keeps its own precision (float16, bool, ints), which
        # the outputs' dtype follows below (converted to float64 here, it made float64 outputs of them)
        X = validate_data(self, X, reset=False, dtype="numeric", accept_sparse=_SPARSE)
        # checked as scikit-learn checks it (validate_data, which sklearn.set_config(assume_finite=True)
        # tells not to look for NaN or inf): the network's own check of X, model_.predict's, refused
        # them even then, where scikit-learn's MLP gives NaN outputs for their rows
        X_network = _in_dtype(X, self.model_.dtype, "X", finite=not get_config()["assume_finite"])
        with backend.namespace("numpy"):
            self.model_._check_namespace()  # (what model_.predict does before it computes, but check X)
            A = predict_arrays(self.model_, X_network.tocsr() if is_sparse(X_network) else X_network)
        if self.dtype is not None:  # glassnet's dtype= extra: the network's precision, outputs included
            return A
        # as scikit-learn's X @ coefs_: NumPy's promotion of X's dtype (as given) and the network's, so a
        # float32 network gives float32 for float16, bool, int8 and uint8 X and float64 for float64, int32, int64
        return A.astype(np.result_type(X.dtype, A.dtype), copy=False)

    def trace(self, X, y, sample_weight=None):
        """The solver's next step on the mini-batch ``(X, y)``, shown in the lectures' notation.

        :func:`glassnet.trace.trace` on ``model_`` with scikit-learn's objective, as
        ``fit`` trains on a mini-batch of these rows: the loss
        ``Σ_i w_i L_i / Σ_i w_i`` plus the penalty ``α/(2 Σ_i w_i) Σ_l ||W^(l)||²``
        (``w_i = 1`` without ``sample_weight``; the penalty's share is the batch's, so
        it depends on ``len(X)``), every ``a``, ``z``, ``δ`` and gradient, and the
        update the solver ('sgd' or 'adam', in its current state) would make.
        Nothing changes: ``partial_fit(X, y)`` with ``batch_size=len(X)`` and
        ``shuffle=False`` takes that step (as it, with the current ``activation`` and the
        optimizer of the last fit, whatever ``set_params`` changed since, ``solver``
        included, as scikit-learn's; after an 'lbfgs' fit, a new one for ``solver``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            A few rows (the tables print every one).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Their labels (classifier: among ``classes_``) or targets.
        sample_weight : array-like of shape (n_samples,), optional

        Returns
        -------
        glassnet.trace.Trace
            ``print(clf.trace(X, y))`` shows the tables.
        """
        check_is_fitted(self, "model_")
        self._check_hyperparameters()  # as partial_fit: set_params(alpha=-1) is refused, not traced
        if self.solver == "lbfgs":
            raise ValueError(
                "trace shows one step of a stochastic solver ('sgd' or 'adam'); solver='lbfgs' moves every "
                "weight at once, by a line search on the whole training set. Fit with solver='sgd' or 'adam' "
                "to trace a step (model_.gradients(X, Y) gives the gradient).")
        X, Y = self._validate_input(X, y, incremental=True, reset=False, subset=True)
        if Y.shape[1] != self.n_outputs_:
            raise ValueError(f"y has {Y.shape[1]} outputs, but the fitted network has {self.n_outputs_}.")
        dtype = self.model_.dtype
        X, Y = _in_dtype(X, dtype, "X"), _in_dtype(Y, dtype, "y")
        if is_sparse(X):  # the trace holds every row's arrays densely anyway
            X = X.toarray()
        n = X.shape[0]
        w = _check_sample_weight(sample_weight, n)
        _refuse_zero_sum(w, f"the traced batch of {n} samples")
        v, mean_w = _data_weights(self, w, n)
        model = self.model_
        # as partial_fit: the current activation (set_params), and the optimizer of the last fit, or a new
        # one after 'lbfgs' (which made none); both put back after
        activations_before = [(layer, layer.activation) for layer in model.layers if hasattr(layer, "activation")]
        optimizer_before = model.optimizer
        try:
            self._apply_activation()
            if not _keeps_optimizer(self):
                model.optimizer = _new_optimizer(self)
            self._install_alpha(_batch_l2(self, n, mean_w))
            with backend.namespace("numpy"), _scikit_loss(self):
                return model.trace(X, Y, sample_weight=v)
        finally:
            self._install_alpha(None)
            model.optimizer = optimizer_before
            for layer, activation in activations_before:
                layer.activation = activation

    # -- pickling and files ---------------------------------------------------------------
    def __getstate__(self):
        state = dict(super().__getstate__())
        state.pop("_layer_lists", None)  # views of this network's arrays: the unpickled one makes its own
        if "model_" not in state:
            return state
        state["model_"].release_caches(buffers=True)
        # Pickled as it is, the state held the weights 7 times with 'adam' (scikit-learn's: 4): see _Pickler
        file = io.BytesIO()
        try:
            _Pickler(file, state["model_"]).dump(state)
        except (pickle.PicklingError, TypeError, AttributeError):  # (an attribute set to a lambda: cloudpickle,
            return state                                             # as Dask's and loky's, takes the plain state)
        return {"_packed_state": file.getvalue()}

    def __setstate__(self, state):
        if "_packed_state" in state:
            state = pickle.loads(state["_packed_state"])
        super().__setstate__(state)
        if "model_" in vars(self):
            # Unpickled layer arrays are copies: put them back into one flat vector.
            self.model_._bind_flat_buffers()

    def save(self, path, overwrite=None):
        """Save the fitted estimator to one file in glassnet's safe model format.

        The file is the model file of ``model_.save`` (architecture, weights,
        optimizer state; never pickle) plus a member ``sklearn.json`` with the
        hyperparameters and fitted attributes. Written atomically.
        ``overwrite`` (as ``glassnet.onnx.export``'s): None replaces an existing
        glassnet model or estimator file (or an empty file) and refuses any other,
        such as a data file, with a FileExistsError; True replaces any file, False none.
        """
        _save(self, path, overwrite)

    def _extra_metadata(self):
        return {}

    @classmethod
    def load(cls, path):
        """Load an estimator saved by :meth:`save` (no unpickling, no code from the file)."""
        with backend.namespace("numpy"):
            return _load(cls, path)

    def _restore_extra(self, meta, path):
        pass
