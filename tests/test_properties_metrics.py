"""Property test: each standalone metric and loss equals Keras 3.15's of the same name, both in float64.

For a drawn class, constructor arguments both accept and a stream of 1..4 batches (shapes ``(n,)``,
``(n, 1)``, ``(n, k)``, ``(n, T, k)`` as the class takes them, the length T of sequences drawn for each
batch, as a sequence model's batches of unequal lengths; edge values: exact 0/1 probabilities,
ties, thresholds hit exactly, one-class batches, all-zero sample weights of shape ``(n,)``, ``(n, 1)``
or per position ``(n, T)``), glassnet's and Keras's metric are updated alike and their ``result()``
compared after each batch, then after ``reset_state()`` and one more batch; a loss is compared for
every reduction. ``get_config`` -> ``from_config`` gives an equal metric, and Keras reads glassnet's
config. Where Keras refuses a batch, glassnet must refuse it too or be checked separately (below).

CI draws one derandomized example per class (~15 s); ``GLASSNET_METRICS_EXAMPLES=50`` draws more, at
random, to hunt (``GLASSNET_METRICS_LOG=file`` lists the batches one side refused). Keras comes from the
``keras64`` fixture (KERAS_BACKEND=jax, float64), which skips without Keras. Where Keras 3.15 differs and
glassnet keeps its own, the draws avoid it and a test below pins both (docs/keras-coverage.md).
"""

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from glassnet import losses, metrics

EXAMPLES = int(os.environ.get("GLASSNET_METRICS_EXAMPLES", 1))
HUNT = "GLASSNET_METRICS_EXAMPLES" in os.environ

# -- data --------------------------------------------------------------------------------------

EDGES = [0.0, 1.0, 0.5, 0.25, 0.75, 0.3, 0.7]  # exact 0/1, ties, the drawn thresholds (below) hit exactly


def probabilities(draw, shape, extra=()):
    values = st.one_of(st.sampled_from(EDGES + list(extra)), st.floats(0, 1, allow_subnormal=False))
    return np.array(draw(st.lists(values, min_size=int(np.prod(shape)), max_size=int(np.prod(shape))))
                    ).reshape(shape)


def reals(draw, shape, low=-3.0, high=3.0):
    values = st.one_of(st.sampled_from([0.0, 1.0, -1.0, 0.5]), st.floats(low, high, allow_subnormal=False))
    return np.array(draw(st.lists(values, min_size=int(np.prod(shape)), max_size=int(np.prod(shape))))
                    ).reshape(shape)


def labels_of(draw, lead, k):
    size = int(np.prod(lead))
    if draw(st.booleans()):  # one class only
        return np.full(lead, draw(st.integers(0, k - 1)))
    return np.array(draw(st.lists(st.integers(0, k - 1), min_size=size, max_size=size))).reshape(lead)


def weights_of(draw, lead, layout, coarse=False, per_sample_only=False):
    """None, or sample weights (n,), (n, 1) or per position (n, T); sometimes all zero. ``coarse``: multiples
    of 0.5, whose sums are 0 or at least 0.5 (for the classes whose Keras adds 1e-7 to a sum: :data:`RTOL`)."""
    choice = draw(st.sampled_from(["none", "n", "zero"] if per_sample_only else
                                  ["none", "n", "n1", "zero"] + (["nT"] if len(lead) == 2 else [])))
    if choice == "none":
        return None
    shape = {"n": lead[:1], "n1": (lead[0], 1), "zero": lead[:1], "nT": lead}[choice]
    if choice == "zero":
        return np.zeros(shape)
    values = st.sampled_from([0.0, 1.0, 2.0, 3.0] if coarse == "integer" else [0.0, 0.5, 1.0, 2.0, 3.0])
    if not coarse:
        values = st.one_of(values, st.floats(0, 3, allow_subnormal=False))
    return np.array(draw(st.lists(values, min_size=int(np.prod(shape)), max_size=int(np.prod(shape))))
                    ).reshape(shape)


