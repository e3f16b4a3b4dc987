"""Spectral normalization of a Dense layer's kernel or an Embedding's table (Miyato et al. 2018),
as Keras's ``SpectralNormalization`` wrapper."""

import numpy as np

from .. import initializers
from .._validation import check_positive_int
from ..backend import astype, get_namespace, numpy_dtype
from .base import _PASS_CACHES, Layer, sample_shape, snake_case
from .dense import Dense
from .embedding import Embedding

#: Keras's ``ops.normalize`` bound on ``1/‖x‖`` (``backend.epsilon()``)
_EPSILON = 1e-7

#: the layers the wrapper takes, and the matrix it normalizes in each (Keras's ``kernel``, ``embeddings``)
_KERNELS = {Dense: "W", Embedding: "embeddings"}


def _normalize(x):
    """``x / ‖x‖`` over all of ``x``, as Keras's ``normalize(x, axis=None)``:
    ``x · min(1/sqrt(Σx²), 1/ε)`` (a zero ``x`` stays zero)."""
    xp = get_namespace()
    square_sum = xp.sum(x * x)
    inv_norm = 1.0 / _EPSILON if square_sum == 0 else min(1.0 / float(xp.sqrt(square_sum)), 1.0 / _EPSILON)
    return x * inv_norm


class SpectralNormalization(Layer):
    """A :class:`Dense` layer whose kernel, or an :class:`Embedding` whose table, training keeps
    at spectral norm (largest singular value) 1, as Keras's
    ``SpectralNormalization(layer, power_iterations=1)``.

    Training mode, before the wrapped layer runs (``W``: the Dense's kernel, of shape
    ``(n_in, units)``, or the Embedding's table ``E``, of shape ``(input_dim, output_dim)``; the
    non-trainable ``u`` of shape ``(1, W.shape[1])``), ``power_iterations`` times::

        v = normalize(u Wᵀ),   u = normalize(v W)

    then ``σ = v W uᵀ`` (the power method's estimate of ``W``'s largest singular value) and
    ``W ← W / σ``, ``u`` kept for the next step. As Keras, ``W`` is overwritten in place (Keras
    ``assign``s it): the layer then computes, and backpropagates, as the plain layer with the
    normalized matrix, and the optimizer steps it. An all-zero ``W`` is left as it is
    (and ``u`` too). Inference runs the wrapped layer as it is. A float16 kernel's power method
    runs in float32 (its squares underflow), the results stored in float16. A wrapped Embedding returns
    its rows for integer ids too (Keras's wrapper casts its output to the ids' dtype: integers).

    Parameters
    ----------
    layer : Dense or Embedding
        The layer to wrap (Keras also wraps convolutions, which glassnet lacks); a serialized
        config is read as that layer.
    power_iterations : int
        Power-method steps per training batch (a positive integer).

    Weights, in Keras's order: the kernel ``W`` (an Embedding's ``embeddings``), ``u`` (drawn
    from a truncated normal of standard deviation 0.02, as Keras), the bias ``b`` (when the Dense
    has one).
    """

    def __init__(self, layer, power_iterations=1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(layer, dict):  # a saved config (Keras's Wrapper.from_config deserializes it too)
            from . import deserialize

            if layer.get("class_name") == type(self).__name__:
                # refused before it is made: a file's wrapper of a wrapper of ... would recurse as deep as it nests
                raise TypeError("glassnet's SpectralNormalization wraps a Dense or an Embedding layer, not another "
                                f"SpectralNormalization. Received: layer={layer!r:.100}")
            layer = deserialize(layer)
        kind = next((cls for cls in _KERNELS if isinstance(layer, cls)), None)
        if kind is None:
            raise TypeError("glassnet's SpectralNormalization wraps a Dense or an Embedding layer (Keras also wraps "
                            f"convolutions, which glassnet lacks). Received: layer={layer!r:.100}")
        if layer.activity_regularizer is not None:  # the model sees the wrapper, whose output is the layer's
            raise ValueError(f"SpectralNormalization runs the wrapped layer inside it: give the wrapper the "
                             f"activity_regularizer, not the layer. Received: layer={layer!r:.100} with "
                             f"activity_regularizer={layer.activity_regularizer!r}")
        self.power_iterations = check_positive_int(power_iterations, "power_iterations")
        if layer.name is None:  # Keras names it at construction; a Keras file's config needs one
            layer.name = snake_case(kind.__name__)
        self.kernel_name = _KERNELS[kind]
        trainable, dtype = self.__dict__["_trainable"], self.__dict__["_dtype"]  # the wrapper's own arguments
        self.layer = layer
        self.trainable = trainable and layer.trainable
        self.dtype = dtype if dtype is not None else layer._own_dtype
        self.weight_names = (self.kernel_name, "u", *(k for k in layer.weight_names if k != self.kernel_name))

    # The wrapped layer's arrays and settings are the wrapper's: the model's flat buffers hold W and b
    # once (rebinding params, as a float64 copy does, rebinds the layer's); a frozen wrapper freezes
    # its layer (as Keras's Wrapper); the model's dtype is the layer's. Set before ``layer`` exists
    # (Layer.__init__), they wait in the wrapper.

    def _shared(name):  # noqa: N805 (a property factory, used in the class body only)
        def get(self):
            return getattr(self.layer, name) if "layer" in self.__dict__ else self.__dict__.get(f"_{name}")

        def set(self, value):
            self.__dict__[f"_{name}"] = value
            if "layer" in self.__dict__:
                setattr(self.layer, name, value)

        return property(get, set)

    params, grads, trainable, dtype = _shared("params"), _shared("grads"), _shared("trainable"), _shared("dtype")
    _buffers = _shared("_buffers")  # the step's reused arrays are the layer's (Layer.__call__ sets them aside)
    _own_dtype = property(lambda self: self.layer._own_dtype if "layer" in self.__dict__ else self.__dict__.get("_dtype"))
    del _shared

    def __call__(self, inputs, training=None):
        """As :meth:`Layer.__call__`; the wrapped layer's arrays from the model's last pass are kept too."""
        inner = self.layer.__dict__
        caches = {k: inner[k] for k in _PASS_CACHES if k in inner}
        try:
            return super().__call__(inputs, training=training)
        finally:
            for k in _PASS_CACHES:
                inner.pop(k, None)
            inner.update(caches)

    @property
    def keras_param_names(self):
        """The wrapped layer's Keras weight names (``kernel``, ``bias``), and Keras's ``vector_u`` for ``u``
        (its path "spectral_normalization/vector_u"); the key ``u`` stays glassnet's, in files too."""
        inner = self.__dict__.get("layer")
        return {**(inner.keras_param_names if inner is not None else {}), "u": "vector_u"}

    def parameter_paths(self):
        """The wrapped layer's paths under the wrapper's name, as Keras's
        ("spectral_normalization/dense/kernel"); ``u`` is not trained."""
        return [f"{self.name}/{path}" for path in self.layer.parameter_paths()]

    @property
    def units(self):  # a Dense's (an Embedding has none: hasattr is False, as for it)
        return self.layer.units

    @property
    def passes_gradient(self):  # an Embedding's input is ids: the model refuses weights before it
        return getattr(self.layer, "passes_gradient", True)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def count_weights(self, input_shape):  # u has one entry per output feature (the kernel's columns)
        return self.layer.count_weights(input_shape) + self.compute_output_shape(input_shape)[-1]

    def build(self, input_shape):
        input_shape = sample_shape(input_shape)
        self.layer.dtype = self.dtype
        if self.layer.built:
            if tuple(self.layer.input_shape) != tuple(input_shape):
                raise ValueError(f"The {type(self.layer).__name__} wrapped by {self._label()} was built for inputs "
                                 f"of shape {tuple(self.layer.input_shape)}, but here it receives {tuple(input_shape)}.")
        else:
            self.layer.build(input_shape)
        columns = self.params[self.kernel_name].shape[-1]
        self.state["u"] = initializers.initial_weights(initializers.TruncatedNormal(stddev=0.02),
                                                       (1, columns), self.dtype, "u")
        super().build(input_shape)

    def _sync(self):
        """Hand the wrapper's model-given settings to the layer it runs."""
        inner = self.layer
        inner.needs_input_gradient = self.needs_input_gradient
        inner.jit_compile = self.jit_compile
        inner._penalty_scale = self._penalty_scale  # a LossScaleOptimizer's scale, set on the model's layers
        if getattr(self, "_owner", None) is not None:
            inner._owner = self._owner  # its regularizers ask the model whether it trains

    #: set by glassnet.gradcheck: the training pass leaves W and u as they are (as dropout's fixed_mask)
    fixed_kernel = False

    def forward(self, X, training=False):
        self._sync()
        # a frozen wrapper leaves its weights as they are (glassnet restores a frozen layer's weights)
        if training and not self.fixed_kernel and self._trains_in_model():
            self.normalize_kernel()
        return self.layer.forward(X, training=training)

    def normalize_kernel(self):
        """One training-mode update: ``power_iterations`` power-method steps from ``u``, then
        ``W ← W / σ`` and ``u`` stored, in place; an all-zero kernel is left as it is."""
        xp = get_namespace()
        W, u = self.params[self.kernel_name], self.state["u"]
        if not xp.any(W != 0):
            return
        dtype = numpy_dtype(W)
        # float16 in float32: the squares of u·Wᵀ underflow below |x| ≈ 2.4e-4 (a kernel of 1e-3s
        # summed to 0) and 1/‖x‖ overflows, which made the kernel NaN
        W32, new_u = (astype(W, "float32"), astype(u, "float32")) if dtype == np.float16 else (W, u)
        # (invalid ignored: OpenBLAS's small products can raise a spurious FE_INVALID on finite inputs, numpy#24067,
        # which NumPy reports as "invalid value encountered in matmul"; fit's passes are quiet already)
        with np.errstate(invalid="ignore"):
            for _ in range(self.power_iterations):
                v = _normalize(xp.matmul(new_u, W32.T))
                new_u = _normalize(xp.matmul(v, W32))
            sigma = xp.matmul(xp.matmul(v, W32), new_u.T)  # (1, 1)
        if W32 is W:
            W /= sigma  # in place: no temporary of the kernel's size at every training step
        else:
            W[...] = astype(W32 / sigma, dtype.name)
        u[...] = astype(new_u, dtype.name)

    def backward(self, dY):
        self._sync()
        return self.layer.backward(dY)

    @property
    def backward_preactivation(self):
        """The wrapped Dense's, after the sync. A wrapped Embedding has none (nor an activation): the
        AttributeError makes ``hasattr`` false, as for the Embedding alone, so that fit takes the loss's
        gradient (it asked for the Embedding's activation and stopped on an AttributeError)."""
        backward = self.layer.backward_preactivation

        def backward_preactivation(dZ):
            self._sync()
            return backward(dZ)

        return backward_preactivation

    @property
    def activation(self):
        return self.layer.activation

    @property
    def adds_penalty(self):  # the layer's regularizers (the loss missed them: its gradient had them)
        return self.layer.adds_penalty

    @property
    def weight_losses(self):
        return self.layer.weight_losses if self.built else []

    def regularization_penalty(self):
        return self.layer.regularization_penalty()

    def parameter_constraints(self):
        return self.layer.parameter_constraints()

    def get_config(self):
        from . import serialize

        config = super().get_config()
        # the layer's own config (inside in_memory_configs its objects stay objects): a new layer
        # with the same settings, never this one, comes back from it; with Keras's "module" of a
        # built-in layer, which Keras's deserializer needs to find the class (glassnet's ignores it)
        layer = serialize(self.layer)
        config["layer"] = layer if "module" in layer else {"module": "keras.layers", **layer, "registered_name": None}
        config["power_iterations"] = self.power_iterations
        return config
