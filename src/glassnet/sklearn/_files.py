"""The estimator file: glassnet's model file plus a ``sklearn.json`` member.

``model_.save`` writes the architecture, weights and optimizer state (never
pickle); the member ``sklearn.json`` adds the hyperparameters and fitted
attributes as plain JSON, so loading runs no code from the file.
"""

import io
import json
import os
import sys
import tempfile
import warnings
import zipfile
import zlib

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from .. import activations
from .._io import atomic_write_bytes, check_replace, unique_keys, zip_members
from .._validation import check_path
from ..backend import standardize_dtype
from ..models import Sequential, load_model
from ..models.saving import CONFIG_NAME

_META_NAME = "sklearn.json"
_META_FORMAT = "glassnet-sklearn"
_MAX_META_BYTES = 16 * 2**20
#: the most memory the class labels of an estimator file may take as an array (10,000 labels of 1,000
#: characters need 40 MB)
_MAX_CLASS_BYTES = 64 * 2**20
#: Fitted attributes saved in ``sklearn.json`` (coefs_/intercepts_ are views into the model).
_FITTED = (
    "n_features_in_", "n_iter_", "t_", "n_layers_", "n_outputs_", "out_activation_", "loss_",
    "loss_curve_", "best_loss_", "validation_scores_", "best_validation_score_",
    "validation_loss_curve_", "_no_improvement_count",
)


def _save(est, path, overwrite=None):
    """Write the fitted ``est`` to ``path`` atomically (see ``_BaseMLP.save``)."""
    check_is_fitted(est, "model_")
    path = check_path(path, "path")
    overwrite = check_replace(path, overwrite, lambda p: CONFIG_NAME in zip_members(p),
                              "a glassnet model or estimator file")
    # a parameter set_params made invalid after fit is refused here, not by the loader of the file
    est._check_hyperparameters()
    params = est.get_params(deep=False)
    if params["dtype"] is not None:  # fit takes np.float32 and np.dtype("float32") too: saved by name
        params["dtype"] = standardize_dtype(params["dtype"])
    meta = {
        "format": _META_FORMAT,
        "format_version": 1,
        "estimator": type(est).__name__,
        "params": {k: _to_json(v, k) for k, v in params.items()},
        "fitted": {k: _to_json(getattr(est, k), k) for k in _FITTED if hasattr(est, k)},
        # (jit_compile may be a NumPy bool, which fit takes and json cannot write)
        "optimizer_key": _to_json(est._optimizer_key, "optimizer_key") if est._optimizer_key else None,
        # 'sgd''s learning-rate schedule as the saved optimizer was made with it (set_params may have changed the params)
        "schedule": list(est._schedule) if getattr(est, "_schedule", None) else None,
    }
    if hasattr(est, "feature_names_in_"):
        meta["fitted"]["feature_names_in_"] = [str(s) for s in est.feature_names_in_]
        # where `glassnet predict/evaluate` look for them, to take a CSV file's columns by name
        est.model_.metadata["features"] = [str(s) for s in est.feature_names_in_]
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
    atomic_write_bytes(path, buffer.getvalue(), overwrite=overwrite)


def load_estimator(path):
    """The estimator saved in ``path``, an MLPClassifier or an MLPRegressor, as its file says."""
    from . import MLPClassifier, MLPRegressor

    path = check_path(path, "path")
    kind = _read_meta(path).get("estimator")
    classes = {cls.__name__: cls for cls in (MLPClassifier, MLPRegressor)}
    if not isinstance(kind, str) or kind not in classes:  # a list in the file: not a TypeError (unhashable)
        raise _load_error(path, f"it names the estimator {kind!r:.80}, neither MLPClassifier nor MLPRegressor.")
    return classes[kind].load(path)  # in NumPy, whatever namespace is active (as MLPClassifier.load)


def _load(cls, path):
    """An estimator of class ``cls`` from a file written by :func:`_save`."""
    path = check_path(path, "path")
    with warnings.catch_warnings():  # refused below (_check_network), as scikit-learn's fit never leaves them
        warnings.filterwarnings("ignore", "(?s)The model file .* holds NaN or infinite values in its weights", UserWarning)
        model = load_model(path)
    meta = _read_meta(path)
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
    _check_params(est, path)
    fitted = _check_fitted(fitted, path)
    for key, value in fitted.items():
        setattr(est, key, value)
    key = meta.get("optimizer_key")
    if isinstance(key, list) and len(key) == 2:  # written before jit_compile existed
        key = [*key, False]
    # (solver, optimizer, jit_compile): the optimizer state in the file belongs to these settings
    est._optimizer_key = tuple(key) if isinstance(key, list) and len(key) == 3 else None
    est._schedule = _check_schedule(meta.get("schedule"), path)
    est._restore_extra(meta, path)
    _check_classes(est, path)
    _check_network(est, model, path)
    est.model_ = model
    return est


