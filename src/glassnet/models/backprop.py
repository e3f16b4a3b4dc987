"""The passes of a :class:`~glassnet.models.Sequential` through its layers: forward (the blue path, each
layer keeping its cache), the loss with the weight and activity penalties, and backward (the red path, filling
the flat gradient vector), as fit's step runs them; ``gradients`` runs one for a custom training loop.

:class:`Backprop` is the part of ``Sequential`` that runs them.
"""

import numpy as np

from .. import backend, losses
from .._validation import check_bool
from ..optimizers.base import note_gradients
from ..threads import model_lock
from ._input_pass import _down_to_the_inputs, _input_gradient


#: the arrays a layer keeps from its last pass for the backward one
_CACHES = ("X", "Z", "A", "Y", "delta", "mask", "X_hat", "inv_std")


def _scaled(delta, loss_scale, half):
    """The output's delta times the loss scale, rounded to float16 where it was taken in float32 (``half``)."""
    return backend.astype(delta * loss_scale, "float16") if half else delta * loss_scale


class Backprop:
    """Sequential's forward and backward passes, its loss and penalties, and ``gradients``."""

    #: compile's ``loss_weights`` of the one output: the loss ``J`` and its gradient are weighted by it, the
    #: penalties are not (Keras's ``w J + R``); 1 (a class default too for models pickled before it was one)
    _loss_weight = 1.0

    # -- forward and backward ------------------------------------------------------
    def forward(self, X, training=False, pins=None):
        """``a^(L)`` for inputs ``X`` (the blue path), keeping each layer's cache; ``pins``
        ({layer: mode}) runs those layers in their own mode instead of ``training``."""
        A = X
        if isinstance(X, np.ndarray) and not backend.is_numpy():
            A = backend.from_numpy(X)  # user data enters the namespace (and its device) here
        for layer in self._layers:
            A = layer.forward(A, training=pins.get(layer, training) if pins else training)
            if layer.activity_regularizer is not None:
                layer.keep_activity(A)
        return A

    def backward(self, Y, A, sample_weight=None, down_to=None, loss_scale=None):
        """Fill the flat gradient vector with ``∂J/∂w`` (the red path), down to the layer of index
        ``down_to`` (None: the first layer with weights); the layers below it keep their gradients.
        ``loss_scale`` s (a :class:`~glassnet.optimizers.LossScaleOptimizer`'s): the gradient of
        ``s·J`` instead, the output's delta and the penalties' gradients multiplied by s. compile's
        ``loss_weights`` w multiplies the output's delta alone (``J = w·loss + penalties``)."""
        if loss_scale is not None:
            for layer in self._layers:
                layer._penalty_scale = loss_scale
            try:
                self._backward(Y, A, sample_weight, down_to, loss_scale)
            finally:
                for layer in self._layers:
                    layer.__dict__.pop("_penalty_scale", None)
            return
        self._backward(Y, A, sample_weight, down_to)

    def _backward(self, Y, A, sample_weight, down_to, loss_scale=None, to_inputs=False):
        last = self._layers[-1]
        half = loss_scale is not None and backend.numpy_dtype(A) == np.float16
        if half:
            # float16's delta, e.g. 2(a − y)/n, underflows before it could be scaled: it is taken in
            # float32, scaled, then rounded to float16 (Keras differentiates the scaled loss)
            Y, A, sample_weight = (x if x is None or backend.numpy_dtype(x) != np.float16
                                   else backend.astype(x, "float32") for x in (Y, A, sample_weight))
        dZ = None
        # an activity penalty of the output is a gradient of the activation's output: no fused delta; nor
        # has a loss without a fused_delta of its own (Loss's gives None: its checks were skipped, 2 % of a
        # 2-2-1 network's step with the mean squared error)
        if (hasattr(last, "backward_preactivation") and last.activity_regularizer is None
                and getattr(type(self.loss), "fused_delta", None) is not losses.Loss.fused_delta):
            dZ = losses.output_delta(self.loss, last.activation, Y, A, sample_weight)
        scale = loss_scale
        if self._loss_weight != 1:  # the loss's gradient weighted, in the one multiplication of a loss scale
            scale = self._loss_weight if loss_scale is None else loss_scale * self._loss_weight
        if dZ is not None:
            d = last.backward_preactivation(dZ if scale is None else _scaled(dZ, scale, half))
        else:
            dA = self.loss.gradient(Y, A, sample_weight)
            # (before the output's activity penalty is added: its gradient is not weighted)
            dA = dA if scale is None else _scaled(dA, scale, half)
            d = last.backward(dA if last.activity_regularizer is None else last.add_activity_gradient(dA))
        # Layers below the first trainable one need no gradient at all (``to_inputs``: ∂J/∂x, returned).
        stop = 0 if to_inputs else self._first_trainable if down_to is None else max(down_to, self._first_trainable)
        for i in range(len(self._layers) - 2, stop - 1, -1):
            layer = self._layers[i]
            try:
                if layer.activity_regularizer is not None:
                    d = layer.add_activity_gradient(d)
                d = layer.backward(d)
            except (AttributeError, IndexError, TypeError, ValueError) as exc:
                self._refuse_returned(i, d, exc)
                raise
        self._check_grads_in_place()
        return d

    def _check_grads_in_place(self):
        """Refuse a layer whose backward rebound ``self.grads[key] = ...``: fit steps with the flat gradient
        vector, whose views the layer was given, so it trained nothing, silently. Checked once for each
        binding of the flat vectors (a few ``is`` tests)."""
        views = getattr(self, "_views", None)
        if views is None or self.__dict__.get("_grads_checked") == (id(views), len(views)):
            return
        layers = {id(layer): layer for layer in self._layers}
        for (owner, key, _), (_, grad) in zip(self._layout[2], views):
            layer = layers.get(owner)
            if layer is not None and layer._owner() is self and layer.grads.get(key) is not grad:
                raise TypeError(f"The backward of {layer._label()} replaced self.grads[{key!r}] with a new array, so "
                                f"training would not see its gradient. Write into the array it was given: "
                                f"self.grads[{key!r}][...] = ...")
        self._grads_checked = (id(views), len(views))

    def _refuse_returned(self, i, dX, exc):
        """Name the layer ``i + 1`` when the ∂J/∂X its backward returned, ``dX``, made the backward of the layer
        ``i`` fail (None, or not of shape ``(n, *output_shape)``): the error came from the layer it was passed to."""
        layer, below = self._layers[i + 1], self._layers[i]
        expected = getattr(below, "output_shape", None)
        shape = getattr(dX, "shape", None)
        if expected is None or (shape is not None and len(shape) == len(expected) + 1 and all(
                e is None or e == s for e, s in zip(expected, shape[1:]))):
            return
        got = (f"an array of shape {tuple(shape)}" if shape is not None
               else "None" if dX is None else f"{type(dX).__name__} {dX!r:.40}")
        raise ValueError(f"The backward of {layer._label()} returned {got}, where dX, the gradient of its inputs, of "
                         f"shape (n, {', '.join(map(str, expected))}) was expected (return it: dY @ W.T for a dense map), "
                         f"so the backward of {below._label()} failed: {exc}") from exc

    def release_caches(self, buffers=False):
        """Forget the activations kept for a backward pass (after inference on
        many samples they can be tens of MB) and, with ``buffers``, the training
        step's scratch arrays; the next pass recreates what it needs."""
        for layer in self._layers:
            for name in _CACHES:
                if getattr(layer, name, None) is not None:
                    setattr(layer, name, None)
            if buffers:
                layer._buffers.clear()

    def _own_caches(self):
        """Copy each activation kept for a backward pass that is a view of a larger NumPy array
        (the last batch of fit's data): it kept that whole array alive."""
        for layer in self._layers:
            for name in _CACHES:
                value = getattr(layer, name, None)
                if isinstance(value, np.ndarray) and value.base is not None and value.base.nbytes > value.nbytes:
                    setattr(layer, name, value.copy())

    def regularization_penalty(self):
        """The trainable layers' weight penalties (a frozen layer's weights are constants, and
        Keras counts only trainable weights' regularizers in the loss) and the activity
        penalties ``R(Y) / n`` of the last batch (each ``activity_regularizer``'s, in the loss
        as Keras's are, whether the layer trains or not)."""
        return self._weight_penalty() + self._activity_penalty()

    def _weight_penalty(self):
        return sum(layer.regularization_penalty() for layer in self._layers if self._trains(layer))

    def _activity_penalty(self):
        """The activity penalties of the batch that passed last (0.0 without such layers)."""
        return sum((layer.activity_penalty() for layer in self._layers
                    if layer.activity_regularizer is not None), 0.0)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The loss the optimizer minimises, as Keras 3's: the compiled loss of the outputs
        ``y_pred`` against the targets ``y`` (weighted by ``sample_weight``, times compile's
        ``loss_weights``) plus the weight penalties. As in Keras's, ``x`` and ``training`` change
        nothing."""
        if y is None or y_pred is None:
            missing = "y" if y is None else "y_pred"
            raise TypeError("compute_loss takes Keras 3's (x, y, y_pred, sample_weight, training): pass the targets "
                            f"and the model's outputs as compute_loss(y=..., y_pred=...). Received: {missing}=None")
        value = self._weighted_loss(y, y_pred, sample_weight)
        if self._has_regularizers:
            value += self.regularization_penalty()
        return value

    def _weighted_loss(self, Y, A, sample_weight=None):
        """The compiled loss of the outputs ``A`` times compile's ``loss_weights`` (without the penalties):
        the training step's, and each batch's of evaluate and fit's validation."""
        value = self.loss(Y, A, sample_weight)
        return value if self._loss_weight == 1 else value * self._loss_weight

    @property
    def _has_regularizers(self):
        for layer in self._layers:  # a loop, not any(generator): every training step asks
            if layer.adds_penalty or layer.activity_regularizer is not None:
                return True
        return False

    def _list_activity_losses(self):
        """Keras's ``model.losses`` after ``model(x)``, or after the pass a custom loop differentiates
        (:meth:`gradients`, Keras's ``model(x, training=True)`` under a GradientTape): each layer's activity
        penalty of that pass, so that ``loss_fn(y, logits) + sum(model.losses)`` is the loss differentiated."""
        for layer in self._layers:
            if layer.activity_regularizer is not None:
                layer._activity_losses = [layer.activity_penalty()]

    def input_gradients(self, x, y, sample_weight=None, training=False):
        """``∂J/∂x``, the gradient of the loss with respect to the inputs ``x`` (its shape): PyTorch's
        ``x.grad`` after ``loss.backward()``, TensorFlow's ``tape.gradient(loss, x)``, for an adversarial
        example (FGSM: ``x + ε·sign(∂J/∂x)``) or a saliency map.

        ``J`` is the compiled loss of the batch ``(x, y)`` (its mean over the rows, weighted by
        ``sample_weight`` and compile's ``loss_weights``) plus the layers' activity penalties (the weight
        penalties do not depend on ``x``). ``training=False`` differentiates the inference pass, as
        ``model(x)`` computes it (PyTorch's ``model.eval()``: no dropout, batch-norm moving statistics);
        ``training=True`` a training step's pass. It changes nothing: batch-norm moving statistics and
        dropout generators are put back after.
        """
        training = check_bool(training, "training")
        X, Y, w = self._prepare_xy(x, y, sample_weight, what="input_gradients")
        with _down_to_the_inputs(self):
            A = self.forward(X, training=training)
            Y, w = backend.to_namespace(Y, w)
            dX = self._backward(Y, A, w, None, to_inputs=True)
        return _input_gradient(self, dX, "input_gradients")

    def output_gradients(self, x, dy, training=False):
        """``∂(Σ dy ⊙ f(x))/∂x``, the gradient of the outputs ``f(x) = model(x)`` weighted by ``dy`` with
        respect to the inputs (a vector–Jacobian product, the shape of ``x``): PyTorch's
        ``torch.autograd.grad(model(x), x, grad_outputs=dy)``, TensorFlow's ``tape.gradient(model(x), x,
        output_gradients=dy)``. Row ``i`` is ``Σ_k dy[i, k] ∂f_k(x_i)/∂x_i``: no mean over the rows, no loss.

        ``dy`` has the outputs' shape ``(n, *output_shape)``, or ``output_shape`` alone for the same weights
        on every row. Saliency map of class ``k``: ``dy = np.eye(n_classes)[k]`` (of its probability after a
        softmax); of a hidden layer's unit: ``Model(model.inputs, layer.output).output_gradients(x, dy)``.
        The model need not be compiled; activity penalties are not part of ``f``. ``training`` and the side
        effects as :meth:`input_gradients`: it changes nothing, so a dropout that a subclass's call fixes in
        training mode draws the same mask at each call (the generators are put back).
        """
        from .._validation import check_array

        training = check_bool(training, "training")
        self._check_namespace()
        self._ensure_built()
        X = self._check_x(x)
        if not self.built:
            self.build((None, *X.shape[1:]))
        shape = (len(X), *self._layers[-1].output_shape)
        dY = check_array(dy, "dy", ndim=None, dtype=self.dtype)
        if dY.shape not in (shape, shape[1:]):
            raise ValueError(f"dy must have the outputs' shape {shape}, or {shape[1:]} for every row alike. "
                             f"Received an array of shape {dY.shape}.")
        with _down_to_the_inputs(self):
            self.forward(X, training=training)
            (d,) = backend.to_namespace(np.array(np.broadcast_to(dY, shape)))  # (a copy: backward may reuse it)
            for layer in reversed(self._layers):
                d = layer.backward(d)
        return _input_gradient(self, d, "output_gradients")

    def gradients(self, x, y, sample_weight=None, training=True, trainable_only=False, update_state=False,
                  return_outputs=False):
        """``∂J/∂w`` for every array of :meth:`get_weights`, in the same order
        (zeros for non-trainable statistics), on the batch ``(x, y)``.

        ``training=True`` computes them as a training step does (batch-norm
        batch statistics, dropout active). Like :meth:`trace`, it changes nothing:
        batch-norm moving statistics and dropout generators are put back after.

        For your own training loop, ``trainable_only=True`` returns the gradients of
        :attr:`trainable_weights` only, in their order (what
        ``optimizer.apply_gradients(zip(grads, model.trainable_weights))`` pairs), and
        ``update_state=True`` keeps what the training pass changes, as a step of ``fit``
        does: batch-norm moving statistics move and dropout draws its next masks.
        ``return_outputs=True`` returns ``(grads, outputs)``, the outputs of that same pass
        (Keras's loops take the logits for their loss and metrics from the pass they
        differentiate; a second ``model(x, training=True)`` would draw other dropout masks and
        move the batch-norm statistics twice).
        """
        from ..trace import _restore_side_effects, _save_side_effects

        training = check_bool(training, "training")  # ('False', a string, ran the training pass)
        trainable_only = check_bool(trainable_only, "trainable_only")
        update_state = check_bool(update_state, "update_state")
        return_outputs = check_bool(return_outputs, "return_outputs")
        X, Y, w = self._prepare_xy(x, y, sample_weight, what="gradients")
        # a training step's passes, and the gradient vector it fills: one at a time (threads.ModelLock)
        with model_lock(self).exclusive:
            saved = None if update_state else _save_side_effects(self)
            try:
                self._flat_grads[...] = 0
                A = self.forward(X, training=training)
                self._list_activity_losses()
                outputs = backend.numpy_copy(A) if return_outputs else None  # (backward may reuse A's buffer)
                Y, w = backend.to_namespace(Y, w)
                self.backward(Y, A, w)
            finally:
                if saved is not None:
                    _restore_side_effects(saved)
            out, owners = [], []
            for layer in self._layers:
                if trainable_only and not (layer.built and self._trains(layer)):
                    continue
                for key in layer.weight_names:
                    if key in layer.grads:
                        out.append(backend.numpy_copy(layer.grads[key]))
                    elif trainable_only:
                        continue
                    else:
                        out.append(np.zeros(layer.state[key].shape, dtype=backend.numpy_dtype(layer.state[key])))
                    owners.append((layer, key))
        if not trainable_only:
            note_gradients(self, out, owners)
        return (out, outputs) if return_outputs else out

