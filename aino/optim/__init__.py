"""Optimizers and learning-rate schedulers, with PyTorch's names and update rules.

    optimizer = Adam(model.parameters, lr=0.001)
    for x, y in batches:
        loss = loss_fn(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
"""

from aino.optim import schedulers as lr_scheduler
from aino.optim.adam import Adam, AdamW
from aino.optim.optimizer import Optimizer
from aino.optim.rmsprop import RMSprop
from aino.optim.schedulers import CosineAnnealingLR, ExponentialLR, LRScheduler, StepLR
from aino.optim.sgd import SGD

__all__ = [
    "Optimizer",
    "SGD",
    "Adam",
    "AdamW",
    "RMSprop",
    "LRScheduler",
    "StepLR",
    "ExponentialLR",
    "CosineAnnealingLR",
]
