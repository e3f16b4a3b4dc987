"""Input checks shared by every front end.

Every check raises ``TypeError``/``ValueError`` with a message that names the
argument, what was expected and what was received.
"""

import contextlib
import contextvars
import functools
import inspect
import collections.abc
import numbers
import os

import numpy as np

from .backend import floatx, to_numpy


def on_host(X, name="x"):
    """``X`` as a NumPy array when it is another library's array (torch, CuPy,
    array-api-strict), from whatever device it is on; anything else unchanged. One NumPy cannot
    hold (torch's bfloat16 or float8, a sparse or meta tensor) is a TypeError naming ``name``."""
    if not isinstance(X, np.ndarray) and hasattr(X, "__dlpack__"):
        try:
            return to_numpy(X)
        except (TypeError, ValueError, RuntimeError, NotImplementedError) as exc:
            layout = getattr(X, "layout", None)
            kind = f"{type(X).__module__.split('.')[0]} array of dtype {getattr(X, 'dtype', '?')}" + (
                f", layout {layout}" if layout is not None and "strided" not in str(layout) else "")
            raise TypeError(f"{name} must hold numbers NumPy can read (float16, float32, float64, integers or booleans, "
                            f"dense, with their values in memory). Received a {kind} ({exc}). Convert it first "
                            "(torch: x.float(), x.to_dense()).") from None
    return X


def is_sparse(X):
    """Whether ``X`` is a SciPy sparse matrix or array (without importing SciPy)."""
    return type(X).__module__.startswith("scipy.sparse")


def check_sparse(X, name="x", dtype=None):
    """A SciPy sparse ``X`` as a 2-D CSR matrix of ``dtype`` with finite real values (its rows
    are made dense a batch at a time by fit, evaluate and predict)."""
    X = X.tocsr()
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty 2-D sparse matrix. Received shape {X.shape}.")
    if np.iscomplexobj(X.data) or not (np.issubdtype(X.dtype, np.number) or X.dtype == bool):
        raise TypeError(f"{name} must hold real numbers. Received a sparse matrix of dtype {X.dtype}.")
    given = X
    if dtype is not None and X.dtype != dtype:
        with np.errstate(over="ignore"):  # values beyond the dtype's range are reported below
            X = X.astype(dtype)
    if np.issubdtype(X.dtype, np.floating) and not _all_finite(X.data):
        if X is not given and (given.dtype.kind in "iub" or _all_finite(given.data)):
            raise _beyond_range(name, X.dtype)
        kind = "NaN" if np.isnan(X.data).any() else "inf"
        raise ValueError(f"{name} contains {kind} values; remove or impute them first.")
    return X


def dense_rows(X, start, stop, out=None, dtype=None, keep_sparse=False):
    """Rows ``start:stop`` of ``X`` as a dense array (a view when ``X`` is dense; ``, ...``
    because the Array API standard indexes every axis: array-api-strict refuses X[a:b] on 2-D);
    in ``dtype`` where ``X`` is a NumPy array of another one (integer images kept as given).
    ``keep_sparse``: SciPy sparse rows stay sparse (CSR, in ``dtype``), for a model whose first
    layer takes them (:func:`glassnet.models.inference.takes_sparse`)."""
    if is_sparse(X) and keep_sparse:
        return X[start:stop].astype(dtype or X.dtype, copy=False)
    if is_sparse(X):
        return X[start:stop].toarray(out=out)
    if dtype is not None and isinstance(X, np.ndarray) and X.dtype != dtype:
        return X[start:stop, ...].astype(dtype)
    return X[start:stop, ...]


def is_compact(X, dtype):
    """A NumPy array of integers or booleans, or of floats in another dtype, for a model of floats in
    ``dtype``: fit, evaluate and predict keep it as given and convert each batch, as Keras does for
    integers (uint8 images take a quarter of the memory of their float32 copy; a float64 file, memory-
    mapped, is not copied whole), with the numbers of the whole array's ``astype``. Not where some value
    is NaN, inf or beyond ``dtype``'s range (uint16 in float16): converted up front, such an array is
    refused with the values named, not turned into inf."""
    if not (isinstance(X, np.ndarray) and X.dtype.kind in "biuf" and np.dtype(dtype).kind == "f"
            and X.dtype != dtype):
        return False
    if X.dtype.kind == "b" or X.size == 0:
        return X.dtype.kind != "f"  # (an empty float array is converted, as before: it costs nothing)
    if float((np.finfo if X.dtype.kind == "f" else np.iinfo)(X.dtype).max) <= float(np.finfo(dtype).max):
        return X.dtype.kind != "f" or _all_finite(X)  # (float16 or float32 data in a wider model)
    X = X.view(np.ndarray)  # (a masked array's min and max skip its masked values, which are converted too)
    with np.errstate(over="ignore"):  # (the min or max of an array holding NaN is NaN)
        return bool(np.isfinite(np.array([X.min(), X.max()]).astype(dtype)).all())


