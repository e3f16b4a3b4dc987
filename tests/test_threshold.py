"""Hand-wired threshold units: seed 001's tables and seed 003's XOR network (SPEC C3)."""

import itertools

import numpy as np
import pytest

from glassnet.classic import ThresholdNetwork, ThresholdUnit, xor_network


def test_and_gate_reproduces_seed_table():
    # Seed 001, "Implementation of Simple Logic Gates — AND": w = (1, 1), b = −2.
    table = ThresholdUnit([1, 1], bias=-2).truth_table()
    assert table.columns == ["x_1", "x_2", "z", "y"]
    assert table.rows() == [
        (0, 0, -2, 0),
        (0, 1, -1, 0),
        (1, 0, -1, 0),
        (1, 1, 0, 1),
    ]


def test_seed_002_logistic_unit_computes_and_with_large_weights():
    # Seed 002, "Neuron Model: Logistic Unit" and "Simple Example: AND" (x1, x2 ∈ {0, 1}):
    # h = σ(b + w1 x1 + w2 x2) is a step once the weights are large, if no input lies on the
    # boundary: w = (1, 1), b = −1.5 scaled by 20 gives σ(−30), σ(−10), σ(−10), σ(10).
    # (Seed 001's b = −2 puts (1, 1) on z = 0, where σ = 0.5 however large the scale.)
    from glassnet.datasets import logic_gate
    from glassnet.layers import Dense
    from glassnet.models import Sequential

    X, y = logic_gate("and")
    unit = Sequential([Dense(1, "sigmoid", input_dim=2)], dtype="float64")
    unit.build()
    unit.set_weights([np.array([[20.0], [20.0]]), np.array([-30.0])])
    h = unit.predict(X, verbose=0)[:, 0]
    np.testing.assert_allclose(h, 1 / (1 + np.exp(-np.array([-30.0, -10.0, -10.0, 10.0]))), rtol=1e-14)
    assert h[:3].max() < 5e-5 and h[3] > 1 - 5e-5
    np.testing.assert_array_equal(np.round(h), np.ravel(y))
    unit.set_weights([np.array([[20.0], [20.0]]), np.array([-40.0])])
    assert unit.predict(X, verbose=0)[3, 0] == 0.5


def test_or_gate_table():
    # Seed 001's OR slide lists h(z) = 0, 1, 1, 1 and z = −1, 0, 0 for the first three rows,
    # i.e. w = (1, 1), b = −1. Its z for (1, 1) reads 0, which no affine z allows
    # (z(1,1) = z(1,0) + z(0,1) − z(0,0) = 1), so the fourth z is 1 here.
    table = ThresholdUnit([1, 1], bias=-1).truth_table()
    np.testing.assert_array_equal(table.z, [-1, 0, 0, 1])
    np.testing.assert_array_equal(table.y, [0, 1, 1, 1])


def test_cheese_festival_any_two_factors():
    # w1 = w2 = w3 = 1, threshold = 2: "Yes" whenever any two factors are "Yes".
    unit = ThresholdUnit([1, 1, 1], threshold=2)
    table = unit.truth_table()
    assert len(table.rows()) == 8
    for x, z, y in zip(table.inputs, table.z, table.y):
        assert z == x.sum() - 2
        assert y == (x.sum() >= 2)
    assert unit.bias == -2 and unit.threshold == 2


def test_cheese_festival_thirst_dominates():
    # w = (1, 1, 10), threshold = 11: yes only with the third factor and one other.
    unit = ThresholdUnit([1, 1, 10], threshold=11)
    decisions = {tuple(x): y for x, y in zip(unit.truth_table().inputs.astype(int), unit.truth_table().y)}
    assert [x for x, y in decisions.items() if y == 1] == [(0, 1, 1), (1, 0, 1), (1, 1, 1)]


def test_predict_and_net_input():
    unit = ThresholdUnit([0.5, -1.0], bias=0.25)
    X = np.array([[1, 0], [0, 1], [2, 1]])
    np.testing.assert_allclose(unit.net_input(X), [0.75, -0.75, 0.25])
    np.testing.assert_array_equal(unit(X), [1, 0, 1])
    np.testing.assert_array_equal(unit.predict([1, 0]), [1])


def test_xor_network_computes_bipolar_xor():
    net = xor_network()
    X = np.array([[-1, -1], [-1, 1], [1, -1], [1, 1]])
    np.testing.assert_array_equal(net.predict(X), [-1, 1, 1, -1])
    table = net.truth_table()
    np.testing.assert_array_equal(table.inputs, X)
    np.testing.assert_array_equal(table.y, -X[:, 0] * X[:, 1])
    # Every net input is away from 0, so sgn(0)'s convention never matters.
    assert np.all(table.z != 0) and all(np.all(Z != 0) for Z, _ in table.hidden)
    assert table.columns == ["x_1", "x_2", "h1_1", "h1_2", "z", "y"]


