# Seed 001, "Keras training XOR function": the lecture's code with only the
# import lines changed (keras -> glassnet). Models 1-3 as on the slides.
# The run is random, as on the slides (np.random is not seeded): the slides show
# Accuracy 0.75, 1.0, 1.0. Over seeds 0-9 (glassnet.utils.set_random_seed, which
# seeds NumPy and glassnet's generator alike) model 1 (two sigmoid units)
# never solves XOR, model 2 (two relu units) does in 5 runs, model 3 (three) in 9.
import numpy as np

from sklearn.metrics import accuracy_score

from glassnet.models import Sequential
from glassnet.layers.core import Dense, Dropout, Activation
from glassnet.optimizers import SGD

X = np.array( [[0,0],[0,1],[1,0],[1,1]] )
y = np.array( [[0],[1],[1],[0]] )

def initialize_weights(shape, dtype=None):
    return np.random.normal(loc=0.75, scale=1e-2, size=shape)

def summary(model, X, y):
    pred_prob = model.predict(X)
    pred = np.array(pred_prob>0.5, dtype=int)
    print(f"{'Pred prob':12s} {pred_prob.reshape(4)}")
    print(f"{'Pred':12s} {pred.reshape(4)}")
    print(f"{'True':12s} {y.reshape(4)}")
    print(f"{'Accuracy':12s} {accuracy_score(y, pred)}")

# Model 1

model = Sequential()

layer = Dense(2, activation='sigmoid',
              kernel_initializer=initialize_weights, input_dim=2)
model.add(layer)

layer = Dense(1, activation='sigmoid')
model.add(layer)

model.compile(loss='mean_squared_error',
              optimizer='adam', metrics='accuracy')

model.fit(X, y, batch_size=4, epochs=1000, verbose=0)

pred_prob = model.predict(X)
summary(model, X, y)

# Model 2

model = Sequential()

layer = Dense(2, activation='relu',
              kernel_initializer=initialize_weights, input_dim=2)
model.add(layer)

layer = Dense(1, activation='sigmoid')
model.add(layer)

model.compile(loss='mean_squared_error',
              optimizer='adam', metrics='accuracy')

model.fit(X, y, batch_size=4, epochs=1000, verbose=0)

pred_prob = model.predict(X)
summary(model, X, y)

# Model 3

model = Sequential()

layer = Dense(3, activation='relu',
              kernel_initializer=initialize_weights, input_dim=2)
model.add(layer)

layer = Dense(1, activation='sigmoid')
model.add(layer)

model.compile(loss='mean_squared_error',
              optimizer='adam', metrics='accuracy')

model.fit(X, y, batch_size=4, epochs=1000, verbose=0)

pred_prob = model.predict(X)
summary(model, X, y)