def _check_schedule(schedule, path):
    """``(learning_rate, learning_rate_init, power_t)`` from ``sklearn.json`` (None where absent: files
    written before it was saved; training then reads the parameters)."""
    if schedule is None:
        return None
    if not (isinstance(schedule, list) and len(schedule) == 3 and schedule[0] in ("constant", "invscaling", "adaptive")
            and _is_float(schedule[1], low=0) and schedule[1] > 0 and _is_float(schedule[2], low=0)):
        raise _load_error(path, f"schedule in {_META_NAME} must be [learning_rate, learning_rate_init > 0, "
                                f"power_t >= 0]; it is {schedule!r:.100}.")
    return schedule[0], float(schedule[1]), float(schedule[2])


def _read_meta(path):
    """The checked ``sklearn.json`` document of the estimator file ``path``."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"No estimator file at {path!r}.")
    if not os.path.isfile(path):  # a named pipe blocked zipfile for ever
        raise _load_error(path, "it is not a regular file (a folder, a named pipe, a device or a socket).")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, NotImplementedError, ValueError) as exc:  # (as load_model)
        raise _load_error(path, f"it is not a glassnet estimator file (a zip archive): {exc}.") from None
    with zf:
        try:
            info = zf.getinfo(_META_NAME)
        except KeyError:
            raise _load_error(
                path, "it is a glassnet model without estimator metadata; use glassnet.models.load_model."
            ) from None
        if info.file_size > _MAX_META_BYTES:
            raise _load_error(path, f"{_META_NAME} is larger than {_MAX_META_BYTES} bytes.")
        try:
            with zf.open(info) as fh:
                raw = fh.read(_MAX_META_BYTES + 1)
        except (zipfile.BadZipFile, EOFError, OSError, zlib.error, NotImplementedError, RuntimeError) as exc:
            raise _load_error(path, f"{_META_NAME} is corrupt ({type(exc).__name__}: {exc}).") from None
    try:
        meta = json.loads(raw.decode("utf-8"), object_pairs_hook=unique_keys)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise _load_error(path, f"{_META_NAME} is not valid JSON ({type(exc).__name__}: {str(exc)[:200]}).") from None
    if not isinstance(meta, dict) or meta.get("format") != _META_FORMAT or meta.get("format_version") != 1:
        raise _load_error(path, f"{_META_NAME} is not glassnet estimator metadata (version 1).")
    return meta


# -- checks of sklearn.json at load time: a malformed file fails here, not at first use --------
def _check_params(est, path):
    """The hyperparameters pass the checks ``fit`` makes (TypeError/ValueError)."""
    for name, value in est.get_params(deep=False).items():
        if isinstance(value, int) and abs(value) > sys.float_info.max:  # fit's checks compare as floats
            raise _load_error(path, f"{name} in {_META_NAME} is an integer past float range.")
    try:
        est._check_hyperparameters()
    except (TypeError, ValueError, OverflowError) as exc:
        raise _load_error(path, f"{_META_NAME} has an invalid parameter: {exc}") from None
    try:
        check_random_state(est.random_state)
    except (TypeError, ValueError):
        raise _load_error(
            path, f"random_state in {_META_NAME} must be null or an int seed; it is {est.random_state!r:.100}."
        ) from None


def _is_int(value, low):
    """A JSON integer (not a bool) in ``[low, 2**63)``."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value < 2**63


