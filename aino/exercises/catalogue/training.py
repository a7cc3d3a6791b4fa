"""Exercises: what training does to the weights. Optimizer steps, weight initialisation, a training step.

The optimizer steps are PyTorch's rules (the references are aino.optim's, whose docstrings state them),
written as functions: state in, state out. The initialisers draw with a Generator the case provides,
by a protocol the task states, so that a right answer is exact. The training step is checked by its
effect: the losses and the weights after two steps on one batch, from the same start as the reference.
"""

import copy
from contextlib import nullcontext

import numpy

from aino import nn, optim
from aino.exercises.spec import Case, Exercise, Mistake
from aino.tensor import Tensor, get_rng, no_grad

GRADIENT_DESCENT = "04 Losses and gradient descent"
TRAINING = "03 Watching training"
GENERALISATION = "05 Generalisation"


class Weights:
    """A parameter as aino's optimizers see it: `.data`, and `.grad` whose `.data` is the gradient."""

    def __init__(self, data, grad=None):
        self.data, self.grad = data, None if grad is None else Weights(grad)


def call_with_copies(implementation, case):
    """Run a function exercise on copies of the case's arrays: a step may update them in place."""
    return implementation(*(numpy.array(a) if isinstance(a, numpy.ndarray) else a for a in case.args), **case.kwargs)


# --- SGD with momentum ---------------------------------------------------------------------------


def sgd_cases(rng):
    """w, grad and the velocity (zeros before the first step), with lr and momentum."""
    settings = [("a single weight, a later step", (1,), True, 0.5, 0.5),
                ("the first step: velocity zeros", (5,), False, 0.1, 0.9),
                ("a later step on a (3, 4) matrix", (3, 4), True, 0.05, 0.9),
                ("a later step on a bias (2,)", (2,), True, 0.2, 0.8)]
    return [Case(label, (rng.normal(size=shape), rng.normal(size=shape),
                         rng.normal(size=shape) if later else numpy.zeros(shape)), {"lr": lr, "momentum": momentum})
            for label, shape, later, lr, momentum in settings]


def sgd_momentum_step(w, grad, velocity, lr, momentum):
    parameter = Weights(w, grad)
    optimizer = optim.SGD([parameter], lr=lr, momentum=momentum)
    optimizer.state[id(parameter)] = {"momentum_buffer": velocity}  # from zeros: PyTorch's first buffer, grad
    optimizer.step()
    return w, velocity


# --- Adam ----------------------------------------------------------------------------------------


def adam_cases(rng):
    """w, grad, the moments m and v after t - 1 earlier gradients, and t: the first step, later ones, a large eps."""
    settings = [("two weights at step 3, gradients positive", (2,), 3, {"lr": 0.01}),
                ("the first step: t = 1, m and v zeros", (3,), 1, {}),
                ("a large eps = 1.0 (as for Inception), where its place matters", (4,), 2, {"lr": 0.1, "eps": 1.0}),
                ("step 10 on a (3, 4) matrix, betas (0.8, 0.99)", (3, 4), 10, {"betas": (0.8, 0.99)})]
    cases = []
    for label, shape, t, options in settings:
        beta1, beta2 = options.get("betas", (0.9, 0.999))
        grads = rng.normal(size=(t, *shape))
        grads = abs(grads) if t == 3 else grads  # v from grad (a known slip) stays positive: its output is finite
        m, v = numpy.zeros(shape), numpy.zeros(shape)
        for earlier in grads[:-1]:
            m, v = beta1 * m + (1 - beta1) * earlier, beta2 * v + (1 - beta2) * earlier**2
        cases.append(Case(label, (rng.normal(size=shape), grads[-1], m, v, t), options))
    return cases


def adam_with(w, grad, m, v, t, lr, betas, eps, bias_correction=True, eps_in_sqrt=False, first_t=1,
              second=numpy.square):
    """Adam's step written out, with one known slip made by a keyword: the mistakes' versions of adam_step."""
    beta1, beta2 = betas
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * second(grad)
    n = t - first_t + 1
    with numpy.errstate(divide="ignore", invalid="ignore"):  # the slips may divide by 0 or take sqrt(< 0)
        m_hat, v_hat = (m / (1 - beta1**n), v / (1 - beta2**n)) if bias_correction else (m, v)
        step = m_hat / (numpy.sqrt(v_hat + eps) if eps_in_sqrt else numpy.sqrt(v_hat) + eps)
    return w - lr * step, m, v


