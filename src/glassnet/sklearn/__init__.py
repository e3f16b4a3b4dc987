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

The package, one concept a module: ``_params`` checks the hyperparameters;
``_base`` holds what both estimators share (building the network, ``fit``,
prediction, pickling); ``_objective`` is scikit-learn's objective on the
engine (sample weights, the per-batch L2 factor); ``_epochs`` the per-epoch
hook with scikit-learn's stopping and learning-rate rules; ``_solvers`` the
stochastic solvers and L-BFGS; ``_files`` the estimator file (``save``/``load``);
``_classifier`` and ``_regressor`` the two public estimators.

Importing this package imports scikit-learn; ``import glassnet`` does not.
"""

try:  # every scikit-learn name the package uses exists from 1.6 on (validate_data is the newest); the extra
    # asks 1.7, whose MLP (sample_weight, loss=) the tests compare with: the message names what the extra installs
    from sklearn.utils.validation import validate_data  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "glassnet.sklearn requires scikit-learn >= 1.7: pip install \"glassnet[sklearn]\""
    ) from exc

from ._classifier import MLPClassifier
from ._regressor import MLPRegressor

__all__ = ["MLPClassifier", "MLPRegressor"]

# The public path, for reprs, documentation links and pickles.
for _cls in (MLPClassifier, MLPRegressor):
    _cls.__module__ = __name__
del _cls
