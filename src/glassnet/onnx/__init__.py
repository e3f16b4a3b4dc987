"""Export a :class:`~glassnet.models.Sequential` model to ONNX (SPEC B4).

>>> from glassnet.onnx import export
>>> export(model, "model.onnx")                    # doctest: +SKIP
>>> import onnxruntime as ort                      # doctest: +SKIP
>>> ort.InferenceSession("model.onnx").run(None, {"input": x})[0]   # doctest: +SKIP

The output equals ``model.predict(x)``. The graph computes what :meth:`Sequential.predict` computes (inference mode):

* ``Dense``: ``Z = X W + b`` as ``Gemm`` (``MatMul`` without bias; ``MatMul`` and ``Add`` on samples of several
  axes, over the last), then its activation;
* ``SpectralNormalization``: its Dense or Embedding, with the kernel or table as training left it
  (normalized; inference does not normalize);
* ``Activation``: the activation alone;
* ``Dropout``: nothing (dropout is the identity at inference);
* ``BatchNormalization``: ``Sub`` of the running mean, then ONNX ``BatchNormalization`` with a zero mean
  (samples of several axes: ``Mul`` and ``Add`` along the last), so that ``x − μ`` comes first, as predict
  computes it (onnxruntime's ``x·s + (β − μ·s)`` cancelled where ``|μ|`` is large against ``σ``);
* ``Flatten``: ``Flatten(axis=1)`` (after a ``Transpose`` that moves the channels last for
  ``data_format="channels_first"``);
* ``Reshape``: ONNX ``Reshape`` to ``(n, *output_shape)``; ``Permute``: ``Transpose`` with ``perm=(0, *dims)``;
* ``GlobalAveragePooling1D``, ``GlobalMaxPooling1D``: ``ReduceMean``, ``ReduceMax`` over the steps axis (NaN
  where the steps hold a NaN, as NumPy's max: onnxruntime's ReduceMax skips one that is not first);
* ``GaussianNoise``, ``GaussianDropout``, ``AlphaDropout``, ``Identity``, ``ActivityRegularization``: nothing (identity at
  inference);
* ``PReLU``: ONNX ``PRelu`` with the slopes ``α``;
* ``Embedding``: ``Gather`` of the table's rows at the ids, ``Cast`` from the float input to int64 (the graph
  does not check the ids: onnxruntime refuses an id ≥ ``input_dim``, ONNX reads a negative one from the end
  and the cast truncates a fraction, where predict raises ``ValueError``);
* ``UnitNormalization``: ``X · Min(1/Sqrt(ReduceSum(X²)), 1e12)``, Keras's bounded inverse norm;
* ``LayerNormalization``: ONNX ``LayerNormalization`` (opset 17) in float32; in float64 its
  steps (``ReduceMean``, ``Sub``, ``Mul``, ``Sqrt``, ``Div``, ``Add``), since ONNX's epsilon
  attribute is a float32 (the steps in float32 too over axes with others between them, ``axis=[1, 3]``,
  which ONNX's, normalizing from one axis to the last, cannot take);
* ``RMSNormalization``: ``X · scale / Sqrt(ReduceMean(X²) + ε)``;
* ``GroupNormalization``: ``Reshape`` to ``(n, positions, G, C/G)`` (not ``−1``, which an empty batch
  leaves unresolved), the steps of ``LayerNormalization``
  over axes 1 and 3, ``Reshape`` back, then ``γ`` and ``β`` per channel (ε in the model's precision; both
  layers take a float16 model's statistics in float32, as predict does);
* ``Rescaling``: ``Mul`` and ``Add`` (by a number, or per channel by a 1-D constant); ``Normalization``: ``Sub`` and ``Div`` by
  ``max(sqrt(variance), ε)`` (``Mul`` and ``Add`` with ``invert=True``).
* ``Discretization``: the bin as ``ReduceSum(Cast(GreaterOrEqual(X, boundaries)))`` (NaN to the last bin, by
  ``Where(IsNaN(X))``); ``CategoryEncoding`` and Discretization's encodings: ``Equal`` against ``0, 1, …``, then
  ``ReduceMax`` (multi_hot) or ``ReduceSum`` (count) over the sample's ids. An id out of range gives a row of
  zeros there (as Keras on JAX): a graph cannot raise predict's ValueError.

Every built-in activation has an exact ONNX form: ``relu``, ``tanh``,
``sigmoid`` (steepness λ: ``1/(1 + e^{-λz})``, which keeps the tail onnxruntime's ``Sigmoid``
loses), ``bipolar_sigmoid``
(``2σ(λz) − 1 = tanh(λz/2)``), ``softmax`` (β: ``Softmax(βz)``),
``log_softmax``, ``leaky_relu``, ``elu``, ``softplus``, ``linear``, ``ramp``
(``Clip``), ``step`` and ``sign`` (comparisons) and the tie-splitting
``argmax``, Keras's ``selu``, ``gelu`` (float32 and float64: glassnet's erfc, as predict computes it,
onnxruntime having no float64 Erf and ``1 + erf`` losing the tail below z ≈ -3; float16: Erf in float32),
``silu``, ``mish``, ``relu6``, ``hard_sigmoid``, ``hard_silu``, ``exponential``, ``softsign``, ``celu``,
``hard_shrink``, ``hard_tanh``, ``log_sigmoid``, ``soft_shrink``, ``sparse_plus``, ``sparse_sigmoid``,
``squareplus``, ``tanh_shrink`` (near 0 its series, as predict), ``threshold``, ``sparsemax`` (``TopK``
of the row, ``CumSum``) and
relu with arguments (``GeneralReLU``). A user callable cannot be translated and raises ``ValueError``
(``glu``, which no layer takes, has no form either). In float16, float32 and float64 alike each graph
gives what the activation gives for NaN, ±inf and the dtype's extremes too: ``z · F`` (silu, gelu,
hard_silu, mish) takes z = -inf as the dtype's most negative number (-0, not ``-inf · 0 = NaN``),
softsign clips z to the finite range (±1 at ±inf), and argmax and log_softmax keep a row with a NaN
(log_softmax: with +inf, or all -inf) all NaN; an ``α`` past the dtype's range (float32 ``elu`` with
α = 1e39, ``celu`` with α = 1e-39, whose ``1/α`` is inf) leaves ``z > 0`` as it is, as predict does (ELU:
``Where(z > 0, z, …)``; CELU divides by α).

A float64 model's numbers are written in float64 and stay exact: onnxruntime's NoopElimination takes a
one-element constant for 0 or 1 once rounded to float32, so ``x · c`` for ``c = 1 + 3e-8`` and ``x + ε`` for
``ε = 1e-46`` are written in forms it leaves (``(x · c/2) · 2``, ``ε − (−x)``; see ``_graph._Graph``).

The batch dimension is symbolic (``"N"``); input ``"input"``, output ``"output"``,
in the model's dtype (float32, float64 or float16; onnxruntime's CPU kernels run many float16 nodes
in float32 and drop the casts between them, so where predict overflows float16 to inf or NaN,
``Rescaling(6e4)`` before a ``UnitNormalization`` for one, onnxruntime may give a finite number, and
ties of ``argmax`` or a step can land on the other side). A classifier trained by ``glassnet train``
(its class labels in ``model.metadata["classes"]``) has a second output, ``"label"``:
the class label of each row as text, as ``glassnet predict`` prints it (of a row with a NaN, the first
NaN's, as NumPy's argmax). A fitted
``glassnet.sklearn`` estimator exports with scikit-learn's outputs, as skl2onnx names them
(``zipmap=False``): ``label`` (``predict``: ``classes_``'s values, int64, float64 or text; 0/1
int64 columns for multilabel) and ``probabilities`` (``predict_proba``) of a classifier,
``variable`` of a regressor. ``onnx`` is an optional extra
(``pip install "glassnet[onnx]"``); the file is written atomically.

The package, one concept per module: ``_graph`` (the onnx package imported on demand, and
``_Graph``, which names the nodes and constants a model's graph collects), ``_numerics`` (the
exact forms of what ONNX lacks or computes less exactly: ``log1p``, ``expm1``, glassnet's
``erfc``, the sigmoid's tail, and the rules for NaN and ±inf the activations share),
``activations`` (one builder per activation and their table ``_ONNX_ACTIVATIONS``), ``layers``
(one builder per layer and their table ``_ONNX_LAYERS``) and ``outputs`` (the class labels of a
classifier and a glassnet.sklearn estimator's outputs). :func:`to_onnx` and :func:`export` live
here; this module re-exports every name of the single module it was, the private helpers included
(``glassnet.onnx._is_onnx_file``, ``glassnet.onnx._class_labels``).
"""

