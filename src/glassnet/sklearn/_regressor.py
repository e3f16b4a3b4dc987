"""``MLPRegressor``: scikit-learn's multi-layer perceptron regressor on glassnet's engine."""

import numpy as np
from sklearn.metrics import r2_score
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import column_or_1d, validate_data

from .._estimator import RegressorMixin
from ._base import _SPARSE, _BaseMLP, _named_init
from .._validation import check_array, check_choice, refuse_stream


class MLPRegressor(RegressorMixin, _BaseMLP):
    """Multi-layer perceptron regressor (``sklearn.neural_network.MLPRegressor``
    on glassnet's engine): identity output, loss ``½ Σ_k (y_k - ŷ_k)²`` per
    sample, ``δ^(L) = ŷ - y``.

    Parameters are :class:`MLPClassifier`'s, plus ``loss``: 'squared_error', or
    'poisson' for counts ``y >= 0``: exponential output ``ŷ = e^z``, scikit-learn's
    half Poisson deviance ``Σ_k (y_k log(y_k/ŷ_k) − y_k + ŷ_k)`` per sample, again
    ``δ^(L) = ŷ - y`` (``model_`` is compiled with Keras's ``poisson`` loss).
    """

    _is_classifier = False

    @_named_init
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
        jit_compile=False,
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
            jit_compile=jit_compile,
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        # (as scikit-learn's PoissonRegressor: check_estimator then gives counts, not targets it refuses)
        tags.target_tags.positive_only = self.loss == "poisson"
        return tags

    def _check_own_hyperparameters(self):
        check_choice(self.loss, "loss", ("squared_error", "poisson"))

    def _output_activation(self):
        return "exp" if self.loss == "poisson" else "identity"

    def _validate_input(self, X, y, incremental, reset, subset=False):
        refuse_stream(X, "X")  # (scikit-learn: "float() argument must be ... not 'generator'")
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True, dtype=(np.float64, np.float32), reset=reset,
                             accept_sparse=_SPARSE)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        # a sparse y (lbfgs: a raw LinAlgError) and text (a raw NumPy error) are named; y keeps its
        # precision until fit casts it to the network's (a float64 network on float32 X trained on
        # targets rounded to float32), which names values beyond float32 (were inf: a NaN loss_)
        Y = check_array(Y, "y")
        if self.loss == "poisson" and Y.size and Y.min() < 0:  # (scikit-learn trains to a NaN loss_)
            raise ValueError(f"loss='poisson' needs counts y >= 0 (its log-likelihood is unbounded below for "
                             f"negative y). Received y down to {Y.min()}.")
        return X, Y

    def _decode(self, A):
        return A.ravel() if A.shape[1] == 1 else A

    def _score_predictions(self, y_pred, y, sample_weight):
        return r2_score(y, y_pred, sample_weight=sample_weight)

    @available_if(_BaseMLP._stochastic)
    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over ``(X, y)``, continuing from the current weights."""
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def predict(self, X):
        """Predicted targets, shape (n_samples,) or (n_samples, n_outputs)."""
        return self._decode(self._forward(X))
