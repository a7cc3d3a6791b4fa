"""The reference documents' spellings of aino.nn, in one place. docs/aliases.md has the table.

aino's canonical classes are PyTorch's and take PyTorch's arguments only. Each spelling here is a one-line
alias where the behaviour is the same, or else a small adapter: a subclass of the canonical class that
takes the document's arguments and hands PyTorch's on.

Where a document calls a PyTorch name with arguments PyTorch lacks (`Softmax(axis=-1, device="cpu")`,
`LeakyReLU(alpha=)`, `Dropout(rate=)`, `Sequential([...], device="cpu")`, `Embedding(vocab_size=,
d_model=)`), aino.nn (and so aino) exports the adapter under that name, and code inside aino builds the
canonical class. Such an adapter's metaclass, `Spelling`, makes every instance of the canonical class an
instance of the adapter too (a spelling built on an adapter, such as Dense, is an ordinary subclass), so `isinstance(layer, nn.Dropout)` holds for a transformer's own dropout.
Document 004's whole models Encoder, Decoder and Transformer are in document_models.py.
"""

from collections import OrderedDict

from aino.backend import array_module
from aino.nn import activation, basic, checks, container, conv, embedding, linear, loss, pooling
from aino.nn.activation import ACTIVATION_MODULES
from aino.nn.attention import check_heads, check_lengths, mask_array, merge_heads, split_heads
from aino.nn.module import Module
from aino.ops import loss as loss_ops
from aino.ops.attention import attention
from aino.tensor import Tensor, get_rng
from aino.validation import InvalidOperationError

BaseModel = Module  # document 004: the base class of a custom model
Base_Layer = Module  # document 004: the base class of a layer


class Spelling(type):
    """The metaclass of an adapter exported under its canonical class's own name: an instance of the
    canonical class (built inside aino) is an instance of the adapter too, as the user expects. (A user's
    subclass of an adapter is an ordinary class again.)"""

    def __init__(cls, name, bases, namespace):
        super().__init__(name, bases, namespace)
        own = namespace.get("__module__") == __name__ and not isinstance(bases[0], Spelling)  # not Dense(Linear)
        cls._spelled = bases[0] if own else None

    def __instancecheck__(cls, instance):
        return isinstance(instance, cls._spelled) if cls._spelled else type.__instancecheck__(cls, instance)

    def __subclasscheck__(cls, subclass):
        return issubclass(subclass, cls._spelled) if cls._spelled else type.__subclasscheck__(cls, subclass)


# --- activations and dropout: document 004 passes device= (ignored: they hold no parameters) --------


def _accepting_device(canonical):
    """`canonical` (an activation class) taking document 004's `device=` too, which it ignores."""

    def __init__(self, *args, device=None, **kwargs):
        canonical.__init__(self, *args, **kwargs)

    return Spelling(canonical.__name__, (canonical,), {
        "__init__": __init__, "__module__": __name__, "__qualname__": canonical.__name__,
        "__doc__": f"{canonical.__doc__} Also {canonical.__name__}(..., device=...) (document 004; ignored)."})


ReLU, Sigmoid, Tanh = (_accepting_device(c) for c in (activation.ReLU, activation.Sigmoid, activation.Tanh))
ELU, SELU, Softplus = (_accepting_device(c) for c in (activation.ELU, activation.SELU, activation.Softplus))


class LeakyReLU(activation.LeakyReLU, metaclass=Spelling):
    """LeakyReLU(negative_slope), also LeakyReLU(alpha=0.01, device=) (document 004: alpha is the slope)."""

    def __init__(self, negative_slope=0.01, inplace=False, alpha=None, device=None):
        super().__init__(negative_slope if alpha is None else alpha, inplace)


class GELU(activation.GELU, metaclass=Spelling):
    """GELU(approximate="none" or "tanh"), also GELU(approximate=False or True) (document 002)."""

    def __init__(self, approximate="none", device=None):
        if isinstance(approximate, bool):
            approximate = "tanh" if approximate else "none"
        super().__init__(approximate)


