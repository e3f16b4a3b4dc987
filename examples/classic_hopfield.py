"""Hopfield network: store three 10×10 letters, recall them from 15% noise (seed 000, ssn6)."""

from glassnet.classic import Hopfield, flip_bits, load_bitmaps, show_bitmap

patterns, names = load_bitmaps("HTX")
net = Hopfield(random_state=0).fit(patterns)
noisy = flip_bits(patterns, 0.15, random_state=1)
recalled, trace = net.recall(noisy, mode="async", return_trace=True)

for name, before, after, kind in zip(names, noisy, recalled, trace.kinds):
    left, right = show_bitmap(before).splitlines(), show_bitmap(after).splitlines()
    print(f"{name}: noisy -> recalled ({kind})")
    print("\n".join(f"  {a}   {b}" for a, b in zip(left, right)))
print("energy per state: start", trace.energies[0].round(2), "end", trace.energies[-1].round(2))
