"""The playground's model side: data, features, network and training, as plain glassnet.

A :class:`Session` holds one experiment of the browser playground (SPEC E3,
after playground.tensorflow.org): a 2-D data set split into training and test
points, the input features computed from ``(x1, x2)``, a
:class:`~glassnet.models.Sequential` network trained with plain SGD, and the
history of its training and test losses. :meth:`Session.state` is what the page
draws: the output over the plane (the decision surface), every neuron's
output over the plane, the weights and the loss curves.

Nothing here depends on the web server, so it is tested directly.
"""

import math
import warnings

import numpy as np

from .. import regularizers
from ..callbacks import Callback
from .._validation import check_choice, check_int, check_number
from ..datasets import PLAYGROUND
from ..diagnostics.problems import INPUT_SCALE_NOTE
from ..diagnostics.thresholds import INPUT_SCALE
from ..layers import Dense
from ..models import DivergenceWarning, Sequential
from ..models.divergence import _restore, _snapshot, user_stacklevel
from ..optimizers import SGD

#: Input features, each a function of the points ``(x1, x2)`` (the playground's set).
FEATURES = {
    "x1": lambda X: X[:, 0],
    "x2": lambda X: X[:, 1],
    "x1^2": lambda X: X[:, 0] ** 2,
    "x2^2": lambda X: X[:, 1] ** 2,
    "x1x2": lambda X: X[:, 0] * X[:, 1],
    "sin(x1)": lambda X: np.sin(X[:, 0]),
    "sin(x2)": lambda X: np.sin(X[:, 1]),
}

CLASSIFICATION_SETS = ("circle", "xor", "gaussians", "spiral")
REGRESSION_SETS = ("plane", "gaussians")
ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear", "leaky_relu", "elu")
REGULARIZATIONS = (None, "l1", "l2")

#: The page's starting point (playground.tensorflow.org's defaults).
DEFAULTS = {
    "problem": "classification",
    "dataset": "circle",
    "noise": 0.0,
    "train_fraction": 0.5,
    "n_samples": 500,
    "features": ["x1", "x2"],
    "layers": [4, 2],
    "activation": "tanh",
    "learning_rate": 0.03,
    "regularization": None,
    "regularization_rate": 0.0,
    "batch_size": 10,
    "seed": 0,
    "weights_seed": 0,
}

#: The plane that is drawn: [-DOMAIN, DOMAIN]², on GRID×GRID points (neurons: NEURON_GRID²).
DOMAIN, GRID, NEURON_GRID = 6.0, 50, 24
MAX_LAYERS, MAX_NEURONS, MAX_EPOCHS_PER_STEP = 6, 8, 100
#: The most epochs one session trains: it keeps two loss points per epoch (about 64 bytes), so a
#: session stepped for hours (a script can step a small one 1000 epochs a second) stays under 7 MB.
MAX_EPOCHS = 100_000
#: The work of one request, in units of one Dense layer's update on one mini-batch (about 20 µs).
#: A mini-batch costs its Dense layers plus fit's own per-batch overhead, about two layers more
#: (one update of a network without hidden layers takes 3 units, not 1); and each epoch passes
#: every point through each layer (training, then both losses), about a unit per 100 points:
#: at 8 neurons the size of a layer matters less than the number of them. See :meth:`Session.work`.
UPDATE_OVERHEAD, POINTS_PER_UNIT = 2, 100
#: One request does at most this much work (under 2 s on a busy laptop, however deep or wide the
#: network), so no request holds the server. One epoch of the largest network on the most points
#: with batch size 1 (4500 updates of 7 + 2 units) always fits.
MAX_WORK_PER_STEP = 80_000
#: Weights gone back to after a divergence that are this many times the largest initial one (or 1) are
#: blown up: in random linear sessions with L2, 7 % went back to weights of 1e10..1e150 (an epoch whose loss
#: was still finite), from which every lower rate diverged again. Fitted weights on the page's points
#: (features within ±36) are a few units; 1000 times that is no longer training.
BLOWN_UP = 1000.0


