"""Python's "unexpected keyword argument" errors made helpful: the public class named and the parameter a
mistyped or other library's keyword means suggested. NumPy-free and light, so that metrics, layers and the
classic estimators can use it without loading scikit-learn (which ``_estimator`` imports when present)."""

import difflib
import functools
import inspect

# Names other libraries give the same setting (scikit-learn, Keras, PyTorch, textbooks), each group in order of
# preference: a keyword from a group suggests the estimator's own name in it, which difflib alone misses
# (max_iter → max_epochs, eta0 → learning_rate, seed → random_state).
_SYNONYMS = (
    ("max_epochs", "max_iter", "epochs", "n_iter", "n_epochs", "num_epochs"),
    ("learning_rate_init", "learning_rate", "eta0", "eta", "lr"),
    ("random_state", "seed"),
)


def _closest_name(key, names):
    """The parameter among ``names`` a mistyped keyword ``key`` most likely means, or None. A nested
    spelling (skorch's ``optimizer__momentum``) is read by its last part."""
    key = key.rsplit("__", 1)[-1]
    for group in _SYNONYMS:
        if key in group:
            match = next((name for name in group if name in names), None)
            if match is not None:
                return match
    close = difflib.get_close_matches(key, names, n=1)
    return close[0] if close else None


def _keyword_hint(key, names):
    """What to add to Python's "unexpected keyword argument ``key``": the parameter among ``names`` it most
    likely means, else the valid names when they are few (MLPClassifier's 23 would drown the message)."""
    close = _closest_name(key, names)
    if close is not None:
        return f". Did you mean {close!r}?"
    return f". Valid parameters are: {', '.join(names)}." if len(names) <= 15 else ""


def _named_init(init, *, hint=_keyword_hint):
    """``init`` (an estimator's ``__init__``) whose binding errors, Python's own ``TypeError``, name the public
    class (``MLPClassifier.__init__()``, as scikit-learn's, not the private ``_BaseMLP.__init__()`` whose
    signature MLPClassifier inherits) and suggest the parameter a mistyped keyword means (a synonym or the
    closest spelling; a short signature is listed when neither is found): ``hint(key, names)``, what follows
    the unexpected keyword ``key`` (the wrappers' says where a setting goes).
    ``inspect.signature`` (scikit-learn's ``get_params``, ``clone``, ``help``) still reads ``init``'s own
    through ``__wrapped__``."""
    names = list(inspect.signature(init).parameters)[1:]  # (after self)
    prefix = f"{init.__qualname__}()"

    @functools.wraps(init)
    def checked_init(self, *args, **kwargs):
        try:
            init(self, *args, **kwargs)  # (a scikit-learn __init__ only stores its arguments)
        except TypeError as exc:
            message = str(exc)
            if not message.startswith(prefix):  # (Python's binding errors start with the function's name)
                raise
            # the class called: the most derived one whose __init__ this is (a subclass's own calls super's)
            owner = next((c for c in type(self).__mro__ if c.__init__ is checked_init), type(self))
            unknown = next((key for key in kwargs if key not in names), None)
            said = ""
            if unknown is not None and "unexpected keyword" in message:
                said = hint(unknown, names)
            raise TypeError(f"{owner.__name__}.__init__(){message[len(prefix):]}{said}") from None

    return checked_init


def _keyword_error(called, key, names, elsewhere=None):
    """Python's "unexpected keyword argument" TypeError for ``called`` (``"Sequential.fit()"``), with where the
    setting ``key`` goes instead when ``elsewhere`` ({keyword: where}) names it, else :func:`_keyword_hint`'s
    parameter among ``names`` (a model's fit(max_epochs=...) suggests epochs)."""
    hint = f": {elsewhere[key]}." if elsewhere and key in elsewhere else _keyword_hint(key, names)
    return TypeError(f"{called} got an unexpected keyword argument {key!r}{hint}")