@pytest.mark.parametrize("activation, levels", [("step", (0, 1)), ("sign", (-1, 1))])
def test_every_boolean_function_of_up_to_3_inputs_by_one_hidden_layer(activation, levels):
    # seed 001, "Expressive Capabilities of ANNs": "Every boolean function can be represented by
    # network with single hidden layer ... but might require exponential (in number of inputs)
    # hidden units". All 4 + 16 + 256 functions of 1 to 3 inputs, each from its truth table.
    for n in (1, 2, 3):
        for y in itertools.product(levels, repeat=2**n):
            net = ThresholdNetwork.from_truth_table(y, activation=activation)
            assert len(net.layers) == 2
            table = net.truth_table()
            np.testing.assert_array_equal(table.inputs, list(itertools.product(levels, repeat=n)))
            np.testing.assert_array_equal(table.y, y)
            # one hidden unit per input whose output is 1, and no z on the threshold
            assert net.layers[0][0].shape == (n, max(1, y.count(levels[1])))
            assert np.all(table.z != 0) and np.all(table.hidden[0][0] != 0)


def test_a_boolean_network_by_hand_and_parity_needs_exponentially_many_units():
    # XOR (0, 1, 1, 0): one unit fires for (0, 1), z = −x1 + x2 − ½, one for (1, 0), z = x1 − x2 − ½;
    # the output ORs them, z = h1 + h2 − ½
    (W1, b1), (W2, b2) = ThresholdNetwork.from_truth_table([0, 1, 1, 0]).layers
    np.testing.assert_array_equal(W1, [[-1, 1], [1, -1]])
    np.testing.assert_array_equal(b1, [-0.5, -0.5])
    np.testing.assert_array_equal(W2, [[1], [1]])
    np.testing.assert_array_equal(b2, [-0.5])
    # the cheese festival's "any two of three" has four inputs that say yes: four hidden units
    cheese = ThresholdUnit([1, 1, 1], threshold=2).truth_table().y
    assert ThresholdNetwork.from_truth_table(cheese).layers[0][0].shape == (3, 4)
    # parity of n inputs is 1 on half the rows: 2**(n − 1) hidden units
    for n in range(1, 8):
        parity = np.array(list(itertools.product((0, 1), repeat=n))).sum(axis=1) % 2
        net = ThresholdNetwork.from_truth_table(parity)
        assert net.layers[0][0].shape[1] == 2 ** (n - 1)
        np.testing.assert_array_equal(net.truth_table().y, parity)


@pytest.mark.parametrize(
    "y, activation, exc, match",
    [
        ([0, 1, 1], "step", ValueError, r"y must give one output per row of a truth table: 2\*\*n values .* Received 3"),
        ([1], "step", ValueError, r"2\*\*n values .* Received 1 values"),
        ([0, 1, 1, 2], "step", ValueError, r"y must hold the outputs 0 and 1 of 'step' units"),
        ([0, 1, 1, 0], "sign", ValueError, r"y must hold the outputs -1 and 1 of 'sign' units"),
        ([0, 1, 1, 0], "relu", ValueError, r"activation must be 'step' or 'sign'"),
        ("0110", "step", TypeError, r"y must be"),
    ],
)
def test_from_truth_table_names_what_y_must_be(y, activation, exc, match):
    with pytest.raises(exc, match=match):
        ThresholdNetwork.from_truth_table(y, activation=activation)


def test_bad_input():
    with pytest.raises(ValueError, match="not both"):
        ThresholdUnit([1, 1], threshold=1, bias=-1)
    with pytest.raises(ValueError, match="activation"):
        ThresholdUnit([1, 1], activation="relu")
    with pytest.raises(ValueError, match="2 input"):
        ThresholdUnit([1, 1])([[1, 0, 1]])
    with pytest.raises(TypeError, match="threshold"):
        ThresholdUnit([1, 1], threshold="two")
    with pytest.raises(ValueError, match="layers\\[1\\]"):
        ThresholdNetwork([(np.ones((2, 2)), np.zeros(2)), (np.ones((3, 1)), np.zeros(1))])


