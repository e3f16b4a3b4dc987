"""Kohonen's self-organizing map (SPEC C5, seed 000 ssn7).

Neurons sit on a 2-D grid (rectangular or hexagonal) and carry weight vectors
w_j in input space. For each input x the winner (best-matching unit) is
c = argmin_j ‖x − w_j‖, and every neuron moves towards x by

    w_j ← w_j + α(t) · h_cj(t) · (x − w_j),
    h_cj(t) = exp(−d(c, j)² / (2σ(t)²))   (Gaussian)  or  [d(c, j) ≤ σ(t)]  (bubble),

with d the distance on the grid and α, σ decaying over training. Batch
training replaces the sequence of updates by, per epoch,
w_j = Σ_i h_{c(x_i) j} x_i / Σ_i h_{c(x_i) j}. All updates are vectorised
over the neurons.
"""

import warnings

import numpy as np

from .._estimator import BaseEstimator, TransformerMixin, check_is_fitted, check_X, _named_init
from .._validation import check_array, check_bool, check_choice, check_number, check_positive_int, sized_by
from ..backend import random_state_rng
from ..models.divergence import user_stacklevel
from .perceptron import too_large_error

__all__ = ["SOM"]

_TOPOLOGIES = ("rectangular", "hexagonal")
_NEIGHBORHOODS = ("gaussian", "bubble")
_SCHEDULES = ("exponential", "linear", "inverse", "constant")
# online steps between two on_progress calls: about 0.1 s of MNIST's 784 features, a few µs a check
PROGRESS_EVERY = 4096


def decay(start, end, u, schedule):
    """Value of a parameter that goes from ``start`` (u = 0) to ``end`` (u = 1).

    ``"exponential"``: start·(end/start)^u; ``"linear"``: start + (end − start)·u;
    ``"inverse"``: start / (1 + (start/end − 1)·u).
    """
    if start == end:  # what each formula gives, also for 0 (a competitive layer's σ), where end/start is 0/0
        return start + 0.0 * np.asarray(u)
    if schedule == "exponential":
        return start * (end / start) ** u
    if schedule == "linear":
        return start + (end - start) * u
    return start / (1.0 + (start / end - 1.0) * u)


def grid_coordinates(rows, cols, topology):
    """Neuron positions, shape (rows·cols, 2), neighbours at distance 1.

    Hexagonal grids shift odd rows by ½ and space rows by √3/2.
    """
    r, c = np.divmod(np.arange(rows * cols), cols)
    if topology == "hexagonal":
        return np.column_stack([r * np.sqrt(3) / 2, c + 0.5 * (r % 2)])
    return np.column_stack([r, c]).astype(np.float64)


def grid_neighbours(rows, cols, topology):
    """Each neuron's grid neighbours (distance 1), shape (rows·cols, k), in ascending order, −1
    where the grid ends: k = 4 on a rectangular grid (up, left, right, down), 6 on a hexagonal one,
    whose row r ± 1 holds columns (c − 1, c) for an even r and (c, c + 1) for an odd r (odd rows
    shifted by ½). Found from the grid positions directly: the (M, M) table of grid distances they
    were taken from held 12 GB for a 200 × 200 map."""
    r, c = np.divmod(np.arange(rows * cols), cols)
    if topology == "hexagonal":
        odd = r % 2
        steps = [(-1, odd - 1), (-1, odd), (0, -1), (0, 1), (1, odd - 1), (1, odd)]
    else:
        steps = [(-1, 0), (0, -1), (0, 1), (1, 0)]
    table = np.empty((rows * cols, len(steps)), dtype=np.intp)
    for k, (dr, dc) in enumerate(steps):
        rr, cc = r + dr, c + dc
        table[:, k] = np.where((rr >= 0) & (rr < rows) & (cc >= 0) & (cc < cols), rr * cols + cc, -1)
    return table


# rows of X taken at a time by the distances and the PCA scatter: a few MB each, where a
# 70000 × 784 temporary (MNIST) is 440 MB of fresh memory, seconds to fault in
CHUNK = 4096

# the largest map (neurons) whose grid distances the online loop keeps as an M × M table (32 MB)
GRID_TABLE = 2048

# entries of one block of batch neighbourhoods h(c, j) (winners × neurons): 32 MB. An M × M table
# of them took 12 GB for a 200 × 200 map
BATCH_BLOCK = 2**22


