"""XOR with a 2-4-1 network: Keras-style model, its trace and its gradient check."""

import glassnet
from glassnet.datasets import logic_gate
from glassnet.layers import Dense
from glassnet.models import Sequential
from glassnet.optimizers import Adam

X, y = logic_gate("xor")
model = Sequential([Dense(4, activation="tanh", input_dim=2), Dense(1, activation="sigmoid")], seed=1)
model.compile(loss="binary_crossentropy", optimizer=Adam(learning_rate=0.01), metrics=["accuracy"])
print(model.trace(X[:1], y[:1]))  # one step of backpropagation, before training
history = model.fit(X, y, batch_size=4, epochs=1000, verbose=0)
print("accuracy:", history.history["accuracy"][-1])
print("outputs:", model.predict(X).ravel().round(3))
print(glassnet.check_gradients(model, X, y))