def _with_axis(canonical):
    """`canonical` (Softmax or LogSoftmax) taking document 004's `axis=` for dim, and `device=`."""

    def __init__(self, dim=None, axis=None, device=None):
        if dim is not None and axis is not None and dim != axis:
            raise ValueError(f"{canonical.__name__}: give dim or axis, not both (got dim={dim!r}, axis={axis!r})")
        canonical.__init__(self, dim if dim is not None else axis)

    return Spelling(canonical.__name__, (canonical,), {
        "__init__": __init__, "__module__": __name__, "__qualname__": canonical.__name__,
        "__doc__": f"{canonical.__doc__} Also {canonical.__name__}(axis=-1, device=) (document 004)."})


Softmax, LogSoftmax = _with_axis(activation.Softmax), _with_axis(activation.LogSoftmax)
_ADAPTED = {cls._spelled: cls for cls in (ReLU, Sigmoid, Tanh, ELU, SELU, Softplus, LeakyReLU, GELU, Softmax,
                                            LogSoftmax)}


class Dropout(basic.Dropout, metaclass=Spelling):
    """Dropout(p), also Dropout(rate=0.3) (document 000 calls p the rate)."""

    def __init__(self, p=0.5, inplace=False, rate=None):
        super().__init__(p if rate is None else rate, inplace)


# --- containers and layers --------------------------------------------------------------------------


class Sequential(container.Sequential, metaclass=Spelling):
    """Sequential(*layers) or Sequential(OrderedDict), as PyTorch; also one list of layers with device=
    (document 004: Sequential([Dense(2, 8), ReLU()], device="cpu")) and a plain dict of named layers
    (document 002: Sequential({"fc1": Linear(10, 20), ...}))."""

    def __init__(self, *layers, device=None):
        if len(layers) == 1 and isinstance(layers[0], dict):
            layers = (OrderedDict(layers[0]),)
        elif len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        super().__init__(*layers)
        if device is not None:
            self.to(device)


class Linear(linear.Linear, metaclass=Spelling):
    """Linear(in_features, out_features, bias=True), also with an activation applied to the output, in third
    place or as `activation=` (document 003: Linear(3, 4, ReLU())), and document 003's `grad_weights` and
    `grad_biases`, the gradients as arrays that its manual style reads and zeroes."""

    def __init__(self, in_features, out_features, bias=True, activation=None, device=None, dtype=None,
                 initialization="pytorch"):
        if isinstance(bias, Module):  # Linear(3, 4, ReLU()): the third argument is the activation
            bias, activation = True, bias
        if isinstance(bias, str):
            raise TypeError(f"{type(self).__name__}(in_features, out_features, bias=True, activation=None, ...): bias "
                            f"must be True or False, got the text {bias!r:.40}; an activation by name goes in "
                            f"activation=, e.g. activation={bias!r:.40}")
        if isinstance(activation, str):  # Linear(3, 4, activation="relu"): the layer of that name
            activation = Activation(activation)
        if activation is not None and not callable(activation):
            raise TypeError(f"{type(self).__name__}: activation must be a layer such as ReLU(), a name such as "
                            f"'relu' (or None), got {type(activation).__name__}")
        super().__init__(in_features, out_features, bias, device, dtype, initialization)
        self.activation = activation

    def forward(self, x):
        y = super().forward(x)
        return self.activation(y) if self.activation is not None else y

    grad_weights = property(lambda self: _grad_array(self.weight),
                            doc="dL/dW as an array (created as zeros if no backward has run yet).")
    grad_biases = property(lambda self: _grad_array(self.bias),
                           doc="dL/db as an array (created as zeros if no backward has run yet).")

    def extra_repr(self):
        named = self.activation is None or isinstance(self.activation, Module)  # a child module prints itself
        extra = "" if named else f", activation={self.activation!r}"
        return super().extra_repr() + extra


def _grad_array(param):
    if param is None:
        return None
    if param.grad is None:
        param.grad = Tensor(param.xp.zeros_like(param.data))
    return param.grad.data


class Dense(Linear):
    """Linear under reference document 004's name: Dense(input_size, output_size, name=, initialization="xavier")."""

    size_names = ("input_size", "output_size")

    def __init__(self, input_size, output_size, name=None, initialization="xavier", device=None, dtype=None,
                 bias=True, activation=None):
        super().__init__(input_size, output_size, bias=bias, activation=activation, device=device, dtype=dtype,
                         initialization=initialization)
        self.name = name

    @property
    def weights(self):
        """The weight Parameter (document 004's name for `weight`)."""
        return self.weight


