"""Regular expressions matched against Keras variable paths in time linear in the path (an
:class:`~glassnet.optimizers.OptimizerMap`'s keys, Muon's ``exclude_layers``): a model file names both
the patterns and the layers, and ``re``'s backtracking on a crafted pair hung ``load_model``."""

import re
from functools import lru_cache

try:  # re's own parser and compiler, which Python 3.11 renamed
    from re import _compiler as sre_compile
    from re import _constants as sre_constants
    from re import _parser as sre_parse
except ImportError:  # Python 3.10
    import sre_compile
    import sre_constants
    import sre_parse


# -- path patterns, matched in linear time --------------------------------------------------------------------------
# An OptimizerMap's keys and Muon's exclude_layers are regular expressions matched against variable paths, and a model
# file names both the patterns and the layers in the paths. re backtracks: ".*(d|d)*!" took 4.5 s on a path of 22
# letters, four times as long for two letters more, and nothing can stop it (re has no timeout); "(a|a)" written 30
# times hangs on 30 letters without any repeat. So a pattern is parsed by re's parser and matched by Thompson's
# construction: the set of its states reachable after each character is kept, which takes at most (characters) x
# (states) steps. It matches the strings that re matches: each character class and anchor is tested by re itself,
# compiled alone with the flags in force where it stands. What only backtracking can match is refused.

_MATCH, _CHAR, _CHECK, _SPLIT = range(4)  # a state: (kind, re's test or None, next state(s))

_TEXT_KINDS = re.ASCII | re.LOCALE | re.UNICODE

#: the most states a path pattern may have once its counted repeats are written out ("a{3}" is "aaa")
MAX_PATTERN_STATES = 10_000

#: the most steps (a state at a character) one match may take, a second or two: a path of 100 characters takes
#: 100 to 2,000 (each of its characters is tested by the few states of the pattern that can read it)
MAX_MATCH_STEPS = 10**6

#: what re matches only by backtracking, and so glassnet refuses
_BACKTRACKING = {"GROUPREF": "a backreference", "GROUPREF_EXISTS": "a conditional group (?(...)...)",
                 "ASSERT": "a lookaround (?=...) or (?<=...)", "ASSERT_NOT": "a lookaround (?!...) or (?<!...)",
                 "ATOMIC_GROUP": "an atomic group (?>...)", "POSSESSIVE_REPEAT": "a possessive repeat (*+, ++, ?+)"}

#: why (said after a refused pattern)
_LINEAR_ONLY = ("(glassnet matches path patterns in time linear in the path, as re's backtracking can take hours "
                "on a crafted pattern; backreferences, lookarounds, conditional and atomic groups and possessive "
                "repeats need backtracking)")


