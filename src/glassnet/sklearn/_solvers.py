"""The solvers: 'sgd'/'adam' through the engine's training loop, 'lbfgs' through SciPy.

'sgd' is momentum/Nesterov SGD (``m ← μ m − η g``), 'adam' is Adam with
``ε`` outside the root, both glassnet optimizers with scikit-learn's
defaults, run by :meth:`glassnet.models.Sequential.fit` with the epoch hook
of :mod:`._epochs`. 'lbfgs' minimises ``J(θ)`` with
``scipy.optimize.minimize(method="L-BFGS-B")`` on the model's flat parameter
vector ``θ``, with ``model.forward``/``backward`` for ``J`` and ``∇J``.
"""

import inspect
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from .. import backend, optimizers
from .._validation import is_sparse
from ..layers import BatchNormalization, Dropout
from ..models.divergence import DivergenceWarning, NonFinitePenaltyError
from ..models.inference import takes_sparse
from ._epochs import _EpochEnd, _EpochEndBatchAlpha
from ._objective import _batch_l2, _batch_weight_sums, _data_weights, _refuse_zero_sum, _scikit_loss


#: scikit-learn's settings of its solvers' update rules, as the optimizers name them: 'sgd''s and 'adam''s
_UPDATE_SETTINGS = {"momentum": "momentum", "nesterovs_momentum": "nesterov",
                    "beta_1": "beta_1", "beta_2": "beta_2", "epsilon": "epsilon"}


def _named_optimizer(est):
    """``optimizer=``'s optimizer with the settings of ``_UPDATE_SETTINGS`` it takes: SGD (whichever name)
    and Adam take them all, at their defaults too, so that optimizer='sgd' or 'adam' trains as that solver;
    another takes those set away from the default (its own default otherwise). A setting away from the
    default that the optimizer does not take is warned of."""
    opt = optimizers.get(est.optimizer)
    takes = inspect.signature(type(opt)).parameters
    defaults = inspect.signature(type(est)).parameters
    settings, ignored = {}, []
    for name, keyword in _UPDATE_SETTINGS.items():
        value, default = getattr(est, name), defaults[name].default
        if keyword in takes and (type(opt) in (optimizers.SGD, optimizers.Adam) or value != default):
            settings[keyword] = value
        elif value != default:
            ignored.append(f"{name}={value!r}")
    if ignored:
        warnings.warn(f"{type(est).__name__}'s {', '.join(ignored)}: not used by optimizer={est.optimizer!r} "
                      f"({type(opt).__name__}), which takes no such setting.", UserWarning, stacklevel=4)
    if "nesterov" in settings:  # (as solver='sgd': Nesterov's step needs a momentum)
        settings["nesterov"] = bool(settings["nesterov"] and settings.get("momentum", 0) > 0)
    return type(opt).from_config({**opt.get_config(), **settings}) if settings else opt


def _new_optimizer(est):
    if est.optimizer is not None:
        opt = _named_optimizer(est)
        opt.learning_rate = est.learning_rate_init
        return opt
    if est.solver == "sgd":
        return optimizers.SGD(
            learning_rate=est.learning_rate_init,
            momentum=est.momentum,
            nesterov=bool(est.nesterovs_momentum and est.momentum > 0),
        )
    return optimizers.Adam(
        learning_rate=est.learning_rate_init, beta_1=est.beta_1, beta_2=est.beta_2, epsilon=est.epsilon
    )


def _solver_key(est):
    """What the optimizer state in ``model_`` belongs to, recorded when a fit makes the optimizer."""
    return est.solver, est.optimizer, est.jit_compile


def _keeps_optimizer(est):
    """Whether ``partial_fit`` (and ``trace``, which shows its step) goes on with the optimizer in
    ``model_``: as scikit-learn's ``_optimizer``, made by the last stochastic fit (or the first
    ``partial_fit``) and kept whatever ``set_params`` changed since, ``solver`` included. False
    where no stochastic solver made one for this network (after an 'lbfgs' fit)."""
    return est._optimizer_key is not None


#: the fitted attributes of the stochastic solvers' stopping rules, which an 'lbfgs' fit does not have
_STOCHASTIC_ONLY = ("best_loss_", "validation_scores_", "best_validation_score_", "validation_loss_curve_")


