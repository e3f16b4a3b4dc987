"""Image compression with an autoencoder (SPEC C6, seed 000 ssn5).

The image is cut into b×b blocks (zero-padded at the bottom and right to a
multiple of b); each block, a vector of b² pixels in [0, 1], is pushed
through a narrow network b² → k → b² trained to reproduce its input. The k
hidden values are the compressed block, the second layer decompresses it:

    code = g(x W1 + b1),   x̂ = σ(code W2 + b2),   loss = mean (x − x̂)²

Quality is the peak signal-to-noise ratio PSNR = 10·log10(1 / MSE) dB of the
returned reconstruction against the image (pixels in [0, 1]; the padding is
not counted); the compression ratio is the image's pixels per code value,
b²/k when the blocks tile the image exactly (values, not bits: a pixel and a
code value count one each, whatever their bit depths).
"""

import numbers
from dataclasses import dataclass

import numpy as np

from .._validation import check_array, check_number, check_positive_int
from ..backend import from_numpy, make_rng, to_numpy

__all__ = ["compress_image", "CompressionResult", "image_to_blocks", "blocks_to_image", "psnr"]

#: compress_image's default training: at least this many epochs and this many Adam steps
DEFAULT_EPOCHS, DEFAULT_STEPS = 20, 5000


def psnr(original, reconstruction, max_value=None):
    """Peak signal-to-noise ratio 10·log10(max² / MSE) in dB (inf when equal).

    ``max_value``, the range of the pixel values, defaults as scikit-image's
    ``data_range``, from ``original``'s dtype: the integer dtype's maximum (255
    for uint8 images; 8- and 16-bit integers only: int32/int64 data, such as a
    list of ints, must give ``max_value``), else 1.0 (pixels in [0, 1]); when ``original`` has
    negative values, the dtype's whole range (255 for int8, 2.0 for floats in
    [−1, 1]). An ``original`` with values outside that range, or above a given
    ``max_value``, is refused: the figure would be meaningless (uint8 pixels
    against a peak of 1 gave −1.9 dB).
    """
    a = check_array(original, "original", ndim=None)
    b = check_array(reconstruction, "reconstruction", ndim=None)
    if a.shape != b.shape:
        raise ValueError(f"original and reconstruction must have the same shape. Received {a.shape} and {b.shape}.")
    _check_same_scale(a, b)
    if max_value is None:
        if np.issubdtype(a.dtype, np.integer) and a.dtype.itemsize > 2:
            # (a list of ints is int64: a peak of 2⁶³ − 1 read 0..255 pixels off by 5 as 368 dB)
            raise ValueError(f"original has dtype {a.dtype}, whose largest value {np.iinfo(a.dtype).max} is no "
                             "pixel's peak: pass max_value (255 for 8-bit pixels) or give uint8/uint16 pixels.")
        low, high = ((float(np.iinfo(a.dtype).min), float(np.iinfo(a.dtype).max))
                     if np.issubdtype(a.dtype, np.integer) else (-1.0, 1.0))
        if a.size and a.min() < low:
            raise ValueError(f"original has values down to {a.min():g}, below {low:g}, the lowest a {a.dtype} image "
                             "may hold: pass the range of its pixel values as max_value.")
        if a.size and a.min() < 0 and a.max() > high:  # (without negatives: the message below)
            raise ValueError(f"original has values up to {a.max():g}, above {high:g}, the highest a {a.dtype} image "
                             "may hold: pass the range of its pixel values as max_value.")
        max_value = high if not a.size or a.min() >= 0 else high - low
    max_value = check_number(max_value, "max_value", low=0, low_open=True)
    a, b = a.astype(np.float64, copy=False), b.astype(np.float64, copy=False)
    if a.size and a.max() > max_value:
        raise ValueError(f"original has values up to {a.max():g}, above max_value={max_value:g}: pass the images' "
                         "peak value as max_value (255 for 8-bit pixels, 1 for pixels in [0, 1]).")
    mse = float(np.mean((a - b) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(max_value**2 / mse)


def _check_same_scale(original, reconstruction):
    """Refuse integer pixels (up to 255) against floats in [0, 1], either way round: their difference is
    no error of the reconstruction, whatever the peak (scikit-image's peak_signal_noise_ratio refuses
    images of different dtypes; a float reconstruction of integer pixels on their scale is accepted)."""
    named = {"original": original, "reconstruction": reconstruction}
    for name, other in (("original", "reconstruction"), ("reconstruction", "original")):
        pixels, floats = named[name], named[other]
        if (np.issubdtype(pixels.dtype, np.integer) and pixels.size and pixels.max() > 1
                and np.issubdtype(floats.dtype, np.floating) and floats.min() >= 0 and floats.max() <= 1):
            raise ValueError(f"{name} holds {pixels.dtype} pixels (up to {pixels.max()}) and {other} floats in "
                             "[0, 1]: the two are on different scales. Give both on one scale: multiply the floats "
                             "by the pixels' peak (255 for 8-bit pixels), or divide the pixels by it.")


def _check_hidden_activation(activation):
    """``compress_image``'s ``hidden_activation``, named in its errors (they spoke of an activation
    identifier, and a number was a ValueError)."""
    from .. import activations

    if not isinstance(activation, str) and not callable(activation):
        raise TypeError(f"hidden_activation must be an activation's name, such as 'linear' or 'sigmoid', or an "
                        f"Activation object. Received: hidden_activation={activation!r:.100}")
    try:
        activations.get(activation)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"hidden_activation: {exc}") from None


def image_to_blocks(images, block_size=8):
    """Cut images into flattened blocks.

    Parameters
    ----------
    images : ndarray, shape (H, W) or (n, H, W)
    block_size : int
        b; images are zero-padded at the bottom and right to multiples of b.

    Returns
    -------
    blocks : ndarray, shape (n · H'/b · W'/b, b²)
        Image by image, then block rows top to bottom, blocks left to right.
    padded_shape : tuple
        (n, H', W') after padding.
    """
    b = check_positive_int(block_size, "block_size")
    I = check_array(images, "images", ndim=None)
    if I.ndim not in (2, 3):
        raise ValueError(f"images must have shape (H, W) or (n, H, W). Received shape {I.shape}.")
    stack = I[None] if I.ndim == 2 else I
    n, H, W = stack.shape
    if b > max(H, W):  # (a 2×2 image cut into blocks of 10⁵ asked for 74.5 GiB of padding)
        raise ValueError(f"block_size must be at most the image's larger side, {max(H, W)}. Received: block_size={b}")
    Hp, Wp = -(-H // b) * b, -(-W // b) * b
    P = np.zeros((n, Hp, Wp), dtype=np.result_type(stack.dtype, np.float32))
    P[:, :H, :W] = stack
    blocks = P.reshape(n, Hp // b, b, Wp // b, b).transpose(0, 1, 3, 2, 4).reshape(-1, b * b)
    return blocks, (n, Hp, Wp)


def blocks_to_image(blocks, padded_shape, block_size=8):
    """Inverse of :func:`image_to_blocks`: shape ``padded_shape`` (n, H', W')."""
    b = check_positive_int(block_size, "block_size")
    if not isinstance(padded_shape, (tuple, list)) or len(padded_shape) != 3:
        raise ValueError(f"padded_shape must be (n, H', W'). Received: padded_shape={padded_shape!r:.100}")
    n, Hp, Wp = (check_positive_int(v, "padded_shape") for v in padded_shape)
    blocks = check_array(blocks, "blocks", ndim=2)
    if Hp % b or Wp % b or blocks.shape != (n * (Hp // b) * (Wp // b), b * b):
        raise ValueError(f"blocks of shape {blocks.shape} do not tile padded_shape={tuple(padded_shape)} "
                         f"with {b}×{b} blocks.")
    return blocks.reshape(n, Hp // b, Wp // b, b, b).transpose(0, 1, 3, 2, 4).reshape(n, Hp, Wp)


@dataclass
class CompressionResult:
    """One autoencoder codec and how well it reproduces the image.

    Attributes
    ----------
    k : int
        Hidden units: values per compressed block.
    block_size : int
    ratio : float
        Pixels of the image(s) per code value: b²/k when the blocks tile the
        image exactly, less when padding was needed (28×28 in 8×8 blocks with
        k=16: 784 / 256 = 3.06). It counts values, not bits: an 8-bit pixel
        and a code value (a 64-bit float in ``codes``) count one each, so a
        uint8 image has ratio / 8 bytes per byte of ``codes``; ``ratio`` in bytes
        would need codes quantized to 8 bits, which this codec does not do.
    psnr : float
        dB of ``reconstruction`` against the image, pixels in [0, 1] (for
        uint8 images: ``psnr(image, reconstruction, max_value=255)``).
    mse : float
        Mean squared error of ``reconstruction``, pixels in [0, 1].
    reconstruction : ndarray
        Same shape (and, for uint8 input, dtype) as the input image(s).
    codes : ndarray, shape (n_blocks, k)
        The compressed blocks.
    model : glassnet.models.Sequential
        The trained b² → k → b² network.
    history : History
        Training loss per epoch.
    """

    k: int
    block_size: int
    ratio: float
    psnr: float
    mse: float
    reconstruction: np.ndarray
    codes: np.ndarray
    model: object
    history: object

    def __str__(self):
        return (
            f"{self.block_size}x{self.block_size} blocks -> k={self.k}: ratio {self.ratio:g}:1, "
            f"PSNR {self.psnr:.2f} dB, MSE {self.mse:.5f}"
        )


def compress_image(
    image,
    k=16,
    block_size=8,
    *,
    hidden_activation="linear",
    epochs=None,
    batch_size=64,
    learning_rate=3e-3,
    seed=None,
    verbose=0,
):
    """Compress a grayscale image (or a stack of images) with a b² → k → b² autoencoder.

    Parameters
    ----------
    image : array-like, shape (H, W) or (n, H, W)
        uint8 pixels 0..255, or floats in [0, 1].
    k : int or sequence of int
        Hidden units; a sequence trains one codec per value and returns a list.
    block_size : int
        b: blocks of b×b pixels.
    hidden_activation : str
        Activation of the code layer: ``"linear"`` (default; with the sigmoid
        output it beats PCA's k-component code on MNIST for small k, up to about
        b²/2: from there PCA wins, and at k = b² PCA is exact while the codec stays
        near 30 dB, its sigmoid never reaching the pixels' exact 0 and 1) or
        ``"sigmoid"`` as in the lecture's demo. The output layer is always sigmoid.
    epochs : int or None
        Passes over the blocks. None (default): 20, or more when the image has
        few blocks, so that training takes at least 5000 Adam steps — one
        128×128 image is 256 blocks, 4 steps an epoch, and 20 epochs left its
        codec at 17 dB where PCA reaches 44.
    batch_size, learning_rate : training with Adam on the MSE.
    seed : int or None
        Seeds the weights and shuffling (same seed ⇒ same result).
    verbose : int
        Passed to ``fit``.

    Returns
    -------
    CompressionResult, or a list of them when ``k`` is a sequence.
    """
    from ..initializers import GlorotUniform
    from ..layers import Dense
    from ..models import Sequential
    from ..optimizers import Adam

    raw = check_array(image, "image", ndim=None)
    if raw.ndim not in (2, 3):
        raise ValueError(f"image must have shape (H, W) or (n, H, W). Received shape {raw.shape}.")
    if raw.ndim == 3 and raw.shape[2] in (3, 4) and raw.shape[0] > 4 and raw.shape[1] > 4:
        # (H, W, 3) would be read as H grayscale images 3 pixels wide: garbage, silently
        raise ValueError(
            f"image of shape {raw.shape} looks like one colour image (H, W, channels); compress_image "
            "takes grayscale images, shape (H, W) or (n, H, W). Convert it first, e.g. image.mean(axis=2), "
            "or compress the channels as a stack: np.moveaxis(image, 2, 0)."
        )
    if raw.dtype == np.uint8:
        pixels = raw.astype(np.float64) / 255.0
    else:
        pixels = raw.astype(np.float64)
        if pixels.min() < 0 or pixels.max() > 1:
            raise ValueError(
                f"image must hold uint8 pixels or floats in [0, 1]. Received values in "
                f"[{pixels.min():g}, {pixels.max():g}]; divide by the maximum first."
            )
    b = check_positive_int(block_size, "block_size")
    if b > max(pixels.shape[-2:]):
        raise ValueError(f"block_size must be at most the image's larger side, {max(pixels.shape[-2:])}. "
                         f"Received: block_size={b}")
    single = isinstance(k, (numbers.Number, str)) or not hasattr(k, "__iter__")
    ks = [check_positive_int(v, "k") for v in ([k] if single else list(k))]
    if not ks:
        raise ValueError("k must be a positive int or a non-empty sequence of them. Received: k=[]")
    if any(v > b * b for v in ks):
        raise ValueError(f"k must be at most block_size² = {b * b} to compress. Received: k={k!r}")
    epochs = None if epochs is None else check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    learning_rate = check_number(learning_rate, "learning_rate", low=0, low_open=True)
    _check_hidden_activation(hidden_activation)

    X, padded_shape = image_to_blocks(pixels, b)
    if epochs is None:
        steps_per_epoch = -(-len(X) // batch_size)
        epochs = max(DEFAULT_EPOCHS, -(-DEFAULT_STEPS // steps_per_epoch))
    # Sequential's seed drives the shuffling; the initializers get their own seeds.
    s_init1, s_init2, s_shuffle = (int(v) for v in make_rng(seed).integers(0, 2**31, size=3))
    results = []
    for units in ks:
        model = Sequential(
            [
                Dense(units, activation=hidden_activation, input_dim=b * b,
                      kernel_initializer=GlorotUniform(seed=s_init1)),
                Dense(b * b, activation="sigmoid", kernel_initializer=GlorotUniform(seed=s_init2)),
            ],
            seed=s_shuffle,
        )
        model.compile(loss="mse", optimizer=Adam(learning_rate=learning_rate))
        history = model.fit(X, X, batch_size=batch_size, epochs=epochs, verbose=verbose, shuffle=True)
        X_hat = np.asarray(model.predict(X), dtype=np.float64)
        codes = to_numpy(model.layers[0].forward(from_numpy(X, dtype=model.dtype))).astype(np.float64)
        padded = blocks_to_image(X_hat, padded_shape, b)
        H, W = pixels.shape[-2:]
        recon = padded[:, :H, :W].reshape(pixels.shape)
        if raw.dtype == np.uint8:
            recon = np.clip(np.rint(recon * 255.0), 0, 255).astype(np.uint8)
            shown = recon / 255.0  # the figures describe what is returned, rounding included
        else:
            shown = recon
        results.append(
            CompressionResult(
                k=units,
                block_size=b,
                ratio=pixels.size / codes.size,
                psnr=psnr(pixels, shown),
                mse=float(np.mean((pixels - shown) ** 2)),
                reconstruction=recon,
                codes=codes,
                model=model,
                history=history,
            )
        )
    return results[0] if single else results