def _sq_distances(X, W, dtype=np.float64):
    """‖x_i − w_j‖², shape (n, M), via ‖x‖² − 2x·w + ‖w‖² (clipped at 0), in ``dtype``.

    Both sets are first shifted by the neurons' mean, which leaves the distances
    unchanged: the expansion cancels catastrophically when the data lie far from
    the origin (points near 10⁶ apart by 10⁻²). It still loses about half the digits
    of a distance that is tiny against ‖x‖ (a sample on its neuron reads ~1e-8 away):
    good enough to rank the neurons, so the winner's distance is taken again from
    x − w (:func:`_winner_sq_distances`) wherever it is reported. Computed :data:`CHUNK`
    rows at a time (one matrix product each); ``dtype=np.float32`` (for float32 data, to
    find winners) where float32's squares do not overflow, else float64."""
    center = W.mean(axis=0)
    D = np.empty((len(X), len(W)), dtype=dtype)
    for start in range(0, len(X), CHUNK):
        while True:
            shift = center.astype(D.dtype)  # (both sets by the same value: float32's rounded centre moved X alone,
            Wc = (W - shift).astype(D.dtype)  # which split a tie 1005 between neurons at 1000 and 1010 the wrong way)
            with np.errstate(over="ignore", invalid="ignore"):
                Xc = X[start : start + CHUNK] - shift
                block = (Xc * Xc).sum(1)[:, None] - 2 * Xc @ Wc.T + (Wc * Wc).sum(1)[None, :]
            if np.isfinite(block).all():
                break
            if D.dtype == np.float64:
                raise too_large_error(X, "the map: the squared distances ‖x − w‖²")
            done, D = D[:start], np.empty(D.shape)  # float32's squares overflow from 1.8e19: float64 from here
            D[:start] = done
        np.maximum(block, 0.0, out=D[start : start + CHUNK])
    return D


def _winners(X, W):
    """Each sample's winner (the first of equally near neurons), shape (n,), and the squared
    distances it was taken from: in float32 for float32 data (see docs/classic.md).

    The expansion's rounding, about eps·(‖x‖² + ‖w‖²) from the neurons' centre, could rank a farther
    neuron first or split an exact tie the other way (iris-like integer data: a point 5 away from two
    neurons went to the second, where the online rule and MiniSom take the first): where other neurons
    lie within that of the best, the distances from x − w decide, in float64."""
    D = _sq_distances(X, W, np.float32 if X.dtype == np.float32 else np.float64)
    c = D.argmin(axis=1)
    center = W.mean(axis=0)
    w_sq = float(((W - center) ** 2).sum(axis=1).max())
    eps = np.finfo(D.dtype).eps
    for start in range(0, len(X), CHUNK):
        block, picked = D[start : start + CHUNK], c[start : start + CHUNK]
        with np.errstate(over="ignore", invalid="ignore"):
            Xc = X[start : start + CHUNK] - center
            slack = 8 * eps * ((Xc * Xc).sum(axis=1) + w_sq)
        close = block <= block[np.arange(len(block)), picked][:, None] + slack[:, None]
        rows = np.flatnonzero(close.sum(axis=1) > 1)
        if len(rows):  # (rare: only the candidate pairs are computed again)
            exact = np.full((len(rows), len(W)), np.inf)
            r, j = np.nonzero(close[rows])
            for i in range(0, len(r), 65536):
                diff = X[start + rows[r[i : i + 65536]]] - W[j[i : i + 65536]]
                exact[r[i : i + 65536], j[i : i + 65536]] = np.einsum("ij,ij->i", diff, diff)
            picked[rows] = exact.argmin(axis=1)
    return c, D


def _winner_sq_distances(X, W, c):
    """‖x_i − w_c(i)‖², shape (n,), taken directly from x − w (in blocks: no (n, d) copy of X
    at once). The expansion in :func:`_sq_distances` cancels where x ≈ w: a sample on its
    neuron came out about 1e-8 away, not 0."""
    out = np.empty(len(X))
    for start in range(0, len(X), CHUNK):
        diff = X[start : start + CHUNK] - W[c[start : start + CHUNK]]
        out[start : start + CHUNK] = np.einsum("ij,ij->i", diff, diff)
    return out


def _quantization_error(X, W, c=None):
    """The quantization error (1/n) Σ ‖x_i − w_c(i)‖, the winners ``c`` (found here when None)
    at their distances computed again exactly (:func:`_winner_sq_distances`)."""
    c = _winners(X, W)[0] if c is None else c
    return float(np.sqrt(_winner_sq_distances(X, W, c)).mean())


