"""The flat parameter vectors of a :class:`~glassnet.models.Sequential`: after ``build``, every trainable
array of every layer is a view into one flat parameter vector (and every gradient into one flat gradient
vector), so the optimizer updates the whole network with a few large array operations.

:class:`FlatVectors` is the part of ``Sequential`` that binds the layers into those vectors, grows them
at ``add`` and shrinks them at ``pop``, takes shared layers back from another model that bound them since,
and finds the frozen slices; ``claim_handed_out`` lets a custom loop's step land on the arrays the layers use.
"""

import math
import weakref

from .. import backend
from .._validation import sized_by
from ..backend import get_namespace


#: how many times any model has bound its layers to flat vectors (see Sequential._claim_if_rebound)
_BINDS = [0]


#: id(array) -> (array, model), weakly: the model whose weights (its flat vectors' views) ``array`` is
_HANDED_OUT = {}


def _hand_out(model, arrays):
    """``arrays`` (model.weights, trainable_weights...) as given to a custom loop, each noted as ``model``'s."""
    for array in arrays:
        i = id(array)

        def forget(ref, i=i):
            if _HANDED_OUT.get(i, (None,))[0] is ref:  # not a later array that took the same id
                _HANDED_OUT.pop(i, None)

        try:
            _HANDED_OUT[i] = (weakref.ref(array, forget), weakref.ref(model))
        except TypeError:  # an array type without weak references: not found by claim_handed_out
            pass
    return arrays


def claim_handed_out(variables):
    """Before a custom loop's step on ``variables``: the models they were handed out by take their layers
    back, so that the step lands on the arrays the layers use. A model sharing the layers may hold them
    (a GAN's combined model computed since ``generator.trainable_variables`` was fetched), and the step on
    the generator's own arrays was lost, silently, when the layers were taken back."""
    for v in variables:
        ref, model_ref = _HANDED_OUT.get(id(v), (None, None))
        model = model_ref() if ref is not None and ref() is v else None
        if model is not None:
            model._claim_layers()


#: how much larger than needed an ``add`` that outgrows the flat vectors makes their buffers (as a list grows:
#: a quarter more, where twice as large doubled a large base's memory at Sequential([base]).add(Dense(10)))
_GROWTH = 1.25