def _is_float(value, allow=(), low=None):
    """A JSON number (not a bool) that is finite and >= ``low``, or one of the non-finite values in ``allow``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        value = float(value)
    except OverflowError:  # a JSON integer past float range
        return False
    if np.isfinite(value):
        return low is None or value >= low
    return any(np.isnan(value) if a == "nan" else value == a for a in allow)


def _is_float_list(value, allow=(), low=None):
    return isinstance(value, list) and all(_is_float(v, allow, low) for v in value)


def _is_loss_list(value, allow=()):
    return _is_float_list(value, allow, low=0)


#: (check, what it must be) of each fitted attribute; a value that passes is kept as it is.
#: Losses (cross-entropy, squared error, L2 penalty) are never negative. A fit that diverged leaves
#: inf or NaN where load takes them: validation losses (scores -inf or NaN), and loss_ with n_iter_ 0.
_NON_FINITE = (np.inf, "nan")
_FITTED_CHECKS = {
    "n_features_in_": (lambda v: _is_int(v, 1), "a 64-bit int >= 1"),
    "n_iter_": (lambda v: _is_int(v, 0), "a 64-bit int >= 0"),
    "t_": (lambda v: _is_int(v, 0), "a 64-bit int >= 0"),
    "n_layers_": (lambda v: _is_int(v, 2), "a 64-bit int >= 2"),
    "n_outputs_": (lambda v: _is_int(v, 1), "a 64-bit int >= 1"),
    "out_activation_": (lambda v: v in ("softmax", "logistic", "identity", "exp"),
                        "'softmax', 'logistic', 'identity' or 'exp'"),
    "loss_": (lambda v: _is_float(v, _NON_FINITE, low=0), "a number >= 0 (inf or NaN only with n_iter_ 0)"),
    "loss_curve_": (lambda v: v is None or _is_loss_list(v), "a list of finite numbers >= 0 or null"),
    # +inf before the first epoch; None for early stopping (an 'lbfgs' fit has none of the next four)
    "best_loss_": (lambda v: v is None or _is_float(v, (np.inf,), low=0), "a number >= 0 (or +inf) or null"),
    # a score is NaN (its loss too) where the network's outputs are not finite, -inf (its loss inf) where they overflow
    "validation_scores_": (lambda v: v is None or _is_float_list(v, ("nan", -np.inf)),
                           "a list of numbers (or -inf or NaN) or null"),
    "best_validation_score_": (lambda v: v is None or _is_float(v, (-np.inf,)), "a number (or -inf) or null"),
    "validation_loss_curve_": (lambda v: v is None or _is_loss_list(v, _NON_FINITE),
                               "a list of numbers >= 0 (or inf or NaN) or null"),
    "_no_improvement_count": (lambda v: _is_int(v, 0), "a 64-bit int >= 0"),
}


def _check_fitted(fitted, path):
    """The fitted attributes of ``sklearn.json``, each present and of its type and range."""
    from ._solvers import _STOCHASTIC_ONLY  # _solvers imports ._base, which imports this module

    # an 'lbfgs' fit leaves out the stochastic solvers' attributes, all of them (as scikit-learn's)
    absent = [k for k in _FITTED if k not in fitted]
    optional = list(_STOCHASTIC_ONLY) if set(_STOCHASTIC_ONLY) <= set(absent) else []
    missing = [k for k in absent if k not in optional]
    if missing:
        raise _load_error(path, f"{_META_NAME} lacks the fitted attributes {missing}.")
    unknown = set(fitted) - set(_FITTED) - {"feature_names_in_"}
    if unknown:
        raise _load_error(path, f"{_META_NAME} has unknown fitted attributes {sorted(unknown)}.")
    out = {k: fitted[k] for k in _FITTED if k not in optional}
    for key, value in out.items():
        check, what = _FITTED_CHECKS[key]
        if not check(value):
            raise _load_error(path, f"{key} in {_META_NAME} must be {what}; it is {value!r:.100}.")
    if not np.isfinite(out["loss_"]) and out["n_iter_"] != 0:  # (a fit that diverged before an epoch ended)
        raise _load_error(path, f"loss_ in {_META_NAME} must be finite with n_iter_={out['n_iter_']}; "
                                f"it is {out['loss_']!r}.")
    # the training losses as NumPy scalars, as fit leaves them (and as scikit-learn's are)
    out["loss_"] = np.float64(out["loss_"])
    if out.get("best_loss_") is not None:
        out["best_loss_"] = np.float64(out["best_loss_"])
    if out["loss_curve_"] is not None:
        out["loss_curve_"] = [np.float64(v) for v in out["loss_curve_"]]
    for a, b in (("validation_scores_", "best_validation_score_"), ("validation_scores_", "validation_loss_curve_")):
        if not optional and (out[a] is None) != (out[b] is None):
            raise _load_error(path, f"{a} and {b} in {_META_NAME} must both be null or both be set.")
    if out.get("validation_scores_") is not None and len(out["validation_scores_"]) != len(out["validation_loss_curve_"]):
        raise _load_error(path, f"validation_scores_ and validation_loss_curve_ in {_META_NAME} differ in length.")
    if "feature_names_in_" in fitted:
        names = fitted["feature_names_in_"]
        if not isinstance(names, list) or not all(isinstance(s, str) for s in names):
            raise _load_error(path, f"feature_names_in_ in {_META_NAME} must be a list of strings.")
        if len(names) != out["n_features_in_"]:
            raise _load_error(
                path, f"feature_names_in_ in {_META_NAME} has {len(names)} names for n_features_in_={out['n_features_in_']}."
            )
        out["feature_names_in_"] = np.asarray(names, dtype=object)
    return out


def _sorted_unique(classes):
    if classes.ndim != 1 or classes.size == 0:
        return False
    if classes.dtype.kind in "fc" and not np.isfinite(classes).all():
        return False
    return np.array_equal(np.unique(classes), classes)


def _check_classes(est, path):
    """A classifier's labels: non-empty, sorted, unique, one per output (two for one logistic unit)."""
    lb = getattr(est, "_label_binarizer", None)
    if lb is None:
        return
    for name, classes in (("classes", est.classes_), ("label_binarizer classes", lb.classes_)):
        if not _sorted_unique(classes):
            raise _load_error(path, f"the {name} in {_META_NAME} must be non-empty, sorted, unique and finite.")
    n, n_outputs = len(lb.classes_), est.n_outputs_
    if lb.y_type_ == "binary":
        ok = n in (1, 2) and n_outputs == 1
    elif lb.y_type_ == "multiclass":
        ok = n >= 3 and n_outputs == n
    else:
        ok = n_outputs == n
    if not ok:
        raise _load_error(
            path, f"the {n} label_binarizer classes ({lb.y_type_}) in {_META_NAME} do not fit n_outputs_={n_outputs}."
        )
    if lb.y_type_ != "multilabel-indicator" and not np.array_equal(est.classes_, lb.classes_):
        raise _load_error(path, f"the classes and the label_binarizer classes in {_META_NAME} differ.")


