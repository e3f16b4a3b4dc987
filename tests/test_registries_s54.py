"""Session 54's registry findings: ``deserialize`` of the four registries takes Keras's names (``"l2"``, ``"L2"``,
``{"class_name": "l2", ...}``, Keras's function form of a built-in activation); a function with a ``gradient``
attribute as a regularizer; ``squareplus(x, b=0)`` at subnormal ``x``."""

import warnings

import numpy as np
import pytest

import glassnet
from glassnet import _custom_objects, activations, constraints, initializers, layers, models, regularizers, saving
from test_keras_compat import real_keras  # noqa: F401  (the fixture: Keras on JAX, or a skip)

REGISTRIES = {"activation": activations, "regularizer": regularizers, "constraint": constraints,
              "initializer": initializers}

# -- 1. deserialize takes the names get takes, and Keras's alias configs -----------------------------------------


@pytest.mark.parametrize("module, name, expected", [
    (activations, "relu", "ReLU()"), (activations, "ReLU", "ReLU()"), (activations, "swish", "SiLU()"),
    (activations, "hard_swish", "HardSiLU()"), (activations, "Softmax", "Softmax(beta=1.0, axis=-1)"),
    (regularizers, "l2", "L2(l2=0.01)"), (regularizers, "L2", "L2(l2=0.01)"), (regularizers, "l1", "L1(l1=0.01)"),
    (regularizers, "l1_l2", "L1L2(l1=0.01, l2=0.01)"), (regularizers, "L1L2", "L1L2(l1=0.0, l2=0.0)"),
    (regularizers, "orthogonal_regularizer", "OrthogonalRegularizer(factor=0.01, mode='rows')"),
    (constraints, "max_norm", "MaxNorm(max_value=2.0, axis=0)"), (constraints, "MaxNorm", "MaxNorm(max_value=2.0, axis=0)"),
    (constraints, "non_neg", "NonNeg()"), (constraints, "unit_norm", "UnitNorm(axis=0)"),
    (initializers, "glorot_uniform", "GlorotUniform(seed=None)"), (initializers, "GlorotUniform", "GlorotUniform(seed=None)"),
    (initializers, "he_normal", "HeNormal(seed=None)"), (initializers, "zeros", "Zeros()"),
    (initializers, "OrthogonalInitializer", "Orthogonal(gain=1.0, seed=None)"),
])
def test_deserialize_takes_a_name_or_a_class_name_as_get_does(module, name, expected):
    # each was "Unknown regularizer 'l2' in saved config. Valid: L1, L1L2, L2, OrthogonalRegularizer." (a class
    # name too); Keras's deserialize takes them (keras.activations.serialize(relu) is the string 'relu')
    assert repr(module.deserialize(name)) == expected
    assert repr(module.get(name)) == expected  # the same lookup


@pytest.mark.parametrize("module, config, expected", [
    (regularizers, {"class_name": "l2", "config": {"l2": 0.5}}, "L2(l2=0.5)"),
    (regularizers, {"class_name": "l1_l2", "config": {"l1": 0.5}}, "L1L2(l1=0.5, l2=0.0)"),
    (regularizers, {"class_name": "orthogonal_regularizer", "config": {"factor": 0.1, "mode": "columns"},
                    "registered_name": None}, "OrthogonalRegularizer(factor=0.1, mode='columns')"),
    (constraints, {"class_name": "max_norm", "config": {"max_value": 3}}, "MaxNorm(max_value=3.0, axis=0)"),
    (constraints, {"class_name": "min_max_norm", "config": {"min_value": 0.5}},
     "MinMaxNorm(min_value=0.5, max_value=1.0, rate=1.0, axis=0)"),
    (initializers, {"class_name": "he_normal", "config": {"seed": 1}}, "HeNormal(seed=1)"),
    (initializers, {"class_name": "OrthogonalInitializer", "config": {"gain": 2.0}}, "Orthogonal(gain=2.0, seed=None)"),
    (activations, {"class_name": "relu", "config": {}}, "ReLU()"),
    (activations, {"class_name": "leaky_relu", "config": {"negative_slope": 0.2}}, "LeakyReLU(negative_slope=0.2)"),
])
def test_a_config_whose_class_name_is_a_name_is_that_class_with_the_config(module, config, expected):
    # {"class_name": "l2", ...} was refused by deserialize and by get (Keras 3.15 takes both)
    assert repr(module.deserialize(dict(config))) == expected
    assert repr(module.get(dict(config))) == expected


