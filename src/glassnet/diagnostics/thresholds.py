"""The limits the checks apply (each with the measurements behind it) and the lectures' advice
per kind of problem."""

DEAD_FRACTION = 0.2
"""Warn when at least this share of a layer's ReLU units is dead (seed 001: 20–40%), and one of
the causes :data:`DEAD_KILLED` names is seen."""
DEAD_KILLED = 0.6
"""Dead ReLUs are a learning-rate problem when training killed them: at least this share of the
units that were alive before training died since (the :class:`Diagnostics` callback measures the
start). A share of dead units alone is no sign: in deep, narrow nets a unit can be off for every
input from the start (2-D inputs reach few directions), and no step revives it. Measured on the probe
(256 rows) of 54 healthy nets, Adam(1e-3), Glorot or He, 5, 7 or 10 hidden layers of 8, 16 or 32
units, on the circle (20 epochs) and the digits (10 epochs; every loss falling): up to 75% of a
layer was dead at initialisation, and the old rule (20% dead) warned in 53 of them, most from the
first epoch on. Training killed at most 57% of a layer's live units in all but one (71%: 8 units
of 7 layers on the 64 pixels of the digits). In 11 nets broken by too large a learning rate
(SGD(1) to SGD(5), Adam(0.05) to Adam(0.5)) it killed 67% to 100%; in 3 started with biases of
−1 to −3 whole layers were dead and the loss did not move. So a layer is reported when all its
units are dead (nothing passes through), when training killed at least 60% of its live units,
or when the training loss no longer falls, still at least half its first epoch's (:func:`_loss_stalled`)."""
SATURATED_FRACTION = 0.2
"""Warn when at least this share of a layer's sigmoid/tanh units is saturated; in a hidden layer only
while the model does not fit the probe (:data:`FITTED`)."""
FITTED = 0.5
"""A model whose probe loss is below this share of the loss of predicting the mean target (for the
cross-entropies the class frequencies) fits the probe: its saturated hidden units are features
training made that sharp, not units that stopped it. Of 54 healthy nets (1 to 3 hidden layers of 8,
32 or 64 relu, tanh or sigmoid units, Adam(0.01), 60 epochs on the circle: accuracy 1.0, probe loss
0.01 of 0.69) the 64-wide tanh ones were warned about, up to 34% of their second layer saturated
(every unit at the same end for every sample: a constant, which the next layer takes as a bias)."""
SATURATION_MARGIN = 0.01
"""A saturated output lies within this share of the activation's range from a bound."""
TAIL_FRACTION = 0.5
"""Warn when, before training, at least this share of a hidden sigmoid/tanh layer's activations (each sample's
output of each unit, Karpathy's ``(h.abs() > 0.99).mean()`` in makemore part 3) lies in the tails
(:data:`SATURATION_MARGIN`): a start too large for the layer's fan-in, where a unit is seldom stuck for every sample
(:data:`SATURATED_FRACTION` sees none). Measured on 1024 probe rows: Karpathy's bad init (Embedding N(0, 1),
``Dense(200, tanh)`` with a N(0, 1) kernel on 30 inputs) 67% (seeds 1, 2); his fixes 3-4% (``W1 * 0.2``) and 16%
(``(5/3)/√30``, kaiming_normal's tanh gain); glassnet's Glorot default 0% (MNIST 784-128-10 tanh or sigmoid). Only
read before training: trained nets that fit their data make sharp features (MNIST 784-128 tanh after 3 epochs of Adam:
36%; the lectures' 2-4-1 XOR and 2-64-64-1 tanh nets on the playground's sets: up to 96%)."""
INITIAL_LOSS = 2.0
"""Warn when, before training, a cross-entropy's probe loss is above this many times that of uniform predictions,
``−log(1/k)`` = log k for k classes (log 2 per output of the binary one; CS231n and Karpathy's makemore part 3: a
27-class start at 27 for log 27 = 3.3): the initial logits are too large. glassnet's default initialisers start
at 0.98 to 1.31 times log k (Glorot; MNIST 784-128-10 on x/255 and standardized pixels, a 2-8-1 sigmoid net, the
27-class MLP, seeds 0-9; tests/test_karpathy_s60.py)."""
VANISHING_RATIO = 100.0
"""RMS gradient of the last Dense layer over the first one above which gradients vanish
(and, inverted, below which they explode)."""

ACTIVATION_GROWTH = 100.0
"""RMS output of the last hidden Dense layer over the first one above which the activations (and
with them the loss and every gradient) explode. He initialisation keeps the RMS of ReLU outputs
from layer to layer, Glorot that of tanh (or lets it shrink); trained Glorot/He MLPs on the digits
and the circle grow it at most about 16× over ten layers. Two orders of magnitude, as for
:data:`VANISHING_RATIO`, are a start too large for the layers' widths: 20 ReLU layers of 32 units
from N(0, 0.6²) multiply it by about 0.6·√16 ≈ 2.4 a layer, 10⁷ in all. The gradients then grow
backwards as the activations grow forwards, so their first-to-last ratio cannot see it."""
UPDATE_RATIO = 1.0
"""Relative size of one SGD step, η‖∂J/∂W‖/‖W‖, above which the learning rate is too large for
the gradients (Karpathy, "A Recipe for Training Neural Networks" and CS231n: about 1e-3 is healthy).
At 1 a single step is as large as the weights themselves; trained Glorot/He MLPs on the digits and
the circle (SGD 0.1 to 0.5, 2 to 10 layers) stay below 0.3. Only read after training: before it, weights started
small (N(0, 0.01²)) make any first step large, and harmlessly so."""

