"""aino.nn: layers and models for the fast path, with PyTorch's names, shapes and state_dict keys."""

from aino.nn.activation import (
    ELU,
    GELU,
    SELU,
    Activation,
    Identity,
    LeakyReLU,
    LogSoftmax,
    ReLU,
    Sigmoid,
    Softmax,
    Softplus,
    Tanh,
)
from aino.nn.basic import Dropout, Flatten
from aino.nn.container import Sequential
from aino.nn.linear import Dense, Linear
from aino.nn.loss import (
    BCELoss,
    BCEWithLogitsLoss,
    BinaryCrossEntropy,
    CrossEntropy,
    CrossEntropyLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SoftmaxCrossEntropyLoss,
)
from aino.nn.metrics import Accuracy, accuracy
from aino.nn.module import Base_Layer, BaseModel, Module
from aino.nn.parameter import Buffer, Parameter
from aino.tensor import no_grad

__all__ = [
    "Accuracy", "Activation", "BCELoss", "BCEWithLogitsLoss", "BaseModel", "Base_Layer", "BinaryCrossEntropy",
    "Buffer", "CrossEntropy", "CrossEntropyLoss", "Dense", "Dropout", "ELU", "Flatten", "GELU", "Identity",
    "L1Loss", "LeakyReLU", "Linear", "LogSoftmax", "MSELoss", "Module", "NLLLoss", "Parameter", "ReLU",
    "SELU", "Sequential", "Sigmoid", "Softmax", "SoftmaxCrossEntropyLoss", "Softplus", "Tanh", "accuracy",
    "no_grad",
]