@st.composite
def batch(draw, kind, layout, k, T, args, coarse=False):
    """One ``(y_true, y_pred, sample_weight)`` of ``kind`` in ``layout`` ("1d", "col", "2d", "3d")."""
    n = draw(st.integers(1, 5))
    lead = {"1d": (n,), "col": (n,), "2d": (n,), "3d": (n, T)}[layout]
    out = {"1d": (n,), "col": (n, 1), "2d": (n, k), "3d": (n, T, k)}[layout]
    thresholds = args.get("thresholds", args.get("threshold"))
    extra = [] if thresholds is None else list(np.atleast_1d(thresholds))
    if kind == "bin":  # 0/1 targets, probabilities
        y_true = np.array(draw(st.lists(st.sampled_from([0.0, 1.0]), min_size=int(np.prod(out)),
                                        max_size=int(np.prod(out))))).reshape(out)
        y_pred = reals(draw, out) if args.get("from_logits") else probabilities(draw, out, extra)
    elif kind in ("cat", "sparse"):
        labels = labels_of(draw, lead, out[-1])
        if kind == "cat":
            y_true = np.eye(out[-1])[labels]
        else:
            column = layout == "2d" and not args.get("_labels_1d") and draw(st.booleans())
            y_true = labels[:, None] if column else labels  # (n,) or (n, 1)
        y_pred = reals(draw, out) if args.get("from_logits") else probabilities(draw, out)
        if not args.get("from_logits"):  # Keras's cross-entropies divide a row by its sum: 0/0 is NaN there
            y_pred[y_pred.sum(axis=-1) == 0] = 1.0  # (glassnet's is finite: test_zero_rows_of_probabilities)
    elif kind == "reg":
        y_true, y_pred = reals(draw, out), reals(draw, out)
    elif kind == "pos":  # non-negative: counts, distributions
        y_true, y_pred = probabilities(draw, out) * 2, probabilities(draw, out) * 2
    elif kind == "eq":  # Accuracy: equal or not
        y_true = np.array(draw(st.lists(st.integers(0, 2), min_size=int(np.prod(out)), max_size=int(np.prod(out))))
                          ).reshape(out).astype(float)
        y_pred = np.where(draw(st.booleans()), y_true, np.roll(y_true, 1))
    elif kind == "ids":  # IoU: labels for both
        c = args["num_classes"]
        y_true = np.array(draw(st.lists(st.integers(0, c - 1), min_size=int(np.prod(lead)),
                                        max_size=int(np.prod(lead))))).reshape(lead).astype(float)
        y_pred = np.array(draw(st.lists(st.integers(0, c - 1), min_size=int(np.prod(lead)),
                                        max_size=int(np.prod(lead))))).reshape(lead).astype(float)
        if not args.get("sparse_y_true", True):
            y_true = np.eye(c)[y_true.astype(int)]
        if not args.get("sparse_y_pred", True):
            y_pred = probabilities(draw, (*lead, c))
    else:
        raise AssertionError(kind)
    # Keras's F-scores expand weights (n, 1) to (n, 1, 1), which broadcast against (n, k) into n × n products:
    # F1 1.0 where the one positive has weight 0 (glassnet: 0; test_f_score_weights_of_shape_n_1)
    per_sample_only = args.get("_per_sample_weights", False)
    w = weights_of(draw, lead, layout, coarse, per_sample_only)
    if len(lead) == 2 and np.shape(w) == lead[:1] and np.any(w):
        # Keras broadcasts weights (n,) of sequences (n, T, k) along the last axis: refused where it is not n,
        # another axis's weights where it is (test_keras_loss_bugs); glassnet weighs each sample, as (n, T)
        w = np.repeat(w[:, None], lead[1], axis=1)
    return y_true, y_pred, w


# -- the classes and their arguments -----------------------------------------------------------

def thresholds_arg():
    return st.one_of(st.none(), st.sampled_from([0.5, 0.3, 0.0, 1.0]),
                     st.lists(st.sampled_from([0.0, 0.25, 0.3, 0.5, 0.7, 0.75, 1.0]), min_size=1, max_size=3,
                              unique=True))