def _is_stream(X):
    """A generator, an iterator, or a data pipeline (tf.data, torch's DataLoader, Keras's PyDataset)."""
    if isinstance(X, collections.abc.Iterator):
        return True
    # the class or a base of it (a subclass of Keras's PyDataset is named as its author likes), but not
    # collections.abc.Sequence: a container of rows deriving from it is an array, as NumPy converts it
    return (not isinstance(X, (np.ndarray, list, tuple)) and hasattr(X, "__iter__") and not hasattr(X, "__array__")
            and (hasattr(X, "element_spec") or any(
                cls.__name__ in ("DataLoader", "PyDataset", "Sequence", "Dataset", "IterableDataset")
                and cls.__module__ not in ("collections.abc", "typing") for cls in type(X).__mro__)))


def empty_error(name, shape):
    """The error for an array ``name`` of ``shape`` without samples (raised by the caller)."""
    return ValueError(f"{name} is empty (shape {shape}); at least one sample is required.")


def check_array(X, name="x", ndim=2, dtype=None, allow_empty=False, finite=True, allow_nd=False, objects="numbers"):
    """Convert ``X`` to a NumPy array and check its rank, size and values.

    Parameters
    ----------
    X : array-like
    name : str
        The argument's name, used in messages.
    ndim : int or None
        Required number of dimensions (None: any).
    dtype : dtype or None
        Cast to this dtype (no copy when it already has it).
    allow_nd : bool
        Accept ``ndim`` or more dimensions (for models that start with Flatten).
    objects : {"numbers", "sklearn"}
        An object array must hold numbers ("numbers"), or is converted as scikit-learn's
        ``check_array`` converts it ("sklearn", for the estimators and scalers): see
        :func:`_object_as_sklearn`.
    """
    if type(X) is np.ndarray:  # the common case, without the checks for other kinds (a batch at a time)
        arr = X
    else:
        arr = _as_array(X, name)
    if arr.dtype == object:
        try:
            arr = _object_numbers(arr, name) if objects == "numbers" else _object_as_sklearn(arr, name, finite)
        except (TypeError, ValueError):
            if hasattr(X, "columns") and hasattr(X, "dtypes"):  # a DataFrame: the column to blame, by name
                _refuse_object_column(X, name, missing=finite or objects == "numbers", text=objects == "numbers")
            raise
    if arr.dtype.kind not in "biuf":
        if arr.dtype.kind == "c":
            raise _complex_error(name, f"dtype {arr.dtype}")
        raise TypeError(f"{name} must contain numbers. Received an array of dtype {arr.dtype}")
    if ndim is not None:
        bad = arr.ndim < ndim if allow_nd else arr.ndim != ndim
        if bad:
            want = f"an at least {ndim}-D" if allow_nd else f"a {ndim}-D"
            hint = ""
            if arr.ndim == 1 and ndim == 2:
                hint = " Reshape your data with x.reshape(-1, 1) for one feature or x.reshape(1, -1) for one sample."
            shape = {1: "(n_samples,)", 2: "(n_samples, n_features)"}.get(ndim)
            raise ValueError(
                f"{name} must be {want} array{'' if shape is None or allow_nd else ' of shape ' + shape}. "
                f"Received an array of shape {arr.shape}.{hint}"
            )
    if not allow_empty and arr.size == 0:
        raise empty_error(name, arr.shape)
    given = arr
    if dtype is not None and arr.dtype != dtype:
        with np.errstate(over="ignore"):  # values beyond the dtype's range are reported below
            arr = arr.astype(dtype, copy=False)
    if finite and arr.dtype.kind == "f" and not _all_finite(arr):
        if arr is not given and (given.dtype.kind in "iub" or _all_finite(given)):
            raise _beyond_range(name, arr.dtype)
        kind = "NaN" if np.isnan(arr).any() else "inf"
        where = _where_not_finite(X, arr, name, kind) if hasattr(X, "columns") and arr.ndim == 2 else ""
        raise ValueError(f"{name} contains {kind} values; remove or impute them first{where}.")
    return arr


