"""Reference document 001 (AINO): its usage example, run as written with aino's data."""

import numpy as np

from aino.datasets import train_test_split, xor


def test_usage_example(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    X, y = xor()
    X_train, X_test, y_train, y_test = train_test_split(np.tile(X, (5, 1)), np.tile(y, 5), test_size=0.2, seed=0)

    # --- the document's example, unchanged ---
    import aino

    model = aino.NeuralNetwork([2, 3, 1], activation_type='sigmoid')
    model.fit(X_train, y_train, epochs=100, n=0.1)
    model.predict(X_test)
    model.save('aino.dit')
    # --- end of the example ---

    assert model.predict(X_test).shape == (len(X_test), 1)
    assert len(model.history_) == 100
    loaded = aino.NeuralNetwork.load("aino.dit")
    np.testing.assert_array_equal(loaded.predict(X_test), model.predict(X_test))