import os

import numpy as np

from .._io import atomic_write, check_replace
from .._validation import check_path
from ..layers import Dense, Embedding, SpectralNormalization
from ._graph import _Graph, _require_onnx
from ._numerics import (_clip_to_finite, _erfc, _expm1, _has_nan, _is_inf, _log1p, _nan_kept,  # noqa: F401
                        _scaled, _sigmoid, _where_nan_kept, _z_times)
from .activations import (_ONNX_ACTIVATIONS, _activation, _along, _argmax, _celu, _elu, _gelu,  # noqa: F401
                          _general_relu, _hard_sigmoid, _in_float32, _leaky_relu, _log_sigmoid, _log_softmax,
                          _selu, _sign, _soft_shrink, _softmax, _softplus, _softsign, _sparse_plus, _sparsemax,
                          _squareplus, _step, _tanh_shrink)
from .layers import (_ONNX_LAYERS, _batch_norm, _dense, _discretization, _encode, _flatten,  # noqa: F401
                     _global_max_pooling, _group_norm, _layer_norm, _model_dtype, _normalization,
                     _normalized_in_float32, _reshape, _rescaling, _rms_norm, _statistics_dtype, _unit_norm)
from .outputs import _class_labels, _estimator_outputs, _fitted_estimator, _label, _pipeline_hint  # noqa: F401

