"""Autoencoder image compression on 8×8 blocks of MNIST digits (SPEC C6)."""

import gzip
from pathlib import Path

import numpy as np
import pytest

from glassnet.classic import compress_image
from glassnet.classic.compression import blocks_to_image, image_to_blocks, psnr

MNIST = Path(__file__).parents[2] / "shared" / "data" / "mnist"
TEST_IMAGES = MNIST / "t10k-images-idx3-ubyte.gz"


def read_idx_images(path, n):
    """The first n images of an IDX3 file: big-endian magic 0x00000803, 3 dims, uint8 pixels."""
    with gzip.open(path, "rb") as fh:
        header = np.frombuffer(fh.read(16), dtype=">u4")
        assert header[0] == 0x803, "not an IDX3 uint8 file"
        rows, cols = int(header[2]), int(header[3])
        data = np.frombuffer(fh.read(n * rows * cols), dtype=np.uint8)
    return data.reshape(n, rows, cols)


def reference_blocks(images):
    """28×28 digits zero-padded (bottom, right) to 32×32, cut into 16 blocks of 8×8 each."""
    padded = np.zeros((len(images), 32, 32))
    padded[:, :28, :28] = images / 255.0
    return np.array([padded[i, r:r + 8, c:c + 8].ravel()
                     for i in range(len(images)) for r in range(0, 32, 8) for c in range(0, 32, 8)])


def pca_psnr(B, k):
    """PSNR of the best linear k-dimensional code (PCA), reconstructions clipped to [0, 1]."""
    mean = B.mean(axis=0)
    Vk = np.linalg.svd(B - mean, full_matrices=False)[2][:k]
    R = mean + (B - mean) @ Vk.T @ Vk
    return psnr(B, np.clip(R, 0, 1))


@pytest.mark.skipif(not TEST_IMAGES.exists(), reason=f"MNIST test images not found at {TEST_IMAGES}")
def test_autoencoder_matches_pca_and_improves_with_k():
    images = read_idx_images(TEST_IMAGES, 1000)
    B = reference_blocks(images)
    # 1000 digits, 16 000 blocks; 15 epochs of 125 Adam steps keep the test to a few seconds.
    results = compress_image(images, k=(8, 16, 32), block_size=8, seed=0, batch_size=128, epochs=15,
                             learning_rate=5e-3)
    # The codec sees exactly the blocks built here.
    np.testing.assert_allclose(image_to_blocks(images / 255.0, 8)[0], B)
    pca16 = pca_psnr(B, 16)
    assert 22.0 < pca16 < 23.5  # about 22.8 dB
    ae = {r.k: r for r in results}
    # Measured: PCA(16) 22.8 dB; autoencoder 20.3 / 25.3 / 29.5 dB for k = 8 / 16 / 32 on the
    # padded blocks (scored as PCA is here), 19.2 / 24.2 / 28.5 dB on the returned 28×28 digits.
    ae_blocks = {k: psnr(B, r.model.predict(B.astype(np.float32)).astype(np.float64)) for k, r in ae.items()}
    assert ae_blocks[16] >= pca16 - 0.5
    assert ae[8].psnr < ae[16].psnr < ae[32].psnr
    for k, r in ae.items():
        # 784 pixels per digit, 16 blocks of k code values: the padding costs code values
        assert r.ratio == pytest.approx(784 / (16 * k)) and r.codes.shape == (16000, k)
        # values, not bits (docs/classic.md): 8-bit pixels against 64-bit code values, ratio / 8 in bytes
        assert images.nbytes / r.codes.nbytes == pytest.approx(r.ratio / 8)
        assert r.reconstruction.shape == images.shape and r.reconstruction.dtype == np.uint8
        # The figures describe the returned digits (28×28, rounded to uint8), not the padded blocks.
        error = (images.astype(np.float64) - r.reconstruction) / 255.0
        assert r.mse == pytest.approx(np.mean(error**2), rel=1e-12)
        assert r.psnr == pytest.approx(10 * np.log10(1 / np.mean(error**2)), abs=1e-9)
        assert r.psnr == pytest.approx(psnr(images, r.reconstruction, max_value=255), abs=1e-9)


