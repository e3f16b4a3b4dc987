"""What goes wrong in training, measured and explained (SPEC A11).

The lectures name the usual failures and their cures:

* dead ReLUs (seed 001: "Current best practice: use ReLU and lower learning
  rates if [you] see many (20-40%) 'dead' neurons"; seed 002: "Dying ReLU
  problem"): a ReLU unit is **dead** when its output is 0 for every sample of
  a probe batch, so it passes back no gradient and stops learning. A layer
  with at least :data:`DEAD_FRACTION` (20%) dead units is reported when all
  of them are dead, when training killed them (:data:`DEAD_KILLED`: the
  callback knows the share before training) or when the loss no longer falls;
  units that are off since initialisation while the loss falls are not (deep,
  narrow Glorot/He nets start with up to 75% of a layer off and train well).
  Where the units were dead from the start (:data:`DEAD_AT_START_ADVICE`) the
  advice is a live start, not a lower learning rate;
* saturated sigmoid/tanh units (and those of Keras's bounded hard_sigmoid, hard_tanh,
  sparse_sigmoid and softsign; seed 002: "towards either end of the sigmoid
  function, the σ(x) values tend to respond very less to changes in x"): a
  unit is **saturated** when, for every probe sample, its output lies within
  1% of the activation's range from one of its bounds (sigmoid: a < 0.01 or
  a > 0.99, where g'(z) < 0.0099; tanh: |a| > 0.98), so g'(z) ≈ 0 (Karpathy's
  "dead neuron"). A sigmoid
  output layer trained with binary cross-entropy is measured but not reported:
  that loss's ∂J/∂a cancels g'(z), the output delta is a − y, so outputs at
  0 or 1 are a classifier's confident answers, not units that stopped learning
  (the same output under the squared error is reported). Nor is a saturated hidden layer of a
  model that fits the probe (:data:`FITTED`): training made those units sharp features.
  The share of all the activations there (each sample's output of each unit:
  "in tails") is reported too, and before training a hidden layer with at least
  :data:`TAIL_FRACTION` (50%) of them in the tails is a start too large for its
  inputs (makemore part 3: 67% in a tanh layer from N(0, 1) weights, with no unit
  saturated for every sample);
* an initial loss far from chance: before training, a cross-entropy probe loss
  above :data:`INITIAL_LOSS` (2) times −log(1/k), that of uniform predictions over
  k classes, comes from too large initial logits (makemore part 3, CS231n);
* vanishing or exploding gradients (seed 004: ``∂E/∂w ∝ φ'(net_0)·φ'(net_1)·
  φ'(net_2)``, "the weights farthest away from the output can have very
  large, or very small, updates"): measured as the RMS gradient of each Dense
  layer's weights, ``‖∂J/∂W^(l)‖ / √(#W^(l))``. With three or more Dense
  layers, gradients that shrink by more than :data:`VANISHING_RATIO` (100×)
  from the last layer to the first are **vanishing**; gradients that grow by
  more than 100× are **exploding**. Gradients also explode where the hidden
  layers' RMS output ``√(mean a²)`` grows more than :data:`ACTIVATION_GROWTH`
  (100×) from the first hidden Dense layer to the last (a start too large for
  the layers' widths: the loss and every gradient are huge, and their
  first-to-last ratio stays near 1);
* symmetric units (seed 002: "Zero Initialization ... parameters corresponding to inputs going
  into each of two hidden units are identical"): all the units of a hidden Dense layer have the
  same incoming weights (all 0 included) and bias (:data:`SYMMETRY_TOLERANCE`), so they compute
  the same output, get the same gradient and never differ: reported first, with random
  initialisation as the cure; a ReLU layer of them with a kernel of 0 is dead from the start;
* steps too large for the weights: after training, one SGD step
  ``η‖∂J/∂W‖/‖W‖`` (Karpathy's update/weight ratio, about 1e-3 when healthy)
  above :data:`UPDATE_RATIO` (1) in some layer;
* a learning rate that is too large (seed 000's η = 1.05 table: every step
  overshoots further, f grows; η = 1.0: f oscillates): the training loss is
  NaN/inf, **grows** (over the last 10 epochs it rose in at least 60% of
  them and ends more than 10% above where it started) or **oscillates**
  (it changes direction in at least 80% of the epochs, by 5% of its level
  on average, and the lowest loss of the window's last half is not below 90%
  of the lowest of its first half: a 2-cycle in either phase, not a noisy
  loss that still falls) or has **exploded**: finite, but more than
  :data:`LOSS_EXPLODED` (10⁶) times the loss of a model that learned nothing
  (predicting 0 or the mean target; with the callback also the loss before
  training), and the last epoch did not lower it by 10%.

Where a problem is found and the probe's inputs are unscaled (largest |x| above
:data:`INPUT_SCALE`, such as pixels of 0..255), an ``unscaled_inputs`` problem comes first,
naming that largest |x| and how to scale it away (seed 004: X -= mean, X /= std); the
learning-rate advice names the optimizer's learning rate and a lower one to try.
:func:`diagnose` also reports ``unscaled_targets`` where a regression (squared, absolute, Huber or log-cosh
error) has targets whose standard deviation is above :data:`TARGET_SCALE` (100) and does no better than
predicting their mean for every sample, with how to standardize them.

:func:`diagnose` measures a model once; the :class:`Diagnostics` callback
measures it after every epoch and stores the numbers in the History
(``history.history["dead_relu/dense"]``, ``"saturated/dense"``, ``"in_tails/dense"``,
``"grad_norm/dense"``, ``"weight_norm/dense"``, ``"output_rms/dense"``, ``"update_ratio/dense"``).
Problems are reported as
:class:`DiagnosticWarning` with the lectures' advice.

The package's modules: :mod:`~glassnet.diagnostics.thresholds` (the limits above and the
lectures' advice), :mod:`~glassnet.diagnostics.probe` (:func:`diagnose`: the measurements on a
probe batch), :mod:`~glassnet.diagnostics.problems` (what the measurements and the loss curve
show), :mod:`~glassnet.diagnostics.report` (:class:`Diagnosis`, :class:`LayerDiagnosis`) and
:mod:`~glassnet.diagnostics.callback` (:class:`Diagnostics`, after every epoch).
"""

from .callback import Diagnostics
from .probe import diagnose
from .problems import INPUT_SCALE_NOTE, input_scale_note  # noqa: F401
from .report import DiagnosticWarning, Diagnosis, LayerDiagnosis
from .thresholds import (  # noqa: F401  (the limits the docstring above names)
    ACTIVATION_GROWTH, ADVICE, DEAD_AT_START_ADVICE, DEAD_FRACTION, DEAD_KILLED, FITTED, INITIAL_LOSS, INPUT_SCALE,
    LOSS_EXPLODED, LOSS_WINDOW, SATURATED_FRACTION, SATURATION_MARGIN, SYMMETRY_TOLERANCE, TAIL_FRACTION, TARGET_SCALE,
    UPDATE_RATIO, VANISHING_RATIO,
)

__all__ = ["diagnose", "Diagnosis", "Diagnostics", "DiagnosticWarning", "LayerDiagnosis"]