@pytest.mark.parametrize(
    "layers, exc, match",
    [
        ([], ValueError, r"layers must be a non-empty list of \(W, b\) pairs. Received: layers=\[\]"),
        (5, TypeError, r"layers must be a non-empty list of \(W, b\) pairs. Received: layers=5"),
        ([(np.ones((2, 2)),)], ValueError, r"layers\[0\] must be a pair \(W, b\)"),
    ],
)
def test_network_layers_are_checked(layers, exc, match):
    with pytest.raises(exc, match=match):
        ThresholdNetwork(layers)


def test_truth_tables_keep_counting_order_and_are_capped():
    X = ThresholdUnit(np.ones(5), activation="sign").truth_table().inputs
    np.testing.assert_array_equal(X, list(itertools.product((-1, 1), repeat=5)))
    np.testing.assert_array_equal(xor_network().truth_table().inputs, [[-1, -1], [-1, 1], [1, -1], [1, 1]])
    with pytest.raises(ValueError, match=r"2\*\*22 rows; at most 20 inputs.*weights"):
        ThresholdUnit(np.ones(22)).truth_table()
    wide = ThresholdNetwork([(np.ones((21, 1)), np.zeros(1))])
    with pytest.raises(ValueError, match=r"at most 20 inputs.*layers\[0\] weights"):
        wide.truth_table()


def test_a_truth_table_of_several_outputs_names_each_column():
    # the header said x_1 x_2 z y over six values a row
    table = ThresholdNetwork([(np.eye(2), [0, 0])]).truth_table()
    assert table.columns == ["x_1", "x_2", "z_1", "z_2", "y_1", "y_2"]
    assert all(len(row) == 6 for row in table.rows())
    assert str(table).splitlines()[0].split("\t") == table.columns
    assert table.rows()[1] == (-1.0, 1.0, -1.0, 1.0, -1.0, 1.0)


def test_decimal_weights_fire_at_the_threshold_as_the_seed_rule_says():
    # seed 001: fire when x·w >= threshold; 0.3 + 0.6 - 0.9 is -1.1e-16 in binary floating point
    unit = ThresholdUnit([0.3, 0.6], threshold=0.9)
    table = unit.truth_table()
    assert table.z[-1] == 0.0 and table.y[-1] == 1.0
    np.testing.assert_array_equal(unit.predict([[1, 1], [1, 0], [0, 1]]), [1, 0, 0])
    assert ThresholdUnit([0.1, 0.2], bias=-0.3).net_input([[1, 1]])[0] == 0.0  # was 5.6e-17
    # just below the threshold stays below (a real gap is no rounding)
    assert ThresholdUnit([0.3, 0.6], threshold=0.9 + 1e-12).predict([[1, 1]])[0] == 0.0


@pytest.mark.parametrize("weights", [[[1, 2]], [], 3.0])
def test_weights_of_the_wrong_shape_are_named_as_weights(weights):
    # the messages spoke of "(n_samples,)" and "at least one sample"
    with pytest.raises(ValueError, match=r"weights must be a 1-D list of one weight per input, such as \[1, 1\]"):
        ThresholdUnit(weights)


def test_a_network_takes_one_sample_as_a_unit_does():
    # xor_network().predict([1, -1]) was refused ("2-D array of shape (n_samples, n_features)")
    # while ThresholdUnit reads a 1-D X as one sample; seed 003: XOR of (+1, −1) is +1
    net = xor_network()
    np.testing.assert_array_equal(net.predict([1, -1]), [1.0])
    np.testing.assert_array_equal(net.predict([1, 1]), [-1.0])
    Z, A = net.forward([-1, 1])[0]
    np.testing.assert_array_equal(Z, [[-3.0, 1.0]])
    with pytest.raises(ValueError, match=r"X must have 2 input\(s\) per row to match layers\[0\]. Received shape \(3,\)"):
        net.predict([1, -1, 1])
    with pytest.raises(ValueError, match=r"Received shape \(1, 1, 2\)"):
        net.predict([[[1, -1]]])


@pytest.mark.parametrize("layers", [[([1, 1], [0])], [([[1], [1]], [[0]])], [([[1], [1]], 0.0)]])
def test_network_weights_of_the_wrong_shape_name_the_shapes_expected(layers):
    # a 1-D W was told about "(n_samples, n_features)", a 2-D b about "(n_samples,)"
    with pytest.raises(ValueError, match=r"layers\[0\] has weights of shape .* expected \(n_in, n_out\) and \(n_out,\)"):
        ThresholdNetwork(layers)


