"""aino.nn: layers and models for the fast path, with PyTorch's names, shapes and state_dict keys.

The reference documents' spellings come from aino/nn/aliases.py (table: docs/aliases.md): where a document
calls a PyTorch name with more arguments (Softmax(axis=), LeakyReLU(alpha=), Dropout(rate=), device= on the
activations, Sequential([...], device="cpu"), Embedding(vocab_size=, d_model=)), that name here is the
adapter, a subclass of the canonical class in its own module that counts every canonical instance as its own."""

from aino.nn.activation import (
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    Identity,
    LogSigmoid,
    Mish,
    ReLU6,
    SiLU,
    Softmin,
)
from aino.nn.aliases import (  # the reference documents' spellings; the adapters of PyTorch's names take more
    ELU,
    GELU,
    SELU,
    Activation,
    Base_Layer,
    BaseModel,
    BinaryCrossEntropy,
    Conv2D,
    CrossEntropy,
    Dense,
    Dropout,
    Embedding,
    LeakyReLU,
    Linear,
    LogSoftmax,
    MaxPool2D,
    MultiHeadAttention,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    SoftmaxCrossEntropyLoss,
    Softplus,
    Tanh,
)
from aino.nn.attention import MultiheadAttention, scaled_dot_product_attention
from aino.nn import functional, init, utils  # noqa: F401  (nn.functional, nn.init, nn.utils, as torch.nn's)
from aino.nn.basic import Flatten
from aino.nn.container import ModuleDict, ModuleList, ParameterDict, ParameterList
from aino.nn.conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from aino.nn.custom_model import CustomAIModel
from aino.nn.document_models import Decoder, Encoder, Transformer
from aino.nn.embedding import PositionalEncoding
from aino.nn.layernorm import LayerNorm
from aino.nn.loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from aino.nn.metrics import Accuracy, accuracy
from aino.nn.module import Module
from aino.nn.normalization import BatchNorm1d, BatchNorm2d
from aino.nn.neurons import NALU, AttentionNeuron, GraphNeuron, MemoryNeuron, MixtureOfExperts, SpikingNeuron
from aino.nn.parameter import Buffer, Parameter
from aino.nn.recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from aino.nn.transformer import (
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
    generate_square_subsequent_mask,
)
from aino.nn.pooling import (
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AdaptiveAvgPool3d,
    AvgPool1d,
    AvgPool2d,
    AvgPool3d,
    MaxPool1d,
    MaxPool2d,
    MaxPool3d,
    MaxUnpool1d,
    MaxUnpool2d,
    MaxUnpool3d,
)
from aino.nn.upsample import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d
from aino.tensor import no_grad

__all__ = [
    "Accuracy", "Activation", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "AttentionNeuron",
    "AvgPool1d", "AvgPool2d", "AvgPool3d", "BCELoss", "BCEWithLogitsLoss", "BaseModel", "Base_Layer", "BatchNorm1d",
    "BatchNorm2d", "BinaryCrossEntropy", "Buffer", "Conv1d", "Conv2D", "Conv2d", "Conv3d", "ConvTranspose1d",
    "ConvTranspose2d", "ConvTranspose3d", "CrossEntropy", "CrossEntropyLoss", "CustomAIModel", "Decoder", "Dense",
    "Dropout", "ELU", "Embedding", "Encoder", "Flatten", "GELU", "GRU", "GRUCell", "GraphNeuron", "Hardsigmoid",
    "Hardswish", "Hardtanh", "Identity", "L1Loss", "LSTM", "LSTMCell", "LayerNorm", "LeakyReLU", "Linear",
    "LogSigmoid", "LogSoftmax", "MSELoss", "MaxPool1d", "MaxPool2D", "MaxPool2d", "MaxPool3d", "MaxUnpool1d",
    "MaxUnpool2d", "MaxUnpool3d", "MemoryNeuron", "Mish", "MixtureOfExperts", "Module", "ModuleDict", "ModuleList",
    "MultiHeadAttention", "MultiheadAttention", "NALU", "NLLLoss", "Parameter", "ParameterDict", "ParameterList",
    "PositionalEncoding", "RNN", "RNNCell", "ReLU", "ReLU6", "SELU", "Sequential", "SiLU", "Sigmoid", "Softmax",
    "Softmin", "SoftmaxCrossEntropyLoss", "Softplus", "SpikingNeuron", "Tanh", "Transformer", "TransformerDecoder",
    "TransformerDecoderLayer", "TransformerEncoder", "TransformerEncoderLayer", "Upsample", "UpsamplingBilinear2d",
    "UpsamplingNearest2d", "accuracy", "generate_square_subsequent_mask", "no_grad", "scaled_dot_product_attention",
]  # not the submodules functional, init and utils: `from aino.nn import *` in aino/__init__.py must not shadow
#    aino.functional and aino.utils
