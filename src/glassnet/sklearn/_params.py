"""The estimators' hyperparameters, checked at fit time as scikit-learn does."""

import numbers

import numpy as np
from sklearn.utils._param_validation import InvalidParameterError

from .. import activations, optimizers
from .._validation import check_array, check_bool, check_choice, check_number, check_positive_int, is_one_of
from ..dtype_policies import policy_name

_SOLVERS = ("lbfgs", "sgd", "adam")
_SCHEDULES = ("constant", "invscaling", "adaptive")


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
        # a ValueError listing the names a hidden layer takes (not glu or threshold, which no name can give one)
        activations.get_by_name_for_layer(name, "activation")
    return names


def _is_logistic(name):
    """Whether ``name`` gives the logistic function, whose initial weights scikit-learn draws
    within √(2/(fan_in + fan_out)), not √6: as the registry reads it ("Logistic", "SIGMOID" too)."""
    return type(activations.get(name)) is activations.Sigmoid


def _check_hyperparameters(est):
    """Validate every hyperparameter of ``est``; return the hidden layer sizes.

    A bad value raises scikit-learn's ``InvalidParameterError``, which is both a
    ``ValueError`` and a ``TypeError`` as scikit-learn's own estimators raise, so
    ``except ValueError`` catches a wrong type too."""
    try:
        est._check_own_hyperparameters()
        return _check_all(est)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(str(exc)) from None


def _check_all(est):
    hidden = _hidden_sizes(est.hidden_layer_sizes)
    _hidden_activations(est.activation, len(hidden))
    check_choice(est.solver, "solver", _SOLVERS)
    check_number(est.alpha, "alpha", low=0)
    if not is_one_of(est.batch_size, ("auto",)):
        check_positive_int(est.batch_size, "batch_size")
    check_choice(est.learning_rate, "learning_rate", _SCHEDULES)
    check_number(est.learning_rate_init, "learning_rate_init", low=0, low_open=True)
    check_number(est.power_t, "power_t", low=0)
    check_positive_int(est.max_iter, "max_iter")
    for name in ("shuffle", "warm_start", "nesterovs_momentum", "early_stopping", "batch_norm"):
        check_bool(getattr(est, name), name)
    check_number(est.tol, "tol", low=0)
    check_number(est.momentum, "momentum", low=0, high=1)
    check_number(est.validation_fraction, "validation_fraction", low=0, high=1, high_open=True)
    check_number(est.beta_1, "beta_1", low=0, high=1, high_open=True)
    check_number(est.beta_2, "beta_2", low=0, high=1, high_open=True)
    check_number(est.epsilon, "epsilon", low=0, low_open=True)
    if not (isinstance(est.n_iter_no_change, numbers.Real) and est.n_iter_no_change == np.inf):
        check_positive_int(est.n_iter_no_change, "n_iter_no_change")
    check_positive_int(est.max_fun, "max_fun")
    if not (est.random_state is None or isinstance(est.random_state, np.random.RandomState)
            or isinstance(est.random_state, numbers.Integral) and not isinstance(est.random_state, bool)
            and 0 <= est.random_state < 2**32):
        raise ValueError(f"random_state must be None, an int in [0, 2**32) or a numpy RandomState. "
                         f"Received: random_state={est.random_state!r}")
    if not isinstance(est.verbose, (bool, np.bool_)) and not (isinstance(est.verbose, numbers.Integral)
                                                               and est.verbose >= 0):
        raise ValueError(f"verbose must be True, False or a non-negative int. Received: verbose={est.verbose!r}")
    rate = check_number(est.dropout, "dropout", low=0, high=1, high_open=True)
    if rate and est.solver == "lbfgs":
        raise ValueError(
            "dropout needs a stochastic solver ('sgd' or 'adam'); solver='lbfgs' needs a deterministic loss."
        )
    if est.optimizer is not None:
        if not isinstance(est.optimizer, str):
            raise TypeError(
                f"optimizer must be a glassnet optimizer name or None. Received: optimizer={est.optimizer!r}"
            )
        optimizers.get(est.optimizer)  # raises ValueError listing the names
        if est.solver == "lbfgs":
            raise ValueError(
                f"optimizer={est.optimizer!r} replaces a stochastic solver; it cannot be used with solver='lbfgs'."
            )
    if est.dtype is not None:
        try:  # backend's message would list float16, which the estimators do not train in; a mixed policy keeps
            name = policy_name(est.dtype)  # its name (standardize_dtype read it as float32, with Keras's warning)
        except ValueError:
            name = None
        if name not in ("float32", "float64"):
            raise ValueError(f"dtype must be None, 'float32' or 'float64'. Received: dtype={est.dtype!r}")
    if not (isinstance(est.jit_compile, (bool, np.bool_)) or isinstance(est.jit_compile, str) and est.jit_compile == "auto"):
        raise ValueError(f"jit_compile must be True, False or 'auto'. Received: jit_compile={est.jit_compile!r}")
    return hidden


def _check_sample_weight(sample_weight, n):
    """``sample_weight`` as a float64 vector of ``n`` finite weights (None stays None).

    As scikit-learn's MLP (``_check_sample_weight`` without ``ensure_non_negative``), negative
    weights are taken: the objective ``Σ w_i L_i / Σ w_i`` holds for any sign. Weights that are
    all 0 are refused, as scikit-learn refuses them."""
    if sample_weight is None:
        return None
    if isinstance(sample_weight, numbers.Number):
        sample_weight = np.full(n, sample_weight, dtype=np.float64)
    w = check_array(sample_weight, "sample_weight", ndim=1, dtype=np.float64, allow_empty=True)
    if w.shape != (n,):
        raise ValueError(f"sample_weight.shape == {w.shape}, expected {(n,)}!")
    if not (w != 0).any():  # (not w.sum(), which overflows for weights near 1e308)
        raise ValueError("sample_weight must hold at least one nonzero weight; every weight is 0.")
    return w
