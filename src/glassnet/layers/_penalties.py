"""The penalties a layer adds to the loss: a regularizer's value checked to be one number,
Keras's activity loss ``R(Y) / n``, and the regularizer and constraint of a layer's one weight."""


def penalty(regularizer, X, argument, of):
    """``regularizer(X)`` as a float, checked to be one number: ``argument`` names the regularizer and
    ``of`` what ``X`` is, for the error."""
    value = regularizer(X)
    # one number joins the loss: a Regularizer subclass returning x * 0.01 (not its sum), a string or None
    # met float()'s bare "only 0-dimensional arrays can be converted to Python scalars"
    try:
        if isinstance(value, (str, bytes)) or getattr(value, "ndim", 0) != 0:
            raise TypeError
        # a float, not the value: a natural (W**2).sum() gives np.float32, or a tensor under torch, which
        # became the loss in fit's history and evaluate's result (float() reads the device once either way)
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{argument} {regularizer!r:.80} must return one number, the penalty of {of} of shape "
                        f"{tuple(X.shape)} (a sum, such as 0.01 * sum(x**2)). Received: {value!r:.80}") from None


def activity_penalty(regularizer, Y):
    """Keras's activity loss ``R(Y) / n``, ``n = Y.shape[0]`` the batch size (0 for an empty batch:
    Keras's divide_no_nan), as a float."""
    n = Y.shape[0] if Y.ndim else 1
    value = penalty(regularizer, Y, "activity_regularizer", "the layer's output")
    return value / n if n else 0.0


class OneWeightPenalty:
    """``weight_losses``, ``regularization_penalty`` and ``parameter_constraints`` of a layer whose one
    weight ``params[penalized_weight]`` ("alpha", "embeddings") has the regularizer
    ``<penalized_weight>_regularizer`` and the constraint ``<penalized_weight>_constraint``
    (PReLU, Embedding); listed before :class:`Layer` among the bases."""

    penalized_weight = None

    def _penalty_parts(self):
        key = self.penalized_weight
        return key, getattr(self, f"{key}_regularizer"), getattr(self, f"{key}_constraint")

    @property
    def adds_penalty(self):
        return getattr(self, f"{self.penalized_weight}_regularizer") is not None

    @property
    def weight_losses(self):
        key, regularizer, _ = self._penalty_parts()
        if not (self.built and self.trainable) or regularizer is None:
            return []
        return [self.weight_penalty(regularizer, key)]

    def regularization_penalty(self):
        key, regularizer, _ = self._penalty_parts()
        return 0.0 if regularizer is None else self.weight_penalty(regularizer, key)

    def parameter_constraints(self):
        key, _, constraint = self._penalty_parts()
        return {} if constraint is None else {key: constraint}
