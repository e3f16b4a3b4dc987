"""The estimator file: glassnet's model file plus a ``sklearn.json`` member.

``model_.save`` writes the architecture, weights and optimizer state (never
pickle); the member ``sklearn.json`` adds the hyperparameters and fitted
attributes as plain JSON, so loading runs no code from the file.
"""

import io
import json
import os
import tempfile
import zipfile

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .._io import atomic_write_bytes
from ..models import load_model

_META_NAME = "sklearn.json"
_META_FORMAT = "glassnet-sklearn"
_MAX_META_BYTES = 16 * 2**20
#: Fitted attributes saved in ``sklearn.json`` (coefs_/intercepts_ are views into the model).
_FITTED = (
    "n_features_in_", "n_iter_", "t_", "n_layers_", "n_outputs_", "out_activation_", "loss_",
    "loss_curve_", "best_loss_", "validation_scores_", "best_validation_score_",
    "validation_loss_curve_", "_no_improvement_count",
)


def _save(est, path):
    """Write the fitted ``est`` to ``path`` atomically (see ``_BaseMLP.save``)."""
    check_is_fitted(est, "model_")
    meta = {
        "format": _META_FORMAT,
        "format_version": 1,
        "estimator": type(est).__name__,
        "params": {k: _to_json(v, k) for k, v in est.get_params(deep=False).items()},
        "fitted": {k: _to_json(getattr(est, k), k) for k in _FITTED if hasattr(est, k)},
        "optimizer_key": list(est._optimizer_key) if est._optimizer_key else None,
    }
    if hasattr(est, "feature_names_in_"):
        meta["fitted"]["feature_names_in_"] = [str(s) for s in est.feature_names_in_]
    meta.update(est._extra_metadata())
    lb = getattr(est, "_label_binarizer", None)
    if lb is not None and lb.y_type_ in ("binary", "multiclass"):
        # the class label of each output index, where `glassnet predict/evaluate/info` look for it
        est.model_.metadata["classes"] = [str(c) for c in est.classes_]
    with tempfile.TemporaryDirectory(prefix="glassnet-") as folder:
        model_file = os.path.join(folder, "model.gn")
        est.model_.save(model_file)
        with open(model_file, "rb") as fh:
            buffer = io.BytesIO(fh.read())
    with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(_META_NAME, json.dumps(meta))
    atomic_write_bytes(path, buffer.getvalue())


def _load(cls, path):
    """An estimator of class ``cls`` from a file written by :func:`_save`."""
    path = os.fspath(path)
    model = load_model(path)
    with zipfile.ZipFile(path) as zf:
        try:
            info = zf.getinfo(_META_NAME)
        except KeyError:
            raise _load_error(
                path, "it is a glassnet model without estimator metadata; use glassnet.models.load_model."
            ) from None
        if info.file_size > _MAX_META_BYTES:
            raise _load_error(path, f"{_META_NAME} is larger than {_MAX_META_BYTES} bytes.")
        with zf.open(info) as fh:
            raw = fh.read(_MAX_META_BYTES + 1)
    try:
        meta = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _load_error(path, f"{_META_NAME} is not valid JSON ({exc}).") from None
    if not isinstance(meta, dict) or meta.get("format") != _META_FORMAT or meta.get("format_version") != 1:
        raise _load_error(path, f"{_META_NAME} is not glassnet estimator metadata (version 1).")
    if meta.get("estimator") != cls.__name__:
        raise _load_error(path, f"it holds a {meta.get('estimator')!r}, not a {cls.__name__}.")
    params, fitted = meta.get("params"), meta.get("fitted")
    if not isinstance(params, dict) or not isinstance(fitted, dict):
        raise _load_error(path, "params or fitted attributes are missing.")
    unknown = set(params) - set(cls._get_param_names())
    if unknown:
        raise _load_error(path, f"unknown parameters {sorted(unknown)}.")
    for key in ("hidden_layer_sizes", "activation"):
        if isinstance(params.get(key), list):
            params[key] = tuple(params[key])
    est = cls(**params)
    for key in _FITTED:
        if key in fitted:
            setattr(est, key, fitted[key])
    if "feature_names_in_" in fitted:
        est.feature_names_in_ = np.asarray(fitted["feature_names_in_"], dtype=object)
    key = meta.get("optimizer_key")
    if isinstance(key, list) and len(key) == 2:  # written before jit_compile existed
        key = [*key, False]
    # (solver, optimizer, jit_compile): the optimizer state in the file belongs to these settings
    est._optimizer_key = tuple(key) if isinstance(key, list) and len(key) == 3 else None
    est._restore_extra(meta, path)
    est.model_ = model
    est._sync_views()
    return est


def _load_error(path, message):
    return ValueError(f"Cannot load estimator file {path!r}: {message}")


def _to_json(value, name):
    """A hyperparameter or fitted attribute as JSON (a RandomState is saved as None)."""
    if isinstance(value, np.random.RandomState):
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (tuple, list, np.ndarray)):
        return [_to_json(v, name) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"Cannot save {name}={value!r} in the estimator metadata (JSON only).")


def _classes_to_json(classes):
    classes = np.asarray(classes)
    if classes.dtype == object and not all(isinstance(c, str) for c in classes):
        raise TypeError("Only string, integer, float or boolean class labels can be saved.")
    dtype = classes.dtype.str if classes.dtype != object else "object"
    return {"dtype": dtype, "values": [_to_json(c, "classes_") for c in classes]}


def _classes_from_json(spec, path):
    try:
        dtype = np.dtype(spec["dtype"])
        if dtype.kind not in "biufUO" or not isinstance(spec["values"], list):
            raise ValueError
        if dtype.kind == "O" and not all(isinstance(c, str) for c in spec["values"]):
            raise ValueError
        return np.asarray(spec["values"], dtype=dtype)
    except (KeyError, TypeError, ValueError):
        raise _load_error(path, "the class labels are malformed.") from None