def adam_step(w, grad, m, v, t, lr=0.001, betas=(0.9, 0.999), eps=1e-8):
    parameter = Weights(w, grad)
    optimizer = optim.Adam([parameter], lr=lr, betas=betas, eps=eps)
    optimizer.state[id(parameter)] = {"step": t - 1, "exp_avg": m, "exp_avg_sq": v}
    optimizer.step()
    return w, m, v


def adam_slip(**slip):
    """adam_step, called as it is, with the slip `slip` (a keyword of adam_with) made."""
    return lambda w, grad, m, v, t, lr=0.001, betas=(0.9, 0.999), eps=1e-8: adam_with(w, grad, m, v, t, lr, betas,
                                                                                      eps, **slip)


# --- He and Xavier initialisation ----------------------------------------------------------------


def init_cases(rng):
    """fan_in, fan_out and a Generator seeded for the case (each run gets a fresh copy)."""
    fans = [("one output unit", 3, 1), ("a layer 5 -> 4", 5, 4), ("a square layer 8 -> 8", 8, 8),
            ("a wide layer 2 -> 50", 2, 50)]
    seeds = rng.integers(0, 1000, size=len(fans))
    return [Case(f"{label} (rng = numpy.random.default_rng({seed}))", (fan_in, fan_out, numpy.random.default_rng(seed)))
            for (label, fan_in, fan_out), seed in zip(fans, seeds)]


def call_with_fresh_rng(implementation, case):
    """Run an initialiser with a copy of the case's Generator, so that every run draws the same numbers."""
    fan_in, fan_out, rng = case.args
    return implementation(fan_in, fan_out, copy.deepcopy(rng))


def he_with(std, transposed=False):
    """A normal initialiser with standard deviation std(fan_in, fan_out): He's, or one with a slip made."""
    return lambda fan_in, fan_out, rng: rng.normal(0.0, std(fan_in, fan_out),
                                                   size=(fan_in, fan_out) if transposed else (fan_out, fan_in))


def xavier_with(bound, low=-1.0, transposed=False):
    """A uniform initialiser on (low * a, a), a = bound(fan_in, fan_out): Xavier's, or one with a slip made."""

    def draw(fan_in, fan_out, rng):
        a = bound(fan_in, fan_out)
        return rng.uniform(low * a, a, size=(fan_in, fan_out) if transposed else (fan_out, fan_in))
    return draw


he_init = he_with(lambda fan_in, fan_out: numpy.sqrt(2 / fan_in))
xavier_init = xavier_with(lambda fan_in, fan_out: numpy.sqrt(6 / (fan_in + fan_out)))

SHAPE = ("W is shaped (fan_out, fan_in), as nn.Linear stores it: one row per output unit. Draw with "
         "size=(fan_out, fan_in).")

# --- a training step -----------------------------------------------------------------------------


def layer(n_in, n_out, rng):
    """An nn.Linear in float64 with weights from `rng`, leaving aino's own generator as it was."""
    state = get_rng().bit_generator.state
    linear = nn.Linear(n_in, n_out, dtype="float64")
    get_rng().bit_generator.state = state
    linear.weight.data[...] = rng.normal(size=(n_out, n_in)) / numpy.sqrt(n_in)
    linear.bias.data[...] = rng.normal(size=n_out) * 0.1
    return linear


def training_cases(rng):
    """A model, a batch (x, y) of Tensors, the loss function and the optimizer over the model's parameters."""
    small, linear = layer(2, 1, rng), layer(3, 2, rng)
    network = nn.Sequential(layer(3, 4, rng), nn.Tanh(), layer(4, 1, rng))
    models = [("batch 1: Linear(2 -> 1), SGD(lr=0.1)", small, (1, 2, 1), optim.SGD(small.parameters(), lr=0.1)),
              ("a batch of 4: Linear(3 -> 2), SGD with momentum 0.9", linear, (4, 3, 2),
               optim.SGD(linear.parameters(), lr=0.1, momentum=0.9)),
              ("a batch of 5: Linear, Tanh, Linear, Adam(lr=0.01)", network, (5, 3, 1),
               optim.Adam(network.parameters(), lr=0.01))]
    return [Case(label, (model, Tensor(rng.normal(size=(n, n_in))), Tensor(rng.normal(size=(n, n_out))), nn.MSELoss(),
                         optimizer))
            for label, model, (n, n_in, n_out), optimizer in models]