def test_a_layer_argument_takes_an_alias_config():
    dense = layers.Dense(3, kernel_constraint={"class_name": "max_norm", "config": {"max_value": 3}},
                         kernel_regularizer={"class_name": "l2", "config": {"l2": 0.5}},
                         kernel_initializer={"class_name": "he_normal", "config": {"seed": 1}})
    assert repr(dense.kernel_constraint) == "MaxNorm(max_value=3.0, axis=0)"
    assert repr(dense.kernel_regularizer) == "L2(l2=0.5)"
    assert repr(dense.kernel_initializer) == "HeNormal(seed=1)"


def test_the_errors_of_an_alias_config_show_the_config_as_given():
    with pytest.raises(ValueError, match=r"Malformed regularizer config \{'class_name': 'l2'.*l2 must be >= 0"):
        regularizers.deserialize({"class_name": "l2", "config": {"l2": -1}})


@pytest.mark.parametrize("name", ["relu", "gelu", "ReLU", "softmax"])
def test_keras_s_function_config_of_a_built_in_activation(name):
    # keras.saving.serialize_keras_object(keras.activations.relu) (Keras 3.15): was "Unknown function 'relu' in
    # saved config: a custom function must be registered ..."
    config = {"module": "builtins", "class_name": "function", "config": name, "registered_name": "function"}
    expected = type(activations.get(name))
    assert type(activations.deserialize(dict(config))) is expected
    assert type(activations.get(dict(config))) is expected


def test_a_user_s_function_registered_as_a_built_in_s_name_is_the_user_s():
    def cube(z):
        return z ** 3

    cube.derivative = lambda z, a: 3 * z ** 2
    config = {"module": "builtins", "class_name": "function", "config": "relu", "registered_name": "function"}
    with saving.custom_object_scope({"relu": cube}):
        activation = activations.deserialize(config)
    assert isinstance(activation, activations.FunctionActivation) and activation.function is cube
    # a name that is no activation stays refused, as before
    with pytest.raises(ValueError, match="Unknown function 'cubic' in saved config"):
        activations.deserialize({**config, "config": "cubic"})


@pytest.mark.parametrize("kind", REGISTRIES)
def test_an_unknown_name_lists_the_class_names_and_the_names(kind):
    module = REGISTRIES[kind]
    classes = sorted(module.CLASSES)
    names = sorted({"activation": activations.ACTIVATIONS, "regularizer": regularizers.REGULARIZERS,
                    "constraint": constraints.CONSTRAINTS, "initializer": initializers.INITIALIZERS}[kind])
    valid = f"Valid: {', '.join(classes)}; or a name: {', '.join(names)}."
    with pytest.raises(ValueError) as raised:
        module.deserialize("nope")
    assert str(raised.value) == f"Unknown {kind} 'nope'. {valid}"
    with pytest.raises(ValueError) as raised:
        module.deserialize({"class_name": "nope", "config": {}})
    assert str(raised.value) == f"Unknown {kind} 'nope' in saved config. {valid}"
    # a user's name ("my>Nope") stays a custom object's: register it or pass it
    with pytest.raises(ValueError, match=r"Unknown \w+ 'Nope' in saved config\. A custom \w+ 'my>Nope' must be "
                                         r"registered"):
        module.deserialize({"class_name": "Nope", "config": {}, "registered_name": "my>Nope"})


def test_an_alias_config_names_only_the_registry_s_classes():
    # "max_norm" of the constraints is no regularizer; nothing but the registry's own classes is made
    with pytest.raises(ValueError, match="Unknown regularizer 'max_norm' in saved config"):
        regularizers.deserialize({"class_name": "max_norm", "config": {}})
    with pytest.raises(ValueError, match="Unknown constraint 'os.system' in saved config. Valid: MaxNorm"):
        constraints.get({"class_name": "os.system", "config": {}})


def _keras_activations(keras):
    """``(name, Keras's function)`` for the activations both libraries have."""
    found = []
    for name in sorted(activations.ACTIVATIONS):
        fn = getattr(keras.activations, name, None)
        if callable(fn):
            found.append((name, fn))
    return found


def test_deserialize_reads_keras_s_own_serialized_activations(real_keras):  # noqa: F811
    keras = real_keras
    pairs = _keras_activations(keras)
    assert {"relu", "sigmoid", "softmax", "gelu", "silu", "leaky_relu", "squareplus"} <= {n for n, _ in pairs}
    for name, fn in pairs:
        expected = type(activations.get(keras.activations.serialize(fn)))
        for config in (keras.activations.serialize(fn), keras.saving.serialize_keras_object(fn)):
            assert type(activations.deserialize(config)) is expected, (name, config)
            assert type(activations.get(config)) is expected, (name, config)