def _principal_axes(X, k):
    """The mean of ``X`` (n, d), the ``k`` largest standard deviations of X along its principal
    axes, and those axes as rows, each signed so that its largest component is positive.

    With more samples than features, from the eigenvectors of the d × d scatter matrix
    Σ (x − x̄)(x − x̄)ᵀ, summed :data:`CHUNK` rows at a time (the SVD of 60000 × 784 rows took
    9.3 s, and a centred copy of MNIST alone seconds to allocate); otherwise from the SVD
    of the centred X, which is then the smaller problem."""
    n, d = X.shape
    mean = X.mean(axis=0, dtype=np.float64)
    # |X − x̄|'s largest (per column max − x̄ is exactly the max of x − x̄); squares of 1e200 overflow
    unit = max(np.max(X.max(axis=0) - mean, initial=0.0), np.max(mean - X.min(axis=0), initial=0.0))
    unit = unit if unit > 0 and not 1e-100 < unit < 1e100 else 1.0
    if n > d:
        scatter = np.zeros((d, d))
        for start in range(0, n, CHUNK):
            Xc = (X[start : start + CHUNK] - mean) / unit
            scatter += Xc.T @ Xc
        eigenvalues, V = np.linalg.eigh(scatter)  # ascending
        S = np.sqrt(np.maximum(eigenvalues[::-1], 0.0))
        Vt = V[:, ::-1].T
    else:
        _, S, Vt = np.linalg.svd((X - mean) / unit, full_matrices=False)
    S, Vt = S[:k], Vt[:k]
    rows = np.arange(len(Vt))
    Vt = Vt * np.sign(Vt[rows, np.argmax(np.abs(Vt), axis=1)])[:, None]
    return mean, S * unit / np.sqrt(max(n - 1, 1)), Vt


# how far the largest column standard deviation may exceed the typical one before fit warns
SPREAD_RATIO = 100
# rows that estimate the column standard deviations for that warning
SPREAD_ROWS = 10_000


def _column_stds(X):
    """Each column's standard deviation, :data:`CHUNK` rows at a time (a centred copy of MNIST is
    440 MB), each column first divided by its largest |x − x̄|: squares of 1e200 overflow, of 1e-200
    underflow. 0 for a constant column."""
    mean = X.mean(axis=0, dtype=np.float64)
    unit = np.maximum(X.max(axis=0) - mean, mean - X.min(axis=0))
    unit[unit == 0] = 1.0
    total = np.zeros(X.shape[1])
    for start in range(0, len(X), CHUNK):
        centred = X[start : start + CHUNK] - mean
        centred /= unit
        total += np.einsum("ij,ij->j", centred, centred)
    return unit * np.sqrt(total / len(X))