LOSS_WINDOW = 10
"""The loss-curve checks look at this many most recent epochs."""
LOSS_EXPLODED = 1e6
"""A training loss this many times that of a model that learned nothing, and no longer falling,
has exploded. "Learned nothing" is the larger of a constant prediction, 0 or the mean target (for
the cross-entropies the class frequencies), and (the callback) the loss before training: the
start that slow training from unscaled targets never leaves (y ≈ 1000: 1e6 from the first epoch
on) is then no explosion. Six orders of magnitude above it, for the squared error outputs about
a thousand times off, are weights thrown away by too large steps (SGD(1.0) on pixels of 0..255:
1.3e4, then 1.3e25 every epoch, all finite)."""

SYMMETRY_TOLERANCE = 1e-6
"""A hidden Dense layer's units are identical (``symmetric_units``) where, for every input, their incoming weights
differ by at most this share of the layer's largest |W|, and their biases by at most this share of the largest |b|
(exact equality, 0 included, after a zero start: each unit is computed by the same operations)."""

INPUT_SCALE = 10.0
"""Inputs whose largest |x| is above this are unscaled (seed 004: X -= mean, X /= std); the
warnings then name the largest |x| seen as a cause, with how to scale it away."""

TARGET_SCALE = 100.0
"""Regression targets whose standard deviation is above this are unscaled: where the model then does no better
than predicting their mean for every sample, :func:`diagnose` names them as the cause, with how to standardize them
(scikit-learn's diabetes targets × 1000, std 7.7e4, Dense(32, relu), Adam, 30 epochs: a loss 4.9 times the mean's)."""
#: the losses of a regression whose output must grow as large as the targets (the log and percentage errors are
#: relative, the cross-entropies take labels or probabilities)
_REGRESSION_LOSSES = ("mean_squared_error", "mean_absolute_error", "huber_loss", "log_cosh")

_SATURATING = ("sigmoid", "tanh", "bipolar_sigmoid", "hard_sigmoid", "hard_tanh", "sparse_sigmoid", "softsign")
#: activations whose units can die as a ReLU's: output 0, and g'(z) = 0, below a point
_DYING = ("relu", "relu6")
#: Output activation -> the losses whose gradient cancels its g'(z) (output delta a − y), so
#: that a saturated output still learns. Softmax pairs with the categorical cross-entropies
#: the same way, but its saturation is never measured.
_DELTA_A_MINUS_Y = {"sigmoid": ("binary_crossentropy",)}

ADVICE = {
    "dead_relu": (
        "Lower the learning rate, e.g. {lower} (seed 001: 'use ReLU and lower learning rates if you see many "
        "(20-40%) dead neurons'); leaky ReLU or He initialisation also keep units alive."
    ),
    "saturated": (
        "Standardize the inputs (seed 004: X -= mean, X /= std), use Glorot initialisation or a "
        "lower learning rate, or switch the hidden layers to ReLU."
    ),
    "vanishing": (
        "Use ReLU in the hidden layers, a better initialisation (He for ReLU, Glorot for tanh) "
        "or batch normalization (seed 001), or fewer sigmoid layers."
    ),
    "exploding": (
        "Lower the learning rate, e.g. {lower}, clip the gradients (optimizer clipnorm=1.0), use a smaller "
        "initialisation or batch normalization."
    ),
    "diverged": "The learning rate is far too large: lower it, e.g. {lower}.",
    "loss_exploded": "The learning rate is far too large: lower it, e.g. {lower}.",
    "loss_grows": (
        "The learning rate is too large: like seed 000's η = 1.05 table, every step overshoots "
        "the minimum further. Lower it, e.g. {lower}."
    ),
    "loss_oscillates": (
        "The learning rate is too large: like seed 000's η = 1.0 table, the steps jump across "
        "the minimum back and forth. Lower it, e.g. {lower}."
    ),
    "large_updates": (
        "Lower the learning rate, e.g. {lower}, or clip the gradients (optimizer clipnorm=1.0); about 1e-3 "
        "is a healthy update/weight ratio."
    ),
    "symmetric_units": (
        "Break the symmetry: start the weights at random (seed 002: Θ in [-ε, ε]), with Dense's default "
        "kernel_initializer='glorot_uniform' (tanh, sigmoid) or 'he_normal' (ReLU), not 'zeros' or a constant."
    ),
    "initial_loss": (
        "The initial logits are too large: scale the last layer's initial kernel down, e.g. "
        "kernel_initializer=RandomNormal(stddev=0.01) (Karpathy, makemore part 3), so that the first predictions are "
        "near uniform."
    ),
    "unscaled_inputs": "Scale the inputs to about [-1, 1] (seed 004: X -= mean, X /= std).",
    "unscaled_targets": (
        "Standardize the targets: y_mean, y_std = y.mean(axis=0), y.std(axis=0); fit(x, (y - y_mean) / y_std), "
        "then predict(x) * y_std + y_mean."
    ),
}
"""The lectures' advice per kind of problem; ``{lower}`` is how to lower the learning rate
(:func:`_advice` fills it in: "from 0.5 to 0.05" where the rate is known, else "by a factor of 10")."""
DEAD_AT_START_ADVICE = (
    "They are dead from the start, not killed by training, and a lower learning rate does not revive them: "
    "start them alive, with He initialisation (kernel_initializer='he_normal'), biases at 0 or slightly above, "
    "or leaky ReLU."
)
"""The ``dead_relu`` advice where the units were dead before training: the :class:`Diagnostics` callback
measured them then, or :func:`diagnose` sees a model whose optimizer has taken no step."""