def _fit_stochastic(est, X, Y, w, rs, incremental, validation=None):
    """Train ``est.model_`` with 'sgd'/'adam' for ``max_iter`` epochs (one if ``incremental``);
    ``validation``: the early-stopping set :func:`_split_validation` held out of ``X, Y, w``."""
    model = est.model_
    if not incremental or not _keeps_optimizer(est):
        model.compile(optimizer=_new_optimizer(est), loss=model.loss, jit_compile=est.jit_compile)
        est._optimizer_key = _solver_key(est)
        # the schedule belongs to the optimizer, as in scikit-learn's SGDOptimizer: set_params between
        # partial_fit calls leaves it as it leaves learning_rate_init and momentum (until a new fit)
        est._schedule = (est.learning_rate, float(est.learning_rate_init), float(est.power_t))
    elif est._optimizer_key[2] != est.jit_compile:
        # jit_compile says how the steps run, not which: the same optimizer, its state kept, in the other loops
        model.compile(optimizer=model.optimizer, loss=model.loss, jit_compile=est.jit_compile)
        est._optimizer_key = (*est._optimizer_key[:2], est.jit_compile)
    # After an 'lbfgs' fit (warm start), or early_stopping switched on or off.
    for name in _STOCHASTIC_ONLY:
        if not hasattr(est, name):
            setattr(est, name, None)
    if est.loss_curve_ is None:
        est.loss_curve_ = []
    if est.early_stopping and est.validation_scores_ is None:
        est.validation_scores_, est.validation_loss_curve_ = [], []
        est.best_validation_score_ = -np.inf
    if not est.early_stopping and est.best_loss_ is None:
        est.best_loss_ = np.inf

    n = X.shape[0]
    if est.shuffle:
        model.rng = np.random.default_rng(int(rs.randint(np.iinfo(np.int32).max)))
    if est.batch_size == "auto":
        batch_size = min(200, n)
    else:
        if est.batch_size > n:
            warnings.warn("Got `batch_size` less than 1 or larger than sample size. It is going to be clipped")
        batch_size = int(np.clip(est.batch_size, 1, n))
    v, mean_w = _data_weights(est, w, n)

    reg = _batch_l2(est, batch_size, mean_w)
    weighted = w is not None and v is not None  # (v is K without weights for multilabel, None for equal weights)
    last = n % batch_size
    if reg is not None and last and not weighted:  # (with weights, _batch_weight_sums sets each batch's factor)
        last_l2 = _batch_l2(est, last, mean_w).l2  # the short last batch's share
        callback = _EpochEndBatchAlpha(est, n, validation, reg, reg.l2, last_l2, n // batch_size)
    else:
        callback = _EpochEnd(est, n, validation)

    est.n_iter_ = 0
    est._install_alpha(reg)
    try:
        with warnings.catch_warnings(), _scikit_loss(est), _batch_weight_sums(est, weighted, mean_w, reg):
            warnings.simplefilter("ignore", DivergenceWarning)  # the ValueError below says it, as scikit-learn
            model.fit(
                X, Y, batch_size=batch_size, epochs=1 if incremental else est.max_iter, verbose=0,
                callbacks=[callback], shuffle=est.shuffle, sample_weight=v,
            )
    except NonFinitePenaltyError as exc:  # alpha's L2, installed as each kernel's regularizer: the user wrote none
        if reg is None or exc.argument != "kernel_regularizer":
            raise
        largest = max(float(np.abs(W).max(initial=0.0)) for W in model.get_weights())
        raise ValueError(
            f"The L2 penalty alpha/2·‖W‖² (alpha={est.alpha:g}) overflowed for the starting weights (the largest "
            f"|w| is {largest:.3g}): the loss cannot be minimised. Start from smaller weights (warm_start=False, "
            f"or smaller coefs_)."
        ) from None
    finally:
        est._install_alpha(None)
        # early stopping's best weights (or the initial ones, _initialize) belong to this fit alone,
        # also where it raises: left behind, the next warm start without a better score restored them
        best = vars(est).pop("_best_weights", None)
    diverged = (model.stop_reason or "").startswith("Training diverged")
    if diverged and best is None and _targets_overflow_float32(model, Y, v, batch_size):
        raise ValueError(
            "The training loss overflowed float32, the network's precision (from float32 X or dtype='float32'): "
            f"the squared targets of a batch sum past {float(np.finfo(np.float32).max):.3g} (targets up to "
            f"{float(np.abs(Y).max()):.3g}), though the weights are finite. Scale y (e.g. sklearn.compose."
            "TransformedTargetRegressor with a StandardScaler) or train in float64 (float64 X or dtype='float64')."
        )
    if diverged and best is None:
        raise ValueError(
            "Solver produced non-finite parameter weights. The input data may contain large values and need to "
            f"be preprocessed (or lower learning_rate_init={est.learning_rate_init:g})."
        )
    if diverged and est.n_iter_ == 0:  # no epoch ended: as scikit-learn's, whose loss_ is then NaN
        est.loss_ = np.float64(np.nan)
    if diverged:  # as scikit-learn: early stopping returns the best validated weights, which are finite
        kept = ("the weights of the best validation score are kept" if est.best_validation_score_ > -np.inf
                else "no validation score was finite, so the initial weights are kept")
        warnings.warn(
            f"Training diverged after {est.n_iter_} epoch(s) (lower learning_rate_init="
            f"{est.learning_rate_init:g}); {kept}.",
            ConvergenceWarning,
        )
    elif not incremental and not callback.stopped and est.n_iter_ == est.max_iter:
        warnings.warn(
            f"Stochastic Optimizer: Maximum iterations ({est.max_iter}) reached and the "
            "optimization hasn't converged yet.",
            ConvergenceWarning,
        )
    if best is not None:
        model.set_weights(best)


def _targets_overflow_float32(model, Y, v, batch_size):
    """Whether a float32 network's squared error overflows on a batch for the targets alone, as
    for outputs near 0 (a new network's): ``Σ_batch w_i ½ mean_k y_ik²`` over the largest terms
    (the mean: scikit-learn's loss for K outputs, :class:`._objective._ScikitSquaredError`)."""
    if model.dtype != "float32" or model.loss.name != "squared_error":
        return False
    terms = 0.5 * np.square(Y.astype(np.float64)).mean(axis=1) * (1.0 if v is None else v)
    return bool(np.sort(terms)[-batch_size:].sum() > np.finfo(np.float32).max)


def _split_validation(est, X, Y, w, rs):
    """scikit-learn's held-out set: ``train_test_split`` on the same random stream."""
    if not est.validation_fraction > 0:  # (train_test_split named its own test_size=0.0)
        raise ValueError("validation_fraction must be > 0 with early_stopping=True: it is the share of the "
                         f"samples held out to validate. Received: validation_fraction={est.validation_fraction!r}")
    stratify = Y if (est._is_classifier and est.n_outputs_ == 1) else None
    arrays = (X, Y) if w is None else (X, Y, w)
    parts = train_test_split(*arrays, random_state=rs, test_size=est.validation_fraction, stratify=stratify)
    X_train, X_val, Y_train, Y_val = parts[:4]
    w_train, w_val = (parts[4], parts[5]) if w is not None else (None, None)
    if X_val.shape[0] < 2:
        raise ValueError(
            "The validation set is too small. Increase 'validation_fraction' or the size of your dataset."
        )
    for part, weights in (("training", w_train), ("validation", w_val)):
        if weights is not None and not (weights != 0).any():  # (a ZeroDivisionError, or accuracy_score's error)
            raise ValueError(
                f"sample_weight is zero on every sample of the early-stopping {part} set: the split left "
                "no weighted sample there. Give weight to more samples or change 'validation_fraction'."
            )
    # signed weights: scikit-learn's scores divide by the held-out Σ w_i (a ZeroDivisionError after an epoch)
    _refuse_zero_sum(w_val, "the early-stopping validation set")
    v_val, mean_val = _data_weights(est, w_val, X_val.shape[0])
    return X_train, Y_train, w_train, (X_val, Y_val, est._decode(Y_val), w_val, v_val, mean_val)


def _fit_lbfgs(est, X, Y, w):
    """Minimise ``J(θ)`` with L-BFGS-B on the flat parameter vector of ``est.model_``."""
    import scipy.optimize

    model = est.model_
    if any(isinstance(layer, Dropout) and layer.rate > 0 for layer in model.layers):
        # a network built with dropout, kept by warm_start: every pass drew new masks, so the line
        # search read a noisy loss, stopped early and left loss_ a masked network's (iris: 0.43 for 0.32)
        raise ValueError(
            "solver='lbfgs' needs a deterministic loss, but the network (built by an earlier fit with dropout > 0, "
            "kept by warm_start) has Dropout layers. Fit with warm_start=False to build it without them."
        )
    n = X.shape[0]
    if is_sparse(X):  # CSR rows, which the first layer (a Dense) multiplies in time of their nonzeros
        X = X.tocsr() if takes_sparse(model, X) else X.toarray()
    v, mean_w = _data_weights(est, w, n)
    reg = _batch_l2(est, n, mean_w)
    flat = model._flat_params

    frozen = model._frozen_parts()  # layers with trainable=False: a zero gradient keeps L-BFGS off them

    def loss_and_gradient(theta):
        flat[...] = theta
        with backend.quiet_floats():
            A = model.forward(X, training=True)
            J = model.compute_loss(y=Y, y_pred=A, sample_weight=v)
            model.backward(Y, A, v)
        for part in frozen:
            model._flat_grads[part] = 0
        return J, model._flat_grads.astype(np.float64)

    curve = []

    def record(intermediate_result):
        curve.append(np.float64(intermediate_result.fun))
        if est.verbose:  # scikit-learn asks SciPy for its progress, which SciPy >= 1.15 no longer prints
            print(f"Iteration {len(curve)}, loss = {curve[-1]:.8f}")

    est._install_alpha(reg)
    try:
        with _scikit_loss(est):  # its line search reads scikit-learn's values: ½ mean_k for K outputs
            result = scipy.optimize.minimize(
                loss_and_gradient,
                flat.astype(np.float64),
                method="L-BFGS-B",
                jac=True,
                options={"maxfun": est.max_fun, "maxiter": est.max_iter, "gtol": est.tol},
                callback=record,
            )
    finally:
        est._install_alpha(None)
    flat[...] = result.x
    _set_batch_statistics(model, X)
    est.n_iter_ = min(int(result.nit), est.max_iter)
    if result.status != 0:
        message = (
            f"lbfgs failed to converge after {est.n_iter_} iteration(s) (status={result.status}):\n"
            f"{result.message}\n"
        )
        if est.n_iter_ == est.max_iter:
            message += f"\nIncrease the number of iterations to improve the convergence (max_iter={est.max_iter})."
        # scikit-learn's _check_optimize_result ends every such warning with this advice
        message += "\nYou might also want to scale the data as shown in:\n    https://scikit-learn.org/stable/modules/preprocessing.html"
        warnings.warn(message, ConvergenceWarning)
    est.loss_ = np.float64(result.fun)  # a NumPy scalar, as scikit-learn's
    est.loss_curve_ = curve
    if not _keeps_optimizer(est):  # a network no stochastic fit trained: as scikit-learn's, hasattr is False
        for name in _STOCHASTIC_ONLY:
            vars(est).pop(name, None)
    # (after a stochastic fit they are kept, as scikit-learn's lbfgs leaves them: a later stochastic warm
    # fit's tol / early-stopping rules go on from that fit's best loss or score)


def _set_batch_statistics(model, X):
    """After L-BFGS, each BatchNormalization's running statistics become the whole set's at the
    final weights: L-BFGS minimised the loss with those (every pass is one full batch), while the
    moving averages trail its trial points, so ``predict`` computed another function than the one
    fitted (training loss 5e-6, log-loss of predict_proba 2.0)."""
    norms = [layer for layer in model.layers if isinstance(layer, BatchNormalization)]
    if not norms:
        return
    momenta = [layer.momentum for layer in norms]
    try:
        for layer in norms:
            layer.momentum = 0.0  # m ← 0·m + 1·μ: the statistics of this pass
        with backend.quiet_floats():
            model.forward(X, training=True)
    finally:
        for layer, momentum in zip(norms, momenta):
            layer.momentum = momentum
