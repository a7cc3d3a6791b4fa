"""The total gradient of a recurrent layer's hidden state at every time step, as the Recorder keeps it.

The gradient of a recurrent layer's output, dL/dout_t (the kind "gradients"), is only the direct part:
when the loss reads only the last step, it is 0 at every earlier t. What trains the early steps is the
TOTAL gradient of each hidden state, which backprop through time sums in the op's backward loop:

    dL/dh_t = dL/dout_t + dL/dh_{t+1} dh_{t+1}/dh_t

The fused recurrent ops (aino/ops/recurrent.py) keep it, while something records, as `fn.hidden_grads`
(T, N, H) in time order. This mixin of the Recorder learns which op belongs to which layer and keeps, per
recurrent layer (an aino.nn RNN, LSTM or GRU leaf module), the kind "hidden_grads": (T, N, H * directions),
time-major whatever the layer's batch_first, for its top layer (the last of num_layers), the directions
concatenated on the last axis as the layer's output is (forward first). It comes from the training
batch's backward and lives with the step's full arrays, as the attention weights do (aino/trace/extras.py).

How it learns the ops: `module_entered` of such a layer starts a list; each recurrent op that runs
(`op_called`) while it runs, with an output that needs a gradient, joins it; at `module_called` (`_recurrent_called`) the last
`num_directions` of them (the top layer's) are watched; their `op_backward` hands the array over.
"""

from aino.backend import array_module
from aino.nn.recurrent import GRU, LSTM, RNN
from aino.ops import recurrent

RECURRENT_LAYERS = (RNN, LSTM, GRU)  # what has time steps (the cells run one step: nothing over time)
RECURRENT_OPS = (recurrent.RNN, recurrent.LSTM, recurrent.GRU)  # one layer-direction each


def recurrent_leaves(leaves):
    """{id(module): (name, module)} of the recurrent layers among `leaves` [(name, module)]."""
    return {id(module): (name, module) for name, module in leaves if isinstance(module, RECURRENT_LAYERS)}


class TimeGradients:
    """Mixed into the Recorder: fills `_hidden_done` {layer: (T, N, H * D) array, where the op computed it}
    during a step."""

    def _init_time_gradients(self, leaves):
        self._recurrent = recurrent_leaves(leaves)
        self._reset_time_gradients()

    @property
    def hidden_grad_layers(self):
        """The names of the recurrent layers whose hidden-state gradients are recorded, in model order."""
        return [name for name, _ in self._recurrent.values()]

    def _reset_time_gradients(self):
        self._running = None  # (name, module, [op, ...]) while a recurrent layer's forward runs
        self._watched = {}  # id(op) -> (op, layer, direction, directions): the top layer's ops of this step
        self._parts = {}  # layer -> {direction: (T, N, H)} until every direction has come
        self._hidden_done = {}  # layer -> (T, N, H * D), this step's

    def module_entered(self, module):
        entry = self._recurrent.get(id(module))
        if entry is not None:
            self._running = (entry[0], module, [])

    def op_called(self, fn, tensors, output):
        if self._running is not None and isinstance(fn, RECURRENT_OPS) and output.requires_grad:
            self._running[2].append(fn)

    def _recurrent_called(self, module):
        """`module` has run forward (the Recorder's module_called passes it on): watch its top layer's ops."""
        running = self._running
        if running is None or running[1] is not module:
            return
        self._running = None
        name, _, ops = running
        directions = module.num_directions
        for fn in ops[-directions:] if len(ops) >= directions else ():
            self._watched[id(fn)] = (fn, name, 1 if fn.reverse else 0, directions)

    def op_backward(self, fn, grad, input_grads):
        entry = self._watched.pop(id(fn), None)
        if entry is None or entry[0] is not fn:
            return
        _, name, direction, directions = entry
        array, fn.hidden_grads = fn.hidden_grads, None
        if array is None:
            return
        parts = self._parts.setdefault(name, {})
        parts[direction] = array  # on a GPU it stays there: it moves if the step is kept
        if len(parts) == directions:
            del self._parts[name]
            xp = array_module(array)
            whole = xp.concatenate([parts[d] for d in range(directions)], axis=-1)
            self._hidden_done[name] = xp.ascontiguousarray(whole)  # a new array: the op keeps none of it

    def _time_gradient_extras(self):
        """{("hidden_grads", layer): (T, N, H * D)} of this step's training batch."""
        return {("hidden_grads", name): array for name, array in self._hidden_done.items()}