def _complex_error(name, what):
    return ValueError(f"Complex data not supported: {name} holds complex numbers; glassnet models need "
                      f"real ones. Received {what}.")


def _object_numbers(arr, name):
    """An object array of real numbers (pandas' ``.values`` of mixed columns) as float64, as
    scikit-learn converts it; one holding anything else (None, text, a dict) is refused by name.
    (The elements' types are checked once each: isinstance on every element took 48 s for
    60000 × 784 MNIST rows, the conversion 0.6 s.)"""
    for kind in set(map(type, arr.flat)):
        if issubclass(kind, (numbers.Real, np.bool_)):
            continue
        v = next(v for v in arr.flat if type(v) is kind)
        if issubclass(kind, numbers.Complex):
            raise _complex_error(name, f"an array of dtype object holding {v!r}")
        if hasattr(v, "train_dataloader"):  # PyTorch Lightning's LightningDataModule
            raise TypeError(f"{name} must contain numbers, not a {kind.__name__} with train_dataloader() (a data module): "
                            "pass its loaders, fit(dm.train_dataloader(), validation_data=dm.val_dataloader()).")
        raise TypeError(f"{name} must contain numbers. Received an array of dtype object holding "
                        f"{kind.__name__} {v!r:.50}")
    try:
        return arr.astype(np.float64)
    except OverflowError:  # a Python int past 1.8e308
        raise TypeError(f"{name} must contain numbers within float64's range. Received an array of dtype object "
                        "holding an integer too large to convert to float.") from None


def _object_as_sklearn(arr, name, finite):
    """An object array as float64 the way scikit-learn's ``check_array`` converts it
    (``astype``): numbers, numeric text ('1.5', b'2', Decimal) and None (NaN) are taken; other
    text is a ValueError, anything else (a dict, a complex number) a TypeError, both with
    NumPy's words, which ``check_estimator`` looks for. pd.NA (the gap of a nullable pandas
    column) is NaN too: a missing value where ``finite`` is False, else named in the error."""
    try:
        return arr.astype(np.float64)
    except ValueError as exc:  # "could not convert string to float: 'a'"
        raise ValueError(f"{name} must contain numbers ({exc}).") from None
    except OverflowError:  # a Python int past 1.8e308
        return _object_numbers(arr, name)
    except TypeError as exc:
        gaps = np.array([type(v).__name__ == "NAType" for v in arr.flat]).reshape(arr.shape)
        if not gaps.any():
            raise TypeError(f"{name} must contain numbers ({exc}).") from None
    if finite:
        raise ValueError(f"{name} contains missing values (pd.NA); remove or impute them first.")
    return _object_as_sklearn(np.where(gaps, None, arr), name, finite)


def _as_array(X, name):
    """Anything but a NumPy array, as one: another library's array, a list, a DataFrame;
    what cannot be one is refused, naming ``name``."""
    if X is None:
        raise TypeError(f"{name} must be an array-like of numbers. Received: {name}=None")
    if hasattr(X, "columns") and hasattr(X, "dtypes") and not hasattr(X, "iloc"):  # polars: no pandas API
        df = _variable(name)  # (its columns were read with pandas's iloc: an AttributeError about 'iloc')
        raise TypeError(f"{name} is a {type(X).__module__.split('.')[0]} {type(X).__name__}, which glassnet does not "
                        f"read: pass {df}.to_numpy(), or {df}.to_pandas() to keep its column names.")
    if is_sparse(X):  # before the dict check: a dok_matrix is a dict
        raise TypeError(f"Sparse data was passed for {name}, but dense data is required. Use {name}.toarray() "
                        "to convert to a dense NumPy array.")
    if isinstance(X, (str, bytes, dict)):
        raise TypeError(f"{name} must be an array-like of numbers. Received: {type(X).__name__}")
    refuse_stream(X, name)
    X = on_host(X, name)
    if hasattr(X, "columns") and hasattr(X, "dtypes"):  # a DataFrame: a text column named before it is lost
        _refuse_text_columns(X, name)
    try:
        return np.asarray(X)
    except Exception as exc:  # ragged lists and the like
        raise ValueError(f"{name} could not be converted to an array: {_ragged(X, name) or _batches(X) or exc}") from None