__all__ = ["export", "to_onnx", "OPSET"]

OPSET = 17
IR_VERSION = 8  # the IR version that goes with opset 17; read by onnxruntime >= 1.13


#: the largest protobuf message, and so ONNX file without external data: 2 GiB
_PROTOBUF_LIMIT = 2**31


def to_onnx(model):
    """Return the ``onnx.ModelProto`` of a built Sequential model (inference graph), or of a
    fitted ``glassnet.sklearn`` estimator (outputs ``label`` and ``probabilities``, or ``variable``).

    Raises
    ------
    ValueError
        For an unbuilt model, a layer without an ONNX form (a custom one), a
        custom activation, a Normalization that was never adapted, or a Discretization
        made with ``num_bins`` that was never adapted (it has no bin boundaries yet).
    TypeError
        When ``model`` is neither a glassnet Sequential nor a glassnet.sklearn estimator.
    sklearn.exceptions.NotFittedError
        For an estimator that was not fitted (a ValueError).
    ImportError
        When onnx is not installed.
    """
    from ..models import Sequential

    estimator = None if isinstance(model, Sequential) else _fitted_estimator(model)
    if estimator is not None:
        model = estimator.model_
    if not isinstance(model, Sequential):
        raise TypeError(f"model must be a glassnet Sequential model or a glassnet.sklearn estimator. "
                        f"Received: {type(model).__name__}{_pipeline_hint(model)}")
    if not model.layers:  # (an Input alone: building would not help, as the error below says)
        raise ValueError("The model has no layers, so there is nothing to export; add some with model.add(...).")
    model._ensure_built()  # a declared input size is enough, as for summary() and save()
    model._require_built("export")
    for layer in model.layers:
        # (a SpectralNormalization takes any Dense or Embedding, a subclass of the user's too: its graph is the
        # wrapped layer's, which a bare KeyError refused)
        wrapped = type(layer.layer) if type(layer) is SpectralNormalization else None
        if type(layer) not in _ONNX_LAYERS or wrapped not in (None, Dense, Embedding):
            kind = type(layer).__name__ + (f" wrapping {wrapped.__name__}" if wrapped is not None else "")
            raise ValueError(
                f"Cannot export layer {layer.name!r} of type {kind} to ONNX: "
                f"only {', '.join(cls.__name__ for cls in _ONNX_LAYERS)} are supported "
                "(a SpectralNormalization of a Dense or an Embedding)."
            )
    # a subclass's call that gives a layer a literal training=True runs it so in predict too (always-on dropout):
    # an ONNX graph is the inference pass, which would silently differ from predict
    fixed = [layer.name for layer, mode in getattr(model, "_fixed", {}).items() if mode]
    if fixed:
        raise ValueError(f"Cannot export to ONNX: the model's call runs {', '.join(map(repr, fixed))} with "
                         "training=True in every pass (predict draws its noise or batch statistics), and an ONNX graph "
                         "is the inference pass, whose outputs would differ. Export a model whose call leaves the "
                         "mode to its caller (training=training).")
    size = model.count_params() * np.dtype(model.dtype).itemsize  # (get_weights would copy them)
    if size >= _PROTOBUF_LIMIT:
        raise ValueError(f"The model's weights take {size / 2**30:.2f} GiB; an ONNX file holds at most 2 GiB "
                         "(protobuf's limit), and glassnet does not write ONNX's external data files.")
    onnx = _require_onnx()
    helper = onnx.helper
    dtype = np.dtype(model.dtype)
    elem = helper.np_dtype_to_tensor_dtype(dtype)
    g = _Graph(onnx, dtype)
    A = "input"
    for layer in model.layers:
        A = _ONNX_LAYERS[type(layer)](g, A, layer)
    if estimator is not None:
        outputs = []
        for name, tensor, kind, shape in _estimator_outputs(g, A, estimator):
            g.nodes.append(helper.make_node("Identity", [tensor], [name], name=name))
            outputs.append(helper.make_tensor_value_info(name, kind, shape))
        classes = None
    else:
        g.nodes.append(helper.make_node("Identity", [A], ["output"], name="output"))
        outputs = [helper.make_tensor_value_info("output", elem, ["N", *model.layers[-1].output_shape])]
        classes = _class_labels(model)
    if classes is not None:
        from ..models._decision import decision_threshold

        threshold = decision_threshold(model) if model.layers[-1].output_shape == (1,) else None
        g.nodes.append(helper.make_node("Identity", [_label(g, A, classes, threshold)], ["label"], name="label"))
        outputs.append(helper.make_tensor_value_info("label", onnx.TensorProto.STRING, ["N"]))
    graph = helper.make_graph(
        g.nodes,
        model.name,
        [helper.make_tensor_value_info("input", elem, ["N", *model._input_shape])],
        outputs,
        initializer=g.used_initializers(),
    )
    from .. import __version__

    proto = helper.make_model(
        graph,
        producer_name="glassnet",
        producer_version=__version__,
        opset_imports=[helper.make_opsetid("", OPSET)],
        doc_string=f"Exported by glassnet {__version__} from the "
                   + (f"{type(estimator).__name__} estimator" if estimator is not None else "Sequential model")
                   + f" {model.name!r}.",
    )
    proto.ir_version = IR_VERSION
    onnx.checker.check_model(proto)
    return proto