NO_ARGS = st.just({})
ALL = ("1d", "col", "2d", "3d")
#: metric class -> (data kind, layouts, strategy of constructor arguments)
METRICS = {
    "Accuracy": ("eq", ALL, NO_ARGS),
    "BinaryAccuracy": ("bin", ALL, st.fixed_dictionaries({}, optional={"threshold": st.sampled_from([0.5, 0.3, 0.0])})),
    "CategoricalAccuracy": ("cat", ("2d", "3d"), NO_ARGS),
    "SparseCategoricalAccuracy": ("sparse", ("1d", "col", "3d"), NO_ARGS),
    "TopKCategoricalAccuracy": ("cat", ("2d",), st.fixed_dictionaries({"k": st.integers(1, 4)})),
    "SparseTopKCategoricalAccuracy": ("sparse", ("1d", "col"), st.fixed_dictionaries({"k": st.integers(1, 4)})),
    "MeanSquaredError": ("reg", ALL, NO_ARGS),
    "MeanAbsoluteError": ("reg", ALL, NO_ARGS),
    "RootMeanSquaredError": ("reg", ALL, NO_ARGS),
    "MeanAbsolutePercentageError": ("reg", ALL, NO_ARGS),
    "MeanSquaredLogarithmicError": ("pos", ALL, NO_ARGS),
    "LogCoshError": ("reg", ALL, NO_ARGS),
    "Poisson": ("pos", ALL, NO_ARGS),
    "KLDivergence": ("pos", ALL, NO_ARGS),
    "CosineSimilarity": ("reg", ("2d", "3d"), NO_ARGS),
    "Hinge": ("bin", ALL, NO_ARGS),
    "SquaredHinge": ("bin", ALL, NO_ARGS),
    "CategoricalHinge": ("cat", ("2d", "3d"), NO_ARGS),
    "BinaryCrossentropy": ("bin", ALL, st.fixed_dictionaries({}, optional={
        "from_logits": st.booleans(), "label_smoothing": st.sampled_from([0.0, 0.1, 0.5])})),
    "CategoricalCrossentropy": ("cat", ("2d", "3d"), st.fixed_dictionaries({}, optional={
        "from_logits": st.booleans(), "label_smoothing": st.sampled_from([0.0, 0.1, 0.5])})),
    "SparseCategoricalCrossentropy": ("sparse", ("1d", "col", "3d"), st.fixed_dictionaries({}, optional={
        "from_logits": st.booleans()})),
    "R2Score": ("reg", ("col", "2d"), st.fixed_dictionaries({}, optional={
        "class_aggregation": st.sampled_from([None, "uniform_average", "variance_weighted_average"]),
        "num_regressors": st.integers(0, 2)})),
    "PearsonCorrelation": ("reg", ("1d", "col", "2d"), NO_ARGS),
    "ConcordanceCorrelation": ("reg", ("1d", "col", "2d"), NO_ARGS),
    "Precision": ("bin", ALL, st.fixed_dictionaries({}, optional={
        "thresholds": thresholds_arg(), "top_k": st.integers(1, 3), "class_id": st.integers(0, 2)})),
    "Recall": ("bin", ALL, st.fixed_dictionaries({}, optional={
        "thresholds": thresholds_arg(), "top_k": st.integers(1, 3), "class_id": st.integers(0, 2)})),
    "TruePositives": ("bin", ALL, st.fixed_dictionaries({}, optional={"thresholds": thresholds_arg()})),
    "FalsePositives": ("bin", ALL, st.fixed_dictionaries({}, optional={"thresholds": thresholds_arg()})),
    "TrueNegatives": ("bin", ALL, st.fixed_dictionaries({}, optional={"thresholds": thresholds_arg()})),
    "FalseNegatives": ("bin", ALL, st.fixed_dictionaries({}, optional={"thresholds": thresholds_arg()})),
    "FBetaScore": ("bin", ("2d",), st.fixed_dictionaries({}, optional={
        "average": st.sampled_from([None, "macro", "micro", "weighted"]), "beta": st.sampled_from([0.5, 1.0, 2.0]),
        "threshold": st.sampled_from([None, 0.5, 0.3])})),
    # average always given: glassnet's default is "macro", Keras's None (F1Score's doc)
    "F1Score": ("bin", ("2d",), st.fixed_dictionaries({"average": st.sampled_from([None, "macro", "micro", "weighted"])},
                                                      optional={"threshold": st.sampled_from([None, 0.5])})),
    "AUC": ("bin", ALL, st.fixed_dictionaries({}, optional={
        "num_thresholds": st.integers(3, 20), "curve": st.sampled_from(["ROC", "PR"]),
        "summation_method": st.sampled_from(["interpolation", "minoring", "majoring"]),
        "from_logits": st.booleans(), "thresholds": st.lists(st.sampled_from([0.25, 0.3, 0.5, 0.7]), min_size=1,
                                                             max_size=3, unique=True)})),
    "AUC_multi": ("bin", ("2d",), st.fixed_dictionaries({"multi_label": st.just(True)}, optional={
        "num_thresholds": st.integers(3, 20), "curve": st.sampled_from(["ROC", "PR"]),
        "summation_method": st.sampled_from(["interpolation", "minoring", "majoring"])})),
    "PrecisionAtRecall": ("bin", ALL, st.fixed_dictionaries({"recall": st.sampled_from([0.0, 0.5, 0.8, 1.0])},
                                                            optional={"num_thresholds": st.integers(1, 20),
                                                                      "class_id": st.integers(0, 2)})),
    "RecallAtPrecision": ("bin", ALL, st.fixed_dictionaries({"precision": st.sampled_from([0.0, 0.5, 0.8, 1.0])},
                                                            optional={"num_thresholds": st.integers(1, 20),
                                                                      "class_id": st.integers(0, 2)})),
    "SensitivityAtSpecificity": ("bin", ALL, st.fixed_dictionaries(
        {"specificity": st.sampled_from([0.0, 0.5, 0.8, 1.0])},
        optional={"num_thresholds": st.integers(1, 20), "class_id": st.integers(0, 2)})),
    "SpecificityAtSensitivity": ("bin", ALL, st.fixed_dictionaries(
        {"sensitivity": st.sampled_from([0.0, 0.5, 0.8, 1.0])},
        optional={"num_thresholds": st.integers(1, 20), "class_id": st.integers(0, 2)})),
    "IoU": ("ids", ("2d",), st.fixed_dictionaries({"num_classes": st.just(3),
                                                   "target_class_ids": st.sampled_from([[0], [1, 2], [0, 1, 2]])},
                                                  optional={"ignore_class": st.sampled_from([None, 0, 2])})),
    "MeanIoU": ("ids", ("2d",), st.fixed_dictionaries({"num_classes": st.just(3)},
                                                      optional={"ignore_class": st.sampled_from([None, 1])})),
    "OneHotIoU": ("ids", ("2d",), st.fixed_dictionaries({
        "num_classes": st.just(3), "target_class_ids": st.sampled_from([[0], [1, 2]]),
        "sparse_y_true": st.just(False), "sparse_y_pred": st.just(False)})),
    "OneHotMeanIoU": ("ids", ("2d",), st.fixed_dictionaries({
        "num_classes": st.just(3), "sparse_y_true": st.just(False), "sparse_y_pred": st.just(False)})),
    "BinaryIoU": ("bin", ("1d", "col", "2d"), st.fixed_dictionaries({}, optional={
        "target_class_ids": st.sampled_from([(0, 1), (1,), (0,)]), "threshold": st.sampled_from([0.5, 0.3, 0.0])})),
}
IOU_DTYPE = {"dtype": st.just("float64")}  # Keras's IoUs count in int by default: a weight 0.5 counts 0 there
for _name in ("IoU", "MeanIoU", "OneHotIoU", "OneHotMeanIoU", "BinaryIoU"):
    _kind, _layouts, _args = METRICS[_name]
    METRICS[_name] = (_kind, _layouts, st.tuples(_args, st.fixed_dictionaries({}, optional=IOU_DTYPE)).map(
        lambda pair: {**pair[0], **pair[1]}))