def _refuse_text_columns(frame, name):
    """A DataFrame column that holds no numbers (text, categories of text), refused by its name, as the
    array NumPy makes of the frame would no longer say which (a column of numbers stored as text, which
    scikit-learn's conversion takes, passes)."""
    for j, dtype in enumerate(frame.dtypes):
        if getattr(dtype, "kind", "O") in "biufc":
            continue
        if getattr(dtype, "kind", "O") in "Mm":  # dates and durations (as floats they are nanoseconds)
            label, df = frame.columns[j], _variable(name)
            raise ValueError(
                f"{name}'s column {label!r} ({dtype}) holds {'dates' if dtype.kind == 'M' else 'durations'}, not "
                f"numbers. Turn it into features, e.g. {df}[{label!r}]" + (
                    ".dt.dayofyear or days since a start, " if dtype.kind == "M" else ".dt.total_seconds(), ") +
                f"or drop it, {df}.drop(columns=[{label!r}]).")
        column = frame.iloc[:, j]
        try:
            np.asarray(column, dtype=np.float64)
        except (TypeError, ValueError):
            label, df = frame.columns[j], _variable(name)
            raise ValueError(
                f"{name}'s column {label!r} ({dtype}) is not numeric: it holds {_first_text(column)!r:.40}. One-hot encode "
                f"it, {df} = pd.get_dummies({df}, columns=[{label!r}]), or drop it, "
                f"{df}.drop(columns=[{label!r}]).") from None


def _where_not_finite(frame, arr, name, kind):
    """Where a DataFrame's NaN (or inf) values are, for its error only (one more pass over ``arr``): the
    columns by name (the first five) and how many, and the rows, as the message for pd.NA says."""
    if arr.shape[1] != len(frame.columns):
        return ""
    def plain(label):
        return label.item() if isinstance(label, np.generic) else label

    def shown(label):  # 3, not np.int64(3); a MultiIndex's ('x', 1), not ('x', np.int64(1))
        return repr(tuple(map(plain, label)) if isinstance(label, tuple) else plain(label))

    bad = np.isnan(arr) if kind == "NaN" else np.isinf(arr)
    columns = [shown(frame.columns[j]) for j in np.flatnonzero(bad.any(axis=0))]
    rows = np.flatnonzero(bad.any(axis=1))
    if len(columns) == 1:
        where = f": column {columns[0]}"
    else:
        where = f": columns {', '.join(columns[:5])}{', ...' * (len(columns) > 5)} ({len(columns)} of {arr.shape[1]})"
    label = frame.index[rows[0]]  # (row 2 of a frame whose rows were dropped may be df.loc[3])
    label = "" if isinstance(label, numbers.Integral) and label == rows[0] else f", index {shown(label)}"
    where += f", {rows.size} row{'s' * (rows.size > 1)} (first: row {rows[0]}{label})"
    df = _variable(name)
    return where + (f", e.g. {df}.dropna() or {df}.fillna(...)" if kind == "NaN" else "")


def _refuse_object_column(frame, name, missing, text):
    """The column of ``frame`` that made its array one of objects that are no numbers, refused by name:
    missing values of a nullable column (pd.NA, None; where ``missing``), numbers stored as text (where
    ``text``: the Keras-style path, not scikit-learn's conversion, which takes them)."""
    for label, column in frame.items():
        if isinstance(column.dtype, np.dtype) and column.dtype.kind in "biufc":
            continue
        gaps = np.flatnonzero(column.isna().to_numpy()) if missing else ()
        if len(gaps):
            gap = column.iloc[gaps[0]]
            gap = "pd.NA" if type(gap).__name__ == "NAType" else repr(gap)
            raise ValueError(
                f"{name} contains missing values ({gap}); remove or impute them first: column "
                f"{label!r} ({column.dtype}), {gaps.size} row{'s' * (gaps.size > 1)} (first: row {gaps[0]}), "
                f"e.g. {_variable(name)}.dropna() or {_variable(name)}.fillna(...).") from None
        given = next((v for v in column if isinstance(v, (str, bytes))), None) if text else None
        if given is not None:
            df = _variable(name)
            raise TypeError(f"{name}'s column {label!r} ({column.dtype}) holds numbers stored as text ({given!r:.20}); "
                            f"convert it: {df}[{label!r}] = pd.to_numeric({df}[{label!r}]).") from None


def _first_text(column):
    """The first value of ``column`` that is no number (nor a number's text)."""
    for value in column:
        try:
            float(value)
        except (TypeError, ValueError):
            return value
    return column.iloc[0]