def _regression_plane(n, noise, rng):
    """Playground "plane" for regression (``regressPlane``): ``y = (x1 + x2) / 10`` on U(-6, 6)²,
    the label read at the point moved by the noise ``U(-6, 6)² · noise``, as the playground does."""
    X = rng.uniform(-DOMAIN, DOMAIN, (n, 2))
    moved = X + rng.uniform(-DOMAIN, DOMAIN, (n, 2)) * noise
    return X, (moved[:, 0] + moved[:, 1]) / 10


def _regression_gaussians(n, noise, rng):
    """Playground "multi gaussian" for regression (``regressGaussian``): six signed cones
    ``sign · clamp(1 − d/2, 0, 1)``, the one largest in size gives the label, read at the
    point moved by the noise ``U(-6, 6)² · noise``."""
    centers = np.array([[-4, 2.5], [0, 2.5], [4, 2.5], [-4, -2.5], [0, -2.5], [4, -2.5]], dtype=np.float64)
    signs = np.array([1, -1, 1, -1, 1, -1], dtype=np.float64)
    X = rng.uniform(-DOMAIN, DOMAIN, (n, 2))
    moved = X + rng.uniform(-DOMAIN, DOMAIN, (n, 2)) * noise
    d = np.sqrt(((moved[:, None, :] - centers[None]) ** 2).sum(axis=2))
    cones = signs * np.clip(1 - d / 2, 0, 1)
    return X, cones[np.arange(n), np.abs(cones).argmax(axis=1)]


class _Curves(Callback):
    """The session's epoch count and loss curves, one point per finished epoch (an epoch
    that diverged is not finished: fit restored the weights of its start), and a copy of the
    last weights whose training loss and penalty are finite (a few dozen numbers)."""

    def __init__(self, session):
        super().__init__()
        self.session = session

    def on_epoch_end(self, epoch, logs=None):
        if self.model.stop_training and "diverged" in (self.model.stop_reason or ""):
            return
        s = self.session
        train_loss = s._loss(s.X_train, s.y_train)
        if not (math.isfinite(train_loss) and s._penalty_is_finite()):
            # Every batch's loss was finite, but the epoch's last update overflowed: the page showed
            # a loss of "–" without a word, and where the penalty was inf the next step's fit refused
            # to start ("The kernel_regularizer ... returned inf"), at every rate, until Reset.
            s._overflowed_at = epoch
            self.model.stop_training = True
            return
        s.epoch += 1
        s.train_loss.append(train_loss)
        s.test_loss.append(s._loss(s.X_test, s.y_test))
        s._finite = (s.epoch, _snapshot(s.model))


def complete_settings(config, defaults, what):
    """``defaults`` updated with ``config`` (None: the defaults), a dict whose keys must all be in ``defaults``."""
    if config is None:
        config = {}
    if not isinstance(config, dict):
        raise TypeError(f"the {what} settings must be a JSON object. Received: {type(config).__name__}")
    unknown = sorted(set(config) - set(defaults))
    if unknown:
        raise ValueError(f"unknown setting {unknown[0]!r:.100}; the {what} settings are {', '.join(defaults)}.")
    return {**defaults, **config}


#: The settings as the page labels them (static/pages/playground.html): the errors name these, as the
#: demos' do (:data:`.demos.LABELS`); a setting the page has no labelled field for keeps its key.
LABELS = {"learning_rate": "Learning rate", "activation": "Activation", "regularization": "Regularization",
          "regularization_rate": "Rate", "problem": "Problem", "train_fraction": "Ratio of training to test data",
          "noise": "Noise", "batch_size": "Batch size"}


def _on_field(error, field):
    """``error`` with its setting's key as ``error.field`` (the field the page outlines)."""
    error.field = field
    return error


def _checked(check, value, field, *args, name=None, **kwargs):
    """``check(value, ...)`` whose error names the setting as the page labels it ("Learning rate must be
    > 0. Received: 0"), else as ``name`` or its key, and carries ``field``, the setting's key."""
    label = LABELS.get(field, name or field)
    try:
        return check(value, label, *args, **kwargs)
    except (TypeError, ValueError) as exc:
        raise _on_field(type(exc)(str(exc).replace(f"Received: {label}=", "Received: ")), field) from None


def _check_learning_rate(value):
    """The learning rate as a float in the page's range, 0.00001 to 10 (at a session's start and for a step)."""
    return _checked(check_number, value, "learning_rate", low=1e-5, high=10.0)


