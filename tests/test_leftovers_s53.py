"""Four small leftovers (session 53): an optimizer setting changed after the first step and then saved,
``label_smoothing`` along another axis than the last, the IoU metrics' confusion matrix in its own dtype, and
a subclassed model built for the first time from several threads at once. (``get_metrics_result`` before any
run: tests/test_metrics.py.) Keras's numbers are recorded here (Keras 3.15 on JAX, float64 with
JAX_ENABLE_X64); no test imports Keras."""

import sys
import threading
import warnings

import numpy as np
import pytest

from glassnet import layers, losses, metrics, models, optimizers

# -- 1. an optimizer's setting changed after its first step, then saved --------------------------------------

X = np.random.default_rng(0).normal(size=(32, 4))
Y = (X[:, :1] > 0).astype(float)


def _trained(optimizer):
    model = models.Sequential([layers.Input((4,)), layers.Dense(3, activation="tanh"),
                               layers.Dense(1, activation="sigmoid")], seed=0)
    model.compile(optimizer=optimizer, loss="binary_crossentropy")
    model.fit(X, Y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    return model


NEEDS_A_SLOT = [  # (optimizer, setting, value that needs a state vector the first step did not make, the vector)
    (lambda: optimizers.SGD(0.1), "momentum", 0.9, "momentum"),
    (lambda: optimizers.Adam(), "amsgrad", True, "v_hat"),
    (lambda: optimizers.RMSprop(), "momentum", 0.5, "momentum"),
    (lambda: optimizers.RMSprop(), "centered", True, "average_gradient"),
]


@pytest.mark.parametrize("make, setting, value, slot", NEEDS_A_SLOT)
def test_save_refuses_a_setting_changed_after_the_first_step_before_writing(tmp_path, make, setting, value, slot):
    # the file was written, and load_model refused it ("its optimizer state [] does not match SGD's ['momentum']")
    model = _trained(make())
    setattr(model.optimizer, setting, value)
    name = type(model.optimizer).__name__
    path = tmp_path / "m.gn"
    with pytest.raises(ValueError, match=rf"Cannot save {name}'s state: its {setting} was changed after the state was "
                                         rf"built \(at the first step\), without the '{slot}' vector"):
        model.save(path)
    assert not path.exists()
    with pytest.raises(ValueError, match=rf"{name}'s {setting} was changed after its state was built"):
        model.fit(X, Y, epochs=1, verbose=0)  # (as the next step refuses it; RMSprop's was a raw KeyError)
    setattr(model.optimizer, setting, not value if isinstance(value, bool) else 0.0)  # set back: it saves and loads
    model.save(path)
    assert type(models.load_model(path).optimizer) is type(model.optimizer)


@pytest.mark.parametrize("make, setting, value, slot", NEEDS_A_SLOT)
def test_keras_files_refuse_such_a_setting_by_name_too(tmp_path, make, setting, value, slot):
    # save_weights("w.weights.h5") and export(format="keras") raised a bare KeyError of the missing vector
    pytest.importorskip("h5py")
    model = _trained(make())
    setattr(model.optimizer, setting, value)
    for path, write in ((tmp_path / "w.weights.h5", model.save_weights),
                        (tmp_path / "m.keras", lambda path: model.export(path, format="keras"))):
        with pytest.raises(ValueError, match=rf"Cannot save .*its {setting} was changed after the state was built"):
            write(path)
        assert not path.exists()


@pytest.mark.parametrize("make, setting, off", [
    (lambda: optimizers.SGD(0.1, momentum=0.9), "momentum", 0.0),
    (lambda: optimizers.SGD(0.1, momentum=0.9, nesterov=True), "momentum", 0.0),
    (lambda: optimizers.Adam(amsgrad=True), "amsgrad", False),
    (lambda: optimizers.RMSprop(momentum=0.5, centered=True), "centered", False),
    (lambda: optimizers.MultiOptimizer(optimizers.OptimizerMap(optimizers.SGD(0.1, momentum=0.9))), None, None),
])
def test_a_setting_turned_off_after_the_first_step_saves_a_file_that_loads_and_trains_on_alike(tmp_path, make,
                                                                                                 setting, off):
    # the state vector the setting no longer uses was saved, and load_model refused the file
    model = _trained(make())
    optimizer = model.optimizer.optimizers[0] if setting is None else model.optimizer
    setattr(optimizer, setting or "momentum", off if setting else 0.0)
    model.save(tmp_path / "m.gn")
    loaded = models.load_model(tmp_path / "m.gn")
    assert loaded.optimizer.iterations == model.optimizer.iterations == 4
    for m in (model, loaded):  # the next epoch goes on alike: the state it uses is the file's
        m.fit(X, Y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    for mine, theirs in zip(model.get_weights(), loaded.get_weights(), strict=True):
        np.testing.assert_array_equal(mine, theirs)


def test_optimizer_variables_and_gradient_accumulation_set_after_the_first_step():
    model = _trained(optimizers.SGD(0.1))
    model.optimizer.momentum = 0.9
    # Keras's optimizer.variables lists what the state holds (a KeyError 'momentum' here before)
    assert [v.name for v in model.optimizer.variables] == ["iteration", "learning_rate"]
    model.optimizer.momentum = 0.0
    model.optimizer.gradient_accumulation_steps = 2
    with pytest.raises(ValueError, match="SGD's gradient_accumulation_steps was changed after its state was built"):
        model.fit(X, Y, epochs=1, verbose=0)  # (a raw KeyError 'gradient_accumulator' before)


# -- 2. label_smoothing along another axis than the last ------------------------------------------------------

SMOOTH_Y = np.zeros((2, 3, 4))  # classes along axis 1
SMOOTH_Y[np.repeat([0, 1], 4), [0, 2, 1, 1, 2, 0, 0, 1], np.tile(np.arange(4), 2)] = 1
SMOOTH_P = np.arange(24).reshape(2, 3, 4) % 5 + 1.0
SMOOTH_P /= SMOOTH_P.sum(axis=1, keepdims=True)
SMOOTH_Z = np.linspace(-2, 2, 24).reshape(2, 3, 4)
#: Keras 3.15's per-position losses, label_smoothing=0.2, axis=1 (Keras smooths by y_true.shape[-1] = 4, not by
#: the 3 classes of axis 1)
KERAS_SMOOTHED = {
    ("CategoricalCrossentropy", False): [[2.037669224666644, 0.5727898799988616, 1.0580657778572933, 1.0495708260175234],
                                         [1.6125835223052496, 0.8194251680560986, 0.868393759240215, 0.7501188947193635]],
    ("CategoricalCrossentropy", True): [[1.7476680300785052, 0.6346245518176357, 1.1911462909480706, 1.1911462909480706],
                                        [0.6346245518176357, 1.7476680300785052, 1.747668030078505, 1.1911462909480706]],
    ("CategoricalFocalCrossentropy", False): [
        [0.40262185236428366, 0.04369331793305187, 0.12147737981717592, 0.1182598408198038],
        [0.2726784359950183, 0.07066283591451064, 0.07915507707823513, 0.0642604263272455]],
    ("CategoricalFocalCrossentropy", True): [
        [0.31400185289114424, 0.047631408211348945, 0.15525746776728605, 0.15525746776728605],
        [0.047631408211348945, 0.31400185289114424, 0.31400185289114424, 0.15525746776728605]],
}
#: Keras 3.15's gradient (jax.grad) of CategoricalCrossentropy(label_smoothing=0.2, axis=1)'s batch mean
KERAS_SMOOTHED_GRADIENT = {
    False: [[[-0.94375, 0.09375, 0.10625, 0.1046875], [0.10625, 0.06875, -0.2, -0.2],
             [0.103125, -0.05125, 0.08125, 0.090625]],
            [[0.10625, -0.1203125, -0.13625, 0.05625], [0.1, 0.1, 0.1, -0.09375], [-0.51875, 0.090625, 0.09375, 0.103125]]],
    True: [[[-0.089346341665436, 0.010653658334564, 0.010653658334564, 0.010653658334564],
            [0.027642109931611, 0.027642109931611, -0.072357890068389, -0.072357890068389],
            [0.061704231733825, -0.038295768266175, 0.061704231733825, 0.061704231733825]],
           [[0.010653658334564, -0.089346341665436, -0.089346341665436, 0.010653658334564],
            [0.027642109931611, 0.027642109931611, 0.027642109931611, -0.072357890068389],
            [-0.038295768266175, 0.061704231733825, 0.061704231733825, 0.061704231733825]]],
}


@pytest.mark.parametrize("name, from_logits", sorted(KERAS_SMOOTHED))
def test_label_smoothing_along_another_axis_is_keras_s(name, from_logits):
    outputs = SMOOTH_Z if from_logits else SMOOTH_P
    loss = getattr(losses, name)(label_smoothing=0.2, axis=1, from_logits=from_logits, reduction=None)
    np.testing.assert_allclose(loss(SMOOTH_Y, outputs), KERAS_SMOOTHED[name, from_logits], rtol=1e-14, atol=1e-15)
    mean = getattr(losses, name)(label_smoothing=0.2, axis=1, from_logits=from_logits)
    assert mean(SMOOTH_Y, outputs) == pytest.approx(np.mean(KERAS_SMOOTHED[name, from_logits]), rel=1e-14)
    function = getattr(losses, "categorical_crossentropy" if name == "CategoricalCrossentropy"
                       else "categorical_focal_crossentropy")
    np.testing.assert_allclose(function(SMOOTH_Y, outputs, from_logits=from_logits, label_smoothing=0.2, axis=1),
                               KERAS_SMOOTHED[name, from_logits], rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("from_logits", [False, True])
def test_label_smoothing_along_another_axis_has_keras_s_gradient(from_logits):
    outputs = SMOOTH_Z if from_logits else SMOOTH_P
    loss = losses.CategoricalCrossentropy(label_smoothing=0.2, axis=1, from_logits=from_logits)
    np.testing.assert_allclose(loss.gradient(SMOOTH_Y, outputs), KERAS_SMOOTHED_GRADIENT[from_logits], atol=1e-14)
    # the focal loss's gradient is its value's (central differences)
    focal = losses.CategoricalFocalCrossentropy(label_smoothing=0.2, axis=1, from_logits=from_logits)
    numeric = np.zeros_like(outputs)
    for index in np.ndindex(outputs.shape):
        step = np.zeros_like(outputs)
        step[index] = 1e-6
        numeric[index] = (focal(SMOOTH_Y, outputs + step) - focal(SMOOTH_Y, outputs - step)) / 2e-6
    np.testing.assert_allclose(focal.gradient(SMOOTH_Y, outputs), numeric, atol=1e-8)


def test_label_smoothing_along_the_samples_axis_and_the_metric_are_keras_s():
    y = np.eye(3)[[0, 2, 1, 1, 0]]
    p = np.arange(15).reshape(5, 3) % 4 + 1.0
    p /= p.sum(axis=0, keepdims=True)
    loss = losses.CategoricalCrossentropy(label_smoothing=0.2, axis=0, reduction=None)
    np.testing.assert_allclose(loss(y, p), [4.424060605386987, 2.5581474690325408, 2.0673137860740485], rtol=1e-14)
    metric = metrics.CategoricalCrossentropy(label_smoothing=0.2, axis=1)  # the metric takes the loss's values
    metric.update_state(SMOOTH_Y, SMOOTH_P)
    assert metric.result() == pytest.approx(np.mean(KERAS_SMOOTHED["CategoricalCrossentropy", False]), rel=1e-14)


# -- 3. the IoU metrics' confusion matrix in the metric's dtype, as Keras's ----------------------------------

IOU_KINDS = [lambda **kw: metrics.MeanIoU(2, **kw), lambda **kw: metrics.IoU(2, [1], **kw),
             lambda **kw: metrics.BinaryIoU(**kw), lambda **kw: metrics.OneHotMeanIoU(2, **kw)]


@pytest.mark.parametrize("make", IOU_KINDS)
@pytest.mark.parametrize("dtype", [None, "int32", "int64", "float16", "float32", "float64"])
def test_iou_confusion_matrix_is_kept_in_the_metric_s_dtype_as_keras_s(make, dtype):
    metric = make(dtype=dtype)
    expected = np.dtype(dtype or "int32")  # Keras's default ("int")
    assert metric.total_cm.dtype == metric.variables[0].dtype == expected
    assert metric.variables[0].name == "total_confusion_matrix"
    assert metric.get_config()["dtype"] == expected.name  # (Keras's config names it, its default int32 too)
    y, p = np.array([0, 1, 1, 0]), np.array([0, 1, 0, 1])
    one_hot = "OneHot" in type(metric).__name__
    metric.update_state(np.eye(2)[y] if one_hot else y, np.eye(2)[p] if one_hot else p, sample_weight=[1, 2, 3, 4])
    assert metric.total_cm.dtype == expected and metric.total_cm.tolist() == [[1, 4], [3, 2]]
    assert metric.result().dtype == np.float32  # as Keras's, whatever the matrix's dtype
    metric.reset_state()
    assert metric.total_cm.dtype == expected and not metric.total_cm.any()


def test_iou_counts_stay_exact_and_a_count_past_the_dtype_is_refused():
    y, p = np.array([0, 1, 1, 0]), np.array([0, 1, 0, 1])
    big = np.array([2**30, 3, 2**29 + 7, 1])
    metric = metrics.MeanIoU(2)
    metric.update_state(y, p, sample_weight=big)
    metric.update_state(y, p, sample_weight=[2**30 - 1, 0, 0, 0])
    assert metric.total_cm.tolist() == [[2**31 - 1, 1], [2**29 + 7, 3]]  # int32's largest, exactly
    before = metric.total_cm.copy()
    with pytest.raises(ValueError, match=r"MeanIoU counts in int32 \(Keras's default\), and a count of its confusion "
                                         r"matrix would pass 2,147,483,647 .* give dtype='int64'"):
        metric.update_state(y, p)  # (Keras's wraps round to -2**31)
    np.testing.assert_array_equal(metric.total_cm, before)  # left as it was
    wide = metrics.MeanIoU(2, dtype="int64")
    for _ in range(3):
        wide.update_state(y, p, sample_weight=big)
    assert wide.total_cm.tolist() == [[3 * 2**30, 3], [3 * (2**29 + 7), 9]]
    # Keras 3.15 (float32, x64): 2**24 + 1 is 2**24 in its float32 matrix, as here
    single = metrics.MeanIoU(2, dtype="float32")
    single.update_state(y, p, sample_weight=[2**24 + 1, 3, 1, 1])
    assert single.total_cm.tolist() == [[2**24, 1], [1, 3]] and single.result() == np.float32(0.800000011920929)


def test_iou_default_int32_truncates_fractional_weights_as_keras_s_and_says_so():
    y, p, w = np.array([0, 0, 1, 1, 2]), np.array([0, 1, 0, 1, 2]), np.array([0.5, 1.5, 1, 2.7, 1])
    metric = metrics.MeanIoU(3)
    with pytest.warns(UserWarning, match=r"MeanIoU counts in int32, which truncates the fractional sample weights"):
        metric.update_state(y, p, sample_weight=w)
    assert metric.total_cm.tolist() == [[0, 1, 0], [1, 2, 0], [0, 0, 1]]
    assert metric.result() == np.float32(0.4999999701976776)  # Keras 3.15's, to the bit
    exact = metrics.MeanIoU(3, dtype="float64")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (whole weights, or a float dtype: no warning)
        exact.update_state(y, p, sample_weight=w)
        metrics.MeanIoU(3).update_state(y, p, sample_weight=[1, 2, 3, 4, 5])
    assert exact.result() == np.float32(0.5619657635688782)  # Keras 3.15's MeanIoU(3, dtype="float64")


# -- 5. a subclassed model built for the first time from several threads at once -----------------------------

class _Chain(models.Model):
    def __init__(self):
        super().__init__()
        self.d1 = layers.Dense(16, activation="relu")
        self.d2 = layers.Dense(8, activation="relu")
        self.d3 = layers.Dense(3)

    def call(self, x):
        return self.d3(self.d2(self.d1(x)))


class _BuiltInBuild(models.Model):
    def build(self, input_shape):  # Keras's guides': the layers made in build
        self.d1 = layers.Dense(16, activation="relu")
        self.d2 = layers.Dense(3)

    def call(self, x):
        return self.d2(self.d1(x))


@pytest.mark.parametrize("cls", [_Chain, _BuiltInBuild])
def test_a_subclassed_model_built_from_several_threads_at_once_is_built_once(cls):
    # each thread found it unbuilt and traced call, one's layers taken while another's trace read them: "Layer
    # 'dense' (Dense) was built for inputs of shape (5,), but here it receives (3,)" in 18 of 40 trials; with the
    # layers made in build(), the later threads made them again ("_BuiltInBuild is already built: self.d1 = ...")
    x = np.random.default_rng(0).normal(size=(4, 5))
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # (threads switched often: the race shows within a few trials)
    try:
        for _ in range(40):
            model, barrier = cls(), threading.Barrier(8)
            seen, errors = [None] * 8, []

            def first_predict(i, model=model, barrier=barrier, seen=seen, errors=errors):
                barrier.wait()
                try:
                    seen[i] = (model.predict(x, verbose=0), model.get_weights())
                except Exception as exc:  # noqa: BLE001 -- what each thread met, reported below
                    errors.append(f"{type(exc).__name__}: {exc}")

            threads = [threading.Thread(target=first_predict, args=(i,)) for i in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert not errors, errors[0]
            weights = model.get_weights()
            assert len(model.layers) == len(weights) // 2 and len(weights) in (4, 6)
            for outputs, their_weights in seen:
                np.testing.assert_array_equal(outputs, seen[0][0])
                for mine, theirs in zip(weights, their_weights, strict=True):
                    np.testing.assert_array_equal(mine, theirs)
    finally:
        sys.setswitchinterval(interval)


def test_a_subclass_s_own_build_called_again_checks_the_shape_only():
    model = _BuiltInBuild()
    model.build((None, 5))
    weights = model.get_weights()
    model.build((None, 5))  # ("_BuiltInBuild is already built: self.d1 = Dense(...) would not be part of it")
    for mine, theirs in zip(model.get_weights(), weights, strict=True):
        np.testing.assert_array_equal(mine, theirs)
    with pytest.raises(ValueError, match=r"cannot be built again for \(6,\)"):
        model.build((None, 6))
