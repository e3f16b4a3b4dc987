"""The classic networks' demos: ``perceptron``, ``hopfield`` and ``som`` (``glassnet.classic``)."""

import os
import shlex
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from ._common import GATES, CommandError, _check_outputs, _require_matplotlib, _standardizer, count
from ._data import StandardInput, _label, encode_labels, load_dataset, read_csv, read_stdin


def cmd_perceptron(args):
    from ..classic import NotSeparableWarning, Perceptron
    from ..datasets import logic_gate

    key = args.data.lower()
    if key in GATES:
        given = [option for option, value in (("--target", args.target), ("--ignore", args.ignore),
                                              ("--header" if args.header else "--no-header", args.header is not None),
                                              ("--sep", args.sep), ("--decimal", args.decimal))
                 if value]
        if given:  # (a data option silently unused is an error, as in train)
            what = {"--sep": "columns to separate", "--decimal": "written numbers"}.get(
                given[0], "a header row" if given[0].endswith("header") else "columns to choose")
            raise CommandError(f"{given[0]} does not apply to the {key} gate: only a CSV file has {what}.")
        X, y = logic_gate(key, encoding="bipolar" if args.bipolar else "binary", dtype="float64")
        classes = None
        title = f"{key.upper()} gate ({'bipolar ±1' if args.bipolar else 'binary 0/1'} inputs)"
    else:
        if args.data != "-" and not Path(args.data).exists() and not key.endswith((".csv", ".txt")):
            raise CommandError(f"unknown data {args.data!r}: use a gate ({', '.join(GATES)}), the path of a CSV file "
                               "or - (standard input).")
        if args.bipolar:  # (it was ignored: the CSV's own values were trained on)
            raise CommandError("--bipolar applies to the gates only: a CSV file's inputs are used as they are.")
        if args.data == "-":
            args.data = read_stdin()
        X, y_raw, _ = read_csv(args.data, args.target, ignore=args.ignore or (), header=args.header, sep=args.sep,
                               decimal=args.decimal)
        if encode_labels(y_raw, "auto")[2] == "regression":  # 120 targets such as 0.37 became 120 classes
            values = np.unique(y_raw)
            fractional = values[values != np.round(values)]
            seen = f"numbers such as {_label(fractional[0])}" if len(fractional) else f"{len(values)} distinct integers"
            # (quoted for the shell: "my data.csv" was two arguments when pasted)
            file = "FILE.csv" if isinstance(args.data, StandardInput) else shlex.quote(args.data)
            raise CommandError(f"the target of {args.data} looks continuous ({seen}): a perceptron separates classes. "
                               "Give class labels (integers or text, at most 50 classes), or fit a regression with: "
                               f"glassnet train {file} --task regression")
        y, classes, _ = encode_labels(y_raw, "classification")
        if len(np.unique(y)) < 2:
            raise CommandError(f"the target of {args.data} holds only 1 class: {classes[y[0]]}. "
                               "A perceptron separates two or more.")
        title = f"{args.data} ({count(len(X), 'row')}, {count(X.shape[1], 'feature')})"
    if args.seed is not None and not args.shuffle:  # (an option silently unused is an error, as in train)
        raise CommandError("--seed is for --shuffle: without it the samples are visited in their order and "
                           "nothing is drawn.")
    # --shuffle without --seed draws one and prints it, as train does, so that the run can be repeated
    seed = args.seed if args.seed is not None or not args.shuffle else int.from_bytes(os.urandom(3), "little")
    model = Perceptron(learning_rate=args.lr, max_epochs=args.max_epochs, shuffle=args.shuffle, random_state=seed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", NotSeparableWarning)
        try:
            model.fit(X, y)
        except ValueError as exc:  # the library's advice, in the command line's words
            text = str(exc).replace(f"learning_rate={args.lr!r}", f"--lr {args.lr:g}").replace("use 1.", "use --lr 1.")
            raise CommandError(text.replace("X holds", f"{args.data} holds").replace(
                "Rescale X, e.g. with glassnet.preprocessing.StandardScaler.",
                "Rescale its columns first (e.g. to z-scores, or to other units).")) from None
    order = f"; samples shuffled each epoch (seed {seed})" if args.shuffle else ""
    print(f"Rosenblatt perceptron on {title}, η = {args.lr:g}: w ← w + η·y·x on each mistake (y⟨w, x⟩ ≤ 0){order}")
    labels = [classes[int(c)] for c in model.classes_] if classes is not None else None
    if labels is not None and len(labels) == 2:  # which label the one perceptron's +1 is
        print(f"classes: +1 = {labels[1]!r}, −1 = {labels[0]!r}")
    W = np.array(model.weights_history_)
    if W.ndim == 2:  # two classes: one perceptron
        header = ["epoch", *(f"w{k}" for k in range(W.shape[1])), "mistakes"]
        rows = [[str(e), *(f"{v:g}" for v in w), "-" if e == 0 else str(model.mistakes_[e - 1])]
                for e, w in enumerate(W)]
        _print_table(header, rows)
    else:
        _print_table(["epoch", "mistakes"], [[str(e + 1), str(m)] for e, m in enumerate(model.mistakes_)])
        named = f": {', '.join(labels)}" if labels is not None else ""
        print(f"final weights (rows w0..wd, one column per class{named}):")
        print(np.array2string(model.weights_, precision=4))
    if model.converged_:
        print(f"Converged after {model.n_iter_} epoch(s): the data is linearly separable.")
    else:
        message = str(caught[-1].message) if caught else "did not converge"
        # (the library names its argument, max_epochs=20; here it is the option)
        message = message.replace(f"(max_epochs={args.max_epochs})", f"(--max-epochs {args.max_epochs})").replace(
            "(or needs more epochs)", "(or needs more epochs: raise --max-epochs)")
        print(f"Not separated: {message}")
    if key in GATES:
        out = model.predict(X)
        rows = [[*(f"{v:g}" for v in x), f"{t:g}", f"{o:g}", "" if t == o else "✗"] for x, t, o in zip(X, y, out)]
        _print_table([*(f"x{k + 1}" for k in range(X.shape[1])), "target", "output", ""], rows)
    return 0


def _print_table(header, rows):
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print("  ".join(h.rjust(w) for h, w in zip(header, widths)).rstrip())
    for r in rows:
        print("  ".join(c.rjust(w) for c, w in zip(r, widths)).rstrip())


def cmd_hopfield(args):
    from ..classic import Hopfield, flip_bits, load_bitmaps, show_bitmap
    from ..classic.bitmaps import BITMAPS

    _check_outputs({"--out": args.out})
    if args.out:  # (before the work, as som does: not a recall and then "requires matplotlib")
        _require_matplotlib(args.out, "--out")
    # the bitmaps' names are capitals, as the playground reads them: htx is HTX, Letters the letters
    store = args.store.strip().lower()
    names = store if store in ("letters", "digits") else [c.upper() for c in args.store if c not in ", "]
    if not names:
        raise CommandError("--store: name at least one pattern (letters, digits, or names such as HTX).")
    unknown = [] if isinstance(names, str) else list(dict.fromkeys(n for n in names if n not in BITMAPS))
    if unknown:  # (the library listed each letter of "letters,digits": ['l', 'e', 't', 't', ...])
        raise CommandError(f"--store: {', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not among the "
                           f"bitmaps {''.join(BITMAPS)} (or give the word letters or digits alone). "
                           f"Received: {args.store!r}")
    try:  # first: an unknown name (ZZ) is unknown, not "named twice"
        images, names = load_bitmaps(names)
    except ValueError as exc:  # (the library's message, under the option's name)
        raise CommandError(f"--store: {exc}") from None
    if len(set(names)) < len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise CommandError(f"--store: {', '.join(twice)} named twice; each pattern is stored once.")
    recall = args.recall.strip().upper() if args.recall else names[0]
    if recall not in names:
        raise CommandError(f"--recall {recall!r} is not among the stored patterns {''.join(names)}.")
    shape = images.shape[1:]
    patterns = images.reshape(len(images), -1)
    net = Hopfield(max_iter=args.max_iter, random_state=args.seed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        net.fit(patterns)
        clean = patterns[names.index(recall)]
        noisy = flip_bits(clean, args.noise, random_state=args.seed)
        final, info = net.recall(noisy, mode=args.mode, return_trace=True)
    for w in caught:  # (the library's advice names the argument; here it is the option)
        text = str(w.message).replace("mode='async'", "--mode async")
        warnings.warn_explicit(text, w.category, w.filename, w.lineno)  # on stderr, as every command's warnings
    print(f"Hopfield network of {patterns.shape[1]} neurons storing {len(names)} pattern(s) "
          f"{''.join(names)} by Hebb's rule; recalling {recall!r} with {int((noisy != clean).sum())} of its "
          f"{clean.size} bits flipped (noise {args.noise:g}, {args.mode} updates)")
    blocks = [show_bitmap(p, shape).splitlines() for p in (clean, noisy, final)]
    titles = ["stored", "noisy", "recalled"]
    width = shape[1]
    print("   ".join(t.ljust(width) for t in titles).rstrip())
    for lines in zip(*blocks):
        print("   ".join(lines))
    energies = info.energies[:, 0]
    outcome = net.outcome(final, names, recall)
    if info.cycle_length[0]:  # the last state is one of two that alternate: recall never settled
        outcome = "fell into a 2-cycle (two states alternating) and never settled"
    elif not info.converged[0] and not net.recall(final, mode=args.mode, max_iter=1, return_trace=True)[1].converged[0]:
        # --max-iter ran out while the state still changed: it is no stable (spurious) state yet.
        # (one more update tells: the last one may have reached a fixed point unchecked)
        outcome = f"did not settle within --max-iter {args.max_iter} (the state still changes; raise --max-iter)"

    wrong = int((final != clean).sum())
    print(f"Result: {outcome}; {wrong} bit(s) differ from {recall!r}; energy {energies[0]:.4g} → {energies[-1]:.4g} "
          f"in {info.n_sweeps} {'sweep' if args.mode == 'async' else 'step'}(s)")
    if args.out:
        from ..plots import plot_hopfield_recall

        plot_hopfield_recall(clean[None], noisy[None], final[None], shape=shape, labels=[recall], trace=info,
                             path=args.out)
        print(f"Saved the recall to {args.out}")
    return 0


def cmd_som(args):
    from ..classic import SOM

    _check_outputs({"--out": args.out}, inputs=[args.data])
    if args.out:
        _require_matplotlib(args.out, "--out")
    if args.data == "-":
        args.data = read_stdin()
    data = load_dataset(args.data, args, purpose="som")
    X = np.concatenate([data.x_train, data.x_test]) if data.x_test is not data.x_train else data.x_train
    labels = None
    if data.task == "classification":
        labels = np.concatenate([data.y_train, data.y_test]) if data.x_test is not data.x_train else data.y_train
    if data.task == "regression":  # --target took the column out of the features, and labelled nothing silently
        print(f"note: the target of {data.name} is continuous, so it labels no neuron (--task classification "
              "takes its values as classes).", file=sys.stderr)
    elif labels is not None and data.n_classes > 36:
        print(f"note: the target of {data.name} has {data.n_classes} classes, more than the 36 symbols of the "
              "class map; no class per neuron is shown.", file=sys.stderr)
    if data.standardize and not args.no_standardize:
        mu, sigma = _standardizer(X)
        X = (X - mu) / sigma
    rows, cols = args.grid
    _check_som_size(rows, cols, args.epochs, args.mode, *X.shape)
    som = SOM(grid=(rows, cols), topology=args.topology, epochs=args.epochs, mode=args.mode, random_state=args.seed)
    on_epoch, on_progress = _som_progress(time.monotonic(), args.epochs)
    som.fit(X, on_epoch=on_epoch, on_progress=on_progress)
    print(f"Self-organizing map {rows}×{cols} ({args.topology}) on {count(len(X), 'sample')} of {data.name} "
          f"({count(X.shape[1], 'feature')}); {args.epochs} epoch(s), {args.mode}")
    print(f"Quantization error: {som.quantization_errors_[-1]:.4g}   topographic error: {som.topographic_error(X):.4f}")
    U = som.u_matrix()
    print("U-matrix (mean distance to the grid neighbours; dense characters = far apart, a cluster border):")
    shades = " .:-=+*#%@"
    scaled = (U - U.min()) / max(float(np.ptp(U)), 1e-12)
    # two characters a neuron; a hexagonal grid's odd rows sit half a neuron to the right
    shift = (lambda r: " " * (r % 2)) if args.topology == "hexagonal" else (lambda r: "")
    for r, row in enumerate(scaled):
        print("  " + shift(r) + "".join(shades[int(round(v * (len(shades) - 1)))] * 2 for v in row))
    if labels is not None and data.n_classes <= 36:
        symbols = "0123456789abcdefghijklmnopqrstuvwxyz"
        grid = som.label_map(X, labels)  # −1: wins no sample
        names = data.classes or [str(k) for k in range(data.n_classes)]
        if names != list(symbols[: len(names)]):  # e.g. text labels: say which symbol is which class
            print("Classes: " + ", ".join(f"{symbols[k]}={name}" for k, name in enumerate(names)))
        print("Most common class per neuron (· = wins no sample):")
        for r, row in enumerate(grid):
            print("  " + shift(r) + " ".join(symbols[v] if v >= 0 else "·" for v in row))
    if args.out:
        _plot_u_matrix(som, X, args.out, f"U-matrix {rows}×{cols} ({args.topology}) of {data.name}")
        print(f"Saved the U-matrix to {args.out}")
    return 0


#: The work one ``glassnet som`` run takes, in units of about 3 ns on 2 cores (an hour in all):
#: samples × epochs × neurons × (features + 40) (each neuron's update moves its weights, and the
#: winner search and the neighbourhood cost about 40 units more a neuron), and 10,000 units more
#: a sample in online mode (Python's step). A 10 × 10 map of MNIST for 10 epochs is 6.5e10.
SOM_WORK = 1.2e12
SOM_SECONDS_PER_UNIT = 3e-9


def _check_som_size(rows, cols, epochs, mode, n, features):
    """Refuse, before training, a map whose distances outgrow this machine's memory or whose work
    outgrows :data:`SOM_WORK`: ``--grid 200x200`` ran out of memory after 120 s (a typo of 20x20
    would then train for hours, with no line until the first 4096 samples were done)."""
    from ..classic.som import CHUNK

    neurons = rows * cols
    # every sample's distance to every neuron at once (float64), one block's temporaries, the weights
    need = 8 * (n * neurons + 3 * min(n, CHUNK) * neurons + 6 * neurons * features)
    have = _physical_memory()
    if have is not None and need > have:
        raise CommandError(f"a {rows}×{cols} map of {count(n, 'sample')} holds the distance of every sample to every "
                           f"neuron: about {need / 2**30:.0f} GiB, more than this machine's {have / 2**30:.0f} GiB of "
                           "memory. Choose a smaller --grid.")
    work = n * epochs * (neurons * (features + 40) + (10_000 if mode == "online" else 0))
    if work > SOM_WORK:
        hours = work * SOM_SECONDS_PER_UNIT / 3600
        raise CommandError(f"a {rows}×{cols} map trained {epochs} epoch(s) on {count(n, 'sample')} of "
                           f"{count(features, 'feature')} would take about {hours:,.{1 if hours < 10 else 0}f} hours on "
                           "2 cores; glassnet som takes runs of up to about an hour. Choose a smaller --grid or fewer "
                           "--epochs (or train glassnet.classic.SOM from Python).")


def _physical_memory():
    """This machine's memory in bytes, or None where it cannot be read (Windows has no sysconf)."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def _som_progress(start, epochs, quiet_for=2.0, every=5.0, clock=None):
    """SOM.fit's ``on_epoch`` and ``on_progress`` hooks, which report on stderr once the fit has run
    ``quiet_for`` seconds, every ``every`` seconds at most: within an epoch (an online epoch of MNIST
    left 10 s of silence before its line) and at an epoch's end, and at the last epoch's end always.
    Each epoch's end said (digits finish in one) gave 56 lines a second to 3000 epochs of a 5 × 5 map."""
    clock = clock or time.monotonic  # (read now: a test's clock replaces the module's time)
    last = None  # when the last line was printed

    def report(epoch, epochs_done, text, final=False):
        nonlocal last
        now = clock()
        elapsed = now - start
        if elapsed < quiet_for or (not final and last is not None and now - last < every):
            return
        last = now
        left = elapsed / epochs_done * (epochs - epochs_done)
        print(f"epoch {epoch}/{epochs}: {text} ({elapsed:.0f} s, about {left:.0f} s left)", file=sys.stderr,
              flush=True)

    def on_epoch(epoch, epochs, error):
        report(epoch, epoch, f"quantization error {error:.4g}", final=epoch == epochs)

    def on_progress(epoch, done, n):
        report(epoch, epoch - 1 + done / n, f"{done}/{n} samples")

    return on_epoch, on_progress


def _plot_u_matrix(som, X, path, title):
    from ..plots import plot_som

    plot_som(som, X=X, components=False, title=title, path=path)