def check_config(config):
    """The playground settings, completed with :data:`DEFAULTS` and checked.

    Raises ``ValueError``/``TypeError`` for anything the page could not have sent (unknown keys
    included), naming the setting as the page labels it (:data:`LABELS`) and with its key as the
    error's ``field``.
    """
    c = complete_settings(config, DEFAULTS, "playground")
    _checked(check_choice, c["problem"], "problem", ("classification", "regression"))
    sets = CLASSIFICATION_SETS if c["problem"] == "classification" else REGRESSION_SETS
    if "dataset" not in (config or {}):  # the problem's first set, as the page switches ("circle" is no regression)
        c["dataset"] = sets[0]
    _checked(check_choice, c["dataset"], "dataset", sets)
    c["noise"] = _checked(check_number, c["noise"], "noise", low=0.0, high=0.5)
    c["train_fraction"] = _checked(check_number, c["train_fraction"], "train_fraction", low=0.1, high=0.9)
    c["n_samples"] = _checked(check_int, c["n_samples"], "n_samples", 20, 5000)
    features = c["features"]
    if not isinstance(features, list) or not features:
        raise _on_field(ValueError(f"features must be a non-empty list of {', '.join(FEATURES)}. "
                                   f"Received: {features!r:.100}"), "features")
    for f in features:
        _checked(check_choice, f, "features", tuple(FEATURES))
    c["features"] = [f for f in FEATURES if f in features]  # the page's order, no repeats
    layers = c["layers"]
    if not isinstance(layers, list) or len(layers) > MAX_LAYERS:
        raise _on_field(ValueError(f"layers must be a list of at most {MAX_LAYERS} hidden-layer sizes. "
                                   f"Received: {layers!r:.100}"), "layers")
    c["layers"] = [_checked(check_int, n, "layers", 1, MAX_NEURONS, name="layers[i]") for n in layers]
    _checked(check_choice, c["activation"], "activation", ACTIVATIONS)
    c["learning_rate"] = _check_learning_rate(c["learning_rate"])
    if c["regularization"] == "none":  # the name /api/options lists for "no penalty"
        c["regularization"] = None
    if c["regularization"] not in REGULARIZATIONS:
        raise _on_field(ValueError(f"Regularization must be one of 'none', 'l1', 'l2'. "
                                   f"Received: {c['regularization']!r:.100}"), "regularization")
    c["regularization_rate"] = _checked(check_number, c["regularization_rate"], "regularization_rate", low=0.0, high=10.0)
    c["batch_size"] = _checked(check_int, c["batch_size"], "batch_size", 1, 5000)
    c["seed"] = _checked(check_int, c["seed"], "seed", 0, 2**32 - 1)  # the data and its split
    c["weights_seed"] = _checked(check_int, c["weights_seed"], "weights_seed", 0, 2**32 - 1)  # the initial weights
    return c