def export(model, path, overwrite=None):
    """Write ``model`` as an ONNX file at ``path`` (atomically) and return the path.

    Parameters
    ----------
    model : Sequential or glassnet.sklearn estimator
        A built model of glassnet's layers (Dense, Activation and Keras's ReLU, LeakyReLU, ELU and
        Softmax layers, Dropout, BatchNormalization, Flatten, Reshape, Permute, the global poolings,
        Rescaling, the noise and normalization layers, SpectralNormalization, PReLU, Embedding,
        Discretization, CategoryEncoding, Identity, ActivityRegularization),
        or a fitted ``MLPClassifier`` / ``MLPRegressor`` (see :func:`to_onnx`).
    path : str or os.PathLike
        The ``.onnx`` file; an existing file is replaced only once the new
        one is completely written.
    overwrite : None, True or False
        Which existing file may be replaced. None (the default): an ONNX file (one whose
        bytes are ONNX's, whatever its name, or a name ending in ``.onnx`` that is not a zip
        archive such as a glassnet model or a ``.keras`` file) or an empty file, as Keras
        replaces only its own ``.keras`` files; any other file is refused, so that a slip of
        the name cannot destroy a model. True: any file. False: none (as
        ``model.save(path, overwrite=False)``).

    Returns
    -------
    str
        ``path``.

    Raises
    ------
    ValueError, TypeError, ImportError
        As :func:`to_onnx`, before anything is written.
    FileExistsError
        Where ``overwrite`` does not allow replacing the file at ``path``.
    """
    path = check_path(path, "path")
    overwrite = check_replace(path, overwrite, _is_onnx_file, "an ONNX file (ONNX's bytes, or a name ending in "
                              ".onnx that is not a zip archive such as a glassnet model or a .keras file)")
    data = to_onnx(model).SerializeToString()
    atomic_write(path, lambda fh: fh.write(data), overwrite=overwrite)
    return path


#: the tag bytes of an ONNX ModelProto's fields 2 to 8 (producer_name ... opset_import), one of which follows its
#: ir_version (field 1, a varint: tag 0x08) in every file onnx writes
_ONNX_SECOND_FIELDS = frozenset(b"\x12\x1a\x22\x28\x32\x3a\x42")


def _looks_like_onnx(head):
    """Whether the bytes ``head`` begin as an ONNX model does: the IR version (a small number) first, then
    another of the model's fields; told by content, whatever the file's name."""
    return len(head) >= 3 and head[0] == 0x08 and 1 <= head[1] <= 30 and head[2] in _ONNX_SECOND_FIELDS


def _is_onnx_file(path):
    """Whether ``path`` holds an ONNX file that :func:`export` replaces by default: one whose bytes begin as
    ONNX's (whatever its name: an export to ``model.bin`` is replaced by the next one), or a ``.onnx`` name
    (any case) that is not a zip archive (a glassnet model or a Keras file renamed so)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
    except OSError:
        return False
    if _looks_like_onnx(head):
        return True
    return os.path.splitext(os.fspath(path))[1].lower() == ".onnx" and head != b"PK\x03\x04"
