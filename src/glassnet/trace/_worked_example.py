"""The classic worked backpropagation example that ``glassnet explain`` and the playground trace."""

import numpy as np

#: The classic worked backpropagation example (Matt Mazur's; not in the seeds): a 2-2-1 network, one example
#: x = (0.05, 0.10) with target t = 0.01, E = ½(t − y)², one SGD step of η = 0.5.
#: Weights as glassnet stores them: W^(1) (2, 2), b^(1), W^(2) (2, 1), b^(2).
WORKED_EXAMPLE = {
    "x": [0.05, 0.10],
    "y": 0.01,
    "learning_rate": 0.5,
    "weights": {"W1": [[0.15, 0.25], [0.20, 0.30]], "b1": [0.35, 0.35], "W2": [[0.40], [0.45]], "b2": [0.60]},
}


def worked_example_model(activation="sigmoid", learning_rate=0.5, weights=None):
    """The worked example's 2-2-1 network (float64, loss ``squared_error``, SGD),
    with :data:`WORKED_EXAMPLE`'s weights unless ``weights`` (a list of the four
    arrays) is given; ``activation`` is both layers' (the sigmoid of the example) and
    ``learning_rate`` SGD's η. ``glassnet explain`` and the playground's backprop page trace it."""
    from ..layers import Dense
    from ..models import Sequential
    from ..optimizers import SGD

    model = Sequential([Dense(2, activation, input_dim=2), Dense(1, activation)], dtype="float64", name="2-2-1")
    model.compile(optimizer=SGD(learning_rate=learning_rate), loss="squared_error")
    model.build()
    if weights is None:
        weights = [np.array(w, dtype=np.float64) for w in WORKED_EXAMPLE["weights"].values()]
    model.set_weights(weights)
    return model