def Activation(kind, **options):
    """The activation layer called `kind`, e.g. Activation("relu") (reference document 000), with PyTorch's
    arguments as `options`."""
    if not isinstance(kind, str):
        raise TypeError(f"Activation: kind must be a name such as 'relu', got {type(kind).__name__} {kind!r:.60}")
    key = kind.lower()
    if key not in ACTIVATION_MODULES:
        raise ValueError(f"Activation: unknown activation {kind!r}; expected one of {sorted(ACTIVATION_MODULES)}")
    canonical = ACTIVATION_MODULES[key]
    return _ADAPTED.get(canonical, canonical)(**options)


class Embedding(embedding.Embedding, metaclass=Spelling):
    """Embedding(num_embeddings, embedding_dim, padding_idx=None), as PyTorch; document 004 spells the sizes
    Embedding(vocab_size=10000, d_model=512). The PyTorch names, when given, win."""

    def __init__(self, num_embeddings=None, embedding_dim=None, padding_idx=None, device=None, dtype=None,
                 vocab_size=None, d_model=None):
        super().__init__(vocab_size if num_embeddings is None else num_embeddings,
                         d_model if embedding_dim is None else embedding_dim, padding_idx, device, dtype)


class Conv2D(conv.Conv2d):
    """Conv2d under document 004's name and arguments, Conv2D(in_channels, out_channels, kernel_size, stride=1,
    padding=0, device=None, dtype=None), Xavier-initialised as that document says."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, device=None, dtype=None,
                 initialization="xavier", bias=True):
        super().__init__(in_channels, out_channels, kernel_size, stride=stride, padding=padding, bias=bias,
                         device=device, dtype=dtype, initialization=initialization)


class MaxPool2D(pooling.MaxPool2d):
    """MaxPool2d under document 004's name and defaults: MaxPool2D(kernel_size=2, stride=2); device= is ignored."""

    def __init__(self, kernel_size=2, stride=2, padding=0, device=None):
        super().__init__(kernel_size, stride, padding)


class MultiHeadAttention(Module):
    """Document 004's attention layer: concat_h(softmax(Q_h K_h^T / sqrt(D) + mask) V_h) W_o^T + b_o with
    Q = query W_q^T + b_q, K = key W_k^T + b_k, V = value W_v^T + b_v (Linear layers w_q, w_k, w_v, w_o).

    forward(query, key, value, mask=None) -> output: batch-first (N, L, d_model); mask broadcastable to
    (N, heads, L, S), or (N, L, S), with 1 (True) where a query may attend and 0 where it may not -- the
    opposite of MultiheadAttention's boolean masks. Unlike MultiheadAttention, it returns no weights.
    It runs the same fused attention op (aino/ops/attention.py) on the same head split.
    """

    def __init__(self, d_model, num_heads, dropout=0.0, bias=True, device=None, dtype=None):
        super().__init__()
        d_model, num_heads, dropout = check_heads(type(self).__name__, d_model, num_heads, dropout, "d_model")
        checks.check_elements(type(self).__name__, (4 * d_model, d_model), "float32", "the weights")
        self.d_model, self.num_heads, self.dropout = d_model, num_heads, dropout
        self.w_q, self.w_k, self.w_v, self.w_o = (
            Linear(d_model, d_model, bias=bias, device=device, dtype=dtype) for _ in range(4)
        )

    def forward(self, query, key, value, mask=None):
        query, key, value = (checks.tensor_input(self, t, name) for t, name in ((query, "query"), (key, "key"), (value, "value")))
        if query.ndim != 3 or key.ndim != 3 or query.shape[-1] != self.d_model or key.shape != value.shape:
            raise ValueError(
                f"{type(self).__name__}(d_model={self.d_model}, num_heads={self.num_heads}) expected query, key and "
                f"value of shape (batch, seq_len, {self.d_model}), key and value alike; got "
                f"{tuple(query.shape)}, {tuple(key.shape)} and {tuple(value.shape)}"
            )
        check_lengths(self, query, key, 1)
        if mask is not None:
            mask = mask_array(self, query.xp, mask, "mask (1 = may attend, 0 = may not)", kinds="biuf")
            mask = mask != 0  # True where attention is allowed, as the op reads it
            mask = mask[:, None] if mask.ndim == 3 else mask
        q, k, v = (split_heads(layer(x), self.num_heads, True) for layer, x in ((self.w_q, query), (self.w_k, key), (self.w_v, value)))
        dropout_p = self.dropout if self.training else 0.0
        heads, _ = attention(q, k, v, mask=mask, dropout_p=dropout_p, rng=get_rng())
        return self.w_o(merge_heads(heads, True))

    def _name(self):
        return f"{type(self).__name__}(d_model={self.d_model}, num_heads={self.num_heads})"

    def extra_repr(self):
        return f"d_model={self.d_model}, num_heads={self.num_heads}"