#: looser than 1e-10 where Keras's result is not the exact fraction: its IoUs divide in float32 (a cast in
#: Keras's result()) by ``denominator + 1e-7``, its F-scores add 1e-7 to each denominator (glassnet's are exact:
#: metrics.FBetaScore); with weights of multiples of 0.5 those sums are 0 or >= 0.5, so 1e-7 is <= 2e-7 of them
RTOL = {"IoU": 1e-6, "MeanIoU": 1e-6, "OneHotIoU": 1e-6, "OneHotMeanIoU": 1e-6, "BinaryIoU": 1e-6,
        "FBetaScore": 1e-6, "F1Score": 1e-6}
#: the arguments only the data strategy reads (OneHotIoU's constructors take no sparse_y_true)
DATA_ONLY = {"OneHotIoU": ("sparse_y_true",), "OneHotMeanIoU": ("sparse_y_true",),
             "FBetaScore": ("_per_sample_weights",), "F1Score": ("_per_sample_weights",)}


def result_of(metric):
    return np.asarray(metric.result(), dtype=np.float64)


def outcome(f):
    try:
        return f(), None
    except Exception as exc:  # noqa: BLE001 (compared: which side refuses)
        return None, exc


def compare_stream(keras, name, args, stream, rtol):
    cls_name = name.split("_")[0]
    kwargs = {key: value for key, value in args.items() if key not in DATA_ONLY.get(cls_name, ())}
    mine = getattr(metrics, cls_name)(**kwargs)
    theirs = getattr(keras.metrics, cls_name)(**kwargs)
    for step, (y_true, y_pred, w) in enumerate(stream):
        if step == len(stream) - 1:  # the last batch after a reset
            mine.reset_state()
            theirs.reset_state()
        their_batch = y_true, y_pred  # (a 1-D pair: one sample to both, test_one_dimensional_pairs_are_...)
        _, their_error = outcome(lambda: theirs.update_state(*their_batch, sample_weight=w))
        _, my_error = outcome(lambda: mine.update_state(y_true, y_pred, sample_weight=w))
        if their_error is not None or my_error is not None:
            report(name, args, y_true, y_pred, w, my_error, their_error)
            return
        expected, got = result_of(theirs), result_of(mine)
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=rtol,
                                   err_msg=f"{name}({args}) step {step}: y_true={y_true!r} y_pred={y_pred!r} w={w!r}")
    # the config's round trip, and Keras reading glassnet's config
    config = mine.get_config()
    again = type(mine).from_config(config)
    assert again.get_config() == config
    copy = getattr(keras.metrics, cls_name).from_config(config)
    copy.update_state(*their_batch, sample_weight=stream[-1][2])
    np.testing.assert_allclose(result_of(copy), result_of(theirs), rtol=rtol, atol=rtol)