@pytest.mark.parametrize("kind, names", [
    ("regularizer", ["l1", "l2", "L1", "L2", "L1L2", "orthogonal_regularizer", "OrthogonalRegularizer"]),
    ("constraint", ["max_norm", "min_max_norm", "non_neg", "unit_norm", "MaxNorm", "NonNeg"]),
    ("initializer", ["glorot_uniform", "he_normal", "lecun_uniform", "orthogonal", "zeros", "ones", "identity",
                     "GlorotUniform", "RandomNormal", "OrthogonalInitializer"]),
])
def test_deserialize_takes_the_names_keras_s_deserialize_takes(real_keras, kind, names):  # noqa: F811
    keras_module = getattr(real_keras, f"{kind}s")
    for name in names:
        theirs, ours = keras_module.deserialize(name), REGISTRIES[kind].deserialize(name)
        assert type(ours).__name__ in (type(theirs).__name__, type(theirs).__name__.removesuffix("Initializer")), name
        # and Keras's own config of it, through its class name and through the name
        config = keras_module.serialize(theirs)
        again = REGISTRIES[kind].deserialize(config)
        assert type(again) is type(ours), name
        assert repr(REGISTRIES[kind].deserialize({**config, "class_name": name.lower()})) == repr(again), name


# -- 2. a function with a gradient as a regularizer ----------------------------------------------------------------


def _quartic(w):
    return 0.1 * float(np.sum(np.asarray(w, dtype=np.float64) ** 4))


_quartic.gradient = lambda W: 0.4 * W ** 3


def _model(**regularization):
    model = models.Sequential([layers.Input((3,)), layers.Dense(2, activation="tanh", **regularization)], seed=0)
    model.compile(optimizer=glassnet.optimizers.SGD(0.1), loss="mse")
    return model


def test_get_wraps_a_function_with_a_gradient():
    regularizer = regularizers.get(_quartic)
    assert isinstance(regularizer, regularizers.FunctionRegularizer) and regularizer.function is _quartic
    W = np.array([[1.0, -2.0], [0.5, 3.0]])
    assert regularizer(W) == pytest.approx(0.1 * (1 + 16 + 0.0625 + 81))
    np.testing.assert_allclose(regularizer.gradient(W), 0.4 * W ** 3)
    # a Regularizer and a class are as before
    assert regularizers.get(regularizers.L2) .get_config() == {"l2": 0.01}


