# Seed 000, "Softmax function": the lecture's lines, then glassnet's softmax
# (with the inverse temperature beta=1) on the same inputs, printed as the
# lecture's output shows them (6 decimals, cut, not rounded).
import numpy as np
a = [4,8,11]
print( np.exp(a) / np.sum(np.exp(a)) )
b = [0.4,0.8,1.1]
print( np.exp(b) / np.sum(np.exp(b)) )

from glassnet.activations import Softmax

for x in (a, b):
    print(" ".join(f"{np.floor(v * 1e6) / 1e6:.6f}" for v in Softmax(beta=1.0)(np.array(x, dtype=float))))