def report(name, args, y_true, y_pred, w, my_error, their_error):
    """One side refused the batch: glassnet may be stricter (a ValueError or TypeError), never crash
    with another error, and never accept silently what Keras refuses (hunted; CI skips those)."""
    if my_error is not None and not isinstance(my_error, (ValueError, TypeError)):
        raise AssertionError(f"{name}({args}) crashed: {my_error!r}") from my_error
    if HUNT:
        with open(os.environ.get("GLASSNET_METRICS_LOG", "/dev/null"), "a") as log:
            log.write(f"{name}\t{args}\t{np.shape(y_true)}\t{np.shape(y_pred)}\t{np.shape(w)}\t"
                      f"mine={my_error!r:.200}\ttheirs={their_error!r:.200}\n")
    assume(False)


@st.composite
def streams(draw, name):
    kind, layouts, arguments = METRICS[name]
    args = draw(arguments)
    layout = draw(st.sampled_from(layouts))
    k = draw(st.integers(1, 4)) if layout in ("2d", "3d") else 1
    if "top_k" in args or "class_id" in args or name.startswith("TopK") or name.startswith("SparseTopK"):
        k = max(k, 3)
    if kind in ("cat", "sparse") and layout in ("1d", "col"):
        layout, k = "2d", draw(st.integers(2, 4))
    n_batches = draw(st.integers(1, 4))
    if name in ("FBetaScore", "F1Score"):
        args = {**args, "_per_sample_weights": True}
    if name in ("FBetaScore", "F1Score") and args.get("threshold") is None:
        k = max(k, 2)  # one output and threshold=None: glassnet predicts > 0.5, Keras every row (FBetaScore's doc)
    coarse = "integer" if kind == "ids" or name == "BinaryIoU" else name in RTOL
    # T for each batch: Keras's mean metrics count a sequence once whatever its length (counted per position,
    # a batch of length 3 weighed 3 times one of length 1: test_metrics.py's test_mean_metrics_count_each_...)
    return args, [draw(batch(kind, layout, k, draw(st.integers(1, 3)), args, coarse)) for _ in range(n_batches + 1)]


