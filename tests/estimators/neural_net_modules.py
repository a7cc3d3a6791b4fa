"""Small aino modules the NeuralNet estimator tests train, and the bundled digits split they share."""

from aino import nn
from aino.datasets import load_digits, train_test_split


class TwoLayers(nn.Module):
    """input_size -> width (tanh) -> n_outputs: sizes under the convention's other names."""

    def __init__(self, input_size, n_outputs, width=16):
        super().__init__()
        self.input_size, self.n_outputs = input_size, n_outputs
        self.hidden = nn.Linear(input_size, width)
        self.out = nn.Linear(width, n_outputs)

    def forward(self, x):
        return self.out(self.hidden(x).tanh())


class DigitsCNN(nn.Module):
    """A row of 64 pixels as an 8x8 image -> conv 3x3 (channels) -> ReLU -> max pool 2 -> n_classes logits."""

    def __init__(self, n_classes, channels=8):
        super().__init__()
        self.conv = nn.Conv2d(1, channels, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.out = nn.Linear(channels * 4 * 4, n_classes)

    def forward(self, x):
        images = x.reshape(-1, 1, 8, 8)  # (N, 1, 8, 8)
        features = self.pool(self.conv(images).relu())  # (N, channels, 4, 4)
        return self.out(features.reshape(features.shape[0], -1))


class RowsLSTM(nn.Module):
    """A digit read as a sequence of its 8 rows of 8 pixels: LSTM -> the last hidden state -> num_classes logits."""

    def __init__(self, num_classes, hidden=16):
        super().__init__()
        self.lstm = nn.LSTM(8, hidden, batch_first=True)
        self.out = nn.Linear(hidden, num_classes)

    def forward(self, x):
        outputs, _ = self.lstm(x.reshape(-1, 8, 8))  # (N, 8 steps, hidden)
        return self.out(outputs[:, -1])


class LogProbabilities(nn.Module):
    """in_features -> out_features log-probabilities (Linear, then log_softmax): what NLLLoss takes."""

    def __init__(self, in_features, out_features):
        super().__init__()
        self.linear = nn.Linear(in_features, out_features)

    def forward(self, x):
        return self.linear(x).log_softmax(dim=1)


def digits_split():
    """(X_train, X_test, y_train, y_test): the bundled digits scaled to [0, 1], a quarter held out, stratified."""
    X, y = load_digits()
    return train_test_split(X / 16, y, test_size=0.25, stratify=y, seed=0)
