"""Training steps of convolutional networks, aino's fast path against PyTorch on the CPU, in alternating rounds.

Step = forward, cross-entropy loss over 10 classes, backward, Adam update, float32. Workloads (--only):

- cnn: Conv2d(1,16,3,padding=1) ReLU MaxPool2d(2) Conv2d(16,32,3,padding=1) ReLU MaxPool2d(2) Flatten
  Linear(1568,10), batch 64 of 1x28x28;
- lenet: LeNet-5, Conv2d(1,6,5) ReLU MaxPool2d(2) Conv2d(6,16,5) ReLU MaxPool2d(2) Flatten Linear(256,120)
  ReLU Linear(120,84) ReLU Linear(84,10), batch 64 of 1x28x28;
- conv1d: Conv1d(8,32,5,padding=2) ReLU, twice Conv1d(32,32,5,padding=2) ReLU, Flatten Linear(2048,10),
  batch 128 of 8 channels x 64 samples.

    python benchmarks/bench_cnn.py [--threads 1 2] [--only cnn lenet conv1d] [--rounds 10] [--quick]
"""

from timing import against_torch, parse_args, random_batch, report, training_step

CLASSES = 10


def cnn(nn):
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 32, 3, padding=1),
                         nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1568, CLASSES))


def lenet(nn):
    return nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(256, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                         nn.Linear(84, CLASSES))


def conv1d(nn):
    return nn.Sequential(nn.Conv1d(8, 32, 5, padding=2), nn.ReLU(), nn.Conv1d(32, 32, 5, padding=2), nn.ReLU(),
                         nn.Conv1d(32, 32, 5, padding=2), nn.ReLU(), nn.Flatten(), nn.Linear(2048, CLASSES))


# --only name: (table row, network, input shape with the batch first)
WORKLOADS = {"cnn": ("CNN conv16-conv32 b64 training", cnn, (64, 1, 28, 28)),
             "lenet": ("LeNet-5 b64 training", lenet, (64, 1, 28, 28)),
             "conv1d": ("Conv1d x3 + Linear b128 training", conv1d, (128, 8, 64))}


def step_function(network, shape):
    """build(lib): the training step of network(lib.nn) on a random batch of shape."""
    inputs, labels = random_batch(shape, CLASSES)

    def build(lib, device="cpu"):
        lib.manual_seed(0)
        return training_step(lib, network(lib.nn), lib.nn.CrossEntropyLoss(), inputs, labels, device=device)

    return build


def main():
    args = parse_args(__doc__, workloads=WORKLOADS)
    workloads = (WORKLOADS[name] for name in args.only)
    report(args, [against_torch(row, step_function(network, shape)) for row, network, shape in workloads])


if __name__ == "__main__":
    main()
