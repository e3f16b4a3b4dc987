"""Gradient norms and clipping (Keras's ``clipnorm`` and ``global_clipnorm``): ``‖g‖`` computed
without overflow, and ``g`` scaled in place to a norm limit, with Keras's NaN rules for a norm that
is not finite."""

import math

import numpy as np

from ..backend import astype, get_namespace, numpy_dtype


def _norm(g):
    """‖g‖ without overflow: g·g in float32 overflows at |g| ~ 1e19 (float16 at 256), and
    clipping by an infinite norm would zero the gradient."""
    xp = get_namespace(g)
    scale = float(xp.max(xp.abs(g))) if g.shape[0] else 0.0
    if scale == 0.0 or not math.isfinite(scale):
        return scale
    gs = g / scale
    return scale * math.sqrt(float(xp.sum(gs * gs)))


def _clip_norm(g, limit, nan_if_infinite=False):
    """Scale ``g`` in place to the norm ``limit`` where its norm is above it.

    As Keras, a gradient whose norm is NaN becomes all NaN (its finite entries are not left
    unclipped), and one whose norm is infinite too with ``nan_if_infinite`` (global_clipnorm: no
    scale); otherwise (clipnorm) an infinite norm scales by 0: finite entries 0, infinite ones NaN.
    Either way fit then stops as diverged.
    """
    if numpy_dtype(g) == np.float16:  # in float32: float16's Σ(g/max|g|)² of 10^5 equal g was inf, and g became 0
        g32 = astype(g, "float32")
        _clip_norm(g32, limit, nan_if_infinite)
        g[...] = g32
        return
    if isinstance(g, np.ndarray):
        norm = _norm(g)
        if math.isnan(norm) or (nan_if_infinite and math.isinf(norm)):
            g[...] = math.nan
        elif norm > limit:
            with np.errstate(invalid="ignore"):  # an infinite norm: inf · 0 is NaN
                g *= limit / norm
        return
    # other namespaces: _norm on the device, as float() of it would wait for the device twice
    # a variable and step; a factor of 1 where the norm is within the limit leaves g as it is
    xp = get_namespace(g)
    scale = xp.max(xp.abs(g))
    finite = xp.isfinite(scale)
    gs = g / xp.where(finite & (scale > 0), scale, xp.ones_like(scale))
    norm = xp.where(finite, scale * xp.sqrt(xp.sum(gs * gs)), scale)
    factor = limit / xp.where(norm > limit, norm, xp.full_like(norm, limit))
    no_scale = xp.isnan(norm) | xp.isinf(norm) if nan_if_infinite else xp.isnan(norm)
    g *= xp.where(no_scale, xp.full_like(factor, math.nan), factor)


def _variable_norm(x):
    """``‖x‖`` as a float, float16 in float32: a float16 sum of squares overflows past 65504."""
    return _norm(astype(x, "float32") if numpy_dtype(x) == np.float16 else x)