class FlatVectors:
    """Sequential's methods that keep its layers' parameters and gradients in two flat vectors."""

    def _claim_layers(self):
        """Layers shared with another model (Keras's ``Sequential(base.layers[:-1] + [...])``)
        hold views into the flat vectors of the model that bound them last. Before this
        model computes, it takes them back, with their current weights, so that both
        models see one set of weights and each one's optimizer steps the arrays its
        layers use."""
        self._refuse_changed_nested()  # (before _binds_seen is set: at every use until the model is made again)
        if self.built and any(layer.params and getattr(layer, "_owner", lambda: None)() is not self
                              for layer in self._layers):
            self._bind_flat_buffers()
        self._binds_seen = _BINDS[0]

    def _claim_if_rebound(self):
        """:meth:`_claim_layers` when any model has bound layers since this one last
        looked (one integer comparison per training step): another model that shares
        layers may run inside a callback of this model's fit."""
        if getattr(self, "_binds_seen", None) != _BINDS[0]:
            self._claim_layers()

    def _bind_flat_buffers(self, spare=0):
        """Move all parameters and gradients into two flat vectors; layers keep views. The vectors
        are the start of two buffers with room for ``spare`` more parameters (:meth:`_bind_added`)."""
        from .layer_stack import _refuse_after_weights

        self._refuse_changed_nested()
        _BINDS[0] += 1
        self._binds_seen = _BINDS[0]
        xp = get_namespace()
        namespace = (backend.namespace_name(), backend.namespace_device())
        layout = [(id(l), k, tuple(v.shape)) for l in self._layers for k, v in l.params.items()]
        # (and the same dtype: a float64 copy of a float32 model, check_gradients's, needs new vectors)
        if getattr(self, "_layout", None) == (namespace, str(self.dtype), layout):
            self._take_back()
            return
        self._namespace = namespace
        size = sum(l.trainable_size for l in self._layers)
        # (zeros, never written here: the gradient vector's pages stay uncommitted until a backward pass
        # fills them, and a model that only predicts holds its weights once, as in Keras or PyTorch)
        with sized_by(f"The model's {size:,} parameters (twice: weights and gradients)"):
            self._flat_buffers = (xp.zeros(size + spare, dtype=self.dtype), xp.zeros(size + spare, dtype=self.dtype))
        self._slices, self._views, self._layout = [], [], (namespace, str(self.dtype), [])
        for layer in self._layers:
            self._bind_layer(layer, xp)
        self._end_flat_vectors(size)
        trainable = [i for i, l in enumerate(self._layers) if l.params]
        self._first_trainable = trainable[0] if trainable else len(self._layers)
        for layer in self._layers[self._first_trainable + 1:]:
            _refuse_after_weights(layer, self._layers[self._first_trainable])
        self._set_input_gradients()

    def _bind_layer(self, layer, xp):
        """Copy ``layer``'s parameters into the buffers after those bound so far and give it views
        of them; the flat vectors then end with it."""
        params, grads = self._flat_buffers
        offset = self._slices[-1].stop if self._slices else 0
        for key, value in layer.params.items():
            count = math.prod(value.shape)
            part = slice(offset, offset + count)
            params[part] = xp.reshape(xp.asarray(value), (-1,))
            layer.params[key] = xp.reshape(params[part], value.shape)
            layer.grads[key] = xp.reshape(grads[part], value.shape)
            self._slices.append(part)
            self._views.append((layer.params[key], layer.grads[key]))
            self._layout[2].append((id(layer), key, tuple(value.shape)))
            offset += count
        layer._owner = weakref.ref(self)

    def _end_flat_vectors(self, size):
        """The flat vectors: the buffers' first ``size`` entries (contiguous views), or the whole buffers
        where they have no room left (a model built at once trains plain vectors, as before)."""
        params, grads = self._flat_buffers
        self._flat_params, self._flat_grads = (params, grads) if size == params.shape[0] else (params[:size],
                                                                                            grads[:size])

    def _bind_added(self, layer):
        """Bind ``layer``, just appended, at the end of the flat vectors, in the buffers' room: the other
        layers keep their arrays (those held across an ``add`` stay live), and ``add`` takes constant
        time. Rebinding every layer at each add made 3,000 adds take 40 s; when the room runs out, all
        are bound into buffers ``_GROWTH`` times the size needed, with room for another such layer (few
        rebinds: amortised constant)."""
        size = self._slices[-1].stop if getattr(self, "_slices", None) else 0
        needed = size + layer.trainable_size
        namespace = (backend.namespace_name(), backend.namespace_device())
        layout = getattr(self, "_layout", None)
        if (layout is None or layout[:2] != (namespace, str(self.dtype))
                or needed > self._flat_buffers[0].shape[0]):
            total = sum(l.trainable_size for l in self._layers)
            self._bind_flat_buffers(spare=int((_GROWTH - 1) * total) + layer.trainable_size)
            return
        # (a layer shared with another model is this one's now: that one takes it back to compute; and this
        # one, whose other layers another model may hold, checks them at its next use: _binds_seen is not set)
        _BINDS[0] += 1
        self._bind_layer(layer, get_namespace())
        self._end_flat_vectors(needed)
        index = len(self._layers) - 1
        if self._first_trainable == index and not layer.params:  # (none with weights yet)
            self._first_trainable += 1
        layer.needs_input_gradient = index > self._first_trainable

    def _unbind_last(self, layer):
        """Leave the room of ``layer``, just popped, to the next ``add``; its arrays, the model's views,
        become its own copies (the next add would otherwise write over the weights of a layer handed back).
        The room's gradients are zeroed, as the next layer bound there expects (fresh buffers are zeros)."""
        entries = self._layout[2]
        k = 0
        while k < len(entries) and entries[-1 - k][0] == id(layer):
            k += 1
        stop = self._slices[-1].stop if self._slices else 0
        if k:
            del entries[-k:], self._slices[-k:], self._views[-k:]
        self._end_flat_vectors(self._slices[-1].stop if self._slices else 0)
        self._first_trainable = min(self._first_trainable, len(self._layers))
        if k and layer._owner() is self:  # (not when a model sharing it has taken it since)
            for arrays in (layer.params, layer.grads):
                for key, value in arrays.items():
                    arrays[key] = backend.copy(value)
        self._flat_buffers[1][self._flat_grads.shape[0]:stop] = 0

    def _take_back(self, start=0):
        """The layers from ``start``, taken back from a model sharing them (that bound them since) with their
        current weights: into the same arrays, so that those handed out (a custom loop's trainable_variables,
        a layer's params held) stay this model's weights; new ones went stale."""
        layers = self._layers[start:]
        views = iter(self._views[len(self._views) - sum(len(layer.params) for layer in layers):])
        for i, layer in enumerate(layers, start):
            for key in layer.params:
                P, G = next(views)
                P[...] = layer.params[key]
                layer.params[key], layer.grads[key] = P, G
            layer._owner = weakref.ref(self)
            layer.needs_input_gradient = i > self._first_trainable  # (as _set_input_gradients)

    def _set_input_gradients(self):
        """Each layer above the first with weights passes the gradient down; the layers from that
        one down need none. Set again when this model takes shared layers back: a layer first in
        another model (the decoder of Keras's autoencoder, ``decoder_layer(encoded_input)``) had
        been told it needs none, and the autoencoder's backward pass stopped at it."""
        for i, layer in enumerate(self._layers):
            layer.needs_input_gradient = i > self._first_trainable

    def _frozen_parts(self):
        """Slices of the flat parameter vector that belong to frozen layers (``trainable=False``)."""
        parts, offset = [], 0
        for layer in self._layers:
            size = layer.trainable_size
            if size and not self._trains(layer):
                parts.append(slice(offset, offset + size))
            offset += size
        return parts