def _check_network(est, model, path):
    """The network in the file is the one the fitted attributes describe."""
    from ._base import _OUTPUT_ACTIVATIONS, _loss_for  # _base imports this module

    # the fitted state, not the parameters: set_params(loss=...) after fit leaves the network as it was
    # (scikit-learn's; fit refits it), and save writes the new loss as get_params gives it
    out = est.out_activation_
    expected = (est._output_activation(),) if est._is_classifier else ("identity", "exp")
    if out not in expected:
        raise _load_error(path, f"out_activation_={out!r} in {_META_NAME}; this estimator needs {expected!r}.")
    dense = est._dense_layers(model) if isinstance(model, Sequential) else []
    if not dense or model.layers[-1] is not dense[-1]:
        raise _load_error(path, "its network is not a Sequential model ending in a Dense layer.")
    if len(dense) + 1 != est.n_layers_:
        raise _load_error(path, f"n_layers_={est.n_layers_} in {_META_NAME}, but the network has {len(dense)} Dense layers.")
    if tuple(model.input_shape or ()) != (None, est.n_features_in_):
        raise _load_error(
            path, f"n_features_in_={est.n_features_in_} in {_META_NAME}, but the network's input shape is {model.input_shape}."
        )
    if tuple(model.output_shape or ()) != (None, est.n_outputs_):
        raise _load_error(
            path, f"n_outputs_={est.n_outputs_} in {_META_NAME}, but the network's output shape is {model.output_shape}."
        )
    # hidden_layer_sizes and activation may differ from the network's: set_params after fit
    # changes them without refitting (scikit-learn's; a warm_start or partial_fit keeps the network
    # and takes the new activation), and save writes them as get_params gives them
    expected = activations.serialize(activations.get(_OUTPUT_ACTIVATIONS[out]))
    if activations.serialize(dense[-1].activation) != expected:
        raise _load_error(path, f"the network's output activation does not match out_activation_={out!r}.")
    expected = _loss_for(out, model.dtype)
    if model.loss is None or type(model.loss) is not type(expected) or getattr(model.loss, "from_logits", False) \
            or getattr(model.loss, "label_smoothing", 0.0):
        raise _load_error(path, f"the network's loss does not match out_activation_={out!r}.")
    model.loss = expected  # files from before the clip followed scikit-learn's hold Keras's epsilon
    if not np.isfinite(model._flat_params).all():
        raise _load_error(path, "the network's weights are not all finite.")


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
        if not isinstance(spec["dtype"], str):
            raise ValueError
        dtype = np.dtype(spec["dtype"])
        values = spec["values"]
        if dtype.kind not in "biufUO" or dtype.itemsize > 2**18 or not isinstance(values, list):
            raise ValueError
        if dtype.kind == "O" and not all(isinstance(c, str) for c in values):
            raise ValueError
    except (KeyError, TypeError, ValueError, OverflowError):
        raise _load_error(path, "the class labels are malformed.") from None
    if len(values) * dtype.itemsize > _MAX_CLASS_BYTES:
        # 8000 empty labels of dtype <U65536, a 3 kB file, took 4 GB and 27 s to be refused
        raise _load_error(path, f"the class labels would take {len(values) * dtype.itemsize:,} bytes "
                                f"(dtype {dtype.str}); at most {_MAX_CLASS_BYTES:,} are allowed.")
    try:
        return np.asarray(values, dtype=dtype)
    except (TypeError, ValueError, OverflowError):
        raise _load_error(path, "the class labels are malformed.") from None