def test_small_image_reproducible_and_shaped():
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:20, 0:30]
    image = np.clip(0.5 + 0.4 * np.sin(xx / 4.0) * np.cos(yy / 5.0) + 0.02 * rng.normal(size=(20, 30)), 0, 1)
    a = compress_image(image, k=4, block_size=4, epochs=5, seed=3)
    b = compress_image(image, k=4, block_size=4, epochs=5, seed=3)
    assert a.reconstruction.shape == (20, 30) and a.reconstruction.dtype == np.float64
    np.testing.assert_array_equal(a.reconstruction, b.reconstruction)
    # 20×30 pixels in 5×8 blocks of 4 codes: the padding to 20×32 is not counted as compression
    assert a.ratio == pytest.approx(600 / (40 * 4)) and a.codes.shape == (40, 4)
    assert a.psnr == pytest.approx(psnr(image, a.reconstruction), abs=1e-9)
    assert a.mse == pytest.approx(np.mean((image - a.reconstruction) ** 2), rel=1e-12)
    assert a.history.history["loss"][-1] < a.history.history["loss"][0]
    assert "k=4" in str(a) and "PSNR" in str(a)


def test_blocks_round_trip():
    rng = np.random.default_rng(1)
    images = rng.random((3, 10, 13))
    blocks, shape = image_to_blocks(images, 4)
    assert shape == (3, 12, 16) and blocks.shape == (3 * 3 * 4, 16)
    # Block (image 0, row 1, col 2) holds pixels [4:8, 8:12].
    np.testing.assert_array_equal(blocks[1 * 4 + 2], images[0, 4:8, 8:12].ravel())
    back = blocks_to_image(blocks, shape, 4)
    np.testing.assert_array_equal(back[:, :10, :13], images)
    assert np.all(back[:, 10:, :] == 0) and np.all(back[:, :, 13:] == 0)
    assert image_to_blocks(images, 13)[0].shape == (3 * 1 * 1, 169)  # a block of the larger side: one per image
    # (a 2×2 image cut into blocks of 10⁵ pixels asked NumPy for 74.5 GiB of padding: MemoryError)
    with pytest.raises(ValueError, match="block_size must be at most the image's larger side, 13. Received: "
                                         "block_size=100000"):
        image_to_blocks(images, 10**5)


def test_psnr_by_hand():
    a = np.zeros((2, 2))
    b = np.full((2, 2), 0.1)  # MSE = 0.01 -> 10·log10(1/0.01) = 20 dB
    assert psnr(a, b) == pytest.approx(20.0)
    assert psnr(a, a) == float("inf")
    assert psnr(a * 255, b * 255, max_value=255) == pytest.approx(20.0)


def test_psnr_reads_the_peak_from_integer_pixels_and_refuses_pixels_above_it():
    # scikit-image's data_range: 255 for uint8. One pixel of 64 off by 10: MSE 100/64
    a = np.full((8, 8), 200, dtype=np.uint8)
    b = a.copy()
    b[0, 0] = 190
    expected = 10 * np.log10(255**2 / (100 / 64))
    assert psnr(a, b) == pytest.approx(expected) == pytest.approx(46.19, abs=0.01)  # it was -1.94 dB
    assert psnr(a, b, max_value=255) == pytest.approx(expected)
    with pytest.raises(ValueError, match="original has values up to 200, above max_value=1"):
        psnr(a.astype(float), b.astype(float))
    # the peak comes from original's dtype alone (a float reconstruction of uint8 pixels: 255)
    assert psnr(a, b.astype(np.float64)) == pytest.approx(expected)
    # negative pixels: the dtype's whole range, as scikit-image (2 for floats in [-1, 1], 255 for int8)
    signed = np.array([[-0.5, 0.25], [1.0, -1.0]])
    assert psnr(signed, signed + 0.1) == pytest.approx(10 * np.log10(2.0**2 / 0.01))
    i8 = np.array([[-100, 20], [90, 5]], dtype=np.int8)
    assert psnr(i8, i8 + np.int8(2)) == pytest.approx(10 * np.log10(255.0**2 / 4))
    assert psnr(i8.clip(0), i8.clip(0) + np.int8(2)) == pytest.approx(10 * np.log10(127.0**2 / 4))
    with pytest.raises(ValueError, match="original has values down to -5, below -1"):
        psnr(np.full((2, 2), -5.0), np.zeros((2, 2)))  # was -10.97 dB
    with pytest.raises(ValueError, match="original has values up to 1.5, above 1"):  # not a range of 2
        psnr(np.array([[-0.01, 1.5], [0.3, 0.9]]), np.zeros((2, 2)))


