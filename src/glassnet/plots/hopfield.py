"""Hopfield recall side by side (:func:`plot_hopfield_recall`): stored, noisy and recalled patterns,
and the energy during recall."""

import math

import numpy as np

from .._validation import check_array
from ._figure import _finish, _image_shape, _names, _new_figure


def _images(patterns, shape, name, n=None):
    """``patterns`` as images (p, height, width). A 2-D array holds p flat patterns (p, N), or one image: when
    ``shape`` is its shape, or when it holds the ``n`` values of one state of the recall's trace (both what
    ``Hopfield.recall`` returns for one 10×10 image)."""
    P = check_array(patterns, name, ndim=None)
    if P.ndim == 1:
        P = P[None, :]
    elif P.ndim == 2 and len(P) > 1:
        one_image = shape is None and P.size == n and P.shape[1] != n
        if one_image or (isinstance(shape, (tuple, list)) and tuple(shape) == P.shape):
            P = P[None]
        elif shape is None and math.isqrt(P.shape[1]) ** 2 != P.shape[1]:
            h, w = P.shape
            raise ValueError(f"Cannot infer a square image shape: {name} of shape {P.shape} reads as {h} patterns of "
                             f"N={w} values. For one {h}×{w} image, pass shape=({h}, {w}) (or {name}[None], of shape "
                             f"(1, {h}, {w})); for {h} patterns, shape=(height, width) of their {w} values.")
    if P.ndim == 3:
        if shape is not None and (not isinstance(shape, (tuple, list)) or tuple(shape) != P.shape[1:]):
            raise ValueError(f"shape={shape!r:.100} does not match {name}'s images of shape {P.shape[1:]}.")
        return P
    if P.ndim != 2:
        raise ValueError(f"{name} must have shape (p, N) or (p, height, width). Received shape {P.shape}.")
    return P.reshape(len(P), *_image_shape(shape, P.shape[1], f"{name} has N={{n}} per pattern"))


#: rows of plot_hopfield_recall's figure: three images each
MAX_RECALL_ROWS = 50
#: inches of width that plot_hopfield_recall's images share (they shrink to fit)
MAX_RECALL_WIDTH = 16


def plot_hopfield_recall(stored, noisy, recalled, shape=None, labels=None, trace=None, path=None):
    """Hopfield recall side by side: the stored pattern, the noisy start and
    what the network recalled, one row per pattern (+1 black, −1 white).

    Parameters
    ----------
    stored, noisy, recalled : array-like, shape (p, N) or (p, height, width)
        Bipolar patterns, row ``i`` of each belonging together (one pattern:
        shape (N,), or one image (height, width) given its ``shape=`` or
        ``trace=``, as ``Hopfield.recall`` returns it); at most
        :data:`MAX_RECALL_ROWS` (50) rows: pass a slice of a larger set.
        Many rows are laid out in blocks side by side (about √(p/2)
        blocks: 18 patterns in 3 blocks of 6 rows), 16 inches wide at most.
    shape : tuple, optional
        Image shape for flat patterns (default square).
    labels : list of str, optional
        A name per row (e.g. the bitmap names of ``load_bitmaps``).
    trace : HopfieldTrace, optional
        ``recall(..., return_trace=True)``'s trace: adds the energy
        E(s) = −½ sᵀWs of every state, which never rises in async mode.
    """
    n = np.shape(trace.states)[-1] if hasattr(trace, "states") else None  # the neurons of the trace's states
    S, N_, R = (_images(a, shape, name, n) for a, name in ((stored, "stored"), (noisy, "noisy"), (recalled, "recalled")))
    if not (len(S) == len(N_) == len(R)) or not (S.shape[1:] == N_.shape[1:] == R.shape[1:]):
        raise ValueError(f"stored, noisy and recalled must hold the same number of equal-shaped patterns. "
                         f"Received shapes {S.shape}, {N_.shape}, {R.shape}.")
    p = len(S)
    if p > MAX_RECALL_ROWS:
        raise ValueError(f"plot_hopfield_recall draws at most {MAX_RECALL_ROWS} patterns (one row each). "
                         f"Received {p}: pass a slice, such as stored[:10], noisy[:10], recalled[:10].")
    if labels is not None:
        labels = _names(labels, p, "labels", "pattern(s)")
    if trace is not None and not hasattr(trace, "energies"):
        raise TypeError("trace must be the HopfieldTrace of recall(..., return_trace=True). "
                        f"Received: {type(trace).__name__}")
    extra = 1 if trace is not None else 0
    blocks = max(1, round(math.sqrt(p / 2)))  # side by side, so that the figure is wider than high
    per = math.ceil(p / blocks)
    blocks = math.ceil(p / per)
    ratios = ([1, 1, 1, 0.25] * blocks)[:-1] + [2] * extra  # (a narrow gap between blocks)
    cell = min(2.0, MAX_RECALL_WIDTH / sum(ratios))
    fig = _new_figure((cell * sum(ratios), 0.95 * cell * per + 0.4))
    grid = fig.add_gridspec(per, len(ratios), width_ratios=ratios)
    for i in range(p):
        wrong = int(np.sum(R[i] != S[i]))
        block, row = divmod(i, per)
        for j, (img, title) in enumerate(((S[i], "stored"), (N_[i], "noisy"), (R[i], "recalled"))):
            ax = fig.add_subplot(grid[row, 4 * block + j])
            ax.imshow(img, cmap="gray_r", vmin=-1, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title(title)
            if j == 0 and labels is not None:
                ax.set_ylabel(str(labels[i]))
            if j == 1:
                ax.set_xlabel(f"{int(np.sum(N_[i] != S[i]))} bits flipped", fontsize=8)
            if j == 2:
                ax.set_xlabel("exact" if wrong == 0 else f"{wrong} bits wrong", fontsize=8)
    if trace is not None:
        ax = fig.add_subplot(grid[:, -1])
        E = np.asarray(trace.energies)
        lines = ax.plot(np.arange(len(E)), E.reshape(len(E), -1))
        if len(lines) > 1:  # which line is which pattern (equal final energies overlap)
            for i, line in enumerate(lines):
                line.set_label(str(labels[i]) if labels is not None and len(lines) == p else f"pattern {i + 1}")
                line.set_linestyle(("-", "--", ":", "-.")[i % 4])
            ax.legend(fontsize="small")
        ax.set_xlabel("update")
        ax.set_ylabel("energy E(s) = −½ sᵀWs")
        ax.set_title("energy during recall")
        ax.grid(alpha=0.3)
    return _finish(fig, path)
