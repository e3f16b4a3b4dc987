"""Train / validation / test splits (:func:`split`, stratified or not) and k-fold indices (:func:`kfold`)."""

import warnings
from typing import NamedTuple

import numpy as np

from .._validation import (check_bool, check_consistent_length, check_number, check_positive_int, is_sparse, on_host,
                           sized_by_arguments)
from ..backend import make_rng


class Split(NamedTuple):
    """Three ``(X, y)`` pairs; a part not asked for holds empty arrays."""

    train: tuple
    validation: tuple
    test: tuple


def _samples(values, name):
    """``values`` as an array (of any dtype: split also cuts text or object samples);
    ragged nested lists are refused by name. A SciPy sparse matrix stays sparse, as CSR
    (its rows can be indexed; ``np.asarray`` made it a 0-d object array, "a scalar").
    A pandas DataFrame or Series stays one (cut by position, see :func:`_rows`), as
    scikit-learn's ``train_test_split`` keeps it: its column names and index survive."""
    if is_sparse(values):
        return values.tocsr()
    if _is_pandas(values):
        return values
    try:
        return np.asarray(on_host(values, name))  # (a torch tensor that requires grad: its values, as fit reads them)
    except ValueError as exc:
        raise ValueError(f"{name} could not be converted to an array: {exc}") from None


def _is_pandas(values):
    """Whether ``values`` is a pandas DataFrame or Series (without importing pandas)."""
    return type(values).__module__.startswith("pandas") and hasattr(values, "iloc")


def _rows(values, idx):
    """The samples ``idx`` of ``values``: by position for pandas (``df[idx]`` picks columns)."""
    return values.iloc[idx] if _is_pandas(values) else values[idx]