# --- losses ---------------------------------------------------------------------------------------


class BinaryCrossEntropy(loss.BCELoss):
    """Document 003's loss: BCELoss() (mean binary cross-entropy on probabilities,
    L = -mean(y log p + (1 - y) log(1 - p))) with the manual style's backward:

        loss = criterion(predictions, y)        # a one-element Tensor; f"{loss:.4f}" works
        grad = criterion.backward()             # dL/dpredictions = (p - y) / (p (1 - p)) / n, an array
    """

    def __init__(self):
        super().__init__(reduction="mean")
        self._last = None

    def forward(self, input, target):
        result = super().forward(input, target)
        self._last = (input.data, target.astype(input.dtype, copy=False))
        return result

    def backward(self, grad_output=1.0):
        """dL/dpredictions for the last call, an array of the predictions' shape and dtype (times grad_output)."""
        if self._last is None:
            raise InvalidOperationError("BinaryCrossEntropy.backward: call the loss on predictions and targets first")
        p, y = self._last
        grad = loss_ops.bce_gradient(array_module(p), p, y) * (grad_output / p.size)
        return grad.astype(p.dtype, copy=False)


class SoftmaxCrossEntropyLoss(loss.ClassLoss):
    """Document 004's softmax cross-entropy: CrossEntropyLoss with the classes on the LAST axis, logits (..., C),
    targets class indices (...) or one-hot rows (..., C); no ignore_index. L = mean over all leading positions of
    -log softmax(z)_y; dL/dz = (softmax(z) - y) / N. It also reads what that document's examples pass: class
    indices as whole-number floats or booleans, one-hot rows as integers or booleans."""

    def __init__(self):
        super().__init__(ignore_index=None)

    def class_axis(self, input):
        """Classes on the last axis: (..., C)."""
        if input.ndim == 0:
            raise self.error("logits of shape (..., C), classes on the last axis", "a 0-d input")
        return self.some_classes(input, input.ndim - 1)

    def class_indices(self, xp, target, classes):
        """Whole-number floats and booleans as int64 class indices, then PyTorch's checks."""
        if target.dtype.kind == "f" and not bool(xp.all(target == xp.round(target))):
            raise self.error("whole-number class indices", f"fractional values in a target of shape {target.shape}")
        if target.dtype.kind in "fb":
            target = target.astype("int64", copy=False)
        return super().class_indices(xp, target, classes)

    def class_probabilities(self, xp, target):
        """Integer or boolean one-hot rows as floats, then PyTorch's checks."""
        if target.dtype.kind in "iub":
            target = target.astype("float64", copy=False)
        return super().class_probabilities(xp, target)


class CrossEntropy(SoftmaxCrossEntropyLoss):
    """Document 004's cross-entropy: logits (N, C) and one-hot targets (N, C) (class indices (N,) work too);
    L = -(1/N) sum_n sum_c y_nc log softmax(z_n)_c; dL/dz = (softmax(z) - y) / N. The same as
    SoftmaxCrossEntropyLoss, under the other name that document uses."""


__all__ = [
    "Activation", "BaseModel", "Base_Layer", "BinaryCrossEntropy", "Conv2D", "CrossEntropy", "Dense", "Dropout",
    "ELU", "Embedding", "GELU", "LeakyReLU", "Linear", "LogSoftmax", "MaxPool2D", "MultiHeadAttention", "ReLU", "SELU",
    "Sequential", "Sigmoid", "Softmax", "SoftmaxCrossEntropyLoss", "Softplus", "Spelling", "Tanh",
]
