"""Layers, named as ``keras.layers``."""

from .. import _custom_objects
from .._registry import config_error, from_config
from .activation import ELU, Activation, LeakyReLU, ReLU, Softmax
from .activity import ActivityRegularization
from .base import Input, InputLayer, Layer, deserialize_nested
from .batchnorm import BatchNormalization
from .category_encoding import CategoryEncoding
from .dense import Dense
from .discretization import Discretization
from .dropout import AlphaDropout, Dropout
from .embedding import Embedding
from .flatten import Flatten
from .global_pooling import GlobalAveragePooling1D, GlobalAvgPool1D, GlobalMaxPool1D, GlobalMaxPooling1D
from .groupnorm import GroupNormalization
from .identity import Identity
from .layernorm import LayerNormalization
from .noise import GaussianDropout, GaussianNoise
from .normalization import Normalization
from .permute import Permute
from .prelu import PReLU
from .rescaling import Rescaling
from .reshape import Reshape
from .rmsnorm import RMSNormalization
from .spectralnorm import SpectralNormalization
from .unitnorm import UnitNormalization

LAYERS = {cls.__name__: cls for cls in (Dense, Activation, Dropout, BatchNormalization, Flatten,
                                        ReLU, LeakyReLU, ELU, Softmax, LayerNormalization,
                                        GaussianNoise, GaussianDropout, Rescaling, Normalization, PReLU,
                                        AlphaDropout, Identity, UnitNormalization,
                                        ActivityRegularization, RMSNormalization, GroupNormalization,
                                        Reshape, Permute, SpectralNormalization, CategoryEncoding, Discretization,
                                        Embedding, GlobalAveragePooling1D, GlobalMaxPooling1D)}


def serialize(layer):
    """``{"class_name", "config"}`` of a layer; a custom one (a ``Layer`` subclass of the user's) as
    Keras writes it, with its registered name (``glassnet.saving.register_keras_serializable``)."""
    if _custom_objects.is_custom(layer, "layer"):
        return _custom_objects.serialize(layer, "layer")
    if LAYERS.get(type(layer).__name__) is not type(layer):
        from ..models.keras_weights import KEEP_CUSTOM_WEIGHTS

        raise ValueError(f"Cannot save the custom layer {layer!r}: only {', '.join(LAYERS)} can be stored (a model "
                         f"file names its layers' classes and holds no code); {KEEP_CUSTOM_WEIGHTS}.")
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


@_custom_objects.takes_custom_objects
def deserialize(config):
    """Create a built-in layer from its saved config (nested activations,
    initializers and regularizers are created from their own registries, nothing
    else), or a custom one the program registered or passed (``custom_objects``)."""
    if isinstance(config, dict) and _custom_objects.find(config, "layer") is not None:
        return from_config(config, LAYERS, "layer")  # (the user's from_config reads its own nested configs)
    if isinstance(config, dict) and isinstance(config.get("config"), dict):
        config = {"class_name": config.get("class_name"), "config": deserialize_nested(config["config"]),
                  "registered_name": config.get("registered_name")}
    cls = LAYERS.get(config.get("class_name")) if isinstance(config, dict) else None
    if cls is not None and "from_config" in vars(cls) and isinstance(config.get("config"), dict):
        # (Discretization's: an adapted layer's config holds both num_bins and the boundaries, as Keras's)
        try:
            return cls.from_config(config["config"])
        except (TypeError, ValueError) as exc:
            raise config_error(config, "layer", exc) from None
    try:
        return from_config(config, LAYERS, "layer")
    except ValueError as exc:  # a Keras layer glassnet lacks (a Keras model's config): what to use instead
        name = config.get("class_name") if isinstance(config, dict) else None
        advice = _KERAS_ONLY.get(name) if isinstance(name, str) else None
        if advice is None:
            raise
        raise ValueError(f"{exc} {advice}") from None


from . import core as core  # noqa: E402  (keras.layers.core's path, as seed 001 imports it)

