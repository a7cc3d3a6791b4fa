"""Recording overhead: a training step with a default Recorder attached, as a ratio to the same step
untraced, on the MLP of bench_mlp.py (784-256-128-10, batch 128) and LeNet-5 of bench_cnn.py (batch 64);
cross-entropy, Adam, float32. Goal (issue 16): <= 1.15x. A third row, a classroom's small MLP (4-16-3, batch
16), is traced for 20,000 steps first: its steps are small, so the memory budget holds ten thousand of them,
and the row shows what choosing among that many kept steps costs a step.

The recorder is filled first (100 traced steps: a long run's steady state, the memory budget already
full; 20,000 for the small MLP). Each round then times its steps traced, the recorder entered once for
them, then as many untraced; the trace keeps growing and thinning as in a long run. The figure is the median over the rounds of
traced / untraced time, with the quartiles.

    python benchmarks/bench_trace.py [--threads 1 2] [--only mlp lenet small] [--rounds 24] [--quick]
"""

from bench_cnn import lenet
from bench_mlp import BATCH, SIZES, mlp
from timing import Workload, parse_args, random_batch, repeat, report, training_step

import aino
from aino.trace import Recorder

FILL = 100  # traced steps before timing (10 with --quick)


def small_mlp(nn):
    return nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))


# --only name: (table row, network, input shape with the batch first, classes, traced steps before timing)
MODELS = {"mlp": (f"MLP {'-'.join(map(str, SIZES))} b{BATCH}, traced", mlp, (BATCH, SIZES[0]), SIZES[-1], FILL),
          "lenet": ("LeNet-5 b64, traced", lenet, (64, 1, 28, 28), 10, FILL),
          "small": ("MLP 4-16-3 b16, traced", small_mlp, (16, 4), 3, 20000)}


def traced_workload(name, network, shape, classes, fill):
    """Traced steps of network(aino.nn) on a random batch against untraced steps of the same model and optimizer."""
    aino.manual_seed(0)
    model = network(aino.nn)
    optimizer = aino.optim.Adam(model.parameters(), lr=1e-3)
    untraced = repeat(training_step(aino, model, aino.nn.CrossEntropyLoss(), *random_batch(shape, classes), optimizer))
    recorder = Recorder(model, optimizer)

    def traced(steps):
        with recorder:
            untraced(steps)

    traced(fill)
    return Workload(name, traced, untraced)


def main():
    args = parse_args(__doc__, rounds=24, workloads=MODELS)
    workloads = []
    for name in args.only:
        label, network, shape, classes, fill = MODELS[name]
        fill = 10 if args.quick else fill
        label += f", after {fill:,} steps" if fill > FILL else ""
        workloads.append(traced_workload(label, network, shape, classes, fill))
    report(args, workloads, labels=("traced", "untraced"))


if __name__ == "__main__":
    main()
