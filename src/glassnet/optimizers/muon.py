"""Keras 3.15's :class:`Muon`: matrices step by their momentum's orthogonalization (Newton–Schulz),
every other variable by AdamW."""

import math
import re
import warnings

from .._patterns import _LINEAR_ONLY, _path_pattern, _search
from .._validation import check_bool, check_non_negative_int, check_number
from ..backend import get_namespace
from .base import Optimizer, _square


class Muon(Optimizer):
    """Keras 3.15's Muon (Jordan et al. 2024; Liu et al. 2025's scaling): a matrix ``W`` of shape
    ``(n, k)`` keeps a momentum ``m ← μm + g`` and steps by its orthogonalization,
    ``W ← W − η·O·sqrt(max(n, k))·rms_rate`` (no factor with ``rms_rate=None``), where ``O`` is
    ``ns_steps`` Newton–Schulz iterations ``A = XXᵀ``, ``X ← aX + (bA + cA²)X`` from
    ``X = M / (‖M‖_F + 1e-7)`` (on ``Mᵀ`` when ``n > k``), ``M = g + μm`` (``nesterov=True``) or ``m``;
    η = ``learning_rate``, μ = ``momentum``, a = ``muon_a``, b = ``muon_b``, c = ``muon_c``.
    Every other variable steps by AdamW (``adam_beta_1``, ``adam_beta_2``, ``epsilon``, at the rate
    ``η·adam_lr_ratio``), as Keras decides: one that is not 2-D (vectors, and arrays of 3 or more axes
    too), one whose path holds "embedding" (``exclude_embeddings``) and one whose path a pattern of
    ``exclude_layers`` finds (``re.search``'s answer, in time linear in the path: a pattern that needs
    backtracking is refused, as :class:`OptimizerMap`'s keys). The weight decay is ``weight_decay`` for
    the matrices and ``adam_weight_decay`` for the others.

    The path is Keras's ``variable.path`` ("sequential/dense/kernel"; "dense/kernel" in a model of the
    functional ``Model(inputs, outputs)``): a pattern selects the same variables as in Keras, one on
    "kernel", a layer's or the model's name alike. ``v`` is kept for every
    parameter (0 for the matrices, which do not use it); Keras keeps it for the AdamW variables only.

    ``clipnorm``, ``clipvalue``, ``global_clipnorm``, ``use_ema``, ``ema_momentum``, ``ema_overwrite_frequency``,
    ``loss_scale_factor``, ``gradient_accumulation_steps`` and ``name`` are Keras's common optimizer arguments:
    see :class:`Optimizer`."""

    state_names = ("m", "v")
    by_variable = True  # which variables are matrices depends on the shapes it was built for

    def __init__(self, learning_rate=0.001, adam_beta_1=0.9, adam_beta_2=0.999, adam_weight_decay=0.004,
                 epsilon=1e-7, weight_decay=0.004, clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, exclude_layers=None, exclude_embeddings=True,
                 muon_a=3.4445, muon_b=-4.7750, muon_c=2.0315, adam_lr_ratio=1, momentum=0.95, ns_steps=5,
                 nesterov=True, rms_rate=0.2, **kwargs):
        super().__init__(learning_rate, weight_decay=weight_decay, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency, loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        self.adam_beta_1 = check_number(adam_beta_1, "adam_beta_1", low=0, high=1, high_open=True)
        self.adam_beta_2 = check_number(adam_beta_2, "adam_beta_2", low=0, high=1, high_open=True)
        self.adam_weight_decay = (None if adam_weight_decay is None
                                  else check_number(adam_weight_decay, "adam_weight_decay", low=0))
        self.epsilon = check_number(epsilon, "epsilon", low=0)
        if exclude_layers is not None and (isinstance(exclude_layers, str) or not isinstance(exclude_layers, (list, tuple))
                                           or not all(isinstance(k, str) for k in exclude_layers)):
            raise TypeError(f"exclude_layers must be a list of regular expressions (str) or None. "
                            f"Received: exclude_layers={exclude_layers!r:.100}")
        for keyword in exclude_layers or []:
            try:
                re.compile(keyword)
            except re.error as exc:
                raise ValueError(f"exclude_layers must hold regular expressions: {keyword!r:.100} is not one "
                                 f"({exc}). Received: exclude_layers={exclude_layers!r:.100}") from None
            try:
                _path_pattern(keyword)
            except ValueError as exc:  # (a model file's pattern too: refused before it is matched)
                raise ValueError(f"exclude_layers must hold regular expressions that glassnet can match without "
                                 f"backtracking: {keyword!r:.100} {exc} {_LINEAR_ONLY}. "
                                 f"Received: exclude_layers={exclude_layers!r:.100}") from None
        self.exclude_layers = list(exclude_layers or [])
        self.exclude_embeddings = check_bool(exclude_embeddings, "exclude_embeddings")
        self.muon_a = check_number(muon_a, "muon_a")
        self.muon_b = check_number(muon_b, "muon_b")
        self.muon_c = check_number(muon_c, "muon_c")
        self.adam_lr_ratio = check_number(adam_lr_ratio, "adam_lr_ratio", low=0)
        self.momentum = check_number(momentum, "momentum", low=0, high=1)
        self.ns_steps = check_non_negative_int(ns_steps, "ns_steps")
        self.nesterov = check_bool(nesterov, "nesterov")
        self.rms_rate = None if rms_rate is None else check_number(rms_rate, "rms_rate", low=0)

    def build(self, size, dtype=None, slices=None, shapes=None, paths=None):
        super().build(size, dtype, slices, shapes, paths)
        if isinstance(size, (list, tuple)):  # (Keras's build(variables): its build of their size has checked)
            return
        named = [path for path in self.paths if path]
        unused = [k for k in self.exclude_layers if named and not any(_search(k, path) for path in named)]
        if unused:  # a typo, or a pattern of glassnet's paths before they were Keras's ("dense/W")
            from ..models.divergence import user_stacklevel  # (models import the optimizers)

            warnings.warn(f"Muon's exclude_layers pattern(s) {unused} match no variable of this model: its paths are "
                          f"Keras's variable.path, such as {', '.join(map(repr, named[:3]))}.", UserWarning,
                          stacklevel=user_stacklevel())  # (the caller of fit or of build)

    def _uses_adam(self, shape, path):
        """Keras's ``_should_use_adamw``: not a matrix, an embedding, or an excluded layer's."""
        return (len(shape) != 2 or (self.exclude_embeddings and "embedding" in path.lower())
                or any(_search(keyword, path) for keyword in self.exclude_layers))

    def _variables(self):
        return zip(self.slices, self.shapes, getattr(self, "paths", None) or [""] * len(self.slices), strict=True)

    def _decay(self, w, lr):
        skipped = self._no_decay or [False] * len(self.slices)  # (exclude_from_weight_decay's variables)
        for (part, shape, path), skip in zip(self._variables(), skipped, strict=True):
            decay = self.adam_weight_decay if self._uses_adam(shape, path) else self.weight_decay
            if decay and not skip:
                w[part] *= 1.0 - lr * decay

    def _tiny_bound(self):
        # a matrix's m is divided by its own norm, not by sqrt(v) + ε: a tiny m still makes a whole step
        return 0.0

    def _orthogonalize(self, M):
        """Keras's ``zeropower_via_newtonschulz5`` of the 2-D ``M``: about ``UVᵀ`` of its SVD."""
        xp = get_namespace()
        a, b, c = self.muon_a, self.muon_b, self.muon_c
        tall = M.shape[0] > M.shape[1]
        X = M.T if tall else M
        X = X / (xp.sqrt(xp.sum(X * X)) + 1e-7)  # ‖X‖_F >= the spectral norm, which is then <= 1
        for _ in range(self.ns_steps):
            A = X @ X.T
            B = b * A + (c * A) @ A  # Keras's `c * A @ A`
            X = a * X + B @ X
        return X.T if tall else X

    def _update_all(self, w, g, lr):
        xp = get_namespace()
        t = self.iterations + 1
        alpha = lr * self.adam_lr_ratio * math.sqrt(1 - self.adam_beta_2**t) / (1 - self.adam_beta_1**t)
        for part, shape, path in self._variables():
            wv, gv, m, v = w[part], g[part], self.state["m"][part], self.state["v"][part]
            if not wv.shape[0]:
                continue
            if self._uses_adam(shape, path):  # AdamW, as Keras's Muon writes it
                m += (gv - m) * (1 - self.adam_beta_1)
                v += (_square(gv, xp.empty(gv.shape, dtype=v.dtype)) - v) * (1 - self.adam_beta_2)
                wv -= (m * alpha) / (xp.sqrt(v) + self.epsilon)
                continue
            m += gv + m * (self.momentum - 1)
            M = gv + self.momentum * m if self.nesterov else m
            step = lr * self._orthogonalize(xp.reshape(M, shape))
            if self.rms_rate is not None:  # Moonlight's: an update RMS like AdamW's
                step = step * math.sqrt(max(shape)) * self.rms_rate
            wv -= xp.reshape(step, (-1,))

    def get_config(self):
        return {**super().get_config(), "adam_beta_1": self.adam_beta_1, "adam_beta_2": self.adam_beta_2,
                "epsilon": self.epsilon, "exclude_layers": list(self.exclude_layers), "muon_a": self.muon_a,
                "muon_b": self.muon_b, "muon_c": self.muon_c, "adam_lr_ratio": self.adam_lr_ratio,
                "momentum": self.momentum, "ns_steps": self.ns_steps, "nesterov": self.nesterov,
                "exclude_embeddings": self.exclude_embeddings, "adam_weight_decay": self.adam_weight_decay,
                "rms_rate": self.rms_rate}