_OFFERED = ("glassnet builds fully connected networks: Input, Dense, Activation (and ReLU, LeakyReLU, ELU, Softmax), "
            "PReLU, Dropout, AlphaDropout, GaussianDropout, GaussianNoise, BatchNormalization, LayerNormalization, "
            "RMSNormalization, GroupNormalization, UnitNormalization, Rescaling, Normalization, Flatten, Reshape, "
            "Permute, Embedding, GlobalAveragePooling1D, GlobalMaxPooling1D, Identity, ActivityRegularization, "
            "SpectralNormalization (wrapping a Dense or an Embedding), CategoryEncoding, Discretization")

#: well-known Keras layers glassnet does not have, with what to use instead
_KERAS_ONLY = {
    **dict.fromkeys(("Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose", "SeparableConv2D", "DepthwiseConv2D",
                     "MaxPooling1D", "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D",
                     "GlobalMaxPooling2D", "UpSampling2D", "ZeroPadding2D"),
                    "For images, Flatten the pixels and use Dense layers."),
    **dict.fromkeys(("LSTM", "GRU", "SimpleRNN", "Bidirectional", "TimeDistributed", "RNN"),
                    "It has no recurrent layers: Flatten a fixed-length sequence, or average its steps with "
                    "GlobalAveragePooling1D, and use Dense layers."),
    **dict.fromkeys(("StringLookup", "IntegerLookup", "TextVectorization", "Hashing"),
                    "Map the categories to integer ids 0 … n − 1 with NumPy and use Embedding(n, d), or one-hot "
                    "encode them (CategoryEncoding(n), or glassnet.utils.to_categorical) and use a Dense layer."),
    "HashedCrossing": "Cross the columns before fit: join them as strings (df.a.astype(str) + '_' + df.b.astype(str)) "
                      "and one-hot the result (scikit-learn's OneHotEncoder(handle_unknown='ignore'), or ids 0 … n − 1 "
                      "and CategoryEncoding(n)), then use a Dense layer (docs/keras-coverage.md, tabular data).",
    # the functions too: Keras's functional guide joins branches with layers.concatenate([a, b])
    **dict.fromkeys(("Concatenate", "Add", "Multiply", "Average", "Maximum", "Minimum", "Subtract", "Dot",
                     "concatenate", "add", "multiply", "average", "maximum", "minimum", "subtract", "dot"),
                    "glassnet has no merge layers: its models, functional ones too, are chains of layers."),
    "Lambda": "For an elementwise function use Activation(f) (training needs f.derivative(z, a)), or write a "
              "Layer subclass with forward and backward; for a slice such as x[:, -1:, :] (a window's last step), "
              "slice the arrays before fit.",
    "Cropping1D": "Slice the windows before fit instead: Cropping1D((a, b)) is X[:, a:X.shape[1] - b, :] "
                  "(the last step only: X[:, -1:, :]), for the arrays given to fit, evaluate and predict.",
    **dict.fromkeys(("MultiHeadAttention", "Attention"),
                    "glassnet has no attention layers: its models are chains of Dense and elementwise layers."),
    "Masking": "glassnet has no sequence layers (an MLP library has none): drop or fill the masked steps with "
               "NumPy before fit, then Flatten the fixed-length sequence and use Dense layers.",
    "RepeatVector": "glassnet has no sequence layers (an MLP library has none): RepeatVector feeds a recurrent "
                    "decoder; to give a Dense layer copies of a vector, np.repeat the arrays before fit.",
    **dict.fromkeys(("SpatialDropout1D", "SpatialDropout2D"),
                    "Use BatchNormalization, LayerNormalization, Dropout or GaussianDropout."),
}


def __getattr__(name):
    advice = _KERAS_ONLY.get(name)
    if advice is not None:
        raise AttributeError(f"glassnet.layers has no {name} ({_OFFERED}). {advice}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Layer", "Input", "InputLayer", "Dense", "Activation", "Dropout", "BatchNormalization", "Flatten",
           "ReLU", "LeakyReLU", "ELU", "Softmax", "LayerNormalization", "GaussianNoise", "GaussianDropout",
           "Rescaling", "Normalization", "PReLU", "AlphaDropout", "Identity", "UnitNormalization",
           "ActivityRegularization", "RMSNormalization", "GroupNormalization", "Reshape", "Permute",
           "SpectralNormalization", "CategoryEncoding", "Discretization", "Embedding",
           "GlobalAveragePooling1D", "GlobalMaxPooling1D", "GlobalAvgPool1D",
           "GlobalMaxPool1D", "serialize", "deserialize"]
