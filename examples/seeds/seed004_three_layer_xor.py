# Seed 004, "Overview of example code: compare 3_layer_numpy.py to
# 3_layer_keras.py": the slide's data (the third column is a constant bias
# input) and a 3-layer network (input, hidden, output) written the Keras way,
# with glassnet's imports.
import numpy as np

from glassnet.models import Sequential
from glassnet.layers import Dense
from glassnet.optimizers import SGD
from glassnet.utils import set_random_seed

set_random_seed(1)

X = np.array([[0,0,1],
              [0,1,1],
              [1,0,1],
              [1,1,1]])

y = np.array([[0],
              [1],
              [1],
              [0]])

model = Sequential()
model.add(Dense(4, input_dim=3, activation='sigmoid'))
model.add(Dense(1, activation='sigmoid'))
model.compile(loss='mean_squared_error', optimizer=SGD(learning_rate=1.0, momentum=0.9), metrics=['accuracy'])
model.fit(X, y, batch_size=4, epochs=2000, verbose=0)

print("Output After Training:")
print(model.predict(X))
print("Accuracy:", model.evaluate(X, y)[1])