class Session:
    """One playground experiment: data, network, and its training so far."""

    def __init__(self, config=None):
        self.config = c = check_config(config)
        rng = np.random.default_rng(c["seed"])
        if c["problem"] == "classification":
            X, y = PLAYGROUND[c["dataset"]](n_samples=c["n_samples"], noise=c["noise"], seed=c["seed"])
            X, y = X.astype(np.float64), y.astype(np.float64)
        else:
            maker = _regression_plane if c["dataset"] == "plane" else _regression_gaussians
            X, y = maker(c["n_samples"], c["noise"], rng)
        # floor(fraction · n) as the playground's floor(n · percent / 100), which is exact: here
        # 0.7 · 350 is 244.99999999999997, so a rounding error's worth is added before the floor
        n_train = max(1, min(len(y) - 1, math.floor(c["train_fraction"] * len(y) + 1e-9)))
        order = rng.permutation(len(y))
        self.X_train, self.y_train = X[order[:n_train]], y[order[:n_train]]
        self.X_test, self.y_test = X[order[n_train:]], y[order[n_train:]]

        regularizer = None
        if c["regularization"] and c["regularization_rate"] > 0:
            # The TensorFlow Playground (nn.ts updateWeights) steps w -= lr·(mean_batch ∂E/∂w) + lr·r·R'(w): its
            # penalty r·R(w) (L1 r·|w|, L2 r·½w²) beside the batch's mean error, as glassnet's regularizers are added
            # to the batch's mean loss; glassnet's L2(l) is l·w², so L2(r/2)
            rate = c["regularization_rate"]
            regularizer = regularizers.L1(rate) if c["regularization"] == "l1" else regularizers.L2(rate / 2)
        n_in = len(c["features"])
        layers = [Dense(units, activation=c["activation"], kernel_regularizer=regularizer,
                        **({"input_dim": n_in} if i == 0 else {})) for i, units in enumerate(c["layers"])]
        classification = c["problem"] == "classification"
        layers.append(Dense(1, activation="sigmoid" if classification else "linear", kernel_regularizer=regularizer,
                            **({} if c["layers"] else {"input_dim": n_in})))
        # float64: a few hundred points train in microseconds either way, and the
        # page then shows the same numbers glassnet's float64 tests check.
        self.model = Sequential(layers, seed=c["weights_seed"], dtype="float64")
        # regression: the TensorFlow Playground's error ½(ŷ − y)² (its curves show the mean of it, ½·MSE)
        self.model.compile(optimizer=SGD(c["learning_rate"]),
                           loss="binary_crossentropy" if classification else "squared_error")
        self.model.build()
        self.epoch = 0
        self.diverged = None  # the DivergenceWarning's message, once training blew up
        self.train_loss, self.test_loss = [self._loss(self.X_train, self.y_train)], [self._loss(self.X_test, self.y_test)]
        # (epoch, weights and optimizer state) of the last finite training loss and penalty
        self._finite = (self.epoch, _snapshot(self.model))
        self._initial_scale = max(1.0, self._largest_weight())  # (see BLOWN_UP)
        self._overflowed_at = None  # the epoch whose last update overflowed the loss (see _Curves)
        axis = np.linspace(-DOMAIN, DOMAIN, GRID)
        self._grid = np.stack(np.meshgrid(axis, axis[::-1]), axis=-1).reshape(-1, 2)  # rows from the top
        small = np.linspace(-DOMAIN, DOMAIN, NEURON_GRID)
        self._small_grid = np.stack(np.meshgrid(small, small[::-1]), axis=-1).reshape(-1, 2)

    def features(self, X):
        """The chosen input features of points ``X`` (n, 2), one column each."""
        return np.column_stack([FEATURES[f](X) for f in self.config["features"]])

    def _loss(self, X, y):
        """The data loss on ``(X, y)`` (the penalty is not included, as in the playground's curves)."""
        with np.errstate(over="ignore", invalid="ignore"):  # a diverged model's loss is inf or NaN
            P = self.model.predict(self.features(X))
            return float(self.model.loss(self.model._check_y(y, len(y)), P))

    def _penalty_is_finite(self):
        """Whether the L1/L2 penalty of the weights is finite (weights of 1e160 are finite, their
        squares are not: fit refuses to start from them)."""
        with np.errstate(over="ignore", invalid="ignore"):
            return not self.config["regularization"] or math.isfinite(self.model.regularization_penalty())

    def _largest_weight(self):
        return max(float(np.max(np.abs(w))) for w in self.model.get_weights())

    def _advice(self):
        """What to try after a divergence, once the weights are those gone back to: fit's "a lower learning
        rate", unless those weights are blown up already (:data:`BLOWN_UP`), from which lower rates diverge too."""
        rate, largest = self.model.optimizer.learning_rate, self._largest_weight()
        lower = f"Try a lower learning rate (currently {rate:g}), e.g. {rate / 10:g}."
        if largest <= BLOWN_UP * self._initial_scale:
            return lower, lower
        return lower, (f"But those weights are already huge (the largest is {largest:.3g}, against "
                       f"{self._initial_scale:.3g} at the start), so a lower learning rate would most likely diverge "
                       f"again from them: press Reset for new weights, then train with a lower rate (currently {rate:g}).")

    def _after_overflow(self, epoch):
        """Go back to the last weights of finite loss and penalty (those of the epoch before
        ``epoch``, the 0-based epoch whose last update overflowed), saying so as a divergence."""
        back, snapshot = self._finite
        _restore(self.model, snapshot)
        batches = math.ceil(len(self.y_train) / self.config["batch_size"])
        self.diverged = (f"Training diverged at epoch {epoch + 1}, batch {batches}: the weights after its last update "
                         "give the training points an infinite loss (or weight penalty). Training stopped; the "
                         f"playground went back to epoch {back}, the last whose weights gave the training points a "
                         f"finite loss. {self._advice()[1]}")
        warnings.warn(self.diverged, DivergenceWarning, stacklevel=user_stacklevel())

    def _after_divergence(self):
        """Count only the epochs whose weights the model has, and give it weights of finite loss.

        fit restores the start of the epoch that diverged, or of the one before (whose end is then
        undone: its curve point goes). Each page request is a fit of one epoch, whose start fit
        cannot see past: where those weights' training loss (this session measured it) is not finite,
        the last weights whose loss was are restored, or a new rate would go on from an infinite loss."""
        message = self.model.stop_reason
        back = self.model._restored_epoch
        if not math.isfinite(self.train_loss[back]) and self._finite is not None:
            back, snapshot = self._finite
            _restore(self.model, snapshot)
            # in place of fit's word on the weights it restored, which the playground replaced
            message = message.replace(self.model._restored_note, f"the playground went back to epoch {back}, the "
                                      "last whose weights gave the training points a finite loss.")
        self.epoch = back
        del self.train_loss[back + 1:], self.test_loss[back + 1:]
        self.diverged = INPUT_SCALE_NOTE.sub(self._scale_advice, message.replace(*self._advice()))

    def _scale_advice(self, note):
        """fit's note on unscaled inputs (:data:`~glassnet.diagnostics.INPUT_SCALE_NOTE`), with advice a
        page user can follow: its code ("x /= x.std(axis=0)") is not theirs to run, the features are."""
        X = self.features(self.X_train)
        reach = {name: float(np.abs(column).max()) for name, column in zip(self.config["features"], X.T, strict=True)}
        large = [f"{name} ({value:.3g})" for name, value in reach.items() if value > INPUT_SCALE]
        return (f"{note.group(1)}Of the chosen features, {', '.join(large) or 'none'} reach{'es' * (len(large) == 1)} "
                f"beyond {INPUT_SCALE:g}: leave {'it' if len(large) == 1 else 'them'} out, or train with a lower "
                "learning rate.")

    def step(self, epochs=1, since=0, learning_rate=None):
        """Train ``epochs`` more passes over the training points (SGD, shuffled mini-batches),
        recording both losses after each epoch. After a divergence it trains no more until a step
        brings a new ``learning_rate``, nor past :data:`MAX_EPOCHS` (a ValueError). ``since``: the
        answer's loss curves start at that epoch (the points a page already has). ``learning_rate``:
        train from now on with this rate (None: the current one), from the current weights and
        optimizer state, as playground.tensorflow.org does when its learning rate changes: the only
        setting that does not start the network again (after a divergence too: the weights restored
        then, and their epoch count, go on)."""
        epochs = _checked(check_int, epochs, "epochs", 1, MAX_EPOCHS_PER_STEP)
        since = _checked(check_int, since, "since", 0, len(self.train_loss))
        if learning_rate is not None:
            learning_rate = _check_learning_rate(learning_rate)
        if self.work(epochs) > MAX_WORK_PER_STEP:
            dense = sum(1 for layer in self.model.layers if layer.params)
            updates = epochs * math.ceil(len(self.y_train) / self.config["batch_size"])
            fit = max(1, MAX_WORK_PER_STEP // self.work(1))
            raise _on_field(ValueError(
                f"epochs={epochs} is too much training for one request: {updates} SGD updates of {dense} "
                f"layer{'s' * (dense > 1)} on {len(self.y_train)} points. Ask for at most "
                f"{fit} epoch{'s' * (fit > 1)} at a time (or use a larger batch_size)."), "epochs")
        if self.diverged and learning_rate in (None, self.model.optimizer.learning_rate):
            return self.state(since)  # the rate that diverged would diverge again
        if self.epoch + epochs > MAX_EPOCHS:
            left = MAX_EPOCHS - self.epoch
            more = f"at most {left} more" if left else "no more"
            raise _on_field(ValueError(
                f"this session has trained {self.epoch:,} epochs; one session trains at most {MAX_EPOCHS:,}, "
                f"so {more}. Press Reset to start again."), "epochs")
        if learning_rate is not None:  # (after the refusals: a refused step changes nothing)
            self.config["learning_rate"] = self.model.optimizer.learning_rate = learning_rate
            self.diverged = None
        # Epochs numbered from the session's own count, so a divergence message names the epoch
        # in progress (each request is a new fit(); the shuffles and updates are the same either way).
        self._overflowed_at = None
        self.model.fit(self.features(self.X_train), self.y_train, batch_size=self.config["batch_size"],
                       initial_epoch=self.epoch, epochs=self.epoch + epochs, shuffle=True, verbose=0,
                       callbacks=[_Curves(self)])
        if self.model._diverged:
            self._after_divergence()
        elif self._overflowed_at is not None:
            self._after_overflow(self._overflowed_at)
        return self.state(since)

    def work(self, epochs=1):
        """The estimated work of training ``epochs`` epochs, in :data:`MAX_WORK_PER_STEP`'s units:
        per mini-batch its Dense layers plus :data:`UPDATE_OVERHEAD`, per epoch each point once per
        Dense layer (trained on, then both losses measured) over :data:`POINTS_PER_UNIT`."""
        dense = sum(1 for layer in self.model.layers if layer.params)
        batches = math.ceil(len(self.y_train) / self.config["batch_size"])
        points = len(self.y_train) + len(self.y_test)
        return epochs * (batches * (dense + UPDATE_OVERHEAD) + math.ceil(points * dense / POINTS_PER_UNIT))

    def _neuron_maps(self):
        """Each input feature's and each neuron's output over the plane (NEURON_GRID² values)."""
        F = self.features(self._small_grid)
        maps = [[F[:, j] for j in range(F.shape[1])]]
        A = F
        for layer in self.model.layers:
            A = layer.forward(A, training=False)
            maps.append([A[:, j] for j in range(A.shape[1])])
        self.model.release_caches()
        return maps

    def state(self, since=0):
        """Everything the page draws, as JSON-ready lists; the loss curves from epoch ``since``
        on (``since`` is in the answer: the page appends these points to those it has). A divergence
        that cut the curves below ``since`` answers their length: the page drops its points past it."""
        since = min(since, len(self.train_loss))
        with np.errstate(over="ignore", invalid="ignore"):
            surface = self.model.predict(self.features(self._grid))[:, 0]
            maps = self._neuron_maps()
        layers = [layer for layer in self.model.layers if layer.params]
        return {
            "epoch": self.epoch,
            "since": since,
            "train_loss": _rounded(self.train_loss[since:], 6),
            "test_loss": _rounded(self.test_loss[since:], 6),
            "diverged": self.diverged,
            "surface": _rounded(surface),
            "neurons": [[_rounded(m) for m in layer_maps] for layer_maps in maps],
            "weights": [_rounded(layer.params["W"]) for layer in layers],
            "biases": [_rounded(layer.params["b"]) for layer in layers],
        }

    def points(self):
        """The data, sent once: ``[x1, x2, y]`` rows of the training and test sets."""
        def rows(X, y):
            return _rounded(np.column_stack([X, y]))
        return {"train": rows(self.X_train, self.y_train), "test": rows(self.X_test, self.y_test)}

    def describe(self):
        """The settings, the drawn plane, and every feature's map (unused ones are drawn dimmed)."""
        maps = {name: _rounded(f(self._small_grid)) for name, f in FEATURES.items()}
        return {"config": self.config, "domain": DOMAIN, "grid": GRID, "neuron_grid": NEURON_GRID,
                "feature_maps": maps}


def _rounded(a, decimals=4):
    """Nested lists of floats rounded to ``decimals``; NaN and inf become None (JSON has neither)."""
    a = np.asarray(a, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        r = np.round(a, decimals)  # near the float limit rounding itself overflows (1e300 -> inf)
    out = np.asarray(np.where(np.isfinite(r), r, a), dtype=object)
    out[~np.isfinite(a)] = None
    return out.tolist()


def options():
    """What the page offers (its menus), with the defaults."""
    return {
        "features": list(FEATURES),
        "classification_sets": list(CLASSIFICATION_SETS),
        "regression_sets": list(REGRESSION_SETS),
        "activations": list(ACTIVATIONS),
        "regularizations": ["none", "l1", "l2"],
        "max_layers": MAX_LAYERS,
        "max_neurons": MAX_NEURONS,
        "defaults": DEFAULTS,
    }
