"""Helpers for testing code that runs on aino: `fake_gpu`, a stand-in GPU whose arrays refuse NumPy as
CuPy's do, and `transfers`, which counts the copies between host and device. Import them by name
(`from aino.testing import fake_gpu`); nothing here is loaded by `import aino`."""
