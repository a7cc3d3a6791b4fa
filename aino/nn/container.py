"""Sequential: layers applied one after another."""

from collections import OrderedDict

from aino.nn.module import Module
from aino.validation import OutOfRangeError, check_int


class Sequential(Module):
    """Runs its layers in order: Sequential(Linear(2, 8), ReLU(), Linear(8, 1)), or Sequential(OrderedDict(
    [("name", layer), ...])), as PyTorch. The reference documents' list and dict forms are in aino/nn/aliases.py.

    Layers are named "0", "1", ... (or by their keys), so state_dict keys are PyTorch's: "0.weight".
    """

    def __init__(self, *layers):
        super().__init__()
        if len(layers) == 1 and isinstance(layers[0], OrderedDict):
            items = list(layers[0].items())
        else:
            items = [(str(i), layer) for i, layer in enumerate(layers)]
        for name, layer in items:
            _check_layer(name, layer)
        self._layers = OrderedDict(items)

    def _members(self):
        yield from super()._members()
        yield from self._layers.items()

    def forward(self, x):
        for layer in self._layers.values():
            x = layer(x)
        return x

    def append(self, layer):
        """Add a layer at the end; returns the Sequential."""
        name = str(len(self._layers))
        self._layers[name] = _check_layer(name, layer)
        return self

    @property
    def layers(self):
        """The layers, in order."""
        return list(self._layers.values())

    def __getitem__(self, index):
        """The layer at `index` (negatives count from the end), or a Sequential of a slice of the layers."""
        if isinstance(index, slice):
            return type(self)(*self.layers[index])
        count, index = len(self._layers), check_int(index, "index", "Sequential")
        if not -count <= index < count:
            raise OutOfRangeError(f"Sequential: index {index} is out of range for {count} layers")
        return self.layers[index]

    def __len__(self):
        return len(self._layers)

    def __iter__(self):
        return iter(self._layers.values())


def _check_layer(name, layer):
    """`layer` itself when it is a Module; anything else is a TypeError naming its place."""
    if not isinstance(layer, Module):
        raise TypeError(f"Sequential: layer {name!r} is a {type(layer).__name__}, not a Module")
    return layer