def for_drawn(strategy, check):
    """``check(drawn)`` for :data:`EXAMPLES` draws of ``strategy`` (derandomized unless hunting)."""
    settings(max_examples=EXAMPLES, deadline=None, derandomize=not HUNT, database=None,
             suppress_health_check=list(HealthCheck))(given(strategy)(check))()


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("name", sorted(METRICS))
def test_metric_equals_keras_metric(keras64, name):
    for_drawn(streams(name), lambda drawn: compare_stream(keras64, name, *drawn, rtol=RTOL.get(name, 1e-10)))


# -- losses ------------------------------------------------------------------------------------

REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None]
CROSSENTROPY = {"from_logits": st.booleans(), "label_smoothing": st.sampled_from([0.0, 0.1, 0.5])}
#: loss class -> (data kind, layouts, strategy of constructor arguments)
LOSSES = {
    "MeanSquaredError": ("reg", ALL, NO_ARGS),
    "MeanAbsoluteError": ("reg", ALL, NO_ARGS),
    "MeanAbsolutePercentageError": ("reg", ALL, NO_ARGS),
    "MeanSquaredLogarithmicError": ("pos", ALL, NO_ARGS),
    "Poisson": ("pos", ALL, NO_ARGS),
    "Huber": ("reg", ALL, st.fixed_dictionaries({}, optional={"delta": st.sampled_from([0.5, 1.0, 2.0])})),
    "LogCosh": ("reg", ALL, NO_ARGS),
    "KLDivergence": ("pos", ALL, NO_ARGS),
    "CosineSimilarity": ("reg", ("2d", "3d"), NO_ARGS),
    "Hinge": ("bin", ALL, NO_ARGS),
    "SquaredHinge": ("bin", ALL, NO_ARGS),
    "CategoricalHinge": ("cat", ("2d", "3d"), NO_ARGS),
    "BinaryCrossentropy": ("bin", ALL, st.fixed_dictionaries({}, optional=CROSSENTROPY)),
    "CategoricalCrossentropy": ("cat", ("2d", "3d"), st.fixed_dictionaries({}, optional=CROSSENTROPY)),
    "SparseCategoricalCrossentropy": ("sparse", ("2d", "3d"), st.fixed_dictionaries({}, optional={
        "from_logits": st.booleans(), "ignore_class": st.sampled_from([None, 0, 1])})),
    "BinaryFocalCrossentropy": ("bin", ALL, st.fixed_dictionaries({}, optional={
        **CROSSENTROPY, "apply_class_balancing": st.booleans(), "alpha": st.sampled_from([0.25, 0.5]),
        "gamma": st.sampled_from([0.0, 1.0, 2.0])})),
    "CategoricalFocalCrossentropy": ("cat", ("2d", "3d"), st.fixed_dictionaries({}, optional={
        **CROSSENTROPY, "alpha": st.sampled_from([0.25, 0.5]), "gamma": st.sampled_from([0.0, 1.0, 2.0])})),
    # labels (n,) only: Keras's of shape (n, 1) broadcast into an (n, n) table of losses (test_keras_loss_bugs)
    "CategoricalGeneralizedCrossEntropy": ("sparse", ("2d",), st.fixed_dictionaries({"_labels_1d": st.just(True)},
                                                                                  optional={"q": st.sampled_from(
                                                                                      [0.1, 0.5, 0.9])})),
    "Dice": ("bin", ("2d", "3d"), NO_ARGS),
    "Tversky": ("bin", ("2d", "3d"), st.fixed_dictionaries({}, optional={
        "alpha": st.sampled_from([0.3, 0.5]), "beta": st.sampled_from([0.5, 0.7])})),
}