def _count(value, n, name):
    """A fraction in [0, 1) -> ceil(value * n) samples; an int -> that many."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        if not 0 <= value < n:
            raise ValueError(f"{name} must be a count in [0, {n}). Received: {name}={value}")
        return int(value)
    value = check_number(value, name, low=0.0, high=1.0, high_open=True)
    return int(np.ceil(value * n))


def _unique(labels, **options):
    """``np.unique(labels, **options)``, naming the labels when they cannot be sorted."""
    try:
        return np.unique(labels, **options)
    except TypeError:  # object labels that cannot be sorted: "'<' not supported between 'NoneType' and 'str'"
        kinds = sorted({type(v).__name__ for v in labels.tolist()})
        raise TypeError(f"The labels to stratify on (y with stratify=True, or stratify=) must be all numbers or all "
                        f"text, to be sorted into classes. Received labels of the types {', '.join(kinds)}.") from None


def _by_class(labels, rng):
    """Shuffle, then group by class: ``(order, class of each, rank within its class, class sizes)``."""
    perm = rng.permutation(len(labels))
    _, inverse, counts = _unique(labels[perm], return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    by_class = np.argsort(inverse, kind="stable")
    order = perm[by_class]
    klass = inverse[by_class]
    rank = np.arange(len(labels)) - (np.cumsum(counts) - counts)[klass]
    return order, klass, rank, counts


def _apportion(counts, total, rng):
    """Split ``total`` draws over classes in proportion to ``counts``: each class
    gets floor or ceil of ``counts * total / sum(counts)``, the ceilings going to
    the largest remainders (ties at random), as scikit-learn's stratified split.
    """
    share = counts * total / counts.sum()
    drawn = np.floor(share).astype(np.int64)
    remainder = share - drawn
    first = np.lexsort((rng.random(len(counts)), -remainder))
    drawn[first[: total - drawn.sum()]] += 1
    return drawn


def _stratify_labels(stratify, y, n, n_is):
    """The labels to stratify on: ``y`` (one-hot rows decoded) or a given array of
    ``n`` labels; ``n_is`` says where ``n`` comes from in the error message."""
    if stratify is True:
        if y is None:
            raise ValueError("stratify=True needs y. Pass y or an array of labels as stratify=.")
        labels = np.asarray(y)
    else:
        labels = np.asarray(on_host(stratify, "stratify"))
        if labels.ndim == 0 or len(labels) != n:
            got = "a single value" if labels.ndim == 0 else f"{len(labels)} labels"
            raise ValueError(f"stratify must hold one label per sample ({n_is}). Received {got}.")
    if labels.ndim == 2 and labels.shape[1] > 1:
        labels = labels.argmax(axis=1)
    return labels.reshape(n, -1)[:, 0] if labels.ndim > 1 else labels


def _check_strata(classes, counts, cut, rest, of="y"):
    """Refuse a stratified cut that would leave a class out of a part, as scikit-learn's
    ``train_test_split``: every class needs 2 members, and each side one per class.

    ``counts``: the samples of each of the ``classes`` in ``of``; ``cut`` and ``rest``:
    ``(name, size)`` of the part cut from them and of what stays. A cut of size 0 is no cut."""
    if cut[1] == 0:
        return
    present = counts > 0  # a class the test part took whole is not there for the validation cut
    classes, counts = classes[present], counts[present]
    rare = classes[counts < 2].tolist()
    if rare:
        listed = ", ".join(map(repr, rare[:5])) + (f" and {len(rare) - 5} more" if len(rare) > 5 else "")
        which = f"the class {listed} has" if len(rare) == 1 else f"the classes {listed} have"
        raise ValueError(f"stratify: {which} only 1 sample in {of}. "
                         f"A stratified split needs at least 2 of each (one for the {cut[0]}, one for the "
                         f"{rest[0]}; scikit-learn's train_test_split refuses it too): leave the rare classes "
                         f"out, or split without stratify.")
    for name, size in (cut, rest):
        if size < len(classes):
            raise ValueError(f"stratify: the {name} would get {size} sample(s), fewer than the {len(classes)} "
                             f"classes of the labels: a stratified split puts every class in every part "
                             f"(scikit-learn's train_test_split refuses it too). Give the {name} at least "
                             f"{len(classes)} samples, or split without stratify.")


def split(X, y=None, *, validation=0.0, test=0.0, seed=None, stratify=False, shuffle=True):
    """Split into train / validation / test sets, as ``train_test_split`` with a third part.

    Parameters
    ----------
    X : array-like of shape (n_samples, ...), or a SciPy sparse matrix (its parts are CSR)
        A pandas DataFrame or Series gives parts of its own type, with their index and
        column names (as scikit-learn's ``train_test_split``); other array-likes give ndarrays.
    y : array-like of shape (n_samples, ...), optional
    validation, test : float or int
        Fraction in [0, 1) (rounded up, as scikit-learn does for the test set)
        or number of samples. The training set gets the rest (at least one).
    seed : int, optional
    stratify : bool or array-like
        ``True`` keeps the class proportions of ``y`` (labels or one-hot rows)
        in every part; an array gives other labels. As two successive
        scikit-learn stratified splits: the test set holds the floor or ceil
        of its share of each class, the validation set likewise of what the
        test set leaves, and the training set the rest (so within two samples
        of its share). Refused, as by scikit-learn (a ValueError), where a class
        has a single sample or a part fewer samples than there are classes.
    shuffle : bool
        ``False`` keeps the order: train first, then validation, then test.

    Returns
    -------
    Split
        ``(train, validation, test)``, each ``(X_part, y_part)`` (``y_part``
        None without ``y``). E.g. ``(X_tr, y_tr), _, (X_te, y_te) = split(X, y, test=0.2)``.
    """
    if X is None:
        raise TypeError("X must be an array of samples. Received: X=None")
    X = _samples(X, "X")
    if X.ndim == 0:
        raise ValueError(f"X must be an array of samples. Received a scalar X={X!r}.")
    n = X.shape[0]  # not len(): a sparse matrix has none
    if n == 0:
        raise ValueError("X is empty; at least one sample is required.")
    if y is not None:
        y = _samples(y, "y")
        check_consistent_length(X=X, y=y)
    n_test = _count(test, n, "test")
    n_val = _count(validation, n, "validation")
    n_train = n - n_val - n_test
    if n_train < 1:
        raise ValueError(
            f"validation={validation!r} and test={test!r} leave no training samples out of {n}."
        )
    rng = make_rng(seed) if check_bool(shuffle, "shuffle") else _no_seed(seed)
    if stratify is not False and stratify is not None:
        if not shuffle:
            raise ValueError("stratify needs shuffle=True (a stratified split reorders the samples).")
        # Per class: test share first, then validation from the rest (as two
        # successive scikit-learn stratified splits), chosen at random within the class.
        labels = _stratify_labels(stratify, y, n, f"X has {n}")
        order, klass, rank, counts = _by_class(labels, rng)
        classes = _unique(labels)
        rest = "training set" if n_val == 0 else "training and validation sets"
        _check_strata(classes, counts, ("test set", n_test), (rest, n - n_test))
        n_test_c = _apportion(counts, n_test, rng)
        _check_strata(classes, counts - n_test_c, ("validation set", n_val), ("training set", n_train),
                      of="what the test set leaves" if n_test else "y")
        n_val_c = _apportion(counts - n_test_c, n_val, rng)
        part = np.where(rank < n_test_c[klass], 2, np.where(rank < (n_test_c + n_val_c)[klass], 1, 0))
        shuffled = rng.permutation(n)
        order, part = order[shuffled], part[shuffled]  # each part in random order
        parts = [order[part == j] for j in range(3)]
    else:
        order = rng.permutation(n) if shuffle else np.arange(n)
        parts = np.split(order, np.cumsum([n_train, n_val]))
    return Split(*((_rows(X, idx), None if y is None else _rows(y, idx)) for idx in parts))


def _no_seed(seed):
    """None, or the error for a seed given with ``shuffle=False``, where nothing is drawn (it
    was silently unused; scikit-learn's KFold refuses it too)."""
    if seed is not None:
        raise ValueError(f"seed has no effect with shuffle=False: nothing is drawn. Pass shuffle=True to shuffle "
                         f"with it, or leave seed out. Received: seed={seed!r:.100}")


def _check_class_sizes(labels, k):
    """As scikit-learn's ``StratifiedKFold``: an error where every class has fewer than ``k``
    samples, a warning where some class has (some folds hold none of it)."""
    classes, counts = _unique(labels, return_counts=True)
    if (counts < k).all():
        raise ValueError(f"k={k} is more than the samples of every class in stratify (the largest class has "
                         f"{counts.max()}), so every class would be missing from some fold (scikit-learn's StratifiedKFold "
                         f"refuses it too). Give k <= {counts.max()}.")
    rare = counts.argmin()
    if counts[rare] < k:
        from ..models.divergence import user_stacklevel  # (the models import this module)
        warnings.warn(f"The least populated class in stratify, {classes.tolist()[rare]!r}, has only {counts[rare]} member(s), "
                      f"which is less than k={k}: {k - counts[rare]} fold(s) validate without it (as scikit-learn's "
                      f"StratifiedKFold warns).", UserWarning, stacklevel=user_stacklevel())


@sized_by_arguments("n")
def kfold(n, k=5, shuffle=True, seed=None, stratify=None):
    """Indices for k-fold cross-validation.

    The samples are cut into ``k`` folds (the first ``n % k`` folds get one
    extra sample, as scikit-learn's ``KFold``); fold ``j`` validates a model
    trained on the other ``k - 1``.

    Parameters
    ----------
    n : int
        Number of samples.
    k : int
        Number of folds, 2 <= k <= n.
    shuffle : bool
        Assign samples to folds at random (else consecutive blocks).
    seed : int, optional
    stratify : array-like of shape (n,), optional
        Labels to stratify on: each class is dealt round-robin over the folds
        (as scikit-learn's ``StratifiedKFold``), so every fold holds the floor
        or ceil of ``n_c / k`` samples of a class of ``n_c``. With
        ``shuffle=False`` the folds are ``StratifiedKFold(k)``'s (its default,
        unshuffled): each class's samples, in order, fill fold 0's share first.
        As ``StratifiedKFold``: a ValueError where every class has fewer than ``k``
        samples, a UserWarning where some class has.

    Returns
    -------
    list of (train_idx, val_idx)
        ``k`` pairs of sorted int64 index arrays; the ``val_idx`` partition ``range(n)``.
    """
    n = check_positive_int(n, "n")
    k = check_positive_int(k, "k")
    if not 2 <= k <= n:
        raise ValueError(f"k must be between 2 and n={n}. Received: k={k}")
    shuffle = check_bool(shuffle, "shuffle")  # "no" shuffled, as any truthy value did
    if not shuffle:
        _no_seed(seed)
    if stratify is not None:
        if isinstance(stratify, bool):
            raise TypeError(f"stratify must be an array of n labels. Received: stratify={stratify!r}")
        labels = _stratify_labels(stratify, None, n, f"n={n}")
        _check_class_sizes(labels, k)
        fold_of = np.empty(n, dtype=np.int64)
        if shuffle:
            # Deal each class round-robin over the folds, like scikit-learn's StratifiedKFold.
            order, _, _, _ = _by_class(labels, make_rng(seed))
            fold_of[order] = np.arange(n) % k
        else:
            # scikit-learn's StratifiedKFold(shuffle=False), fold for fold: classes numbered in
            # order of first appearance and dealt round-robin for the counts, each class's samples
            # then given to fold 0's share, fold 1's, ... in their order
            _, first, inverse = _unique(labels, return_index=True, return_inverse=True)
            klass = np.argsort(np.argsort(first))[inverse.reshape(-1)]
            ranked = np.sort(klass)
            shares = np.array([np.bincount(ranked[j::k], minlength=len(first)) for j in range(k)])
            for c in range(len(first)):
                fold_of[klass == c] = np.repeat(np.arange(k), shares[:, c])
    else:
        # Consecutive blocks; the first n % k folds get one more sample (sklearn's KFold).
        order = make_rng(seed).permutation(n) if shuffle else np.arange(n)
        sizes = np.full(k, n // k)
        sizes[: n % k] += 1
        fold_of = np.empty(n, dtype=np.int64)
        fold_of[order] = np.repeat(np.arange(k), sizes)
    all_idx = np.arange(n)
    return [(all_idx[fold_of != j], all_idx[fold_of == j]) for j in range(k)]