def test_a_function_regularizer_s_penalty_and_gradient_train_the_model():
    X = np.random.default_rng(1).normal(size=(6, 3))
    y = np.tanh(np.random.default_rng(2).normal(size=(6, 2)))
    plain, penalized = _model(), _model(kernel_regularizer=_quartic, bias_regularizer=_quartic)
    penalized.set_weights([np.array([[0.5, -1.0], [1.5, 0.2], [-0.7, 0.9]]), np.array([0.3, -0.4])])
    plain.set_weights(penalized.get_weights())
    W0, b0 = penalized.get_weights()
    assert penalized.losses == pytest.approx([_quartic(W0), _quartic(b0)], rel=1e-12)
    assert penalized.evaluate(X, y, verbose=0) == pytest.approx(plain.evaluate(X, y, verbose=0) + _quartic(W0)
                                                                + _quartic(b0), rel=1e-6)
    assert glassnet.check_gradients(penalized, X, y).passed()  # against central differences
    # one SGD step by hand: the penalty's gradient is the only difference, -lr · 0.4 W³
    plain.train_on_batch(X, y)
    penalized.train_on_batch(X, y)
    (W1, b1), (V1, c1) = penalized.get_weights(), plain.get_weights()
    np.testing.assert_allclose(W1 - V1, -0.1 * 0.4 * W0 ** 3, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(b1 - c1, -0.1 * 0.4 * b0 ** 3, rtol=1e-5, atol=1e-7)


def test_a_function_as_activity_regularizer():
    X = np.random.default_rng(3).normal(size=(5, 3))
    y = np.zeros((5, 2))
    model = _model(activity_regularizer=_quartic)
    plain = _model()
    plain.set_weights(model.get_weights())
    Y = model.predict(X, verbose=0)
    assert model.evaluate(X, y, verbose=0) == pytest.approx(plain.evaluate(X, y, verbose=0) + _quartic(Y) / 5,
                                                            rel=1e-5)
    assert glassnet.check_gradients(model, X, y).passed()


def test_a_function_without_a_gradient_is_refused_saying_what_trains():
    for call in (lambda: regularizers.get(lambda w: 0.01 * np.sum(w ** 2)),
                 lambda: layers.Dense(3, kernel_regularizer=lambda w: 0.01 * np.sum(w ** 2))):
        # was "Could not interpret regularizer identifier: <function <lambda>>. Expected a name ... or a
        # Regularizer object."
        with pytest.raises(ValueError, match=r"gradient of the penalty.*gradient\(W\) attribute.*subclass "
                                             r"glassnet\.regularizers\.Regularizer with __call__\(x\) and gradient\(W\)"):
            call()
    with pytest.raises(ValueError, match="^kernel_regularizer: Could not interpret regularizer identifier "
                                         "'<lambda>', a function without a gradient"):
        layers.Dense(3, kernel_regularizer=lambda w: 0.0)


def test_a_gradient_of_another_shape_is_refused():
    def flat(w):
        return 0.0

    flat.gradient = lambda W: 1.0  # a number would be added to every weight
    with pytest.raises(ValueError, match=r"gradient of regularizer 'flat' must return an array of the weights' "
                                         r"shape \(2, 2\)"):
        regularizers.get(flat).gradient(np.ones((2, 2)))


def test_a_registered_function_regularizer_is_saved_by_name_and_an_unregistered_one_is_not(tmp_path):
    def fourth(w):
        return _quartic(w)

    fourth.gradient = _quartic.gradient
    X = np.random.default_rng(4).normal(size=(4, 3))
    model = _model(kernel_regularizer=fourth)
    model.predict(X, verbose=0)
    with pytest.raises(ValueError, match="Cannot save the regularizer function 'fourth': it is not registered"):
        regularizers.serialize(model.layers[0].kernel_regularizer)
    # unregistered: the file holds the weights without the penalty, and says so when it is written
    with pytest.warns(UserWarning, match="kernel_regularizer FunctionRegularizer.* is not saved"):
        model.save(tmp_path / "plain.gn")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert models.load_model(tmp_path / "plain.gn").layers[0].kernel_regularizer is None
    try:
        saving.register_keras_serializable("s54")(fourth)
        assert regularizers.serialize(model.layers[0].kernel_regularizer) == {
            "module": __name__, "class_name": "function", "config": "s54>fourth", "registered_name": "function"}
        model.save(tmp_path / "registered.gn")
        loaded = models.load_model(tmp_path / "registered.gn")
        assert loaded.layers[0].kernel_regularizer.function is fourth
        assert loaded.losses == pytest.approx(model.losses, rel=1e-12)
    finally:
        _custom_objects.GLOBAL_CUSTOM_OBJECTS.pop("s54>fourth", None)
        _custom_objects.GLOBAL_CUSTOM_NAMES.pop(fourth, None)
    # not registered where it is loaded: said by name, or found in custom_objects
    with pytest.raises(ValueError, match=r"Unknown function 's54>fourth' in saved config.*must be registered"):
        models.load_model(tmp_path / "registered.gn")
    again = models.load_model(tmp_path / "registered.gn", custom_objects={"s54>fourth": fourth})
    assert again.layers[0].kernel_regularizer.function is fourth


# -- 3. squareplus with b = 0 is relu ---------------------------------------------------------------------------


def test_squareplus_with_b_0_is_relu_at_subnormal_inputs():
    x = np.array([-5e-324, -1e-323, 5e-324, 1e-323, 0.0, -2.0, 3.0, np.inf, -np.inf, np.nan])
    # was [nan, 0., 0., ...] (z = -5e-324: 0/0), and a slope of 0 at z = 5e-324
    np.testing.assert_array_equal(activations.squareplus(x, b=0), np.maximum(x, 0.0))
    square = activations.Squareplus(b=0)
    slope = square.backward(x, square.forward(x.copy()), np.ones_like(x))
    np.testing.assert_array_equal(slope, [0.0, 0.0, 1.0, 1.0, 0.5, 0.0, 1.0, 1.0, 0.0, np.nan])
    for dtype in (np.float32, np.float16):
        z = np.array([-np.finfo(dtype).smallest_subnormal, np.finfo(dtype).smallest_subnormal], dtype=dtype)
        assert square.forward(z).dtype == dtype
        np.testing.assert_array_equal(square.forward(z), [0.0, z[1]])
        np.testing.assert_array_equal(square.backward(z, square.forward(z), np.ones_like(z)), [0.0, 1.0])
    # b > 0 is as before
    np.testing.assert_allclose(activations.squareplus(np.array([-3.0, 0.0, 3.0]), b=16),
                               [(-3 + 5) / 2, 2.0, (3 + 5) / 2], rtol=1e-15)