def test_psnr_refuses_integer_pixels_against_floats_in_0_1():
    # uint8 pixels against a reconstruction in [0, 1] gave a meaningless figure (the peak 255 against
    # differences of ~200): refused either way round, as scikit-image refuses images of different dtypes
    a = np.full((4, 4), 200, dtype=np.uint8)
    for original, reconstruction, name, other in ((a, a / 255.0, "original", "reconstruction"),
                                                  (a / 255.0, a, "reconstruction", "original")):
        for max_value in (None, 255):
            with pytest.raises(ValueError, match=rf"{name} holds uint8 pixels \(up to 200\) and {other} floats in "
                                                 r"\[0, 1\]: the two are on different scales.*multiply the floats "
                                                 r"by the pixels' peak \(255 for 8-bit pixels\)"):
                psnr(original, reconstruction, max_value=max_value)
    assert psnr(a, a / 255.0 * 255.0) > 300  # on one scale: accepted
    binary = np.array([[0, 1], [1, 0]], dtype=np.uint8)  # pixels of 0 and 1 may hold floats in [0, 1]
    assert psnr(binary, np.array([[0.0, 0.9], [1.0, 0.1]])) == pytest.approx(10 * np.log10(255.0**2 / 0.005))


def test_psnr_of_wide_integer_pixels_needs_max_value():
    # [[0, 255]] against [[0, 250]]: MSE = 25/2, so 10·log10(255² / 12.5) = 37.16 dB with the 8-bit peak.
    # A list of ints is int64, whose dtype maximum 2⁶³ − 1 gave 368.3 dB: refused, asking for max_value
    expected = 10 * np.log10(255.0**2 / 12.5)
    assert psnr(np.array([[0, 255]], dtype=np.uint8), np.array([[0, 250]], dtype=np.uint8)) == pytest.approx(expected)
    assert psnr([[0, 255]], [[0, 250]], max_value=255) == pytest.approx(expected) == pytest.approx(37.16, abs=0.01)
    for dtype in (np.int32, np.int64, np.uint32, np.uint64):
        with pytest.raises(ValueError, match=f"original has dtype {np.dtype(dtype)}.*pass max_value"):
            psnr(np.array([[0, 255]], dtype=dtype), np.array([[0, 250]], dtype=dtype))
    with pytest.raises(ValueError, match="pass max_value"):
        psnr([[0, 255]], [[0, 250]])
    u16 = np.array([[0, 1000]], dtype=np.uint16)  # 16-bit pixels keep their peak, 65535
    assert psnr(u16, u16 - np.uint16(10) * (u16 > 0)) == pytest.approx(10 * np.log10(65535.0**2 / 50))


def test_the_default_training_is_long_enough_for_one_small_image():
    # one 64x64 image is 64 blocks of 8x8: one Adam step an epoch, and the 20 epochs that suit
    # 1000 digits left the codec at 15.6 dB, where PCA with 16 components reaches 47 dB
    yy, xx = np.mgrid[0:64, 0:64] / 64
    image = np.clip(0.5 + 0.3 * np.sin(6 * xx) * np.cos(4 * yy) + 0.2 * ((xx - 0.5) ** 2 + (yy - 0.5) ** 2 < 0.1), 0, 1)
    result = compress_image(image, k=16, block_size=8, seed=0)
    assert len(result.history.history["loss"]) == 5000  # epochs of one step each
    assert result.psnr > 35.0  # measured 38.5 dB
    assert pca_psnr(image_to_blocks(image, 8)[0], 16) > result.psnr  # the linear optimum, for scale


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"image": np.full((8, 8), 2.0)}, ValueError, "\\[0, 1\\]"),
        ({"image": np.zeros(8)}, ValueError, "shape"),
        ({"image": np.zeros((30, 20, 3))}, ValueError, "looks like one colour image"),  # was 30 images 20x3
        ({"k": 0}, ValueError, "k"),
        ({"k": 65}, ValueError, "block_size"),
        ({"k": 16.0}, TypeError, "k must be a positive integer"),
        ({"k": []}, ValueError, "non-empty sequence"),
        ({"block_size": 0}, ValueError, "block_size"),
        ({"epochs": 0}, ValueError, "epochs"),
        ({"learning_rate": -1.0}, ValueError, "learning_rate"),
    ],
)
def test_bad_input(kwargs, exc, match):
    args = {"image": np.zeros((8, 8)), "k": 4}
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        compress_image(**args)


def test_a_hidden_activation_it_cannot_use_is_named():
    # the errors spoke of "activation identifier: 3" (a ValueError for a number) without naming the argument
    image = np.random.default_rng(0).random((16, 16))
    with pytest.raises(TypeError, match=r"hidden_activation must be an activation's name.*Received: hidden_activation=3"):
        compress_image(image, k=4, block_size=4, hidden_activation=3, epochs=1)
    with pytest.raises(ValueError, match=r"^hidden_activation: Unknown activation 'relux'"):
        compress_image(image, k=4, block_size=4, hidden_activation="relux", epochs=1)
