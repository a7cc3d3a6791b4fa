"""PyTorch's spellings for the GPU: tensor.cuda(), .cpu(), model.to("cuda"), aino.cuda.*; on every machine,
through the `cuda` fixture (the real GPU where CuPy is there, else aino's stand-in standing in for it), and
the errors where nothing can compute on "cuda"."""

import numpy as np
import pytest

import aino
from aino import backend, nn
from aino.testing import fake_gpu


def test_tensor_cuda_and_cpu_move_the_numbers_and_keep_them(cuda):
    x = aino.tensor([[1.0, -2.0], [3.0, 0.5]])
    on_gpu = x.cuda()
    assert on_gpu.is_cuda and on_gpu.device == "cuda:0" and on_gpu.xp is not np and not x.is_cuda
    assert x.cuda(0).device == "cuda:0" and x.to("cuda").is_cuda
    back = (on_gpu * 2).cpu()
    assert back.device == "cpu" and not back.is_cuda
    np.testing.assert_array_equal(back.numpy(), x.numpy() * 2)


def test_model_cuda_moves_every_parameter_and_buffer_in_place_and_computes_the_same(cuda):
    aino.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3), nn.Tanh(), nn.Linear(3, 2))
    x = aino.randn(5, 4)
    expected = model.eval()(x).numpy()
    assert model.cuda() is model
    assert all(p.is_cuda for p in model.parameters()) and all(b.is_cuda for b in model.buffers())
    np.testing.assert_allclose(model(x.cuda()).cpu().numpy(), expected, rtol=1e-6)
    model.cpu()
    assert not any(p.is_cuda for p in model.parameters())
    model.to("cuda")
    assert all(p.is_cuda for p in model.parameters())


def test_the_torch_idiom_picks_the_gpu_and_trains_there(cuda):
    torch = aino  # import aino as torch
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    assert device == "cuda" and torch.cuda.device_count() >= 1 and torch.cuda.current_device() == 0
    torch.cuda.manual_seed_all(7)
    model = nn.Linear(3, 1).to(device)
    optimizer = aino.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.randn(8, 3, device=device), torch.randn(8, 1, device=device)
    losses = []
    for _ in range(5):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    torch.cuda.synchronize()
    assert losses[-1] < losses[0] and all(p.grad.is_cuda for p in model.parameters())


def test_manual_seed_all_gives_the_same_numbers_on_cpu_and_gpu(cuda):
    aino.cuda.manual_seed_all(3)
    on_gpu = aino.randn(4, device="cuda")
    aino.manual_seed(3)
    on_cpu = aino.randn(4)
    np.testing.assert_array_equal(on_gpu.cpu().numpy(), on_cpu.numpy())


def test_a_gpu_index_beyond_those_there_names_how_many_there_are(cuda):
    count = aino.cuda.device_count()
    with pytest.raises(RuntimeError, match=f"sees {count} GPU"):
        aino.tensor([1.0]).cuda(count)


@pytest.mark.skipif(backend.has_cupy, reason="checks the messages shown where CuPy is missing")
def test_without_cupy_every_cuda_spelling_says_cupy_is_missing():
    assert not aino.cuda.is_available() and aino.cuda.device_count() == 0
    for attempt in (lambda: aino.tensor([1.0]).cuda(), lambda: nn.Linear(2, 2).cuda(),
                    lambda: nn.Linear(2, 2).to("cuda"), lambda: aino.zeros(2, device="cuda"),
                    aino.cuda.current_device, aino.cuda.synchronize):
        with pytest.raises(RuntimeError, match="needs CuPy, which is not installed"):
            attempt()


def test_the_stand_in_must_be_switched_on_before_use():
    before = backend.register_gpu(backend.DeviceType.FAKE_GPU, None)
    try:
        with pytest.raises(RuntimeError, match=r"fake_gpu\.enable\(\)"):
            aino.tensor([1.0]).to("fake-gpu")
    finally:
        backend.register_gpu(backend.DeviceType.FAKE_GPU, before)
    assert aino.tensor([1.0]).to("fake-gpu").device == "fake-gpu"


def test_standing_in_for_cuda_ends_with_the_block():
    with fake_gpu.standing_in_for_cuda():
        assert aino.cuda.is_available()
    assert aino.cuda.is_available() == backend.has_cupy
