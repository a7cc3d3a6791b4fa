"""Reference document 000 ("dearning"): section 5, DOtensor with its trace log, run as written with the
import pointed at aino (`from dearning import DOtensor` -> `from aino import DOtensor`), then checked.

Sections 1-4 (CustomAIModel) are in test_doc_000_custom_model.py.

The document prints `[('mul', [1, 2], [3, 4]), ('add', [1, 2], [3, 4])]` for `a * b + a`; that second
entry is a bug in the document (the add's inputs are a * b = [3, 8] and a = [1, 2]). aino logs what
really happens.
"""

import numpy as np
import pytest

from aino import DOtensor, Tensor


@pytest.fixture(autouse=True)
def _clean_trace_log():
    """The trace log is global: start each test with an empty, disabled log, and leave it that way."""
    Tensor.disable_trace()
    Tensor.clear_trace()
    yield
    Tensor.disable_trace()
    Tensor.clear_trace()


def test_dotensor_trace_example(capsys):
    # --- the document's example (5. DOtensor), import pointed at aino ---
    from aino import DOtensor
    DOtensor.enable_trace()
    a = DOtensor([1, 2])
    b = DOtensor([3, 4])
    c = a * b + a
    print(DOtensor.get_trace_log())
    # --- end of the example ---

    assert DOtensor.get_trace_log() == [('mul', [1, 2], [3, 4]), ('add', [3, 8], [1, 2])]
    assert capsys.readouterr().out.strip() == "[('mul', [1, 2], [3, 4]), ('add', [3, 8], [1, 2])]"
    np.testing.assert_array_equal(c.numpy(), [4, 10])


def test_dotensor_is_aino_tensor_with_gradients():
    # "Gradient tracking support": the same + and * with requires_grad, traced
    DOtensor.enable_trace()
    a = DOtensor([1.0, 2.0], requires_grad=True)
    b = DOtensor([3.0, 4.0], requires_grad=True)
    c = a * b + a
    c.sum().backward()
    assert DOtensor is Tensor
    # by hand: d(sum(a*b + a))/da = b + 1, d/db = a
    np.testing.assert_array_equal(a.grad.numpy(), [4.0, 5.0])
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 2.0])
    log = DOtensor.get_trace_log()
    assert log[:2] == [('mul', [1.0, 2.0], [3.0, 4.0]), ('add', [3.0, 8.0], [1.0, 2.0])]


def test_trace_mode_off_records_nothing():
    a = DOtensor([1, 2])
    b = DOtensor([3, 4])
    _ = a * b + a
    assert DOtensor.get_trace_log() == []
    DOtensor.enable_trace()
    _ = a + b
    DOtensor.disable_trace()
    _ = a * b
    assert DOtensor.get_trace_log() == [('add', [1, 2], [3, 4])]