def two_steps(implementation, case):
    """Run the step twice on the case's batch, from a fresh copy of its model and optimizer; returns the two
    losses it returned (one array, or None where a step returned nothing) and the parameters after each step."""
    model, x, y, loss_fn, optimizer = case.args
    model, optimizer = copy.deepcopy((model, optimizer))
    losses, output = [], {}
    for step in (1, 2):
        losses.append(implementation(model, x, y, loss_fn, optimizer))
        output[f"weights after step {step}"] = [p.data.copy() for p in model.parameters()]
    output["losses"] = None if any(loss is None for loss in losses) else numpy.array(
        [float(loss.data if hasattr(loss, "requires_grad") else loss) for loss in losses])
    return output


def training_step(model, x, y, loss_fn, optimizer):
    """The reference: PyTorch's order, zero_grad -> forward -> loss -> backward -> step."""
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss


def zero_grad_forgotten(model, x, y, loss_fn, optimizer):
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss


def step_without_gradient(model, x, y, loss_fn, optimizer):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    optimizer.step()
    loss.backward()
    return loss


def step_a_batch_late(model, x, y, loss_fn, optimizer):
    loss = loss_fn(model(x), y)
    optimizer.step()
    loss.backward()
    return loss


# --- a validation loop ---------------------------------------------------------------------------


def validation_cases(rng):
    """A model in training mode, held-out samples X, y (arrays), the loss, and a batch size that leaves a short
    last batch: a model without dropout, one with Dropout, one with BatchNorm1d."""
    dropout = nn.Sequential(layer(3, 6, rng), nn.ReLU(), nn.Dropout(0.5), layer(6, 3, rng))
    norm = nn.Sequential(layer(2, 4, rng), nn.BatchNorm1d(4, dtype="float64"), nn.Tanh(), layer(4, 1, rng))
    models = [("Linear(2 -> 1), MSELoss, 5 samples in batches of 2 (2, 2, 1)", layer(2, 1, rng), (5, 2), 2, 0),
              ("Linear, ReLU, Dropout(0.5), Linear; CrossEntropyLoss, 7 samples in batches of 3", dropout, (7, 3), 3, 3),
              ("Linear, BatchNorm1d, Tanh, Linear; MSELoss, 10 samples in batches of 4", norm, (10, 2), 4, 0)]
    return [Case(label, (model, rng.normal(size=shape), rng.integers(0, classes, size=shape[0]) if classes else
                         rng.normal(size=(shape[0], 1)), nn.CrossEntropyLoss() if classes else nn.MSELoss(), batch))
            for label, model, shape, batch, classes in models]


def observed_validation(implementation, case):
    """Run the validation on a fresh copy of the case's model, dropout drawing the same masks every run; returns
    what it leaves: the loss, each module's mode, the parameters' gradients, whether the loss saw a graph."""
    model, X, y, loss_fn, batch_size = copy.deepcopy(case.args)
    graphs, rng = [], get_rng()
    saved, rng.bit_generator.state = rng.bit_generator.state, numpy.random.default_rng(0).bit_generator.state
    try:
        loss = implementation(model, X, y, lambda out, target: graphs.append(getattr(out, "requires_grad", False))
                              or loss_fn(out, target), batch_size)
    finally:
        rng.bit_generator.state = saved
    return {"loss": None if loss is None else float(getattr(loss, "data", loss)), "graph built": float(any(graphs)),
            "training mode after": numpy.array([float(module.training) for module in model.modules()]),
            "gradients after": numpy.concatenate([numpy.zeros(p.data.size) if p.grad is None else
                                                  numpy.ravel(p.grad.data) for p in model.parameters()])}


def validation_with(eval_mode=True, train_after=True, weighted=True, graph=False, backward=False):
    """The validation loop, with one known slip made by a keyword: the reference and the mistakes."""
    def validate(model, X, y, loss_fn, batch_size):
        model.eval() if eval_mode else None
        total, losses = 0.0, []
        with nullcontext() if graph or backward else no_grad():
            for start in range(0, len(X), batch_size):
                loss = loss_fn(model(Tensor(X[start:start + batch_size])), Tensor(y[start:start + batch_size]))
                loss.backward() if backward else None
                losses.append(float(loss.data))
                total += losses[-1] * len(X[start:start + batch_size])
        model.train() if train_after else None
        return total / len(X) if weighted else sum(losses) / len(losses)
    return validate