class _PathPattern:
    """A regular expression as a nondeterministic automaton, matched against paths in linear time: the
    same answers as ``re.fullmatch``/``re.search``, in at most ``len(path)`` x ``len(states)`` steps
    (and :data:`MAX_MATCH_STEPS`)."""

    def __init__(self, pattern):
        parsed = sre_parse.parse(pattern)  # (re.error for what is not a regular expression)
        self.pattern = pattern
        self.states = [(_MATCH, None, None)]
        self.start = self._build(parsed, parsed.state.flags, 0)
        self._answers = {}  # (path, whole): matched (Muon asks at every step)

    def _add(self, kind, test, out):
        if len(self.states) >= MAX_PATTERN_STATES:
            raise ValueError(f"is too long: more than {MAX_PATTERN_STATES} states once its counted repeats are "
                             f"written out")
        self.states.append((kind, test, out))
        return len(self.states) - 1

    @staticmethod
    def _test(item, flags):
        """re's own test of one character class or anchor, with the flags in force where it stands."""
        state = sre_parse.State()
        state.flags = flags
        return sre_compile.compile(sre_parse.SubPattern(state, [item]), flags)

    def _build(self, items, flags, out):
        """The first state of the parsed sequence ``items`` followed by the state ``out`` (built back to front)."""
        for item in reversed(list(items)):
            op, av = item
            if op.name in ("LITERAL", "NOT_LITERAL", "ANY", "IN"):
                out = self._add(_CHAR, self._test(item, flags), out)
            elif op.name == "AT":  # ^ $ \A \Z \b \B: tested at the position, consuming nothing
                out = self._add(_CHECK, self._test(item, flags), out)
            elif op.name == "BRANCH":
                out = self._add(_SPLIT, None, [self._build(branch, flags, out) for branch in av[1]])
            elif op.name == "SUBPATTERN":  # a group, with its own flags ("(?i:...)")
                _, added, removed, body = av
                kept = flags & ~_TEXT_KINDS if added & _TEXT_KINDS else flags  # "(?a:...)" replaces re.UNICODE
                out = self._build(body, (kept | added) & ~removed, out)
            elif op.name in ("MAX_REPEAT", "MIN_REPEAT"):  # greedy or lazy: the same strings match
                out = self._repeat(*av, flags, out)
            else:
                raise ValueError(f"uses {_BACKTRACKING.get(op.name, op.name)}")
        return out

    def _repeat(self, low, high, body, flags, out):
        """``body{low,high}`` then ``out``: ``low`` copies of ``body``, then ``high - low`` optional ones or a loop."""
        unbounded = high == sre_constants.MAXREPEAT
        if max(low, 0 if unbounded else high) > MAX_PATTERN_STATES:
            raise ValueError(f"is too long: a repeat count above {MAX_PATTERN_STATES}")
        after, first = out, out
        if unbounded:  # a state that either enters the body, which comes back to it, or leaves
            first = self._add(_SPLIT, None, [])
            self.states[first] = (_SPLIT, None, [self._build(body, flags, first), after])
        else:
            for _ in range(high - low):  # (body (body)?)?
                first = self._add(_SPLIT, None, [self._build(body, flags, first), after])
        for _ in range(low):
            entry = self._build(body, flags, first)
            if entry == first:  # an empty body ("(){9999}"): its copies add nothing (and would take long to add)
                break
            first = entry
        return first

    def _closure(self, starts, path, i):
        """The character tests and the match state reached from ``starts`` at position ``i`` of ``path``
        without consuming a character."""
        reached, seen, stack = [], set(), list(starts)
        while stack:
            s = stack.pop()
            if s in seen:
                continue
            seen.add(s)
            kind, test, out = self.states[s]
            if kind == _SPLIT:
                stack.extend(out)
            elif kind == _CHECK:
                if test.match(path, i) is not None:
                    stack.append(out)
            else:
                reached.append(s)
        return reached

    def matches(self, path, whole):
        """``re.fullmatch(pattern, path)`` (``whole``) or ``re.search(pattern, path)`` found a match."""
        if (path, whole) not in self._answers:
            current, steps = self._closure([self.start], path, 0), 0
            for i in range(len(path)):
                if whole and not current:  # no state left
                    break
                if not whole and _MATCH in current:  # a match ends here
                    break
                steps += len(current)
                if steps > MAX_MATCH_STEPS:  # linear is not enough: a model file can name a layer with a million d's
                    raise ValueError(f"Matching the path pattern {self.pattern!r:.100} against a path of {len(path)} "
                                     f"characters ({path[:50]!r}...) takes more than {MAX_MATCH_STEPS} steps: no "
                                     "model's variable path is this long.")
                following = [self.states[s][2] for s in current
                             if s != _MATCH and self.states[s][1].match(path, i) is not None]
                current = self._closure(following if whole else [*following, self.start], path, i + 1)
            self._answers[path, whole] = _MATCH in current
        return self._answers[path, whole]


@lru_cache(maxsize=256)
def _path_pattern(pattern):
    """``pattern`` compiled by :class:`_PathPattern`: re.error if it is not a regular expression, a ValueError
    (its reason) if it cannot be matched without backtracking."""
    return _PathPattern(pattern)


def _fullmatch(pattern, path):
    """Whether ``pattern`` matches all of ``path``, as ``re.fullmatch`` (in linear time)."""
    return _path_pattern(pattern).matches(path, whole=True)


def _search(pattern, path):
    """Whether ``pattern`` matches part of ``path``, as ``re.search`` (in linear time)."""
    return _path_pattern(pattern).matches(path, whole=False)