@st.composite
def loss_cases(draw, name):
    kind, layouts, arguments = LOSSES[name]
    args = draw(arguments)
    layout = draw(st.sampled_from(layouts))
    k = draw(st.integers(2 if kind in ("cat", "sparse") else 1, 4)) if layout in ("2d", "3d") else 1
    case = draw(batch(kind, layout, k, draw(st.integers(1, 3)), args))
    return {key: value for key, value in args.items() if not key.startswith("_")}, draw(st.sampled_from(REDUCTIONS)), case


def compare_loss(keras, name, args, reduction, case, rtol):
    y_true, y_pred, w = case
    mine = getattr(losses, name)(reduction=reduction, **args)
    theirs = getattr(keras.losses, name)(reduction=reduction, **args)
    expected, their_error = outcome(lambda: np.asarray(theirs(y_true, y_pred, sample_weight=w), dtype=np.float64))
    got, my_error = outcome(lambda: np.asarray(mine(y_true, y_pred, sample_weight=w), dtype=np.float64))
    if their_error is not None or my_error is not None:
        report(name, dict(args, reduction=reduction), y_true, y_pred, w, my_error, their_error)
        return
    if reduction in ("none", None) and np.ndim(w) == 2 and np.shape(w)[-1] == 1 and got.size == expected.size:
        # unreduced losses (n,) times weights (n, 1): Keras keeps the weights' trailing 1, glassnet the batch shape
        expected = expected.reshape(got.shape)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=rtol,
                               err_msg=f"{name}({args}, {reduction=}): y_true={y_true!r} y_pred={y_pred!r} w={w!r}")
    config = mine.get_config()
    assert type(mine).from_config(config).get_config() == config


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("name", sorted(LOSSES))
def test_loss_equals_keras_loss(keras64, name):
    for_drawn(loss_cases(name), lambda drawn: compare_loss(keras64, name, *drawn, rtol=1e-10))


# -- where Keras 3.15 differs and glassnet is kept as it is (docs/keras-coverage.md) -----------------

def test_zero_rows_of_probabilities(keras64):
    # Keras divides a row of probabilities by its sum: an all-zero row is 0/0, NaN (Keras 3.15: nan); glassnet
    # clips it to 1e-7 as any other zero probability: −log(1e-7)
    y_true, y_pred = np.array([[1.0, 0.0]]), np.array([[0.0, 0.0]])
    assert np.isnan(float(keras64.losses.CategoricalCrossentropy()(y_true, y_pred)))
    assert losses.CategoricalCrossentropy()(y_true, y_pred) == pytest.approx(-np.log(1e-7), rel=1e-6)
    metric = metrics.SparseCategoricalCrossentropy()
    metric.update_state(np.array([0]), y_pred)
    assert metric.result() == pytest.approx(-np.log(1e-7), rel=1e-6)


def test_f_score_weights_of_shape_n_1(keras64):
    # Keras's FBetaScore expands the weights to (n, 1, 1), which broadcast against (n, k) into n × n
    # products: here the one positive has weight 0, so nothing is counted, yet Keras 3.15 gives 1.0
    y = np.array([[0.0], [1.0], [0.0]])
    w = np.array([[0.0], [0.0], [0.5]])
    theirs = keras64.metrics.F1Score(average="micro", threshold=0.5)
    theirs.update_state(y, y, sample_weight=w)
    assert float(theirs.result()) == pytest.approx(1.0, abs=1e-6)
    mine = metrics.F1Score(average="micro", threshold=0.5)
    mine.update_state(y, y, sample_weight=w)
    assert mine.result() == 0.0
    mine.reset_state()
    mine.update_state(y, y, sample_weight=w[:, 0])  # the same weights (n,): Keras's 0 too
    theirs.reset_state()
    theirs.update_state(y, y, sample_weight=w[:, 0])
    assert mine.result() == float(theirs.result()) == 0.0


