"""The first layer's weights as images, one per neuron (:func:`plot_weights`)."""

import math

import numpy as np

from .._validation import check_array, check_positive_int
from ._figure import _finish, _image_shape, _new_figure


#: plot_weights' images share this many inches of width (beyond 10 columns of neurons they shrink)
MAX_WEIGHTS_WIDTH = 13
#: beyond this many neurons plot_weights draws their images as tiles of one picture (an Axes each: minutes)
MAX_WEIGHT_AXES = 100


def plot_weights(weights, shape=None, max_units=64, path=None):
    """The first layer's weights as images: one image per neuron (MNIST: 28×28).

    Parameters
    ----------
    weights : Sequential, estimator, layer or array of shape (n_inputs, units)
        A model (its first layer with weights ``W``; a glassnet.sklearn
        estimator's ``model_``, a scikit-learn MLP's ``coefs_[0]``, a linear
        model's ``coef_``), a layer with weights ``W`` (a Dense layer, its
        kernel) or ``W`` itself.
    shape : tuple (height, width), optional
        Image shape of one column of ``W`` (default: square, √n_inputs).
    max_units : int
        Show at most this many neurons.

    Each image is drawn on a diverging scale symmetric about 0: red
    pixels excite the neuron, blue ones inhibit it. Beyond 10 columns of
    images they shrink to fit 13 inches; beyond :data:`MAX_WEIGHT_AXES`
    (100) neurons they are tiles of one picture, numbered along its edges.
    """
    W = weights = getattr(weights, "model_", weights)  # a glassnet.sklearn estimator's network
    if hasattr(weights, "fit") and not hasattr(weights, "layers"):
        if hasattr(weights, "coef_"):  # the classic Perceptron, Adaline: one row of weights per neuron
            W = np.asarray(weights.coef_).T
        elif hasattr(weights, "coefs_"):  # scikit-learn's MLPClassifier/MLPRegressor: W of each layer
            W = weights.coefs_[0]
        elif hasattr(weights, "weights_"):  # a fitted SOM: one row per neuron
            raise ValueError(f"{type(weights).__name__} is not a network with a weight matrix W: draw the map with "
                             "plot_som(som, image_shape=(h, w)), each neuron's weights as an image at its grid place "
                             "(image data; plot_som(som) for other data), or pass the weights as columns, "
                             "plot_weights(som.weights_.T).")
        else:
            raise ValueError(f"{type(weights).__name__} has no network yet: fit it first, or pass a weight array "
                             "such as estimator.coefs_[0].")
    if hasattr(weights, "layers"):
        if hasattr(weights, "_ensure_built"):
            weights._ensure_built()  # a declared input size is enough, as for summary() and export()
        layer = next((l for l in weights.layers if "W" in getattr(l, "params", {})), None)
        if layer is None:
            raise ValueError("The model has no layer with weights W (is it built?).")
        W = layer.params["W"]
    elif hasattr(weights, "weight_names"):  # a layer: its kernel W (a Dense layer's, model.layers[0])
        if "W" not in weights.params:
            name = f" {weights.name!r}" if weights.name else ""
            raise ValueError(f"plot_weights takes a model, an estimator, a weight array W or a layer with weights W; "
                             f"the {type(weights).__name__} layer{name} has none"
                             + (" yet: build or fit its model first." if "W" in weights.weight_names else "."))
        W = weights.params["W"]
    W = check_array(W, "weights", ndim=2)
    n_in, units = W.shape
    shape = _image_shape(shape, n_in, "the weights have {n} inputs")
    units = min(units, check_positive_int(max_units, "max_units"))
    cols = math.ceil(math.sqrt(units))
    rows = math.ceil(units / cols)
    cell = min(1.3, MAX_WEIGHTS_WIDTH / cols)  # inches per image: many neurons share a page-wide figure
    fig = _new_figure((max(cell * cols + 0.8, 4.5), cell * rows + 0.4))  # wide enough for the title
    scale = float(np.abs(W[:, :units]).max()) or 1.0
    if not np.isfinite(2 * scale):  # matplotlib's colour scale spans vmax − vmin = 2·scale
        raise ValueError(f"weights holds values up to {scale:.3g}, too large for a colour scale; rescale them.")
    if units > MAX_WEIGHT_AXES:  # one picture of tiles, a grey line between them
        from matplotlib import colormaps
        from matplotlib.cm import ScalarMappable
        from matplotlib.colors import Normalize

        h, w = shape
        im = ScalarMappable(Normalize(-scale, scale), colormaps["RdBu_r"])
        tiles = np.ones((rows * (h + 1) - 1, cols * (w + 1) - 1, 4))  # white where no neuron is left
        for j in range(units):
            r, c = divmod(j, cols)
            tiles[r * (h + 1):(r + 1) * (h + 1), c * (w + 1):(c + 1) * (w + 1)] = (0.6, 0.6, 0.6, 1)
            tiles[r * (h + 1):r * (h + 1) + h, c * (w + 1):c * (w + 1) + w] = im.to_rgba(W[:, j].reshape(shape))
        axes = fig.add_subplot()
        axes.imshow(tiles, interpolation="nearest")
        axes.set_xticks(np.arange(cols) * (w + 1) + (w - 1) / 2, range(cols))
        axes.set_yticks(np.arange(rows) * (h + 1) + (h - 1) / 2, range(0, units, cols))
        axes.tick_params(length=0, labelsize=7)
        axes.set_xlabel("neuron = its row's number + its column's")
    else:
        axes = fig.subplots(rows, cols, squeeze=False)
        for j, ax in enumerate(axes.ravel()):
            ax.set_axis_off()
            if j < units:
                im = ax.imshow(W[:, j].reshape(shape), cmap="RdBu_r", vmin=-scale, vmax=scale)
                ax.set_title(str(j), fontsize=7)
    fig.colorbar(im, ax=axes, shrink=0.8, label="weight")
    fig.suptitle("first-layer weights, one image per neuron")
    return _finish(fig, path)