def _variable(name):
    """``name`` as the variable of a code hint (``validation_data[0]`` is no variable: ``x``)."""
    return name if name.isidentifier() else "x"


def _ragged(X, name):
    """For a list of rows of different lengths (where NumPy says "inhomogeneous shape"): which rows,
    and how to even them; else ''."""
    if not isinstance(X, (list, tuple)):
        return ""
    lengths = [len(row) if isinstance(row, (list, tuple, np.ndarray)) else None for row in X]
    if not lengths or None in lengths or len(set(lengths)) < 2:
        return ""
    other = next(i for i, n in enumerate(lengths) if n != lengths[0])
    ids = all(isinstance(v, (int, np.integer)) for row in X[:100] for v in row)
    return (f"its rows differ in length (row 0 has {lengths[0]} value{'s' * (lengths[0] != 1)}, row {other} has "
            f"{lengths[other]}); give every "
            "row the same length" + (f", e.g. pad the sequences: glassnet.utils.pad_sequences({_variable(name)})."
                                     if ids else "."))


def _batches(X):
    """For a list of ``(x, y)`` or ``(x, y, sample_weight)`` tuples of arrays (Lightning's and PyTorch's batches,
    which NumPy cannot stack): how to pass them; else ''. (A list of arrays, a multi-input x, has no tuples.)"""
    if not (isinstance(X, list) and X and all(isinstance(b, tuple) and len(b) in (2, 3) and all(
            hasattr(a, "shape") or isinstance(a, list) for a in b) for b in X)):
        return ""
    return ("it is a list of (x, y) batches. Pass them as a stream: fit(iter(batches)) reads them once (one epoch), a "
            "glassnet.utils.PyDataset giving them is read at each epoch; or join them, x = np.concatenate([b[0] for "
            "b in batches]) and y likewise.")


def refuse_stream(X, name):
    """A generator, iterator or dataset where arrays are needed: refused, saying what to do."""
    if _is_stream(X):
        raise TypeError(
            f"{name} must be an array of numbers (NumPy, a list of rows, a pandas DataFrame): this takes arrays in "
            f"memory, not generators, iterators or datasets (a Keras-style model's fit, evaluate and predict do). "
            f"Received: {type(X).__name__}. Collect the batches first, e.g. x = np.concatenate([xb for xb, yb in "
            "batches]) and y likewise; for data larger than memory, write it to a .npy file and pass "
            "np.load(path, mmap_mode='r'), which is read a batch at a time (docs/data.md).")


def _beyond_range(name, dtype):
    return ValueError(f"{name} holds values beyond the range of {dtype} (largest "
                      f"{np.finfo(dtype).max:.3g}); rescale them, or use dtype='float64'.")


