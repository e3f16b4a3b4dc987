"""The epoch hook: scikit-learn's bookkeeping around the engine's training loop.

After each epoch the hook records ``loss_curve_`` and ``t_``, scores the
early-stopping validation set, applies the 'invscaling' learning rate
``η = η₀ / (t + 1)^power_t`` and the ``tol`` / ``n_iter_no_change`` rule
(stop, or with 'adaptive' divide ``η`` by 5), in scikit-learn's order.
"""

import numpy as np

from ..callbacks import Callback
from ..models.inference import predict_arrays
from ._objective import _penalty


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
        est.loss_ = np.float64(logs["loss"])  # a NumPy scalar, as scikit-learn's (loss_.round(4) works)
        est.t_ += self.n_train
        est.loss_curve_.append(est.loss_)
        if est.verbose:
            print(f"Iteration {est.n_iter_}, loss = {est.loss_:.8f}")
        if self.validation is not None:
            self._validate()
        else:
            self._update_best_loss()
        self._iteration_ends()
        if est._no_improvement_count > est.n_iter_no_change:
            what = "Validation score" if self.validation is not None else "Training loss"
            msg = f"{what} did not improve more than tol={est.tol:f} for {est.n_iter_no_change} consecutive epochs."
            if self._trigger_stopping(msg):
                self.stopped = True
                self.model.stop_training = True
            else:
                est._no_improvement_count = 0

    def _validate(self):
        est, model = self.estimator, self.model
        X_val, Y_val, y_val, w_val, v_val, mean_w = self.validation
        A = predict_arrays(model, X_val)
        # as scikit-learn's _score_with_function: NaN where the predicted values are not finite (a
        # regressor's); a classifier's labels, decoded from NaN probabilities too, are scored (a NaN
        # test of the outputs gave the classifier scores, a best score and n_iter_ of its own)
        y_pred = est._decode(A)
        if np.issubdtype(y_pred.dtype, np.floating) and not np.isfinite(y_pred).all():
            score = np.nan
        else:
            score = est._score_predictions(y_pred, y_val, w_val)
        est.validation_scores_.append(score)
        penalty = _penalty(est, X_val.shape[0] * mean_w)
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

    # -- scikit-learn's per-epoch rules ------------------------------------------------
    def _update_best_loss(self):
        est = self.estimator
        if est.loss_curve_[-1] > est.best_loss_ - est.tol:
            est._no_improvement_count += 1
        else:
            est._no_improvement_count = 0
        if est.loss_curve_[-1] < est.best_loss_:
            est.best_loss_ = est.loss_curve_[-1]

    def _schedule(self):
        """'sgd''s ``(learning_rate, learning_rate_init, power_t)`` as they were when the optimizer
        was made (``est._schedule``; an estimator file written before it was kept: the current
        ones), or None for 'adam'. The optimizer's solver, not the current ``solver``: partial_fit
        goes on with the optimizer of the last fit after ``set_params(solver=...)``, as scikit-learn's,
        whose SGDOptimizer applies its schedule and AdamOptimizer none."""
        est = self.estimator
        key = est._optimizer_key  # (set by _fit_stochastic before the epochs run)
        if (key[0] if key is not None else est.solver) != "sgd":
            return None
        return getattr(est, "_schedule", None) or (est.learning_rate, est.learning_rate_init, est.power_t)

    def _iteration_ends(self):
        """'invscaling': ``η = η₀ / (t + 1)^power_t`` with ``t`` the samples seen."""
        est = self.estimator
        schedule = self._schedule()
        if schedule and schedule[0] == "invscaling":
            _, eta0, power_t = schedule
            est.model_.optimizer.learning_rate = float(eta0) / (est.t_ + 1) ** power_t

    def _trigger_stopping(self, msg):
        """Stop, or with 'adaptive' divide the learning rate by 5 (stop once it is <= 1e-6)."""
        est = self.estimator
        opt = est.model_.optimizer
        schedule = self._schedule()
        if not (schedule and schedule[0] == "adaptive"):
            if est.verbose:
                print(msg + " Stopping.")
            return True
        if opt.learning_rate <= 1e-6:
            if est.verbose:
                print(msg + " Learning rate too small. Stopping.")
            return True
        opt.learning_rate = opt.learning_rate / 5.0
        if est.verbose:
            print(msg + f" Setting learning rate to {opt.learning_rate:f}")
        return False


class _EpochEndBatchAlpha(_EpochEnd):
    """Also sets the L2 factor ``α/(2 n_b)`` for the short last batch."""

    def __init__(self, estimator, n_train, validation, regularizer, l2_full, l2_last, last_step):
        super().__init__(estimator, n_train, validation)
        self.regularizer = regularizer
        self.l2_full, self.l2_last, self.last_step = l2_full, l2_last, last_step

    def on_train_batch_begin(self, batch, logs=None):
        self.regularizer.l2 = self.l2_last if batch == self.last_step else self.l2_full
