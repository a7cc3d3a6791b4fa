"""Recurrent layers, aino's fast path against PyTorch on the CPU, in alternating rounds, float32.

A training step is forward, MSE of the output sequence against a random target, backward, Adam update.
Workloads (--only):

- lstm: LSTM(32, 64, batch_first=True) training, batch 32 x 50 steps;
- gru: GRU(32, 64, batch_first=True) training, batch 32 x 50 steps;
- inference: the LSTM's forward alone under no_grad, batch 1 x 200 steps;
- sweep: the LSTM's training step, batch 32, at 10, 25, 50, 100 and 200 steps;
- rnn: RNN(32, 64, batch_first=True) (tanh) training, batch 32 x 50 steps, and its forward under no_grad,
  batch 1 x 200 steps.

    python benchmarks/bench_lstm.py [--threads 1 2] [--only lstm gru inference sweep rnn] [--rounds 10] [--quick]
"""

import numpy as np
from timing import against_torch, parse_args, report, training_step

INPUT, HIDDEN, SWEEP = 32, 64, (10, 25, 50, 100, 200)
WORKLOADS = ("lstm", "gru", "inference", "sweep", "rnn")


def sequences(batch, steps, features):
    return np.random.default_rng(0).standard_normal((batch, steps, features)).astype(np.float32)


def training(layer, batch, steps):
    """build(lib): the training step of layer ("LSTM", "GRU" or "RNN") on batch x steps random sequences."""
    inputs, targets = sequences(batch, steps, INPUT), sequences(batch, steps, HIDDEN)

    def build(lib, device="cpu"):
        lib.manual_seed(0)
        model = getattr(lib.nn, layer)(INPUT, HIDDEN, batch_first=True)
        mse = lib.nn.MSELoss()
        return training_step(lib, model, lambda output, target: mse(output[0], target), inputs, targets,
                             device=device)

    return build


def inference(batch, steps, layer="LSTM"):
    """build(lib): the forward of layer ("LSTM" or "RNN") under lib.no_grad() on batch x steps random sequences."""
    inputs = sequences(batch, steps, INPUT)

    def build(lib):
        lib.manual_seed(0)
        model, tensor = getattr(lib.nn, layer)(INPUT, HIDDEN, batch_first=True), lib.from_numpy(inputs)

        def step():
            with lib.no_grad():
                model(tensor)

        return step

    return build


def workloads(only):
    named = {
        "lstm": [against_torch("LSTM(32,64) b32x50 training", training("LSTM", 32, 50))],
        "gru": [against_torch("GRU(32,64) b32x50 training", training("GRU", 32, 50))],
        "inference": [against_torch("LSTM(32,64) b1x200 inference (no_grad)", inference(1, 200))],
        "sweep": [against_torch(f"LSTM(32,64) b32x{steps} training, sweep", training("LSTM", 32, steps))
                  for steps in SWEEP],
        "rnn": [against_torch("RNN(32,64) b32x50 training", training("RNN", 32, 50)),
                against_torch("RNN(32,64) b1x200 inference (no_grad)", inference(1, 200, "RNN"))],
    }
    return [workload for name in only for workload in named[name]]


def main():
    args = parse_args(__doc__, workloads=WORKLOADS)
    report(args, workloads(args.only))


if __name__ == "__main__":
    main()