def _unscaled_warning(X, names):
    """The warning's text where a column's standard deviation exceeds the typical column's (the
    lower median of the non-constant ones) :data:`SPREAD_RATIO` times, else None. Such columns rule
    the distances ‖x − w‖ and the map barely follows the others. Against the typical column, not
    the smallest: MNIST's rarely lit border pixels (std 1e-4 against 0.45) need no standardizing.
    Taken from at most about :data:`SPREAD_ROWS` evenly spaced rows (all of MNIST's took 0.7 s)."""
    std = _column_stds(X[:: max(1, len(X) // SPREAD_ROWS)])
    varied = np.sort(std[std > 0])
    if len(varied) < 2:
        return None
    typical = varied[(len(varied) - 1) // 2]
    wide = np.flatnonzero(std > SPREAD_RATIO * typical)
    if len(wide) == 0:
        return None
    wide = wide[np.argsort(-std[wide])]
    named = ", ".join(f"{'column ' + str(j) if names is None else repr(str(names[j]))} ({std[j]:.3g})"
                      for j in wide[:3]) + (f" and {len(wide) - 3} more" if len(wide) > 3 else "")
    return (f"X's column standard deviations differ by more than {SPREAD_RATIO}×: {named} against "
            f"{typical:.3g} for a typical column. The widest columns dominate the distances ‖x − w‖, and "
            "the map barely follows the others. Standardize X first, e.g. with "
            "glassnet.preprocessing.StandardScaler (or (X - X.mean(axis=0)) / X.std(axis=0)).")


class SOM(TransformerMixin, BaseEstimator):
    """Self-organizing map on a rectangular or hexagonal grid.

    Parameters
    ----------
    grid : tuple of int (rows, cols)
    topology : {"rectangular", "hexagonal"}
    neighborhood : {"gaussian", "bubble"}
    learning_rate, final_learning_rate : float (final: or None)
        α at the start and at the end of training (online mode; final None: 0.01, or
        learning_rate where that is smaller, so that α decays unless a larger final value is
        given). With α ≤ 1 every step moves a neuron towards the sample. Above 1 a step
        overshoots the sample (with α·h > 2 it lands further away than it started), so online
        ``fit`` warns; where the weights then grow past 10⁶ times the largest |x| or initial |w|
        (checked after each epoch), ``fit`` stops with a ValueError that names the rate. On
        small data α may decay below 2 before that, and the map settles.
    sigma, final_sigma : float or None
        Neighbourhood radius σ at the start (None: max(rows, cols)/2) and end (None: 1.0, or
        sigma where that is smaller: a start below 1 widened the neighbourhood as it "decayed").
        ``sigma=0`` (with ``final_sigma`` 0 or None) moves only the winning neuron, w ← w + α·(x − w):
        a competitive layer (MATLAB's ``competlayer``, Kohonen's rule), with either neighbourhood.
    schedule : {"exponential", "linear", "inverse", "constant"}
        How α and σ decay between their start and final values; ``"constant"`` keeps
        ``learning_rate`` and ``sigma`` throughout (the finals are then ignored), as a hand step does.
    epochs : int
        Passes over the data; 0 with an array ``init`` keeps those weights (``fit`` then only
        sets the fitted attributes: a map of MiniSom's or saved weights).
    mode : {"online", "batch"}
        One update per sample, or Kohonen's batch map once per epoch.
    init : {"pca", "random"} or array of shape (rows·cols, n_features)
        Weights spread over the plane of the first two principal components,
        copies of randomly drawn samples, or the given weights.
    shuffle : bool
        Visit samples in a new random order each epoch (online mode).
    random_state : int, np.random.RandomState, np.random.Generator or None

    Attributes
    ----------
    weights_ : ndarray, shape (rows·cols, n_features)
        Neuron j sits at grid position ``divmod(j, cols)``.
    coordinates_ : ndarray, shape (rows·cols, 2)
        Neuron positions on the grid (neighbours at distance 1).
    grid_shape_ : tuple of int
        (rows, cols) of the fitted map (``grid`` may be set to another value since).
    topology_ : str
        The fitted map's ``topology``.
    quantization_errors_ : list of float
        Quantization error on the training data after initialisation (entry 0) and after each
        epoch: epochs + 1 values, to plot against ``range(epochs + 1)``.
    weights_history_ : ndarray, shape (epochs + 1, rows·cols, n_features)
        Only after ``fit(X, record_weights=True)``: the weights after
        initialisation and after each epoch.
    """

    @_named_init
    def __init__(
        self,
        grid=(10, 10),
        topology="rectangular",
        neighborhood="gaussian",
        learning_rate=0.5,
        final_learning_rate=None,
        sigma=None,
        final_sigma=None,
        schedule="exponential",
        epochs=10,
        mode="online",
        init="pca",
        shuffle=True,
        random_state=None,
    ):
        self.grid = grid
        self.topology = topology
        self.neighborhood = neighborhood
        self.learning_rate = learning_rate
        self.final_learning_rate = final_learning_rate
        self.sigma = sigma
        self.final_sigma = final_sigma
        self.schedule = schedule
        self.epochs = epochs
        self.mode = mode
        self.init = init
        self.shuffle = shuffle
        self.random_state = random_state

    # ---- checks --------------------------------------------------------------
    def _check_params(self):
        grid = self.grid
        if isinstance(grid, np.ndarray) and grid.ndim == 1:
            grid = tuple(grid)  # np.array([3, 3]) is a pair too
        if not isinstance(grid, (tuple, list)) or len(grid) != 2:
            raise ValueError(f"grid must be a pair (rows, cols). Received: grid={grid!r}")
        rows, cols = (check_positive_int(g, f"grid[{i}]") for i, g in enumerate(grid))
        for name, value, valid in [
            ("topology", self.topology, _TOPOLOGIES),
            ("neighborhood", self.neighborhood, _NEIGHBORHOODS),
            ("schedule", self.schedule, _SCHEDULES),
            ("mode", self.mode, ("online", "batch")),
        ]:
            check_choice(value, name, valid)
        if isinstance(self.init, str) and self.init not in ("pca", "random"):
            raise ValueError(
                f"init must be 'pca', 'random' or an array of shape (rows·cols, n_features). "
                f"Received: init={self.init!r}"
            )
        sigma = check_number(max(rows, cols) / 2 if self.sigma is None else self.sigma, "sigma", low=0)
        alpha = check_number(self.learning_rate, "learning_rate", low=0, low_open=True)
        # the defaults decay (α to 0.01, σ to 1) and never grow: SOM(sigma=0.5) widened its neighbourhood to 1
        final_alpha = min(0.01, alpha) if self.final_learning_rate is None else self.final_learning_rate
        final_sigma = min(1.0, sigma) if self.final_sigma is None else self.final_sigma
        if self.schedule == "constant":  # every schedule's formula gives the start where the final equals it
            final_alpha, final_sigma = alpha, sigma
        check_bool(self.shuffle, "shuffle")
        return dict(
            rows=rows,
            cols=cols,
            alpha=(alpha, check_number(final_alpha, "final_learning_rate", low=0, low_open=True)),
            sigma=(sigma, self._check_final_sigma(sigma, final_sigma)),
            epochs=self._check_epochs(),
        )

    def _check_final_sigma(self, sigma, final_sigma):
        """σ = 0 (only the winner moves: a competitive layer, MATLAB's competlayer) at both ends or at neither:
        the exponential and inverse schedules cannot decay to 0 or grow from it."""
        final_sigma = check_number(final_sigma, "final_sigma", low=0)
        if (sigma == 0) != (final_sigma == 0):
            raise ValueError(f"sigma and final_sigma must be both 0 (a competitive layer: only the winning neuron moves, "
                             f"w ← w + α·(x − w)) or both > 0. Received: sigma={self.sigma!r}, "
                             f"final_sigma={self.final_sigma!r}")
        return final_sigma

    def _check_epochs(self):
        """``epochs`` as an int: positive, or 0 with an array ``init`` (a map of given weights, e.g.
        MiniSom's or saved ones: ``fit`` then only sets the fitted attributes)."""
        if not isinstance(self.epochs, (int, np.integer)) or isinstance(self.epochs, bool) or self.epochs != 0:
            return check_positive_int(self.epochs, "epochs")
        if isinstance(self.init, str):
            raise ValueError(f"epochs must be a positive integer; epochs=0 (no training) needs init= an array of "
                             f"given weights, shape (rows·cols, n_features). Received: epochs=0, init={self.init!r}")
        return 0

    def _check_X(self, X, reset=False):
        # float32 data (MNIST's pixels) stay float32: a float64 copy of 70000 × 784 of them took
        # 4 s to allocate. Each value is exact in float64, where the weights and updates are.
        dtype = np.float32 if isinstance(X, np.ndarray) and X.dtype == np.float32 else np.float64
        if reset:
            X = check_X(X, "SOM", dtype=dtype, fitted=self)
            self.n_features_in_ = X.shape[1]
            return X
        check_is_fitted(self, "weights_")
        return check_X(X, "SOM", reset_features=self.n_features_in_, dtype=dtype, estimator=self)

    # ---- training ------------------------------------------------------------
    def _neighborhood(self, d2, sigma):
        """h = exp(−d²/(2σ²)) (Gaussian) or 1 where d ≤ σ (bubble)."""
        if self.neighborhood == "gaussian":
            # (2σ² at least the smallest float: a σ of 1e-200 squares to 0, and 0/0 at the winner
            # would make h NaN; this way it is 1 at the winner and 0 elsewhere, as σ → 0 does.
            # d²/tiny is inf away from the winner, h = e^-inf = 0: callers ignore the overflow)
            return np.exp(-d2 / max(2.0 * sigma * sigma, np.finfo(np.float64).tiny))
        return (d2 <= sigma * sigma + 1e-12).astype(np.float64)

    def _initial_weights(self, X, rows, cols, rng):
        if not isinstance(self.init, str):
            W = check_array(self.init, "init", ndim=2, dtype=np.float64).copy()
            if W.shape != (rows * cols, X.shape[1]):
                raise ValueError(
                    f"init must have shape (rows·cols, n_features) = {(rows * cols, X.shape[1])}. "
                    f"Received an array of shape {W.shape}."
                )
            return W
        if self.init == "random":
            return X[rng.choice(len(X), rows * cols, replace=len(X) < rows * cols)].astype(np.float64)
        # PCA: spread the grid over ±√λ along the first two principal axes,
        # the longer grid side along the first one.
        mean, scale, Vt = _principal_axes(X, 2)
        r, c = np.divmod(np.arange(rows * cols), cols)
        a = np.linspace(-1, 1, rows)[r] if rows > 1 else np.zeros(rows * cols)
        b = np.linspace(-1, 1, cols)[c] if cols > 1 else np.zeros(rows * cols)
        first, second = (b, a) if cols >= rows else (a, b)
        W = np.repeat(mean[None, :], rows * cols, axis=0)
        if len(scale) > 0:
            W += first[:, None] * scale[0] * Vt[0]
        if len(scale) > 1:
            W += second[:, None] * scale[1] * Vt[1]
        return W

    def fit(self, X, y=None, *, record_weights=False, on_epoch=None, on_progress=None):
        """Train the map on X, shape (n_samples, n_features); ``y`` is ignored.

        With ``record_weights=True``, ``weights_history_`` keeps the weights
        after initialisation and after each epoch, shape
        (epochs + 1, rows·cols, n_features), e.g. to animate the map unfolding.
        ``on_epoch(epoch, epochs, quantization_error)``, if given, is called after each
        epoch (1-based), e.g. to show progress: an online epoch of MNIST takes seconds.
        ``on_progress(epoch, samples_done, n_samples)``, if given, is called every
        :data:`PROGRESS_EVERY` online steps within an epoch (``epoch`` 1-based, the one under way).
        """
        p = self._check_params()
        record_weights = check_bool(record_weights, "record_weights")
        if on_epoch is not None and not callable(on_epoch):
            raise TypeError(f"on_epoch must be a function (epoch, epochs, quantization_error) or None. "
                            f"Received: on_epoch={on_epoch!r:.100}")
        if on_progress is not None and not callable(on_progress):
            raise TypeError(f"on_progress must be a function (epoch, samples_done, n_samples) or None. "
                            f"Received: on_progress={on_progress!r:.100}")
        X = self._check_X(X, reset=True)
        (n, d), neurons = X.shape, p["rows"] * p["cols"]
        # selforgmap(...)'s layout, X of shape (4, 150) for iris's 150 samples (20 images of 64 pixels are no such)
        if n <= neurons and d >= 10 * n:
            warnings.warn(f"X has {n} samples (rows) of {d} features for a map of {neurons} neurons "
                          f"({'as many neurons as' if n == neurons else 'more neurons than'} samples); if the columns "
                          "of X are the samples (MATLAB's selforgmap takes one per column), pass X.T.", UserWarning,
                          stacklevel=user_stacklevel(also=("sklearn",)))
        unscaled = _unscaled_warning(X, getattr(self, "feature_names_in_", None))
        if unscaled:
            warnings.warn(unscaled, UserWarning, stacklevel=user_stacklevel(also=("sklearn",)))  # (fit_transform's too)
        rng = random_state_rng(self.random_state)
        rows, cols, epochs = p["rows"], p["cols"], p["epochs"]
        # (n_samples, rows·cols) distances are held at once
        with sized_by(f"grid={self.grid!r} and epochs={epochs} with {len(X)} samples"):
            self._fit(X, rows, cols, epochs, p, rng, record_weights, on_epoch, on_progress)
        return self

    def _fit(self, X, rows, cols, epochs, p, rng, record_weights, on_epoch, on_progress=None):
        (a0, a1), (s0, s1) = p["alpha"], p["sigma"]
        self.grid_shape_, self.topology_ = (rows, cols), self.topology
        self.coordinates_ = grid_coordinates(rows, cols, self.topology)
        C = self.coordinates_
        W = self._initial_weights(X, rows, cols, rng)
        # what the weights stay within while α·h <= 1 (largest |x|, |w| without |X| copies)
        scale = max(X.max(), -X.min(), W.max(), -W.min(), 1.0)
        c = _winners(X, W)[0]  # each sample's neuron
        self.quantization_errors_ = [_quantization_error(X, W, c)]
        history = [W.copy()] if record_weights else None
        n = len(X)
        if self.mode == "online":
            if max(a0, a1) > 1:  # (the divergence error comes only if the weights blow up before α decays)
                rate = self._rate_named(a0 > 1)
                warnings.warn(f"{rate} is above 1: Kohonen's step w ← w + α·h·(x − w) with α·h > 1 moves a "
                              "neuron past the sample, and with α·h > 2 further from it than it was. Use a "
                              "learning rate in (0, 1].", UserWarning, stacklevel=user_stacklevel(also=("sklearn",)))
            T = epochs * n
            u = np.arange(T) / max(T - 1, 1)
            alphas = decay(a0, a1, u, self.schedule)
            sigmas = decay(s0, s1, u, self.schedule)
            t = 0
            step = np.empty_like(W)  # one buffer for w − x, then α·h·(w − x): no (M, d) array per sample
            # d(c, j)² between grid positions, row c for winner c: 3 µs a step less than from C. Only for
            # maps up to GRID_TABLE neurons: the table has M² entries (800 MB for a 100 × 100 map)
            grid_d2 = ((C[:, None, :] - C[None]) ** 2).sum(axis=2) if len(C) <= GRID_TABLE else None
            for e in range(epochs):
                order = rng.permutation(n) if self.shuffle else np.arange(n)
                # Online Kohonen learning is sequential over samples by definition; each step is
                # vectorised over all neurons. The samples go in blocks between two on_progress
                # calls, so that errstate is entered once a block (2 µs a step) and not around the hook.
                for done in range(0, n, PROGRESS_EVERY):
                    if on_progress is not None and done:
                        on_progress(e + 1, done, n)
                    with np.errstate(over="ignore", invalid="ignore"):  # checked after the epoch
                        for i in order[done : done + PROGRESS_EVERY]:
                            # w − x serves both the winner's distances and the step (w ← w − α·h·(w − x)):
                            # four passes over W a sample instead of six: about 1.5× faster on 784 MNIST features
                            np.subtract(W, X[i], out=step)
                            c = np.argmin(np.einsum("ij,ij->i", step, step))
                            d2 = grid_d2[c] if grid_d2 is not None else ((C - C[c]) ** 2).sum(axis=1)
                            h = self._neighborhood(d2, sigmas[t])
                            step *= (alphas[t] * h)[:, None]
                            W -= step
                            t += 1
                self._check_diverged(W, scale, a0 >= a1)
                self.quantization_errors_.append(_quantization_error(X, W))
                if record_weights:
                    history.append(W.copy())
                if on_epoch is not None:
                    on_epoch(e + 1, epochs, self.quantization_errors_[-1])
        else:
            u = np.arange(epochs) / max(epochs - 1, 1)
            sigmas = decay(s0, s1, u, self.schedule)
            for e in range(epochs):
                # w_j ← Σ_i h(c_i, j)·x_i / Σ_i h(c_i, j), summed neuron by neuron: with S_k the sum
                # of the samples neuron k wins and n_k their count, Σ_i h(c_i, j)·x_i = Σ_k h(k, j)·S_k
                counts = np.bincount(c, minlength=len(W)).astype(np.float64)
                S = np.zeros_like(W)
                winners = np.flatnonzero(counts)
                for k in winners:
                    S[k] = X[c == k].sum(axis=0, dtype=np.float64)  # (float32 data: summed in float64)
                mass, total = np.zeros(len(W)), np.zeros_like(W)
                # h between the winners k and every neuron j, a block of winners at a time: only the
                # neurons that win a sample weigh in (at most n_samples of them)
                step = max(1, BATCH_BLOCK // len(W))
                for start in range(0, len(winners), step):
                    k = winners[start : start + step]
                    d2 = (C[k, 0, None] - C[:, 0]) ** 2 + (C[k, 1, None] - C[:, 1]) ** 2  # (block, M)
                    with np.errstate(over="ignore"):
                        H = self._neighborhood(d2, sigmas[e])
                    mass += counts[k] @ H
                    total += H.T @ S[k]
                hit = mass > 0
                W[hit] = total[hit] / mass[hit, None]
                c = _winners(X, W)[0]  # the error now, and the next epoch's winners
                self.quantization_errors_.append(_quantization_error(X, W, c))
                if record_weights:
                    history.append(W.copy())
                if on_epoch is not None:
                    on_epoch(e + 1, epochs, self.quantization_errors_[-1])
        self.weights_ = W
        if record_weights:
            self.weights_history_ = np.array(history)
        return self

    def _rate_named(self, initial):
        """``learning_rate=5`` (``initial``) or ``final_learning_rate=...``, as the user gave it (not 5.0)."""
        return (f"learning_rate={self.learning_rate}" if initial
                else f"final_learning_rate={self.final_learning_rate}")

    def _check_diverged(self, W, scale, initial):
        """Online steps with α·h > 2 overshoot further each time: the weights grow past any
        sample. Say so, naming the learning rate (the ``initial`` one where it is the larger),
        before the distances overflow."""
        with np.errstate(over="ignore", invalid="ignore"):
            w_max = np.abs(W).max()
        if not w_max <= 1e6 * scale:  # (also NaN)
            rate = self._rate_named(initial)
            raise ValueError(
                f"The map's weights diverged (largest |w| = {w_max:.3g}; the data and the initial "
                f"weights lie within {scale:.3g}): {rate} is too large. Kohonen's rule "
                "w ← w + α·h·(x − w) moves towards the sample only while α·h <= 1; use a "
                "learning rate in (0, 1]."
            )

    # ---- using the map -------------------------------------------------------
    def _fitted(self):
        check_is_fitted(self, "weights_")

    def transform(self, X):
        """Euclidean distances ‖x − w_j‖ to every neuron, shape (n_samples, rows·cols).

        Each sample's distance to its winner is computed directly from x − w, so that a
        sample on a neuron is 0 away (not ~1e-8, as the fast expansion for the others gives)."""
        self._fitted()
        X = self._check_X(X)
        c, D = _winners(X, self.weights_)  # predict's winners
        D = D if D.dtype == np.float64 else _sq_distances(X, self.weights_)  # float64 values to return
        D[np.arange(len(X)), c] = _winner_sq_distances(X, self.weights_, c)
        return np.sqrt(D, out=D)

    def get_feature_names_out(self, input_features=None):
        """Names of :meth:`transform`'s columns, one distance per neuron: ``som0`` …
        ``som{rows·cols − 1}`` (scikit-learn's class-name prefix, as KMeans's ``kmeans0``).
        With it, ``set_output(transform="pandas")`` works on the map and on a Pipeline
        holding it."""
        self._fitted()
        if input_features is not None:
            input_features = np.asarray(input_features, dtype=object)
            if input_features.shape != (self.n_features_in_,):
                raise ValueError(f"input_features should have length equal to number of features "
                                 f"({self.n_features_in_}), got {len(input_features)}")
            names = getattr(self, "feature_names_in_", None)
            if names is not None and not np.array_equal(input_features, names):
                raise ValueError("input_features is not equal to feature_names_in_")
        return np.asarray([f"som{j}" for j in range(len(self.weights_))], dtype=object)

    def predict(self, X):
        """Index of the winning neuron (BMU) for each sample; ``divmod(index, cols)`` gives (row, col)."""
        self._fitted()
        return _winners(self._check_X(X), self.weights_)[0]

    def winner_coordinates(self, X):
        """Grid position (row, col) of each sample's winner, shape (n_samples, 2)."""
        return np.column_stack(np.divmod(self.predict(X), self.grid_shape_[1]))

    def winner_map(self, X):
        """How many samples each neuron wins, shape (rows, cols)."""
        counts = np.bincount(self.predict(X), minlength=len(self.weights_))
        return counts.reshape(self.grid_shape_)

    def label_map(self, X, y, fill=-1):
        """Each neuron's most common label among the samples it wins, shape (rows, cols)
        (MiniSom's ``labels_map`` reduced to the majority; of equally common labels the one met
        first in ``y``, as MiniSom's ``Counter.most_common`` picks).

        A neuron that wins no sample gets ``fill`` (default −1, never silently class 0, as a
        plain ``counts.argmax(1)`` gives). To classify new samples by their winner's label:
        ``som.label_map(X, y).ravel()[som.predict(X_new)]``; with ``fill`` the most common
        label of ``y`` (e.g. ``fill=np.bincount(y).argmax()``), an empty neuron's samples get
        that class, as MiniSom's classifier example does. Numeric labels with a numeric
        ``fill`` give a numeric array, other labels an object array."""
        winners = self.predict(X)
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != len(winners):
            raise ValueError(f"y must hold one label per sample of X, shape ({len(winners)},). "
                             f"Received shape {y.shape}.")
        try:
            classes, codes = np.unique(y, return_inverse=True)
        except TypeError:  # objects that cannot be ordered: str and int mixed, None among strings
            kinds = sorted({type(v).__name__ for v in y})
            raise TypeError(f"y must hold labels of one kind that can be sorted (all numbers or all strings). "
                            f"Received labels of types {', '.join(kinds)}.") from None
        counts = np.zeros((len(self.weights_), len(classes)), dtype=np.int64)
        codes = codes.ravel()
        np.add.at(counts, (winners, codes), 1)
        first = np.full(counts.shape, len(y))  # where each neuron first met each label: breaks ties
        np.minimum.at(first, (winners, codes), np.arange(len(y)))
        won = counts.sum(axis=1) > 0
        labels = classes[(counts * (len(y) + 1) - first).argmax(axis=1)]
        if classes.dtype.kind in "iuf" and isinstance(fill, (int, float, np.integer, np.floating)) \
                and not isinstance(fill, bool):
            out = np.where(won, labels, fill)
        else:
            out = labels.astype(object)
            out[~won] = fill
        return out.reshape(self.grid_shape_)

    def quantization_error(self, X):
        """Mean distance from each sample to its winner's weights: (1/n) Σ ‖x_i − w_c(i)‖."""
        self._fitted()
        return _quantization_error(self._check_X(X), self.weights_)

    def score(self, X, y=None):
        """Negative quantization error (higher is better, as scikit-learn expects)."""
        return -self.quantization_error(X)

    def adjacency(self):
        """Boolean (M, M) matrix of grid neighbours (distance 1: 4 on a rectangular
        grid, 6 on a hexagonal one). :func:`grid_neighbours` lists them in M × 4 or M × 6 entries."""
        self._fitted()
        table = grid_neighbours(*self.grid_shape_, self.topology_)
        A = np.zeros((len(table), len(table)), dtype=bool)
        rows, k = np.nonzero(table >= 0)
        A[rows, table[rows, k]] = True
        return A

    def topographic_error(self, X):
        """Fraction of samples whose best and second-best neurons are not grid neighbours."""
        self._fitted()
        if len(self.weights_) < 2:
            return 0.0
        # the best and the second best as two argmins (of equally near ones the first): a full
        # argsort of MNIST's 70000 × 100 distances took longer than the distances
        best, D = _winners(self._check_X(X), self.weights_)
        D[np.arange(len(D)), best] = np.inf
        second = D.argmin(axis=1)
        neighbours = grid_neighbours(*self.grid_shape_, self.topology_)
        apart = ~(neighbours[best] == second[:, None]).any(axis=1)
        return int(apart.sum()) / len(apart)  # (count/n: 6 of 200 is 0.03, where 1 − 0.97 printed 0.030000000000000027)

    def u_matrix(self):
        """Mean distance from each neuron's weights to its grid neighbours' weights, shape (rows, cols)."""
        self._fitted()
        W = self.weights_
        total, count = np.zeros(len(W)), np.zeros(len(W))
        # one neighbour of each neuron at a time (an (M, d) difference), directly from w_i − w_j:
        # exact for equal weights
        for j in grid_neighbours(*self.grid_shape_, self.topology_).T:
            has = j >= 0
            total[has] += np.linalg.norm(W[has] - W[j[has]], axis=1)
            count += has
        return (total / np.maximum(count, 1)).reshape(self.grid_shape_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64"]
        return tags

