"""Containers, as PyTorch's: Sequential (layers applied one after another), ModuleList and ModuleDict (layers
held, not run), ParameterList and ParameterDict (parameters held).

Each names its parts by position ("0", "1", ...) or by key, so state_dict keys are PyTorch's: "0.weight",
"blocks.2.bias", "heads.left".
"""

from collections import OrderedDict

from aino.nn.module import Module, _check_part_name
from aino.nn.parameter import Parameter
from aino.tensor import Tensor
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
            _module(type(self).__name__, name, layer)
        self._layers = OrderedDict(items)

    def _members(self):
        yield from super()._members()
        yield from self._layers.items()

    def forward(self, x):
        for layer in self._layers.values():
            x = layer(x)
        return x

    def add_module(self, name, module):
        """As PyTorch's: `module` joins the layers run in order, at the end, or in the place of the layer
        already so named. `seq.name = module` does the same, and `seq.name` reads a layer by its name."""
        _check_part_name(self, name, "add_module")
        self._layers[name] = _module(type(self).__name__, name, module)

    register_module = add_module

    def __setattr__(self, name, value):
        if isinstance(value, Module) and "_layers" in self.__dict__:
            self.add_module(name, value)
        else:
            super().__setattr__(name, value)

    def __getattr__(self, name):  # only called when the usual look-up fails: a layer by its name
        layers = self.__dict__.get("_layers")
        if layers is not None and name in layers:
            return layers[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def append(self, layer):
        """Add a layer at the end; returns the Sequential."""
        name = str(len(self._layers))
        self._layers[name] = _module(type(self).__name__, name, layer)
        return self

    def extend(self, layers):
        """Add each of `layers` at the end; returns the Sequential."""
        for layer in layers:
            self.append(layer)
        return self

    def insert(self, index, layer):
        """Put `layer` at position `index` (0 .. len, negatives from the end); the layers are renumbered
        "0", "1", ..., as PyTorch's; returns the Sequential."""
        count = len(self._layers)
        index = check_int(index, "index", f"{type(self).__name__}.insert")
        if not -count <= index <= count:
            raise OutOfRangeError(f"{type(self).__name__}.insert: index {index} is out of range for {count} layers")
        layers = self.layers
        layers.insert(index + count if index < 0 else index, _module(type(self).__name__, index, layer))
        self._layers = OrderedDict((str(i), item) for i, item in enumerate(layers))
        return self

    def pop(self, index):
        """Remove the layer at `index` and return it."""
        layer = self[index]
        del self[index]
        return layer

    def __setitem__(self, index, layer):
        name = list(self._layers)[_position(type(self).__name__, index, len(self._layers), "layers")]
        self._layers[name] = _module(type(self).__name__, name, layer)

    def __delitem__(self, index):
        """Remove the layer at `index` (or a slice of them); the rest are renumbered "0", "1", ..., as PyTorch's."""
        layers = self.layers
        if isinstance(index, slice):
            del layers[index]
        else:
            del layers[_position(type(self).__name__, index, len(layers), "layers")]
        self._layers = OrderedDict((str(i), item) for i, item in enumerate(layers))

    @property
    def layers(self):
        """The layers, in order."""
        return list(self._layers.values())

    def __getitem__(self, index):
        """The layer at `index` (negatives count from the end), or a Sequential of a slice of the layers."""
        if isinstance(index, slice):
            return type(self)(*self.layers[index])
        return self.layers[_position(type(self).__name__, index, len(self._layers), "layers")]

    def __len__(self):
        return len(self._layers)

    def __iter__(self):
        return iter(self._layers.values())


class _ListContainer(Module):
    """What ModuleList and ParameterList share: a Python list of parts named "0", "1", ... by position (renumbered
    after an insert or a delete, as PyTorch), each checked (and converted) by `_item` on the way in."""

    def __init__(self, items=None):
        super().__init__()
        self._items = []
        self.extend(items if items is not None else [])

    def _item(self, position, value):
        raise NotImplementedError

    def _members(self):
        yield from super()._members()
        yield from ((str(i), item) for i, item in enumerate(self._items))

    def append(self, value):
        """Add `value` at the end; returns the container."""
        self._items.append(self._item(len(self._items), value))
        return self

    def extend(self, values):
        """Add each of `values` (an iterable) at the end; returns the container."""
        if isinstance(values, (Module, Tensor)) or not hasattr(values, "__iter__"):
            raise TypeError(f"{type(self).__name__}.extend: expected an iterable of parts, got {type(values).__name__}")
        for value in values:
            self.append(value)
        return self

    def insert(self, index, value):
        """Put `value` before position `index` (list.insert's rule); the later parts are renumbered."""
        index = check_int(index, "index", f"{type(self).__name__}.insert")
        self._items.insert(index, self._item(index, value))

    def __getitem__(self, index):
        """The part at `index` (negatives count from the end), or a container of the same kind for a slice."""
        if isinstance(index, slice):
            return type(self)(self._items[index])
        return self._items[_position(type(self).__name__, index, len(self._items))]

    def __setitem__(self, index, value):
        position = _position(type(self).__name__, index, len(self._items))
        self._items[position] = self._item(position, value)

    def __delitem__(self, index):
        if isinstance(index, slice):
            del self._items[index]
        else:
            del self._items[_position(type(self).__name__, index, len(self._items))]

    def __len__(self):
        return len(self._items)

    def __iter__(self):
        return iter(list(self._items))

    def __iadd__(self, values):
        return self.extend(values)

    def __add__(self, other):
        return type(self)([*self._items, *other])


class ModuleList(_ListContainer):
    """Holds sub-modules in a list, as PyTorch's: ModuleList([Linear(2, 2) for _ in range(3)]); their
    parameters are the model's ("0.weight", "1.weight", ...). It has no forward: loop over it yourself."""

    def _item(self, position, value):
        return _module(type(self).__name__, position, value)


class ParameterList(_ListContainer):
    """Holds parameters in a list, as PyTorch's: ParameterList([Parameter(aino.randn(3)) ...]), keys "0", "1";
    a plain Tensor or array becomes a Parameter."""

    def _item(self, position, value):
        return _parameter(type(self).__name__, position, value)


class _DictContainer(Module):
    """What ModuleDict and ParameterDict share: parts named by string keys, in insertion order."""

    def __init__(self, items=None):
        super().__init__()
        self._items = OrderedDict()
        self.update(items if items is not None else {})

    def _item(self, key, value):
        raise NotImplementedError

    def _members(self):
        yield from super()._members()
        yield from self._items.items()

    def update(self, items):
        """Add (or replace) the parts of a mapping or of an iterable of (key, part) pairs."""
        pairs = items.items() if hasattr(items, "items") else items
        for pair in pairs:
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise TypeError(f"{type(self).__name__}.update: expected a mapping or (key, part) pairs, "
                                f"got {pair!r:.60}")
            self[pair[0]] = pair[1]

    def __setitem__(self, key, value):
        if not isinstance(key, str):
            raise TypeError(f"{type(self).__name__}: keys must be strings, got {type(key).__name__} {key!r:.40}")
        if not key or "." in key:
            raise ValueError(f"{type(self).__name__}: a key must be a non-empty string without '.', got {key!r:.40}")
        self._items[key] = self._item(key, value)

    def __getitem__(self, key):
        if key not in self._items:
            raise KeyError(f"{type(self).__name__}: no part named {key!r}; it holds {list(self._items)}")
        return self._items[key]

    def __delitem__(self, key):
        self[key]  # the KeyError that names the keys
        del self._items[key]

    def pop(self, key):
        """Remove the part named `key` and return it."""
        value = self[key]
        del self._items[key]
        return value

    def clear(self):
        self._items.clear()

    def keys(self):
        return self._items.keys()

    def values(self):
        return self._items.values()

    def items(self):
        return self._items.items()

    def __contains__(self, key):
        return key in self._items

    def __len__(self):
        return len(self._items)

    def __iter__(self):
        return iter(list(self._items))


class ModuleDict(_DictContainer):
    """Holds sub-modules by name, as PyTorch's: ModuleDict({"encoder": ..., "head": ...}); keys "head.weight"."""

    def _item(self, key, value):
        return _module(type(self).__name__, key, value)


class ParameterDict(_DictContainer):
    """Holds parameters by name, as PyTorch's: ParameterDict({"scale": Parameter(aino.ones(3))}); a plain Tensor
    or array becomes a Parameter."""

    def _item(self, key, value):
        return _parameter(type(self).__name__, key, value)


def _position(owner, index, count, parts="parts"):
    """`index` (an int, negatives from the end) as a position in 0 .. count - 1, else an OutOfRangeError."""
    index = check_int(index, "index", owner)
    if not -count <= index < count:
        raise OutOfRangeError(f"{owner}: index {index} is out of range for {count} {parts}")
    return index % count


def _module(owner, name, layer):
    """`layer` itself when it is a Module; anything else is a TypeError naming its place."""
    if not isinstance(layer, Module):
        raise TypeError(f"{owner}: layer {name!r} is a {type(layer).__name__}, not a Module")
    return layer


def _parameter(owner, name, value):
    """`value` as a Parameter: a Parameter itself, a Tensor or array wrapped (PyTorch does the same)."""
    if isinstance(value, Parameter):
        return value
    if isinstance(value, Tensor):
        return Parameter(value.data)
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return Parameter(value)
    raise TypeError(f"{owner}: part {name!r} is a {type(value).__name__}, not a Parameter, Tensor or array")
