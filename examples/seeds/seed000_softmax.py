# Seed 000, "Softmax function": the lecture's lines, then glassnet's softmax
# (with the inverse temperature beta=1) on the same inputs.
import numpy as np
a = [4,8,11]
print( np.exp(a) / np.sum(np.exp(a)) )
b = [0.4,0.8,1.1]
print( np.exp(b) / np.sum(np.exp(b)) )

from glassnet.activations import Softmax

np.set_printoptions(precision=6)
print(Softmax(beta=1.0)(np.array(a, dtype=float)))
print(Softmax(beta=1.0)(np.array(b, dtype=float)))