EXERCISES = (
    Exercise(
        "sgd_momentum_step", "SGD with momentum", GRADIENT_DESCENT,
        "sgd_momentum_step(w, grad, velocity, lr, momentum)",
        "Return (w_new, velocity_new) after one step of PyTorch's SGD with momentum: velocity_new = momentum * "
        "velocity + grad, then w_new = w - lr * velocity_new. The velocity is zeros before the first step; "
        "later steps get the one the previous step returned.",
        sgd_cases, sgd_momentum_step, call=call_with_copies,
        mistakes=(
            Mistake("velocity not kept",
                    "You started the velocity afresh: velocity_new = momentum * velocity + grad, with the velocity "
                    "the previous step returned.", lambda w, g, v, lr, momentum: (w - lr * g, g)),
            Mistake("lr inside the velocity",
                    "PyTorch keeps the learning rate out of the velocity: velocity_new = momentum * velocity + grad, "
                    "then w - lr * velocity_new (with lr inside, a later change of lr acts late).",
                    lambda w, g, v, lr, momentum: (w - (momentum * v + lr * g), momentum * v + lr * g)),
            Mistake("averaged velocity",
                    "momentum * velocity + (1 - momentum) * grad is the averaging form of some courses; PyTorch adds "
                    "the whole gradient: velocity_new = momentum * velocity + grad.",
                    lambda w, g, v, lr, momentum: (w - lr * (momentum * v + (1 - momentum) * g),
                                                   momentum * v + (1 - momentum) * g)),
            Mistake("step uphill",
                    "Step against the gradient, to make the loss smaller: w_new = w - lr * velocity_new.",
                    lambda w, g, v, lr, momentum: (w + lr * (momentum * v + g), momentum * v + g)),
        )),
    Exercise(
        "adam_step", "Adam with bias correction", GRADIENT_DESCENT,
        "adam_step(w, grad, m, v, t, lr=0.001, betas=(0.9, 0.999), eps=1e-8)",
        "Return (w_new, m_new, v_new) after step t of PyTorch's Adam (t = 1 on the first step, where m and v are "
        "zeros): m_new = beta1 * m + (1 - beta1) * grad, v_new = beta2 * v + (1 - beta2) * grad**2, "
        "m_hat = m_new / (1 - beta1**t), v_hat = v_new / (1 - beta2**t), w_new = w - lr * m_hat / (sqrt(v_hat) + eps).",
        adam_cases, adam_step, call=call_with_copies,
        mistakes=(
            Mistake("no bias correction",
                    "Correct the bias of m and v, which start at 0: divide them by 1 - beta1**t and 1 - beta2**t "
                    "before the update.", adam_slip(bias_correction=False)),
            Mistake("eps inside the sqrt",
                    "PyTorch adds eps after the square root: sqrt(v_hat) + eps, not sqrt(v_hat + eps) (the two "
                    "differ where eps is not tiny next to sqrt(v_hat)).", adam_slip(eps_in_sqrt=True)),
            Mistake("t counted from 0",
                    "The step count starts at 1: step t divides by 1 - beta1**t with t = 1 the first time. If you "
                    "count steps yourself, add 1 before the bias correction.", adam_slip(first_t=2)),
            Mistake("v from grad, not grad squared",
                    "v is the running mean of grad**2 (the gradient squared), not of grad: it measures the gradient's "
                    "size.", adam_slip(second=numpy.asarray)),
        )),
    Exercise(
        "he_init", "He (Kaiming) initialisation", TRAINING, "he_init(fan_in, fan_out, rng)",
        "Return the weights W (fan_out, fan_in) of a layer followed by ReLU, drawn from a normal distribution with "
        "mean 0 and He's standard deviation sqrt(2 / fan_in), with one call rng.normal(0.0, std, "
        "size=(fan_out, fan_in)) (rng is a numpy Generator), so that the check can compare exactly.",
        init_cases, he_init, call=call_with_fresh_rng,
        mistakes=(
            Mistake("fan_out for fan_in",
                    "He's variance is 2 / fan_in: fan_in, the number of inputs feeding each unit, keeps the forward "
                    "signal's size; you used fan_out.", he_with(lambda fan_in, fan_out: numpy.sqrt(2 / fan_out))),
            Mistake("variance for std",
                    "rng.normal takes the standard deviation: sqrt(2 / fan_in), not the variance 2 / fan_in.",
                    he_with(lambda fan_in, fan_out: 2 / fan_in)),
            Mistake("factor 2 forgotten",
                    "He's variance is 2 / fan_in: the 2 makes up for ReLU zeroing about half of the units "
                    "(1 / fan_in is LeCun's, for units without ReLU).",
                    he_with(lambda fan_in, fan_out: numpy.sqrt(1 / fan_in))),
            Mistake("shape (fan_in, fan_out)", SHAPE,
                    he_with(lambda fan_in, fan_out: numpy.sqrt(2 / fan_in), transposed=True)),
        )),
    Exercise(
        "xavier_init", "Xavier (Glorot) initialisation", TRAINING, "xavier_init(fan_in, fan_out, rng)",
        "Return the weights W (fan_out, fan_in) of a layer followed by tanh or sigmoid, drawn uniformly from "
        "(-a, a) with Xavier's bound a = sqrt(6 / (fan_in + fan_out)), with one call rng.uniform(-a, a, "
        "size=(fan_out, fan_in)) (rng is a numpy Generator), so that the check can compare exactly.",
        init_cases, xavier_init, call=call_with_fresh_rng,
        mistakes=(
            Mistake("std as the bound",
                    "U(-a, a) has standard deviation a / sqrt(3): for Xavier's variance 2 / (fan_in + fan_out) the "
                    "bound is a = sqrt(6 / (fan_in + fan_out)), not the std sqrt(2 / (fan_in + fan_out)).",
                    xavier_with(lambda fan_in, fan_out: numpy.sqrt(2 / (fan_in + fan_out)))),
            Mistake("fan_in alone",
                    "Xavier averages both fans: a = sqrt(6 / (fan_in + fan_out)); sqrt(6 / fan_in) is He's bound, "
                    "for ReLU.", xavier_with(lambda fan_in, fan_out: numpy.sqrt(6 / fan_in))),
            Mistake("not centred",
                    "The weights must be centred on 0: draw from (-a, a) with rng.uniform(-a, a, size=...), not "
                    "from (0, a).", xavier_with(lambda fan_in, fan_out: numpy.sqrt(6 / (fan_in + fan_out)), low=0.0)),
            Mistake("shape (fan_in, fan_out)", SHAPE,
                    xavier_with(lambda fan_in, fan_out: numpy.sqrt(6 / (fan_in + fan_out)), transposed=True)),
        )),
    Exercise(
        "training_loop", "One step of the training loop", TRAINING, "training_step(model, x, y, loss_fn, optimizer)",
        "Write the body of the training loop for one batch: clear the old gradients (optimizer.zero_grad()), run "
        "the model on x, compute the loss with loss_fn(output, y), backpropagate (loss.backward()), update the "
        "weights (optimizer.step()), and return the loss. The check runs it twice on one batch and compares the "
        "losses and the weights after each step.",
        training_cases, training_step, call=two_steps,
        mistakes=(
            Mistake("zero_grad forgotten",
                    "The gradients add up from step to step: backward adds to .grad, it does not overwrite it. Call "
                    "optimizer.zero_grad() at the start of every step.", zero_grad_forgotten),
            Mistake("no gradient at the step",
                    "Your weights never change: when optimizer.step() runs there is no gradient. The order is "
                    "zero_grad(), forward, loss, loss.backward(), step(): step after backward, and zero_grad never "
                    "between them.", step_without_gradient),
            Mistake("step before backward",
                    "Each step uses the gradient of the step before it: call loss.backward() before "
                    "optimizer.step(), and start each step with optimizer.zero_grad().", step_a_batch_late),
        )),
    Exercise(
        "validation_loop", "A validation loop", GENERALISATION, "validate(model, X, y, loss_fn, batch_size)",
        "Return the mean loss of the model over the held-out samples (X, y), NumPy arrays: switch the model to "
        "evaluation mode (model.eval(): dropout off, batch norm on its running statistics), and under "
        "aino.no_grad() run it on the batches X[start:start + batch_size] (as Tensors) and score each with "
        "loss_fn(output, Tensor(y_batch)); weight each batch's loss by its number of samples (the last batch may "
        "be short), and put the model back into training mode (model.train()) before returning a float.",
        validation_cases, validation_with(), call=observed_validation,
        mistakes=(
            Mistake("eval() forgotten",
                    "Your model is still in training mode: dropout keeps dropping units and batch norm uses each "
                    "batch's statistics. Call model.eval() before the loop.", validation_with(eval_mode=False)),
            Mistake("backward in validation",
                    "Validation only measures: it must not backpropagate (your code left gradients in the "
                    "parameters, which the next training step would add to). Drop loss.backward() and run the "
                    "loop under aino.no_grad().", validation_with(backward=True)),
            Mistake("no_grad forgotten",
                    "Your loop builds the graph for a backward pass that never comes (time and memory for "
                    "nothing): run the forward passes inside `with aino.no_grad():`.",
                    validation_with(graph=True)),
            Mistake("batch losses not weighted",
                    "The mean of the batch losses over-weights the short last batch: multiply each batch's mean "
                    "loss by its number of samples, add them up and divide by len(X).",
                    validation_with(weighted=False)),
            Mistake("train mode not restored",
                    "After validation the model is still in evaluation mode, so the next epoch would train without "
                    "dropout: call model.train() at the end.", validation_with(train_after=False)),
        )),
)
