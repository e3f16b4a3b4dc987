"""Hand-wired threshold units (seed 001) and the two-layer sign network for XOR (seed 003)."""

from glassnet.classic import ThresholdUnit, xor_network

print("Cheese festival, w = (1, 1, 1), threshold 2 (any two factors):")
print(ThresholdUnit([1, 1, 1], threshold=2).truth_table())
print("\nAND, w = (1, 1), b = -2:")
print(ThresholdUnit([1, 1], bias=-2).truth_table())
print("\nOR, w = (1, 1), b = -1:")
print(ThresholdUnit([1, 1], bias=-1).truth_table())
print("\nXOR with two layers of sign units (bipolar):")
print(xor_network().truth_table())
