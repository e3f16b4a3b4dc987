"""The one name -> object lookup used by every registry (activations, losses, ...).

Each module keeps a literal dict ``{name: class_or_factory}`` and calls
:func:`lookup`; an unknown name raises a ``ValueError`` that lists the valid
names, as STYLE.md asks.
"""


def lookup(identifier, table, kind, instance_of=None, allow_callable=False):
    """Resolve ``identifier`` (None, a name, or an object) against ``table``.

    Parameters
    ----------
    identifier : None, str or object
        ``None`` returns ``None``; a string is looked up (case-insensitive) and
        the entry is called with no arguments; an instance of ``instance_of``
        (or any callable when ``allow_callable``) is returned as is.
    table : dict
        ``{name: factory}``.
    kind : str
        What is being looked up, for the error message ("activation", ...).
    """
    if identifier is None:
        return None
    if isinstance(identifier, str):
        key = identifier.lower()
        if key not in table:
            valid = ", ".join(sorted(table))
            raise ValueError(
                f"Unknown {kind} {identifier!r}. Valid names: {valid}."
            )
        return table[key]()
    if instance_of is not None and isinstance(identifier, instance_of):
        return identifier
    if allow_callable and callable(identifier):
        return identifier
    raise ValueError(
        f"Could not interpret {kind} identifier: {identifier!r}. "
        f"Expected a name (one of {', '.join(sorted(table))}) or a "
        f"{instance_of.__name__ if instance_of else 'callable'} object."
    )


def name_of(obj, table):
    """Return the registry name for an object created from ``table``, or None."""
    for name, factory in table.items():
        if isinstance(factory, type) and type(obj) is factory:
            return name
    return None