def test_at_zero_sets_the_output_where_the_net_input_is_exactly_0():
    # seed 001 fires at "≥ threshold" (h(0) = 1); seed 002's step is "1 when value > 0, 0 otherwise"
    # (h(0) = 0), which ThresholdUnit could not express: w = (1, 1), b = −1 gives z = −1, 0, 0, 1,
    # so OR under seed 001's rule and AND under seed 002's (hand-worked)
    seed_001, seed_002 = ThresholdUnit([1, 1], bias=-1), ThresholdUnit([1, 1], bias=-1, at_zero=0)
    for unit, y in ((seed_001, [0, 1, 1, 1]), (seed_002, [0, 0, 0, 1])):
        table = unit.truth_table()
        np.testing.assert_array_equal(table.z, [-1, 0, 0, 1])
        np.testing.assert_array_equal(table.y, y)
        np.testing.assert_array_equal(unit.predict([[0, 0], [0, 1], [1, 0], [1, 1]]), y)
    # at the threshold given as decimals too (z rounds to 0): 0.3 + 0.6 = 0.9 does not fire under h(0) = 0
    assert ThresholdUnit([0.3, 0.6], threshold=0.9, at_zero=0).predict([[1, 1]])[0] == 0.0
    # sign units: sgn(0) between −1 and +1; x1 − x2 is 0 where the bipolar inputs agree
    table = ThresholdUnit([1, -1], activation="sign", at_zero=0).truth_table()
    np.testing.assert_array_equal(table.y, [0, -1, 1, 0])
    np.testing.assert_array_equal(ThresholdUnit([1, -1], activation="sign", at_zero=-1).truth_table().y,
                                  [-1, -1, 1, -1])
    assert "at_zero=0" in repr(seed_002) and "at_zero" not in repr(seed_001)
    with pytest.raises(ValueError, match=r"at_zero must be <= 1\. Received: at_zero=2"):
        ThresholdUnit([1, 1], at_zero=2)
    with pytest.raises(ValueError, match=r"at_zero must be >= 0\. Received: at_zero=-1"):
        ThresholdUnit([1, 1], at_zero=-1)  # a step's outputs are 0 and 1
    with pytest.raises(ValueError, match=r"at_zero must be >= -1\."):
        ThresholdUnit([1, 1], activation="sign", at_zero=-2)
    with pytest.raises(TypeError, match="at_zero must be a number"):
        ThresholdUnit([1, 1], at_zero=True)
    with pytest.raises(ValueError, match="at_zero must be finite"):
        ThresholdUnit([1, 1], at_zero=float("nan"))


def test_a_network_takes_at_zero_for_every_unit():
    # Hidden z = x1 + x2 − 1 (0 for one input on), output z = h − 1 (0 when h = 1), worked by hand:
    # h(0) = 1 fires both times (OR); seed 002's h(0) = 0 never lets the output fire;
    # h(0) = ½ gives hidden ½ for one input on, so the output's z = −½ there and 0 at (1, 1).
    layers = [(np.ones((2, 1)), np.array([-1.0])), (np.ones((1, 1)), np.array([-1.0]))]
    X = [[0, 0], [0, 1], [1, 0], [1, 1]]
    for at_zero, expected in ((1.0, [0, 1, 1, 1]), (0.0, [0, 0, 0, 0]), (0.5, [0, 0, 0, 0.5])):
        net = ThresholdNetwork(layers, activation="step", at_zero=at_zero)
        np.testing.assert_array_equal(net.predict(X), expected)
        np.testing.assert_array_equal(net.truth_table().y, expected)
    np.testing.assert_array_equal(ThresholdNetwork(layers, activation="step").predict(X), [0, 1, 1, 1])
    with pytest.raises(ValueError, match=r"at_zero must be >= -1\. Received: at_zero=-2"):
        ThresholdNetwork(layers, at_zero=-2)  # sign's outputs are −1 and +1


def test_a_network_s_repr_shows_its_weights_as_a_unit_s_does():
    # it was <glassnet.classic.threshold.ThresholdNetwork object at 0x...>
    net = xor_network()
    assert repr(net) == ("ThresholdNetwork(layers=[([[1.0, -1.0], [-1.0, 1.0]], [-1.0, -1.0]), ([[1.0], [1.0]], [1.0])], "
                         "activation='sign')")
    rebuilt = eval(repr(net), {"ThresholdNetwork": ThresholdNetwork})
    np.testing.assert_array_equal(rebuilt.truth_table().y, net.truth_table().y)
    assert repr(ThresholdNetwork([([[1.0]], [0.0])], activation="step", at_zero=0)).endswith(
        "activation='step', at_zero=0)")
    # a large one (parity of 8 inputs: 128 hidden units) by its units per layer
    big = ThresholdNetwork.from_truth_table(np.arange(256) % 2)
    assert repr(big) == "ThresholdNetwork(layers=<2 layers of 8-128-1 units>, activation='step')"