def test_iou_counts_fractional_weights_in_a_float_dtype_only(keras64):
    # Keras's IoUs count in int32 unless given a float dtype (a warning says so): a weight 0.5 counts 0
    # and the IoU is 0; so do glassnet's, and with dtype="float64" both count the 0.5
    y, w = np.array([0.0]), np.array([0.5])
    theirs = keras64.metrics.BinaryIoU()
    theirs.update_state(y, y, sample_weight=w)
    mine = metrics.BinaryIoU()
    with pytest.warns(UserWarning, match="truncates the fractional sample weights"):
        mine.update_state(y, y, sample_weight=w)
    assert mine.result() == theirs.result() == 0.0
    assert mine.variables[0].dtype == np.dtype(theirs.variables[0].dtype) == np.int32
    theirs = keras64.metrics.BinaryIoU(dtype="float64")
    theirs.update_state(y, y, sample_weight=w)
    mine = metrics.BinaryIoU(dtype="float64")
    mine.update_state(y, y, sample_weight=w)
    assert mine.result() == float(theirs.result()) == pytest.approx(1.0, rel=1e-6)


def test_one_dimensional_pairs_are_one_sample_as_in_keras(keras64):
    # Keras's mean_squared_error averages the last axis, so y_true and y_pred of shape (n,) are one sample
    # of n outputs to its metric: each batch weighs 1 whatever its size; glassnet's metric reads them so
    # too (it read them as a column, (0.09 + 1.0) / 3), as its own losses do; (n, 1) stays n samples
    stream = [(np.array([0.0]), np.array([0.3])), (np.array([0.0, 0.0]), np.array([0.0, 1.0]))]
    theirs, columns, mine, mine_columns = (keras64.metrics.MeanSquaredError(), keras64.metrics.MeanSquaredError(),
                                           metrics.MeanSquaredError(), metrics.MeanSquaredError())
    for y_true, y_pred in stream:
        theirs.update_state(y_true, y_pred)
        columns.update_state(y_true[:, None], y_pred[:, None])
        mine.update_state(y_true, y_pred)
        mine_columns.update_state(y_true[:, None], y_pred[:, None])
    assert mine.result() == pytest.approx(float(theirs.result())) == pytest.approx((0.09 + 0.5) / 2)
    assert mine_columns.result() == pytest.approx(float(columns.result())) == pytest.approx((0.09 + 1.0) / 3)


def test_keras_loss_bugs(keras64):
    # Keras 3.15's losses weigh sequence losses (n, T) by weights (n,) along T where T == n: each position's
    # weight (1.5 here, the 0.5 of sample 2 given to position 2 of every sample); glassnet weighs each sample
    y, p, w = np.zeros((3, 3, 3)), np.zeros((3, 3, 3)), np.array([0.0, 0.0, 0.5])
    p[2, 1, 2] = 1.0  # sample 2's positions: squared hinge 1, 2, 1
    assert float(keras64.losses.SquaredHinge(reduction="sum")(y, p, sample_weight=w)) == pytest.approx(1.5)
    assert losses.SquaredHinge(reduction="sum")(y, p, sample_weight=w) == pytest.approx(0.5 * (1 + 2 + 1))
    # CategoricalGeneralizedCrossEntropy of labels (n, 1): Keras's unreduced losses are an (n, n) table
    y, p = np.array([[0], [1]]), np.array([[1.0, 1.0], [0.0, 1.0]])
    assert np.shape(keras64.losses.CategoricalGeneralizedCrossEntropy(reduction="none")(y, p)) == (2, 2)
    np.testing.assert_allclose(losses.CategoricalGeneralizedCrossEntropy(reduction="none")(y, p), [0.0, 0.0])
    np.testing.assert_allclose(keras64.losses.CategoricalGeneralizedCrossEntropy(reduction="none")(y[:, 0], p),
                               [0.0, 0.0])