def _all_finite(arr, block=1 << 20):
    """``np.isfinite(arr).all()`` without a temporary of the array's size.

    First one pass of ``sum`` (as scikit-learn does): a NaN or inf makes the
    sum non-finite, so a finite sum proves every value finite. Only when the
    sum is not finite (a non-finite value, or an overflow of huge ones) are
    the values tested, in blocks (of rows, for a strided view: ``data[:, :-1]``, whose flattening was a
    copy of it, 188 MB for MNIST's features, where the sum reads the view as it is)."""
    if arr.ndim and not (arr.flags.c_contiguous or arr.flags.f_contiguous):
        with np.errstate(over="ignore", invalid="ignore"):
            if np.isfinite(arr.sum()):
                return True
        rows = max(1, block // max(1, arr[:1].size))
        return all(np.isfinite(arr[i : i + rows]).all() for i in range(0, arr.shape[0], rows))
    flat = arr.reshape(-1, order="A")  # a view of a Fortran-ordered array too (np.save of df.to_numpy())
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(flat.sum()):
            return True
    return all(np.isfinite(flat[i : i + block]).all() for i in range(0, flat.size, block))


def check_consistent_length(**arrays):
    """Raise if the named arrays do not share their first dimension."""
    lengths = {}
    for k, v in arrays.items():
        if v is None:
            continue
        if is_sparse(v):  # no len() on a sparse matrix
            lengths[k] = v.shape[0]
            continue
        if (v.ndim if isinstance(v, np.ndarray) else np.ndim(v)) == 0:
            raise ValueError(f"{k} must be an array with one entry per sample. Received a single value: {v!r:.100}")
        lengths[k] = len(v)
    if len(set(lengths.values())) > 1:
        desc = ", ".join(f"{k} has {n}" for k, n in lengths.items())
        raise ValueError(f"Inconsistent numbers of samples: {desc}.{_columns_hint(arrays)}")


def _columns_hint(arrays):
    """Where the named arrays would agree on one number of samples n with some wide 2-D ones transposed (x of shape
    (4, 150) with y (3, 150) or (150,); x (150, 4) with y (3, 150)), those likely hold their samples in columns,
    MATLAB's and R's layout. No hint where no such n or more than one is found."""
    shapes = {k: tuple(getattr(v, "shape", ())) for k, v in arrays.items() if v is not None}
    fits = {}
    for n in {shape[i] for shape in shapes.values() if shape for i in (0, -1)}:
        # (only a wide array, fewer rows than columns, is read as transposed: x (150, 4) with y (4,) is not)
        if all(shape and (shape[0] == n or len(shape) == 2 and shape[0] < shape[1] == n) for shape in shapes.values()):
            fits[n] = [k for k, shape in shapes.items() if shape[0] != n]
    if len(fits) != 1:
        return ""
    (wide,) = fits.values()
    given = ", ".join(f"{k} {shape}" for k, shape in shapes.items())
    return (f" The shapes are {given}: if the columns are the samples (MATLAB and R put samples in columns), pass "
            f"{' and '.join(k + '.T' for k in wide)}; glassnet takes one sample per row.")


#: the starts of NumPy's messages for a shape too large to describe at all (np.arange says "size")
_TOO_BIG = ("Maximum allowed dimension exceeded", "Maximum allowed size exceeded", "array is too big")


#: whether a sized_by block is running: a nested one leaves the errors to it
_SIZING = contextvars.ContextVar("sizing", default=False)


@contextlib.contextmanager
def sized_by(what):
    """Run the block; NumPy's MemoryError for an array too large for the machine (or its
    ValueError or OverflowError for one too large to address) becomes a ValueError that says which
    argument, ``what``, asked for it, as no NumPy message can. Nested, the outermost
    block names it (a layer's units, not the shape it asked its initializer for)."""
    if _SIZING.get():
        yield
        return
    token = _SIZING.set(True)
    try:
        yield
    except MemoryError as exc:
        raise ValueError(f"{what} needs more memory than this machine can allocate ({exc}).") from None
    except ValueError as exc:
        if str(exc).startswith(_TOO_BIG):
            raise ValueError(f"{what} asks for an array too large to allocate ({exc}).") from None
        raise
    except OverflowError as exc:
        # a size past int64 where NumPy converts it (np.arange(2**63)): "Python int too large to convert to C long"
        if "to convert to C" in str(exc):
            raise ValueError(f"{what} asks for an array too large to allocate ({exc}).") from None
        raise
    finally:
        _SIZING.reset(token)


def sized_by_arguments(*names):
    """Decorator: :func:`sized_by` around the whole function, naming the arguments
    ``names`` with the values given in the call."""
    def decorate(func):
        signature = inspect.signature(func)

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            try:
                bound = signature.bind_partial(*args, **kwargs)
            except TypeError as exc:  # as Python says it: "make_xor() got an unexpected keyword argument ..."
                raise TypeError(f"{func.__name__}() {exc}") from None
            bound.apply_defaults()
            what = ", ".join(f"{n}={bound.arguments.get(n)!r:.100}" for n in names)
            with sized_by(what):
                return func(*args, **kwargs)
        return wrapper
    return decorate


def check_bool(value, name):
    """``value`` as a bool; anything but True/False (a string 'False', an array) is a TypeError."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False. Received: {name}={value!r:.100}")
    return bool(value)


def check_real_dtype(dtype):
    """``dtype`` (None: ``floatx()``) as a ``np.dtype`` of real numbers, float, int or bool: a text dtype
    ('U1') gave the labels as text, 'M8[s]' dates, 'V8' a bytes error, complex and object the numbers wrapped."""
    try:
        dtype = np.dtype(floatx() if dtype is None else dtype)
    except (TypeError, ValueError):
        raise TypeError(f"dtype must be a NumPy dtype such as 'float32'. Received: dtype={dtype!r:.100}") from None
    if dtype.kind not in "biuf":
        raise ValueError(f"dtype must be a real number dtype (float, int or bool) such as 'float32'. "
                         f"Received: dtype={dtype.name}")
    return dtype


def check_compiled_model(model, who):
    """``model`` checked to be a compiled glassnet model (Sequential or Model), for ``who``
    ("trace", "diagnose", "check_gradients"), which steps or differentiates its compiled loss."""
    if not hasattr(model, "layers") or not hasattr(model, "_prepare_xy"):
        raise TypeError(f"model must be a glassnet Sequential model. Received: {type(model).__name__}")
    if not getattr(model, "compiled", False):
        raise ValueError(f"{who}() needs a compiled model: call model.compile(optimizer, loss) first.")


def check_path(value, name):
    """``value`` as a path string: a ``str``, ``bytes`` or ``os.PathLike``, not empty, without a NUL character
    (``"a\\x00b.gn"``, which no file name holds: the OS functions said "embedded null byte", and
    ``os.path.exists`` a bare False)."""
    if not isinstance(value, (str, bytes, os.PathLike)):
        raise TypeError(f"{name} must be a file path (a str or pathlib.Path). Received: {name}={value!r:.100}")
    path = os.fsdecode(value)  # bytes too, as str: callers test suffixes against str
    if not path:
        raise ValueError(f"{name} is an empty path: give a file name.")
    if "\0" in path:
        raise ValueError(f"{name} must be a file path without NUL characters ('\\x00'), which no file name can "
                         f"hold. Received: {name}={path!r:.200}")
    return path


def check_shape(value, name):
    """A sample shape: a positive int ``n`` as ``(n,)``, or a tuple/list of them, as a tuple."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value,)
    if not isinstance(value, (tuple, list)) or not value:
        raise TypeError(f"{name} must be a tuple of positive integers, such as (784,). Received: {name}={value!r:.100}")
    if any(d is None for d in value):  # Keras's Input(shape=(None,)) of variable-length sequences
        raise ValueError(f"{name} must give every size of a sample: glassnet's layers take no size None (a variable "
                         "length); pad or cut the samples to one length with NumPy and give that length. "
                         f"Received: {name}={tuple(value)!r:.100}")
    return tuple(check_positive_int(d, name) for d in value)


def _scalar(value):
    """A 0-d NumPy array of an integer or a float, ``np.array(2)``, as its NumPy scalar, as Keras takes one where it
    takes a number (and :func:`unwrap_0d`); anything else, a 0-d array of a bool too, as it is, for the check."""
    if isinstance(value, np.ndarray) and not value.ndim and value.dtype.kind in "iuf":
        return value[()]
    return value


def check_positive_int(value, name, allow_none=False):
    """Return ``value`` as int if it is a positive integer (or a 0-d array of one); else raise."""
    if value is None and allow_none:
        return None
    value = _scalar(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a positive integer. Received: {name}={value!r:.100}")
    if value <= 0:
        raise ValueError(f"{name} must be a positive integer. Received: {name}={value!r:.100}")
    return int(value)


def check_non_negative_int(value, name):
    value = _scalar(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a non-negative integer. Received: {name}={value!r:.100}")
    if value < 0:
        raise ValueError(f"{name} must be a non-negative integer. Received: {name}={value!r:.100}")
    return int(value)


def unwrap_0d(value, name):
    """A 0-d array of a real number, ``np.array(0.1)``, as its NumPy scalar (Keras takes one where it
    takes a number); any other value as it is, for the caller's check. An array of another shape, or
    of bools, complex numbers or strings, is an error here."""
    if not isinstance(value, np.ndarray):
        return value
    if value.ndim:
        raise ValueError(f"{name} must be a number or a 0-d array of one. Received: {name}={value!r:.100} "
                         f"(an array of shape {value.shape})")
    if value.dtype.kind not in "iuf":  # (a bool, a complex number, a string)
        raise TypeError(f"{name} must be a real number. Received: {name}={value!r:.100} (dtype {value.dtype})")
    return value[()]


def check_number(value, name, low=None, high=None, low_open=False, high_open=False):
    """Return ``value`` as float if it is a real number (or a 0-d array of one) within the bounds."""
    value = _scalar(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number. Received: {name}={value!r:.100}")
    try:
        value = float(value)
    except OverflowError:  # an int past the float range (a JSON 1e400 written out in digits)
        raise ValueError(f"{name} must be finite. Received an integer of {len(str(value))} digits.") from None
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite. Received: {name}={value!r:.100}")
    if low is not None and (value < low or (low_open and value == low)):
        op = ">" if low_open else ">="
        raise ValueError(f"{name} must be {op} {low}. Received: {name}={value!r:.100}")
    if high is not None and (value > high or (high_open and value == high)):
        op = "<" if high_open else "<="
        raise ValueError(f"{name} must be {op} {high}. Received: {name}={value!r:.100}")
    return value


def check_int(value, name, low=None, high=None):
    """Return ``value`` as int if it is an integer (or a 0-d array of one) within ``[low, high]``; else raise."""
    value = _scalar(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer. Received: {name}={value!r:.100}")
    if (low is not None and value < low) or (high is not None and value > high):
        span = f"between {low} and {high}" if low is not None and high is not None else \
            (f">= {low}" if low is not None else f"<= {high}")
        raise ValueError(f"{name} must be {span}. Received: {name}={value!r:.100}")
    return int(value)


def is_one_of(value, choices):
    """Whether ``value`` is one of ``choices``, for an ``if not ...: raise``: an array, compared
    with the choices, has no single truth value (NumPy's "ambiguous" error), so it is not one; nor is
    an array of one element, which would compare as that element and be kept as the array."""
    if getattr(value, "ndim", 0):  # an array of one element compares as its element: ['min'] is not 'min'
        return False
    try:
        return bool(value in choices)
    except (TypeError, ValueError):
        return False


def check_choice(value, name, choices):
    """Return ``value`` if it is one of ``choices``; else a ValueError listing them."""
    if not is_one_of(value, choices):
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}. Received: {name}={value!r:.100}")
    return value


def refuse_all_zero(weights, name, what):
    """``weights`` (an ndarray or None), unless every one is 0: the weighted loss of no sample is 0
    whatever the model, so ``what`` (fit's training, evaluate's figures) would be about nothing.
    (As scikit-learn's estimators refuse them; Keras trains on nothing and reports a loss of 0.)"""
    # (not .sum(): it overflows near 1e308; != 0: negative weights are weights, as Keras's)
    if weights is not None and weights.size and not (weights != 0).any():
        raise ValueError(f"{name} gives every sample the weight 0: {what}. Give some sample a nonzero weight.")
    return weights


def per_sample_weights(sample_weight, n, signed=False, metric=None):
    """``sample_weight`` as ``(n,)`` finite weights (a number or an ``(n, 1)`` column too),
    or None; anything else is refused by name. ``signed``: negative weights are taken, as Keras's
    losses and running means take them (``Σ w_i J_i / d`` holds for any sign: REINFORCE's advantages);
    otherwise refused (the metrics that count samples by their weights), naming ``metric`` (a text,
    "the metric 'auc' (AUC)": which of the compiled metrics refused them)."""
    if sample_weight is None:
        return None
    # Anything on the host (a list, a pandas Series: it has a shape too) becomes an ndarray and
    # is checked below; only a namespace's array (torch, CuPy: __dlpack__) is left as it is.
    if not isinstance(sample_weight, np.ndarray) and not hasattr(sample_weight, "__dlpack__"):
        try:
            sample_weight = np.asarray(sample_weight)
        except (TypeError, ValueError) as exc:  # ragged lists
            raise ValueError(f"sample_weight could not be converted to an array: {exc}") from None
    if isinstance(sample_weight, np.ndarray):
        if np.iscomplexobj(sample_weight):  # the loss would drop the imaginary part with a ComplexWarning
            raise TypeError(f"sample_weight must hold real numbers. Received dtype {sample_weight.dtype}.")
        if sample_weight.dtype == object or not (
                np.issubdtype(sample_weight.dtype, np.number) or sample_weight.dtype == bool):
            raise TypeError(f"sample_weight must hold numbers. Received dtype {sample_weight.dtype}.")
    if len(sample_weight.shape) == 2 and sample_weight.shape[1] == 1:
        sample_weight = sample_weight.reshape(-1)
    if len(sample_weight.shape) == 0:
        sample_weight = np.full(n, float(sample_weight))
    if tuple(sample_weight.shape) != (n,):
        raise ValueError(f"sample_weight must hold one weight per sample ({n},). "
                         f"Received shape {tuple(sample_weight.shape)}.")
    if isinstance(sample_weight, np.ndarray):  # (a namespace's array is checked by the model that made it)
        if not np.all(np.isfinite(sample_weight)):
            raise ValueError("sample_weight must hold finite weights (no NaN or inf).")
        if not signed and (sample_weight < 0).any():
            raise ValueError(f"sample_weight must hold non-negative weights for {metric or 'this metric'}, which "
                             "counts samples by their weights (a negative count means nothing; the losses and the "
                             "metrics that average, as Keras's Mean, take negative ones). Received a weight of "
                             f"{float(sample_weight.min())!r}.")
    return sample_weight
