"""nn.Sequential edited as a list (insert, extend, del, pop, item assignment) and named layers added to it
(add_module, register_module, attribute assignment): the layers, their order, their state_dict keys and the
output, against PyTorch's Sequential."""

import numpy as np
import pytest

import aino.nn as nn
from aino.tensor import Tensor

from nn_helpers import assert_close, rand

torch = pytest.importorskip("torch")


def _edited(library):
    """A Sequential edited with every list method, in one library (aino.nn or torch.nn)."""
    layers = library.Sequential(library.Linear(1, 2), library.ReLU(), library.Linear(2, 3))
    layers.insert(1, library.Linear(2, 2))
    layers.insert(-1, library.Tanh())
    layers.extend([library.Linear(3, 4)])
    del layers[0]
    popped = layers.pop(0)
    layers[0] = library.Sigmoid()
    layers.append(library.Linear(4, 1))
    return layers, popped


def test_sequential_list_methods_match_torchs_keys():
    (ours, popped), (theirs, their_popped) = _edited(nn), _edited(torch.nn)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    assert [type(m).__name__ for m in ours] == [type(m).__name__ for m in theirs]
    assert tuple(popped.weight.shape) == tuple(their_popped.weight.shape)
    with pytest.raises(IndexError, match="index 7 is out of range for 5 layers"):
        ours.insert(7, nn.ReLU())


def test_sequential_add_module_and_attribute_layers_run_in_order_as_pytorchs():
    ours, theirs = nn.Sequential(), torch.nn.Sequential()
    for seq, nn_ in ((ours, nn), (theirs, torch.nn)):
        seq.add_module("fc1", nn_.Linear(3, 4))
        seq.act = nn_.ReLU()
        seq.register_module("fc2", nn_.Linear(4, 2))
        seq.act = nn_.Tanh()  # replaces the layer so named, in its place
    assert [name for name, _ in ours.named_children()] == [name for name, _ in theirs.named_children()]
    assert [type(m).__name__ for m in ours] == [type(m).__name__ for m in theirs] == ["Linear", "Tanh", "Linear"]
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = rand((5, 3), seed=0).astype(np.float32)
    assert_close(ours(Tensor(x)), theirs(torch.tensor(x)), rtol=1e-5, atol=1e-6)
    assert ours.fc2 is ours[2]
    with pytest.raises(AttributeError, match="no attribute 'fc3'"):
        ours.fc3
    with pytest.raises(TypeError, match="layer 'x' is a int, not a Module"):
        ours.add_module("x", 3)
