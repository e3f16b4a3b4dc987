"""Adaline (Widrow–Hoff): a linear neuron trained by the delta rule (SPEC C2).

With the identity activation the delta rule Δw = η [t − f(net)] f'(net) x
becomes the LMS rule Δw = η (t − net) x, gradient descent on
E = ½ Σ (t − net)². Targets are ±1 and the class is the sign of net.
"""

import warnings

import numpy as np

from .._estimator import BaseEstimator, ClassifierMixin, check_classification_y, check_is_fitted, check_X, _named_init
from .._validation import check_bool, check_choice, check_number, check_positive_int
from ..models.divergence import user_stacklevel
from .perceptron import Perceptron, encode_bipolar_targets, net_input, too_large_error, train_neuron

__all__ = ["Adaline"]


class _Continued:
    """η(t + n) of the function η: partial_fit's count goes on from ``t``. Its repr is η's, so that
    train_neuron's messages (learning_rate=...) name the user's function."""

    def __init__(self, rate, t):
        self.rate, self.t = rate, t

    def __call__(self, n):
        return self.rate(self.t + n)

    def __repr__(self):
        return repr(self.rate)


class Adaline(ClassifierMixin, BaseEstimator):
    """Adaptive linear neuron trained with the delta (LMS) rule.

    Parameters
    ----------
    learning_rate : float, "auto" or callable
        η > 0, or a function ``n -> η(n)`` of the 0-based update count (per sample
        online, per epoch in batch mode), as :func:`~glassnet.classic.train_neuron` takes it:
        Haykin's annealed LMS ``lambda n: 0.01 / (1 + n / 100)``. An error that rises
        steadily with η past the bound below gives a ``LossRiseWarning`` that names it.
        Online updates stay bounded for η < 2/max‖x̃‖² and batch updates
        (summed over the samples) for η < 2/λ_max(X̃ᵀX̃), x̃ = (1, x).
        ``"auto"`` takes 1/max‖x̃‖² (online) or 1/Σ‖x̃‖² (batch), safe for
        any scale of X (the value used is ``learning_rate_``). Safe is not
        fast: on features far from zero mean and unit variance (values near
        100, or scaled by 10⁶) the error surface is a long narrow valley and
        50 epochs move the weights little along it (a 2-feature problem that
        standardized reaches 98 % accuracy stays at 33–85 %). Standardize X
        first (:class:`glassnet.preprocessing.StandardScaler`, seed 004).
    max_epochs : int
    mode : {"online", "batch"}
        Update after every sample, or once per epoch with the summed Δw.
    shuffle : bool
        New random sample order each epoch (online).
    random_state : int, np.random.RandomState, np.random.Generator or None

    Attributes
    ----------
    weights_ : ndarray, shape (d + 1,) or (d + 1, n_classes)
        w = (w0, w1, ..., wd).
    coef_, intercept_ : ndarray
        The same weights in scikit-learn's layout.
    errors_ : ndarray, shape (max_epochs + 1,)
        E = ½ Σ (t − net)² before training and after each epoch.
    weights_history_ : ndarray
        The weights before training and after each epoch.
    t_ : int
        Updates made since the first call of fit or partial_fit (samples online, steps in batch
        mode): the n of the next η(n). scikit-learn's ``SGDClassifier.t_`` counts from 1 (a float, this + 1).
    """

    @_named_init
    def __init__(self, learning_rate="auto", max_epochs=50, mode="online", shuffle=False, random_state=None):
        self.learning_rate = learning_rate
        self.max_epochs = max_epochs
        self.mode = mode
        self.shuffle = shuffle
        self.random_state = random_state

    def fit(self, X, y):
        """Train on X (n, d) with class labels y (n,)."""
        check_positive_int(self.max_epochs, "max_epochs")
        check_choice(self.mode, "mode", ("online", "batch"))
        check_bool(self.shuffle, "shuffle")  # before the sorted-labels warning tests it
        # X keeps its dtype: train_neuron's bias column is the one float64 copy of the data
        X = check_X(X, "Adaline", dtype=None, fitted=self)
        self.learning_rate_ = self._rate(X)
        self.classes_, y_idx = check_classification_y(y, "Adaline", X.shape)
        self.n_features_in_ = X.shape[1]
        T = encode_bipolar_targets(y_idx, len(self.classes_))
        if self.mode == "online" and not self.shuffle and len(y_idx) >= 10 and \
                np.count_nonzero(y_idx[1:] != y_idx[:-1]) == len(self.classes_) - 1:
            warnings.warn(
                "y is sorted by class and shuffle=False: online updates then see one class after another, "
                "and each epoch ends tuned to the last class (standardized iris: accuracy 0.34, against 0.84 "
                "with shuffle=True). Pass shuffle=True, shuffle the samples, or use mode='batch'.",
                UserWarning, stacklevel=user_stacklevel(also=("sklearn",)))
        history = train_neuron(  # raises if the weights diverge
            X, T, rule="delta", activation="linear", learning_rate=self.learning_rate_,
            epochs=self.max_epochs, mode=self.mode, shuffle=self.shuffle,
            random_state=self.random_state,
        )
        self.t_ = self.max_epochs * (len(X) if self.mode == "online" else 1)
        return self._set_history(history)

    def _rate(self, X):
        """η: the number, the function, or "auto"'s value for X."""
        if isinstance(self.learning_rate, str) and self.learning_rate != "auto":
            raise TypeError(f"learning_rate must be a positive number or 'auto'. Received: "
                             f"learning_rate={self.learning_rate!r:.100}. A function n -> η(n) is taken too.")
        if isinstance(self.learning_rate, str):
            with np.errstate(over="ignore"):  # ‖(1, x)‖², in float64 blocks (no copy of X)
                sq_norms = 1.0 + np.concatenate(
                    [np.square(X[i : i + 8192], dtype=np.float64).sum(axis=1) for i in range(0, len(X), 8192)]
                )
            if not np.isfinite(sq_norms).all():
                raise too_large_error(X, 'learning_rate="auto": the squared norms ‖x‖²')
            return 1.0 / (sq_norms.max() if self.mode == "online" else sq_norms.sum())
        if callable(self.learning_rate):  # η(n), checked by train_neuron
            return self.learning_rate
        return check_number(self.learning_rate, "learning_rate", low=0, low_open=True)

    def partial_fit(self, X, y, classes=None):
        """One pass of the delta rule over X (n, d) with labels y (n,), from the current weights (0 at
        the first call; fit's after fit): learning from a stream of chunks, as Raschka's
        ``AdalineSGD.partial_fit`` and scikit-learn's ``SGDClassifier.partial_fit``. ``classes`` (all
        the labels) is required on the first call.

        Online: one update per sample, in X's order (a new random one with shuffle=True, as
        scikit-learn's); calls over consecutive chunks give the weights of one epoch over them all.
        Batch: one step with Δw summed over the given rows (mini-batch gradient descent, a step per call).
        A function η(n) goes on counting n across calls (``t_``); "auto" is taken from each call's X
        (online 1/max‖x̃‖²: a step of one sample is then normalized LMS). ``errors_`` and
        ``weights_history_`` describe this call.
        """
        check_choice(self.mode, "mode", ("online", "batch"))
        check_bool(self.shuffle, "shuffle")
        first = not hasattr(self, "classes_")
        X, y_idx, classes = Perceptron._partial_fit_data(self, X, y, classes)
        rate = self._rate(X)
        t = 0 if first else getattr(self, "t_", 0)
        W = None if first else np.reshape(self.weights_, (len(self.weights_), -1))
        history = train_neuron(  # raises if the weights diverge
            X, encode_bipolar_targets(y_idx, len(classes)), rule="delta", activation="linear",
            learning_rate=_Continued(rate, t) if callable(rate) else rate, epochs=1, mode=self.mode,
            weights=W, shuffle=self.shuffle, random_state=self.random_state,
        )
        self.classes_, self.n_features_in_, self.learning_rate_ = classes, X.shape[1], rate
        self.t_ = t + (len(X) if self.mode == "online" else 1)
        return self._set_history(history)

    def _set_history(self, history):
        W = history.weights[-1]
        self.weights_history_ = history.weights if W.shape[1] > 1 else history.weights[..., 0]
        self.errors_ = history.errors
        self.weights_ = W[:, 0].copy() if W.shape[1] == 1 else W.copy()
        self.coef_ = W[1:].T.copy()
        self.intercept_ = W[0].copy()
        return self

    def decision_function(self, X):
        """net = ⟨w, (1, x)⟩: shape (n,) for two classes, (n, n_classes) otherwise."""
        check_is_fitted(self, "weights_")
        X = check_X(X, "Adaline", reset_features=self.n_features_in_, estimator=self)
        net = net_input(X, self.coef_.T, self.intercept_)
        return net[:, 0] if net.shape[1] == 1 else net

    def predict(self, X):
        """The second class where net ≥ 0 (two classes); the largest net otherwise."""
        net = self.decision_function(X)
        if net.ndim == 1:
            return self.classes_[(net >= 0).astype(int)]
        return self.classes_[np.argmax(net, axis=1)]
