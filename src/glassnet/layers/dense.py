"""Fully connected layer ``A = g(X W + b)`` with its backward pass."""

from .. import activations, backend, constraints, initializers, kernels, regularizers
from .._validation import check_bool, check_positive_int
from ..backend import get_namespace
from ._weights import NotBuiltError, refuse_weight_assignment
from .activation import ResolvedActivation
from .base import Layer, config_entry, initializer_entries, sample_shape, training_entries


#: activations whose forward may write its result over its input (each step reads only what it wrote)
_IN_PLACE = (activations.ReLU, activations.Sigmoid, activations.Tanh, activations.Softmax)


class RegularizedWeights:
    """``weight_losses`` and ``regularization_penalty`` of a layer whose ``_regularized()`` lists
    ``(regularizer, key of params)`` for each weight with a regularizer (Dense, the normalizations);
    listed before :class:`Layer` among the bases. A frozen layer's weights add no loss (as Keras)."""

    @property
    def weight_losses(self):
        if not (self.built and self.trainable):
            return []
        return [self.weight_penalty(regularizer, key) for regularizer, key in self._regularized()]

    def regularization_penalty(self):
        return sum((self.weight_penalty(regularizer, key) for regularizer, key in self._regularized()), 0.0)


class Dense(RegularizedWeights, Layer):
    """Fully connected layer (batch-first, lecture notation in the comments).

    Forward (blue path): ``Z = X W + b``, ``A = g(Z)`` where ``X`` is ``a^(l)``
    of shape ``(n, n_in)``, ``W`` is ``(n_in, units)``. Samples of more than one
    axis, ``(n, ..., n_in)``, go through as Keras's do: each row along the last
    axis is one ``x``, so the layer works on the ``(rows, n_in)`` view of ``X``
    and gives ``(n, ..., units)``; ``∂J/∂W`` and ``∂J/∂b`` sum over all the rows.

    Backward (red path), given ``dA = ∂J/∂A``:
    ``δ = dZ = dA ⊙ g'(Z)``, ``∂J/∂W = Xᵀ δ``, ``∂J/∂b = Σ_rows δ``,
    ``∂J/∂X = δ Wᵀ`` (the lectures' ``δ^(l) = (W^(l))ᵀ δ^(l+1) ⊙ g'(z^(l))``,
    transposed for batch-first arrays).

    Parameters
    ----------
    units : int
        Number of neurons.
    activation : str, Activation or callable, optional
        ``None`` means linear.
    use_bias : bool, default=True
        ``False`` leaves out ``b``: ``Z = X W``.
    kernel_initializer, bias_initializer : str or callable
        Keras's defaults: ``"glorot_uniform"`` and ``"zeros"``; any
        ``f(shape, dtype=None)`` works.
    kernel_regularizer, bias_regularizer : str or Regularizer, optional
    kernel_constraint, bias_constraint : str, Constraint or callable, optional
        ``W ← constraint(W)`` (``b`` likewise) after each update, as Keras
        (``kernel_constraint=constraints.MaxNorm(3)``); any ``f(w) -> w`` works.
    input_dim, input_shape : optional
        Declare the input size on the first layer.
    activity_regularizer : str or Regularizer, optional
        Keras's: ``R(A) / n`` of the layer's output ``A`` (after the
        activation; ``n`` the batch size) joins the loss (any layer takes it).
    """

    weight_names = ("W", "b")
    keras_param_names = {"W": "kernel", "b": "bias"}
    keras_unused = ("lora_rank", "lora_alpha", "quantization_config")
    activation = ResolvedActivation()  # (layer.activation = "linear" after construction too)

    def __init__(
        self,
        units,
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,  # Keras's, in its place (Layer's)
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units = check_positive_int(units, "units")
        self.activation = activation
        self.use_bias = check_bool(use_bias, "use_bias")
        self.kernel_initializer = initializers.get(kernel_initializer, "kernel_initializer")
        self.bias_initializer = initializers.get(bias_initializer, "bias_initializer")
        self.kernel_regularizer = regularizers.get(kernel_regularizer, "kernel_regularizer")
        self.bias_regularizer = regularizers.get(bias_regularizer, "bias_regularizer")
        self.kernel_constraint = constraints.get(kernel_constraint, "kernel_constraint")
        self.bias_constraint = constraints.get(bias_constraint, "bias_constraint")
        if not self.use_bias:
            self.weight_names = ("W",)

    @property
    def kernel(self):
        """``W``, shape ``(n_in, units)`` (Keras's name; the layer's live array)."""
        self._require_weights("kernel")
        return self._handed_out("W")

    @kernel.setter
    def kernel(self, value):
        refuse_weight_assignment(self, "kernel")

    @property
    def bias(self):
        """``b``, shape ``(units,)``, or None without ``use_bias`` (Keras's name)."""
        self._require_weights("bias")
        return self._handed_out("b") if "b" in self.params else None

    @bias.setter
    def bias(self, value):
        refuse_weight_assignment(self, "bias")

    def _require_weights(self, what):
        if "W" not in self.params:
            raise NotBuiltError(f"Dense.{what} exists once the layer is built (fit, predict or build first).")

    def compute_output_shape(self, input_shape):
        """As Keras's, the last axis to ``units``: ``(None, 784)`` -> ``(None, units)``, ``(8, 784)`` -> ``(8, units)``."""
        return (*tuple(input_shape)[:-1], self.units)

    def count_weights(self, input_shape):
        return int(input_shape[-1]) * self.units + (self.units if self.use_bias else 0)

    def build(self, input_shape):
        input_shape = sample_shape(input_shape)
        activations.check_layer_axis(self.activation, (*input_shape[:-1], self.units), "Dense")
        xp = get_namespace()
        n_in = input_shape[-1]  # samples of several axes: the kernel acts on the last, as Keras's
        self.params["W"] = initializers.initial_weights(self.kernel_initializer, (n_in, self.units), self.dtype,
                                                        "kernel_initializer")
        if self.use_bias:
            self.params["b"] = initializers.initial_weights(self.bias_initializer, (self.units,), self.dtype,
                                                            "bias_initializer")
        for key, value in self.params.items():
            # zeros, not zeros_like: NumPy's zeros leaves untouched pages to the OS (no memory
            # until used), and a model replaces these with views of its flat gradient vector
            self.grads[key] = xp.zeros(value.shape, dtype=value.dtype)
        super().build(input_shape)

    def forward(self, X, training=False):
        if X.ndim != 2:
            return self._forward_rows(X, training)
        self.X = X
        # In training, Z and A live in reused buffers (the step allocates nothing).
        Z_buf, A_buf = self._forward_buffers(X) if training else (None, None)
        Z = backend.matmul(X, self.params["W"], Z_buf)
        if training and self.jit_compile and self._compiled_relu(Z):
            # the two passes below as one compiled loop (glassnet.kernels)
            A = self.A = A_buf
            kernels.get("bias_relu")(Z, self.params["b"], A)
            self.Z = Z
            return A
        if self.use_bias:
            Z += self.params["b"]
        self.Z = Z
        # Inference: the built-in elementwise activations and softmax overwrite Z (a fresh array here; their
        # backward reads A only): a second array of the batch's size per layer cost a page-faulting allocation
        # (a 1024 × 100 ReLU: 1.3 ms against 0.3 ms). Training: reused buffers.
        out = A_buf if training else (Z if type(self.activation) in _IN_PLACE else None)
        # returned from a local: another thread's predict may release self.A meanwhile (release_caches)
        A = self.A = self.activation.forward(Z, out=out)
        return A

    def _forward_buffers(self, X):
        """The training pass's reused ``Z`` and ``A`` for a batch of ``X``'s rows (:meth:`buffer`'s),
        found together in one lookup: looked up one by one (nine lookups), the step's buffers took 8 % of
        a 2-2-1 network's step."""
        key = ("Z, A", X.shape[0], X.dtype)
        found = self._buffers.get(key)
        if found is None:
            shape = (X.shape[0], self.units)
            found = self._buffers[key] = (self.buffer("Z", shape, X.dtype), self.buffer("A", shape, X.dtype))
        return found

    def _forward_rows(self, X, training):
        """``(n, ..., n_in)`` samples: the forward pass of the ``(rows, n_in)`` view (a view of a
        C-ordered ``X``: no copy; the compiled loops take it too), shaped back to ``(n, ..., units)``."""
        xp = get_namespace()  # (xp.reshape: the Array API's arrays have no reshape method)
        A = self.forward(xp.reshape(X, (-1, X.shape[-1])), training)
        return xp.reshape(A, (*X.shape[:-1], self.units))

    def _compiled_relu(self, array):
        return (self.jit_compile and self.use_bias and type(self.activation) is activations.ReLU
                and kernels.use_for(array))

    def backward(self, dA):
        if dA.ndim != 2:
            return _unrows(self.backward(get_namespace().reshape(dA, (-1, self.units))), dA.shape)
        dZ, ones = self._backward_buffers(dA)
        if self.jit_compile and self._compiled_relu(dA):  # (the flag first: no call at each step without it)
            kernels.get("relu_backward")(dA, self.A, dZ)
        else:
            dZ = self.activation.backward(self.Z, self.A, dA, out=dZ)
        if type(self).backward_preactivation is not Dense.backward_preactivation:
            return self.backward_preactivation(dZ)  # a subclass's own
        return self._backward_preactivation(dZ, ones)

    def backward_preactivation(self, dZ):
        """Backward pass from ``δ = ∂J/∂Z`` (used directly when the loss fuses
        with the output activation, e.g. softmax + cross-entropy: ``δ = a − y``)."""
        if dZ.ndim != 2:
            return _unrows(self.backward_preactivation(get_namespace().reshape(dZ, (-1, self.units))), dZ.shape)
        ones = self.buffer("ones", (dZ.shape[0],), dZ.dtype, fill=1) if self.use_bias else None
        return self._backward_preactivation(dZ, ones)

    def _backward_preactivation(self, dZ, ones):
        """:meth:`backward_preactivation` of a 2-D ``dZ``, given the vector of ones that sums over its rows
        (None without a bias)."""
        self.delta = dZ
        backend.matmul(self.X.T, dZ, self.grads["W"])
        # a frozen layer's penalty (its own flag or its model's) is left out of the loss (as Keras), and so of
        # its gradient
        if self.kernel_regularizer is not None and self._trains_in_model():
            W = self.params["W"]
            self.add_penalty_gradient(self.kernel_regularizer, W, self.grads["W"])
        if self.use_bias:
            # Σ over the batch as a matrix-vector product: for a few dozen rows
            # it is twice as fast as dZ.sum(axis=0).
            backend.matmul(ones, dZ, self.grads["b"])
            if self.bias_regularizer is not None and self._trains_in_model():
                b = self.params["b"]
                self.add_penalty_gradient(self.bias_regularizer, b, self.grads["b"])
        if not self.needs_input_gradient:
            return None
        return backend.matmul(dZ, self.params["W"].T, self.buffer("dX", self.X.shape, dZ.dtype))

    def _backward_buffers(self, dA):
        """The backward pass's reused ``dZ`` and vector of ones (None without a bias) for a batch of
        ``dA``'s shape (:meth:`buffer`'s), found together in one lookup (see :meth:`_forward_buffers`)."""
        key = ("dZ, ones", dA.shape, dA.dtype)
        found = self._buffers.get(key)
        if found is None:
            ones = self.buffer("ones", (dA.shape[0],), dA.dtype, fill=1) if self.use_bias else None
            found = self._buffers[key] = (self.buffer("dZ", dA.shape, dA.dtype), ones)
        return found

    @property
    def adds_penalty(self):
        return self.kernel_regularizer is not None or self.bias_regularizer is not None

    def _regularized(self):
        """``(regularizer, key of params)`` of each weight array that has a regularizer."""
        found = ((self.kernel_regularizer, "W"), (self.bias_regularizer if self.use_bias else None, "b"))
        return [(regularizer, key) for regularizer, key in found if regularizer is not None]

    def parameter_constraints(self):
        found = {"W": self.kernel_constraint, "b": self.bias_constraint if self.use_bias else None}
        return {key: constraint for key, constraint in found.items() if constraint is not None}

    def get_config(self):
        config = super().get_config()
        config.update(
            units=self.units,
            activation=config_entry(self.activation, activations.serialize),
            use_bias=self.use_bias,
        )
        config.update(training_entries(self, ("kernel_regularizer", "bias_regularizer"), regularizers, keep_unset=True))
        config.update(initializer_entries(self, ("kernel_initializer", "bias_initializer")))
        config.update(training_entries(self, ("kernel_constraint", "bias_constraint"), constraints))
        return config


def _unrows(dX, shape):
    """The ``(rows, n_in)`` input gradient of samples of several axes, shaped as the layer's
    input ``(n, ..., n_in)`` (``shape``: the output gradient's, ``(n, ..., units)``); None stays None."""
    return None if dX is None else get_namespace().reshape(dX, (*shape[:-1], dX.shape[-1]))
