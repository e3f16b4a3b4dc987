"""Keras's ``optimizer.exclude_from_weight_decay(var_list, var_names)``: the variables that the
decoupled weight decay ``w ← w − η λ w`` leaves alone (biases, normalization's scale and offset)."""

import re
import warnings
import weakref


class Exclusions:
    """The variables an optimizer does not decay: those of ``var_list`` (a model's arrays, known by
    their Keras path, "sequential/dense/bias"; other arrays by identity, for a custom loop's list of
    arrays) and those whose Keras name ("bias", "gamma", the path's last part) a regular expression
    of ``var_names`` finds (``re.search``, as Keras)."""

    def __init__(self, var_list=None, var_names=None):
        from ..models.updates import handed_out_paths  # (models import the optimizers)
        from .base import _check_variable, _variable_list

        variables = [] if var_list is None else _variable_list(var_list, "var_list")
        for i, v in enumerate(variables):
            _check_variable(v, f"var_list[{i}]")
        names = [] if var_names is None else var_names
        if isinstance(names, (str, bytes)) or not isinstance(names, (list, tuple, set, frozenset)) or \
                not all(isinstance(name, str) for name in names):
            # (Keras joins a str's letters: var_names="bias" excluded every name holding b, i, a or s)
            raise TypeError(f"var_names must be a list of str, regular expressions searched in each variable's "
                            f"name (['bias', 'gamma']). Received: var_names={var_names!r:.100}")
        for name in names:
            try:
                re.compile(name)
            except re.error as exc:
                raise ValueError(f"var_names must hold regular expressions: {name!r:.100} is not one ({exc}). "
                                 f"Received: var_names={var_names!r:.100}") from None
        self.names = sorted(set(names))
        self._pattern = re.compile("|".join(self.names)) if self.names else None
        paths = handed_out_paths(variables)
        self.paths = frozenset(path for path in paths if path)
        # a custom loop's own arrays have no path: known by identity (weakly: the exclusion must not keep them)
        self._arrays = [_reference(v) for v, path in zip(variables, paths) if not path]

    def __bool__(self):
        return bool(self.names or self.paths or self._arrays)

    def __getstate__(self):  # a pickled optimizer keeps the paths and names; arrays are not the copy's
        return {**self.__dict__, "_arrays": []}

    def skipped(self, paths, variables=None, warn=True):
        """For each variable (its Keras ``paths``; the arrays themselves for a custom loop's list),
        whether it is excluded; None where none is (every variable decays, in one multiplication)."""
        arrays = [ref() for ref in self._arrays]
        held = [any(v is a for a in arrays) for v in variables] if variables is not None else [False] * len(paths)
        skip = [path in self.paths or by_identity
                or (self._pattern is not None and self._pattern.search(path.rpartition("/")[2]) is not None)
                for path, by_identity in zip(paths, held, strict=True)]
        named = [path.rpartition("/")[2] for path in paths if path]
        unused = [name for name in self.names if named and not any(re.search(name, n) for n in named)]
        if unused and warn:  # a typo ("biases"), or a path given where a name is searched
            from ..models.divergence import user_stacklevel  # (models import the optimizers)

            warnings.warn(f"exclude_from_weight_decay's var_names {unused} match no variable this optimizer steps: "
                          f"they are searched in each variable's name, such as {', '.join(map(repr, named[:4]))}.",
                          UserWarning, stacklevel=user_stacklevel())  # (fit's caller, or a custom loop's line)
        return skip if any(skip) else None


def _reference(v):
    """A weak reference to ``v``, or a strong one for an array type without weak references."""
    try:
        return weakref.ref(v)
    except TypeError:
        return lambda: v
