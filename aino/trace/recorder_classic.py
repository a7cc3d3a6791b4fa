"""The classic path's side of the Recorder: a NeuralNetwork reports each update from `train_step`
(aino/hooks.py), before and after it; the Recorder (aino/trace/recorder.py) mixes this in."""

from aino.trace.layout import classic_outputs, classic_z


class ClassicRecording:
    """Records a classic NeuralNetwork's steps: activations, gradients, weights, their gradients and updates,
    and the inputs of its layers the chain rule needs (see Recorder._chain_rule_extras)."""

    def classic_before_update(self, network, X, Y, output, loss):
        if network is not self.model:
            return
        self._loss = loss
        self._classic = {"activations": classic_outputs(network)}
        self._inputs = {"layers.0.z": network.layers[0].perceptrons[0].inputs.copy()}
        if self.probe is not None:  # the batch's activations are not kept: each layer's input is
            self._inputs.update({f"layers.{i}.z": self._classic["activations"][f"layers.{i - 1}"]
                                 for i in range(1, len(network.layers))})
        grads = {}
        g = network.loss_function.gradient(output, Y)
        for i in reversed(range(len(network.layers))):
            layer = network.layers[i]
            z = classic_z(layer)
            grads[f"layers.{i}"] = g
            dz = layer.activation.backprop(z, g)
            grads[f"layers.{i}.z"] = dz
            g = dz @ layer.weight_matrix()
        self._grads = grads
        self._before, self._weight_grads = {}, {}
        for i, layer in enumerate(network.layers):
            (W, b), (gW, gb) = (layer.weight_matrix(), layer.bias_vector()), layer.gradient_matrices()
            self._before[f"layers.{i}.weight"], self._before[f"layers.{i}.bias"] = W, b
            self._weight_grads[f"layers.{i}.weight"], self._weight_grads[f"layers.{i}.bias"] = gW, gb

    def classic_after_update(self, network):
        if network is not self.model or self._before is None:
            return
        weights = {}
        for i, layer in enumerate(network.layers):
            weights[f"layers.{i}.weight"], weights[f"layers.{i}.bias"] = layer.weight_matrix(), layer.bias_vector()
        batch = self._classic["activations"]
        self._outputs = {}
        activations = self._run_probe() if self.probe is not None else batch
        arrays = self._arrays()
        for name, value in weights.items():
            after = arrays.put(("weights", name), value)
            arrays.put(("weight_grads", name), self._weight_grads[name])
            arrays.put_difference(("updates", name), after, self._before[name])
        for name in self.trace.layers:
            for kind, source in (("activations", activations), ("gradients", self._grads)):
                if source.get(name) is not None:
                    arrays.put((kind, name), source[name])
        self._append(self._chain_rule_extras())
