"""Bad input to Tensors and their ops, the module-level functions, the optimizers and schedulers (and their
load_state_dict) and aino.fit: each case is refused with a ValueError or TypeError that names the owner,
what it expected and what came (see conftest.py). The cases marked "silent" gave a wrong result before.

After the tables: the edge cases where PyTorch returns a result, which aino returns too."""

import numpy as np
import pytest

import aino
from aino import Tensor, nn
from aino.functional import cat, gather, linear, stack, tensor, where
from aino.optim import SGD, Adam, AdamW, CosineAnnealingLR, ExponentialLR, RMSprop, StepLR
from aino.validation import InvalidOperationError, OutOfRangeError

from .conftest import Refused, assert_refused, case_id


def x23(requires_grad=True):
    return Tensor(np.arange(6, dtype=np.float32).reshape(2, 3), requires_grad=requires_grad)


def ones(*shape):
    return Tensor(np.ones(shape, np.float32))


def indices(*shape, fill=0):
    return Tensor(np.full(shape, fill, np.int64))


def backward_twice():
    loss = (x23() * 2).sum()
    loss.backward()
    loss.backward()


def param():
    return nn.Parameter(ones(2))


def step_with_a_broadcast_gradient():
    p = param()
    p.grad = ones(1)  # NumPy would broadcast it over the parameter
    SGD([p], lr=0.1).step()


def sgd(**options):
    return SGD([param()], lr=0.1, momentum=0.9, **options)


def saved(groups=({"params": [0], "lr": 0.1},), state=None, **extra):
    """A state dict in the layout of Optimizer.state_dict(), for one SGD over one parameter of shape (2,)."""
    return {"state": {} if state is None else state, "param_groups": list(groups), **extra}


def fit(X=np.ones((4, 2), np.float32), y=np.ones((4, 1), np.float32), model=None, **options):
    return aino.fit(model if model is not None else nn.Linear(2, 1), X, y, verbose=False, **options)


DIM = r"dimension out of range \(expected to be in range of \[-2, 1\], but got 3\)"

TENSORS = [
    # --- making tensors
    Refused("Tensor of a string", lambda: Tensor("abc"), r"Tensor: data must be numbers, got str"),
    Refused("Tensor of None", lambda: Tensor(None), r"Tensor: data must be numbers, got NoneType"),
    Refused("silent: Tensor of an object array", lambda: Tensor(np.array([object()])), r"Tensor: data must be numbers, got an array of dtype object"),
    Refused("silent: Tensor of a text array", lambda: Tensor(np.array(["a"])), r"Tensor: data must be numbers, got an array of dtype <U1"),
    Refused("silent: Tensor of a datetime array", lambda: Tensor(np.array(["2020-01-01"], "datetime64[D]")), r"Tensor: data must be numbers.*datetime64"),
    Refused("Tensor of a ragged list", lambda: Tensor([[1, 2], [3]]), r"Tensor: data must be a number or nested lists of equal length, got a ragged list"),
    Refused("Tensor of an int beyond int64 (an object array)", lambda: Tensor([1, 2**70]), r"Tensor: integers must fit in int64"),
    Refused("silent: Tensor of an int beyond int64", lambda: Tensor([2**63]), r"Tensor: integers must fit in int64"),
    Refused("Tensor with a bad dtype name", lambda: Tensor([1.0], dtype="floaty"), r"Tensor: unknown dtype 'floaty'; expected e\.g\. 'float32'"),
    Refused("Tensor with dtype=str", lambda: Tensor([1.0], dtype=str), r"Tensor: unknown dtype .*str.*expected a numeric type"),
    Refused("Tensor with a bad device", lambda: Tensor([1.0], device="tpu"), r"Device: unknown device 'tpu'; expected one of \['cpu', 'cuda'"),
    Refused("Tensor with device=3", lambda: Tensor([1.0], device=3), r"Device: device must be a string, a Device or a DeviceType, got int"),
    Refused("aino.functional.tensor of text", lambda: tensor(["a", "b"]), r"Tensor: data must be numbers, got list of dtype <U1"),
    Refused("zeros of a negative size", lambda: Tensor.zeros(2, -3), r"Tensor\.zeros: size must be integers >= 0, got \(2, -3\)"),
    Refused("silent: zeros(2.5)", lambda: Tensor.zeros(2.5), r"Tensor\.zeros: size must be a tuple of integers, got \(2\.5,\) \(an entry is float\)"),
    Refused("zeros of a string", lambda: Tensor.zeros("3"), r"Tensor\.zeros: size must be a tuple of integers.*str"),
    Refused("ones of a negative size", lambda: Tensor.ones(-1), r"Tensor\.ones: size must be integers >= 0, got \(-1,\)"),
    Refused("randn of a negative size", lambda: Tensor.randn(3, -1), r"Tensor\.randn: size must be integers >= 0"),
    Refused("randint with low >= high", lambda: Tensor.randint(5, 2, (3,)), r"Tensor\.randint: expected low < high, got low=5, high=2"),
    Refused("randint of float bounds", lambda: Tensor.randint(0.5, 3, (2,)), r"Tensor\.randint: low and high must be a tuple of integers"),
    Refused("randint of a negative size", lambda: Tensor.randint(0, 5, (-1,)), r"Tensor\.randint: size must be integers >= 0"),
    Refused("full of a negative size", lambda: Tensor.full((-1,), 2.0), r"Tensor\.full: size must be integers >= 0"),
    Refused("full with a text fill", lambda: Tensor.full((2,), "a"), r"Tensor\.full: fill_value must be a number, got str"),
    Refused("arange with step 0", lambda: Tensor.arange(0, 5, 0), r"Tensor\.arange: upper bound and lower bound inconsistent with step sign.*step=0"),
    Refused("silent: arange(5, 0) (numpy: empty)", lambda: Tensor.arange(5, 0), r"Tensor\.arange: .*inconsistent with step sign, got start=5, end=0, step=1"),
    Refused("arange of nan", lambda: Tensor.arange(float("nan")), r"Tensor\.arange: end must be a finite number, got nan"),
    Refused("arange of inf", lambda: Tensor.arange(0, float("inf")), r"Tensor\.arange: end must be a finite number, got inf"),
    Refused("arange of a string", lambda: Tensor.arange("a"), r"Tensor\.arange: end must be a number, got str"),
    Refused("zeros_like of a list", lambda: Tensor.zeros_like([1, 2]), r"Tensor\.zeros_like: expected a tensor \(or an array\), got list"),
    Refused("ones_like of None", lambda: Tensor.ones_like(None), r"Tensor\.ones_like: expected a tensor \(or an array\), got NoneType"),
    # --- shapes
    Refused("reshape to too many elements", lambda: x23().reshape(4, 2), r"Tensor\.reshape: cannot reshape a tensor of shape \(2, 3\) \(6 elements\) into shape \(4, 2\)"),
    Refused("view with two -1", lambda: x23().view(-1, -1), r"Tensor\.reshape: cannot reshape a tensor of shape \(2, 3\).*at most one -1"),
    Refused("silent: reshape(-2, 3) (numpy: -1)", lambda: x23().reshape(-2, 3), r"Tensor\.reshape: invalid size -2 in shape \(-2, 3\)"),
    Refused("silent: reshape of floats", lambda: x23().reshape(3.0, 2.0), r"Tensor\.reshape: shape must be a tuple of integers, got \(3\.0, 2\.0\)"),
    Refused("reshape of a string", lambda: x23().reshape("a"), r"Tensor\.reshape: shape must be a tuple of integers"),
    Refused("reshape an empty tensor with -1", lambda: Tensor(np.zeros((0, 3))).reshape(-1, 0), r"Tensor\.reshape: cannot reshape a tensor of shape \(0, 3\) \(0 elements\)"),
    Refused("silent: permute(0, 5) (5 % 2 == 1)", lambda: x23().permute(0, 5), r"Tensor\.permute: dimension out of range \(expected to be in range of \[-2, 1\], but got 5\)"),
    Refused("permute with a dim twice", lambda: x23().permute(0, 0), r"Tensor\.permute: dims \(0, 0\) are not a permutation of the 2 dims"),
    Refused("permute with too few dims", lambda: x23().permute(0), r"Tensor\.permute: dims \(0,\) are not a permutation"),
    Refused("transpose(0, 3)", lambda: x23().transpose(0, 3), r"Tensor\.transpose: " + DIM),
    Refused("squeeze(3)", lambda: x23().squeeze(3), r"Tensor\.squeeze: " + DIM),
    Refused("unsqueeze(4)", lambda: x23().unsqueeze(4), r"Tensor\.unsqueeze: dimension out of range \(expected to be in range of \[-3, 2\], but got 4\)"),
    Refused("silent: unsqueeze() without a dim", lambda: x23().unsqueeze(), r"Tensor\.unsqueeze: dim must be an integer, got NoneType"),
    Refused("flatten(0, 5)", lambda: x23().flatten(0, 5), r"Tensor\.flatten: dimension out of range \(expected to be in range of \[-2, 1\], but got 5\)"),
    Refused("silent: flatten(1, 0)", lambda: x23().flatten(1, 0), r"Tensor\.flatten: start_dim cannot come after end_dim, got start_dim=1, end_dim=0"),
    Refused("expand to a clashing size", lambda: x23().expand(4, 4), r"Tensor\.expand: cannot expand shape \(2, 3\) to \(4, 4\)"),
    Refused("expand to fewer dims", lambda: x23().expand(3), r"Tensor\.expand: cannot expand shape \(2, 3\) to \(3,\): expected at least 2 sizes"),
    Refused("silent: expand(-1, 3) of a 1-D tensor", lambda: ones(3).expand(-1, 3), r"Tensor\.expand: cannot expand shape \(3,\) to \(-1, 3\).*-1 \(keep the size\) only where"),
    Refused("pad2d of a 1-D tensor", lambda: ones(3).pad2d(1), r"Tensor\.pad2d: expected at least 2 dimensions, got shape \(3,\)"),
    Refused("pad2d cropping more than the size", lambda: x23().pad2d(-5), r"Tensor\.pad2d: dim 1 of size 3 with padding \(-5, -5\) would have a negative size"),
    Refused("pad2d with three sides", lambda: x23().pad2d((1, 2, 3)), r"Tensor\.pad2d: padding must be an int, \(ph, pw\) or \(left, right, top, bottom\)"),
    # --- dims of reductions
    Refused("sum(dim=3)", lambda: x23().sum(dim=3), r"Tensor\.sum: " + DIM),
    Refused("sum(dim='a')", lambda: x23().sum(dim="a"), r"Tensor\.sum: dim must be an integer, got str 'a'"),
    Refused("silent: sum(dim=1.5)", lambda: x23().sum(dim=1.5), r"Tensor\.sum: dim must be an integer, got float 1\.5"),
    Refused("sum(dim=(1, 1))", lambda: x23().sum(dim=(1, 1)), r"Tensor\.sum: dim 1 appears more than once in dim=\(1, 1\)"),
    Refused("sum of a 0-d tensor over dim 1", lambda: Tensor(1.0).sum(dim=1), r"Tensor\.sum: dimension out of range \(expected to be in range of \[-1, 0\], but got 1\)"),
    Refused("mean(dim=3)", lambda: x23().mean(dim=3), r"Tensor\.mean: " + DIM),
    Refused("max(dim=3)", lambda: x23().max(dim=3), r"Tensor\.max: " + DIM),
    Refused("min(dim=3)", lambda: x23().min(dim=3), r"Tensor\.min: " + DIM),
    Refused("var(dim=3)", lambda: x23().var(dim=3), r"Tensor\.var: " + DIM),
    Refused("std(dim=3)", lambda: x23().std(dim=3), r"Tensor\.var: " + DIM),
    Refused("argmax(dim=3)", lambda: x23().argmax(dim=3), r"Tensor\.argmax: " + DIM),
    Refused("argmin(dim=3)", lambda: x23().argmin(dim=3), r"Tensor\.argmin: " + DIM),
    Refused("argmax(dim=5) of a 0-d tensor", lambda: Tensor(1.0).argmax(dim=5), r"Tensor\.argmax: dimension out of range \(expected to be in range of \[-1, 0\], but got 5\)"),
    Refused("argmax over a tuple of dims", lambda: x23().argmax(dim=(0, 1)), r"Tensor\.argmax: dim must be an integer, got tuple"),
    Refused("max of an empty tensor", lambda: Tensor(np.zeros(0)).max(), r"Tensor\.max: expected a non-empty tensor.*got shape \(0,\)"),
    Refused("min over an empty dim", lambda: Tensor(np.zeros((0, 3))).min(dim=0), r"Tensor\.min: expected dim=0 to be non-empty.*got shape \(0, 3\)"),
    Refused("argmax of an empty tensor", lambda: Tensor(np.zeros(0)).argmax(), r"Tensor\.argmax: expected a non-empty tensor"),
    # --- indexing
    Refused("index out of range", lambda: x23()[5], r"Tensor\[index\]: index 5 is out of bounds for axis 0 with size 2 \(the tensor has shape \(2, 3\)\)"),
    Refused("too many indices", lambda: x23()[0, 0, 0], r"Tensor\[index\]: too many indices .*\(the tensor has shape \(2, 3\)\)"),
    Refused("an index list out of range", lambda: x23()[[0, 9]], r"Tensor\[index\]: index 9 is out of bounds"),
    Refused("a float index", lambda: x23()[1.5], r"Tensor\[index\]: indices must be integers, slices, \.\.\., None, or integer or boolean tensors, got float 1\.5"),
    Refused("a string index", lambda: x23()["a"], r"Tensor\[index\]: indices must be integers.*got str 'a'"),
    Refused("a float tensor as index", lambda: x23()[Tensor([0.0])], r"Tensor\[index\]: indices must be integers.*got dtype float32"),
    Refused("a boolean mask of the wrong length", lambda: x23()[np.array([True, False, True])], r"Tensor\[index\]: boolean index did not match"),
    Refused("a ragged index list", lambda: x23()[[0, [1, 2]]], r"Tensor\[index\]: data must be a number or nested lists of equal length, got a ragged list"),
    Refused("gather with a ragged index list", lambda: x23().gather(1, [[0, 1], [2]]), r"Tensor\.gather \(index\): data must be .* nested lists of equal length"),
    Refused("setitem out of range", lambda: x23(False).__setitem__(9, 1.0), r"Tensor\[index\] = value: index 9 is out of bounds"),
    Refused("setitem of a clashing shape", lambda: x23(False).__setitem__(0, np.ones(4)), r"Tensor\[index\] = value: cannot write ndarray .* into the tensor of shape \(2, 3\)"),
    Refused("silent: gather(dim=3) (3 % 2 == 1)", lambda: x23().gather(3, indices(2, 3)), r"Tensor\.gather: " + DIM),
    Refused("gather with a float index", lambda: x23().gather(1, ones(2, 3)), r"Tensor\.gather: index must be an integer tensor, got dtype float32"),
    Refused("gather with an index out of range", lambda: x23().gather(1, indices(2, 3, fill=9)), r"Tensor\.gather: index 9 is out of bounds .*expected indices in \[0, 3\) along dim 1"),
    Refused("gather with an index of other ndim", lambda: x23().gather(1, indices(2)), r"Tensor\.gather: index of shape \(2,\) does not fit the input of shape \(2, 3\)"),
    Refused("gather with an index larger than the input", lambda: x23().gather(1, indices(3, 3)), r"Tensor\.gather: index of shape \(3, 3\) does not fit"),
    Refused("one_hot of floats", lambda: ones(2).one_hot(3), r"one_hot: expected integer class indices, got dtype float32"),
    Refused("one_hot with a float num_classes", lambda: indices(2).one_hot(2.5), r"one_hot: num_classes must be an integer, got float"),
    Refused("one_hot of a class out of range", lambda: indices(2, fill=5).one_hot(3), r"one_hot: class indices must lie in \[0, 3\), got 5\.\.5"),
    # --- arithmetic and comparisons
    Refused("x + y of clashing shapes", lambda: x23() + ones(4), r"Tensor\.add: shapes \(2, 3\) and \(4,\) do not broadcast: sizes \[3, 4\] at dimension -1"),
    Refused("x - y of clashing shapes", lambda: x23() - ones(4), r"Tensor\.sub: shapes \(2, 3\) and \(4,\) do not broadcast"),
    Refused("x * y of clashing shapes", lambda: x23() * ones(3, 3), r"Tensor\.mul: shapes \(2, 3\) and \(3, 3\) do not broadcast: sizes \[2, 3\] at dimension -2"),
    Refused("x / y of clashing shapes", lambda: x23() / ones(4), r"Tensor\.div: shapes \(2, 3\) and \(4,\) do not broadcast"),
    Refused("x ** y of clashing shapes", lambda: x23() ** ones(4), r"Tensor\.pow: shapes \(2, 3\) and \(4,\) do not broadcast"),
    Refused("x + a string", lambda: x23() + "a", r"Tensor: data must be numbers, got str"),
    Refused("x < None", lambda: x23() < None, r"Tensor\.lt: cannot compare a tensor with NoneType None \(expected a tensor, an array or a number\)"),
    Refused("x >= a string", lambda: x23() >= "a", r"Tensor\.ge: cannot compare a tensor with str 'a'"),
    Refused("x == y of clashing shapes", lambda: x23() == ones(4), r"Tensor\.eq: shapes \(2, 3\) and \(4,\) do not broadcast"),
    Refused("x @ y of clashing shapes", lambda: x23() @ x23(), r"matmul: shapes \(2, 3\) and \(2, 3\) do not fit: the last axis of the first \(3\) must equal"),
    Refused("a number @ x", lambda: Tensor(1.0) @ x23(), r"matmul: both arguments need at least 1 dimension, got shapes \(\) and \(2, 3\)"),
    Refused("batched @ with clashing batches", lambda: ones(2, 3, 4) @ ones(5, 4, 6), r"matmul \(batch dimensions\): shapes \(2,\) and \(5,\) do not broadcast"),
    Refused("x @ a string", lambda: x23() @ "a", r"Tensor: data must be numbers, got str"),
    Refused("clip to a string", lambda: x23().clip("a"), r"Tensor\.clip: min must be a number or None, got str 'a'"),
    Refused("leaky_relu with a string slope", lambda: x23().leaky_relu("a"), r"Tensor\.leaky_relu: negative_slope must be a number, got str"),
    Refused("elu with alpha None", lambda: x23().elu(None), r"Tensor\.elu: alpha must be a number, got NoneType"),
    Refused("gelu with an unknown approximation", lambda: x23().gelu("fast"), r"gelu: approximate must be 'none' or 'tanh', got 'fast'"),
    # --- autograd and conversions
    Refused("backward of a non-scalar without grad", lambda: (x23() * 2).backward(), r"Tensor\.backward: gradient can be left out only for a one-element tensor, this one has shape \(2, 3\)"),
    Refused("backward without requires_grad", lambda: ones(1).sum().backward(), r"Tensor\.backward: this tensor does not require grad"),
    Refused("backward twice", backward_twice, r"Tensor\.backward: trying to run backward through the graph a second time.*retain_graph=True"),
    Refused("backward with a grad of another shape", lambda: (x23() * 2).backward(ones(3)), r"Tensor\.backward: gradient has shape \(3,\), the tensor has \(2, 3\)"),
    Refused("backward with a text grad", lambda: (x23() * 2).backward("a"), r"Tensor\.backward \(gradient\): data must be numbers, got str"),
    Refused("item of several elements", lambda: x23().item(), r"Tensor\.item: expected a one-element tensor, this one has shape \(2, 3\)"),
    Refused("item of an empty tensor", lambda: Tensor(np.zeros(0)).item(), r"Tensor\.item: expected a one-element tensor, this one has shape \(0,\)"),
    Refused("bool() of several elements", lambda: bool(x23()), r"Tensor\.__bool__: the truth value of a tensor of shape \(2, 3\) is ambiguous"),
    Refused("silent: to('tpu') (read as a dtype)", lambda: x23().to("tpu"), r"Tensor\.to: expected a device \('cpu', 'cuda', 'cuda:1'\) or a dtype \('float32'.*got 'tpu'"),
    Refused("to(5)", lambda: x23().to(5), r"Tensor\.to: expected a device .* or a dtype .*got 5"),
    Refused("to(a bad device, a dtype)", lambda: x23().to("tpu", "float64"), r"Device: unknown device 'tpu'"),
    Refused("to(dtype='bogus')", lambda: x23().to(dtype="bogus"), r"Tensor\.to: unknown dtype 'bogus'"),
    Refused("astype of a bad dtype", lambda: x23().astype("x"), r"Tensor\.astype: unknown dtype 'x'"),
    Refused("len() of a 0-d tensor", lambda: len(Tensor(1.0)), r"len\(\) of a 0-d tensor"),
    Refused("silent: requires_grad='no' (truthy)", lambda: Tensor([1.0], requires_grad="no"), r"Tensor: requires_grad must be True or False, got str 'no'"),
    Refused("requires_grad_ of an int tensor", lambda: Tensor([1, 2]).requires_grad_(), r"Tensor\.requires_grad_: only float tensors can require gradients, this one is int64"),
    Refused("var with a text correction", lambda: x23().var(correction="a"), r"Tensor\.var: correction must be a number, got str"),
]

FUNCTIONS = [
    Refused("cat of an empty list", lambda: cat([]), r"aino\.cat: expected a non-empty list of tensors, got an empty list"),
    Refused("silent: cat of a Tensor (rows)", lambda: cat(x23()), r"aino\.cat: expected a list or tuple of tensors, got Tensor"),
    Refused("cat of a string", lambda: cat("ab"), r"aino\.cat: expected a list or tuple of tensors, got str"),
    Refused("cat of clashing shapes", lambda: cat([x23(), ones(2, 4)]), r"aino\.cat: sizes of tensors must match except in dim 0: tensor 0 has shape \(2, 3\), tensor 1 has \(2, 4\)"),
    Refused("cat of other ndims", lambda: cat([x23(), ones(3)]), r"aino\.cat: sizes of tensors must match except in dim 0: .*tensor 1 has \(3,\)"),
    Refused("cat along dim 5", lambda: cat([x23(), x23()], dim=5), r"aino\.cat: dimension out of range \(expected to be in range of \[-2, 1\], but got 5\)"),
    Refused("cat of 0-d tensors", lambda: cat([Tensor(1.0), Tensor(2.0)]), r"aino\.cat: zero-dimensional tensors cannot be concatenated"),
    Refused("cat of text", lambda: cat([x23(), "a"]), r"Tensor: data must be numbers, got str"),
    Refused("stack of an empty tuple", lambda: stack(()), r"aino\.stack: expected a non-empty list of tensors, got an empty tuple"),
    Refused("stack of clashing shapes", lambda: stack([x23(), ones(2, 4)]), r"aino\.stack: expected tensors of one shape, got \(2, 3\) \(tensor 0\) and \(2, 4\) \(tensor 1\)"),
    Refused("stack along dim 5", lambda: stack([x23(), x23()], dim=5), r"aino\.stack: dimension out of range \(expected to be in range of \[-3, 2\], but got 5\)"),
    Refused("silent: where with a text condition", lambda: where("abc", x23(), 0.0), r"aino\.where: condition must be a bool tensor \(or of numbers\), got dtype <U3"),
    Refused("where of clashing shapes", lambda: where(Tensor([True, False]), x23(), ones(4)), r"aino\.where: shapes \(2,\) and \(2, 3\) and \(4,\) do not broadcast"),
    Refused("linear of clashing features", lambda: linear(x23(), ones(4, 5)), r"linear: input of shape \(2, 3\) does not fit weight of shape \(4, 5\): expected 5 features"),
    Refused("linear with a 3-D weight", lambda: linear(x23(), ones(4, 3, 1)), r"linear: expected an input with at least 1 dimension, a 2-D weight"),
    Refused("linear of a 0-d input", lambda: linear(Tensor(1.0), ones(4, 3)), r"linear: expected an input with at least 1 dimension"),
    Refused("linear with a clashing bias", lambda: linear(x23(), ones(4, 3), ones(5)), r"linear: bias of shape \(5,\) does not fit weight of shape \(4, 3\): expected shape \(4,\)"),
    Refused("linear of text", lambda: linear("a", ones(4, 3)), r"Tensor: data must be numbers, got str"),
    Refused("gather of a list along dim 1", lambda: gather([1.0, 2.0], 1, [0]), r"Tensor\.gather: dimension out of range \(expected to be in range of \[-1, 0\], but got 1\)"),
]

OPTIMIZERS = [
    Refused("silent: a group without params", lambda: SGD([{"lr": 0.1}]), r"SGD: parameter group didn't specify a value of required optimization parameter params.*got keys \['lr'\]"),
    Refused("a mix of groups and parameters", lambda: SGD([{"params": [param()]}, param()]), r"SGD: params must be all parameters or all parameter groups \(dicts\), got a mix"),
    Refused("an empty list", lambda: SGD([]), r"SGD: params is an empty list"),
    Refused("a generator of ints", lambda: SGD(n for n in [1, 2]), r"SGD: expected parameters with \.data and \.grad, got int"),
    Refused("a string", lambda: SGD("abc"), r"SGD: params must be a list of parameters \(or of parameter groups\), got str"),
    Refused("None", lambda: Adam(None), r"Adam: params must be a list of parameters.*got NoneType"),
    Refused("an array as a parameter", lambda: SGD([np.ones(2)]), r"SGD: expected parameters with \.data and \.grad, got ndarray"),
    Refused("silent: a parameter twice in a group", lambda: (lambda p: SGD([p, p]))(param()), r"SGD: a parameter appears twice in one group"),
    Refused("a parameter in two groups", lambda: (lambda p: SGD([{"params": [p]}, {"params": [p]}]))(param()), r"SGD: a parameter appears in more than one group"),
    Refused("a group's params None", lambda: SGD([{"params": None}]), r"SGD: a group's params must be a list of parameters, got NoneType"),
    Refused("lr negative", lambda: SGD([param()], lr=-1), r"SGD: lr must be a finite number >= 0, got -1"),
    Refused("lr NaN", lambda: Adam([param()], lr=float("nan")), r"Adam: lr must be a finite number >= 0, got nan"),
    Refused("lr a string", lambda: SGD([param()], lr="0.1"), r"SGD: lr must be a number, got str '0\.1'"),
    Refused("lr set to a string", lambda: setattr(sgd(), "lr", "a"), r"SGD: lr must be a number, got str"),
    Refused("a group's lr a string", lambda: SGD([{"params": [param()], "lr": "x"}]), r"SGD: lr must be a number, got str 'x'"),
    Refused("momentum negative", lambda: SGD([param()], momentum=-0.5), r"SGD: momentum must be a finite number >= 0, got -0\.5"),
    Refused("dampening a string", lambda: SGD([param()], dampening="a"), r"SGD: dampening must be a number, got str"),
    Refused("silent: nesterov='yes'", lambda: SGD([param()], momentum=0.9, nesterov="yes"), r"SGD: nesterov must be True or False, got str 'yes'"),
    Refused("weight_decay negative", lambda: SGD([param()], weight_decay=-1), r"SGD: weight_decay must be a finite number >= 0, got -1"),
    Refused("betas one number", lambda: Adam([param()], betas=0.9), r"Adam: betas must be a pair \(beta1, beta2\), got 0\.9"),
    Refused("betas of one", lambda: AdamW([param()], betas=(0.9,)), r"AdamW: betas must be a pair \(beta1, beta2\), got \(0\.9,\)"),
    Refused("beta1 = 1", lambda: Adam([param()], betas=(1.0, 0.9)), r"Adam: beta1 \(betas\[0\]\) must be in \[0, 1\), got 1\.0"),
    Refused("beta2 negative", lambda: Adam([param()], betas=(0.9, -0.1)), r"Adam: beta2 \(betas\[1\]\) must be in \[0, 1\), got -0\.1"),
    Refused("beta1 a string", lambda: Adam([param()], betas=("a", 0.9)), r"Adam: beta1 \(betas\[0\]\) must be a number, got str"),
    Refused("a group's betas one number", lambda: Adam([{"params": [param()], "betas": 0.5}]), r"Adam: betas must be a pair"),
    Refused("eps negative", lambda: Adam([param()], eps=-1e-8), r"Adam: eps must be a finite number >= 0, got -1e-08"),
    Refused("silent: amsgrad='no'", lambda: Adam([param()], amsgrad="no"), r"Adam: amsgrad must be True or False, got str 'no'"),
    Refused("AdamW weight_decay negative", lambda: AdamW([param()], weight_decay=-0.1), r"AdamW: weight_decay must be a finite number >= 0"),
    Refused("RMSprop alpha 1", lambda: RMSprop([param()], alpha=1.0), r"RMSprop: alpha must be in \[0, 1\), got 1\.0"),
    Refused("RMSprop alpha a string", lambda: RMSprop([param()], alpha="a"), r"RMSprop: alpha must be a number, got str"),
    Refused("step with a closure of text", lambda: sgd().step("loss"), r"SGD\.step: closure must be callable \(or None\), got str"),
    Refused("silent: step with a gradient of another shape", step_with_a_broadcast_gradient, r"SGD\.step: a parameter of shape \(2,\) has a gradient of shape \(1,\) \(expected the same\)"),
]

LOADING = [
    Refused("an empty dict", lambda: sgd().load_state_dict({}), r"SGD\.load_state_dict: expected keys 'state' and 'param_groups' \(as state_dict\(\) returns\), missing \['state', 'param_groups'\]"),
    Refused("no param_groups", lambda: sgd().load_state_dict({"state": {}}), r"SGD\.load_state_dict: expected keys .*missing \['param_groups'\]"),
    Refused("a list", lambda: sgd().load_state_dict([]), r"SGD\.load_state_dict: expected a dict as state_dict\(\) returns, got list"),
    Refused("None", lambda: sgd().load_state_dict(None), r"SGD\.load_state_dict: expected a dict.*got NoneType"),
    Refused("two groups for one", lambda: sgd().load_state_dict(saved([{"params": [0]}, {"params": [1]}])), r"SGD\.load_state_dict: expected 1 parameter groups, got 2"),
    Refused("two parameters for one", lambda: sgd().load_state_dict(saved([{"params": [0, 1]}])), r"SGD\.load_state_dict: group 0 has 1 parameters, the saved one 2"),
    Refused("a group without params", lambda: sgd().load_state_dict(saved([{"lr": 0.1}])), r"SGD\.load_state_dict: param_groups must be a list of dicts, each with a 'params' list"),
    Refused("param_groups a dict", lambda: sgd().load_state_dict({"state": {}, "param_groups": {"params": [0]}}), r"SGD\.load_state_dict: param_groups must be a list of dicts"),
    Refused("params of text", lambda: sgd().load_state_dict(saved([{"params": ["a"]}])), r"SGD\.load_state_dict: a group's 'params' must be a list of parameter indices \(integers >= 0\)"),
    Refused("an index twice", lambda: SGD([param(), param()]).load_state_dict(saved([{"params": [0, 0]}])), r"SGD\.load_state_dict: a parameter index appears twice"),
    Refused("state for an unknown parameter", lambda: sgd().load_state_dict(saved(state={5: {"momentum_buffer": np.ones(2)}})), r"SGD\.load_state_dict: the state names parameter 5, which no saved group lists \(expected one of \[0\]\)"),
    Refused("state of the wrong shape", lambda: sgd().load_state_dict(saved(state={0: {"momentum_buffer": np.ones(3)}})), r"SGD\.load_state_dict: state 'momentum_buffer' has shape \(3,\), the parameter \(2,\)"),
    Refused("state of text", lambda: sgd().load_state_dict(saved(state={0: {"momentum_buffer": "abc"}})), r"SGD\.load_state_dict: state 'momentum_buffer' must be an array of numbers, got str"),
    Refused("state of an object", lambda: sgd().load_state_dict(saved(state={0: {"momentum_buffer": object()}})), r"SGD\.load_state_dict: state 'momentum_buffer' must be an array of numbers, got object"),
    Refused("state of an object array", lambda: sgd().load_state_dict(saved(state={0: {"momentum_buffer": np.array([None, None])}})), r"SGD\.load_state_dict: state 'momentum_buffer' must be an array of numbers, got ndarray"),
    Refused("state a list", lambda: sgd().load_state_dict(saved(state=[1])), r"SGD\.load_state_dict: state must be a dict \{parameter index: \{name: array or number\}\}"),
    Refused("a step of text", lambda: Adam([param()]).load_state_dict(saved(state={0: {"step": "x"}})), r"Adam\.load_state_dict: state 'step' must be a whole number >= 0, got 'x'"),
    Refused("a step of 1.5", lambda: Adam([param()]).load_state_dict(saved(state={0: {"step": 1.5}})), r"Adam\.load_state_dict: state 'step' must be a whole number >= 0, got 1\.5"),
    Refused("silent: a saved lr of text", lambda: sgd().load_state_dict(saved([{"params": [0], "lr": "a"}])), r"SGD: lr must be a number, got str 'a'"),
    Refused("a saved lr negative", lambda: sgd().load_state_dict(saved([{"params": [0], "lr": -1}])), r"SGD: lr must be a finite number >= 0, got -1"),
    Refused("iterations of text", lambda: sgd().load_state_dict(saved(iterations="x")), r"SGD\.load_state_dict: iterations must be an integer >= 0, got 'x'"),
]

SCHEDULERS = [
    Refused("StepLR step_size 0", lambda: StepLR(sgd(), 0), r"StepLR: step_size must be an integer >= 1, got 0"),
    Refused("StepLR step_size 2.5", lambda: StepLR(sgd(), 2.5), r"StepLR: step_size must be an integer >= 1, got 2\.5"),
    Refused("silent: StepLR step_size True", lambda: StepLR(sgd(), True), r"StepLR: step_size must be an integer >= 1, got True"),
    Refused("StepLR gamma a string", lambda: StepLR(sgd(), 2, gamma="a"), r"StepLR: gamma must be a number, got str"),
    Refused("silent: StepLR gamma negative", lambda: StepLR(sgd(), 2, gamma=-1), r"StepLR: gamma must be a finite number >= 0, got -1"),
    Refused("StepLR of a string", lambda: StepLR("sgd", 2), r"StepLR: expected an aino optimizer, got str"),
    Refused("ExponentialLR gamma NaN", lambda: ExponentialLR(sgd(), float("nan")), r"ExponentialLR: gamma must be a finite number >= 0, got nan"),
    Refused("ExponentialLR gamma None", lambda: ExponentialLR(sgd(), None), r"ExponentialLR: gamma must be a number, got NoneType"),
    Refused("CosineAnnealingLR T_max 0", lambda: CosineAnnealingLR(sgd(), 0), r"CosineAnnealingLR: T_max must be a finite number > 0, got 0"),
    Refused("CosineAnnealingLR T_max a string", lambda: CosineAnnealingLR(sgd(), "10"), r"CosineAnnealingLR: T_max must be a finite number > 0, got '10'"),
    Refused("silent: CosineAnnealingLR eta_min negative", lambda: CosineAnnealingLR(sgd(), 10, eta_min=-1), r"CosineAnnealingLR: eta_min must be a finite number >= 0, got -1"),
    Refused("load_state_dict of a list", lambda: StepLR(sgd(), 2).load_state_dict([]), r"StepLR\.load_state_dict: expected a dict as state_dict\(\) returns, got list"),
    Refused("silent: load_state_dict replacing the optimizer", lambda: StepLR(sgd(), 2).load_state_dict({"optimizer": None}), r"StepLR\.load_state_dict: unknown entries \['optimizer'\] \(expected some of \['_last_lr', 'base_lrs'"),
    Refused("load_state_dict of step_size 0", lambda: StepLR(sgd(), 2).load_state_dict({"step_size": 0}), r"StepLR: step_size must be an integer >= 1, got 0"),
    Refused("load_state_dict of two base_lrs for one group", lambda: StepLR(sgd(), 2).load_state_dict({"base_lrs": [0.1, 0.2]}), r"StepLR\.load_state_dict: 'base_lrs' must be a list of 1 numbers \(one per parameter group\)"),
    Refused("load_state_dict of last_epoch 1.5", lambda: StepLR(sgd(), 2).load_state_dict({"last_epoch": 1.5}), r"StepLR\.load_state_dict: 'last_epoch' must be an integer, got 1\.5"),
]

FIT = [
    Refused("empty data (was ZeroDivisionError)", lambda: fit(np.zeros((0, 2)), np.zeros((0, 1))), r"fit: X and y are empty \(0 samples\); expected at least one sample"),
    Refused("X and y of other lengths", lambda: fit(y=np.ones((3, 1))), r"fit: X has 4 samples but y has 3"),
    Refused("epochs 0", lambda: fit(epochs=0), r"fit: epochs must be an integer >= 1, got 0"),
    Refused("epochs negative", lambda: fit(epochs=-1), r"fit: epochs must be an integer >= 1, got -1"),
    Refused("epochs a float", lambda: fit(epochs=2.0), r"fit: epochs must be an integer >= 1, got 2\.0"),
    Refused("batch_size 0", lambda: fit(batch_size=0), r"fit: batch_size must be an integer >= 1, got 0"),
    Refused("a model of text", lambda: aino.fit("model", np.ones((4, 2)), np.ones(4)), r"fit: model must be an aino\.nn Module, got str"),
    Refused("an optimizer of text", lambda: fit(optimizer="adam"), r"fit: optimizer must be an aino optimizer such as aino\.optim\.Adam\(model\.parameters\(\)\), got str"),
    Refused("a loss of text", lambda: fit(loss_fn="mse"), r"fit: loss_fn must be callable, such as aino\.nn\.MSELoss\(\), got str"),
    Refused("X of text", lambda: fit([["a", "b"]], [[1.0]]), r"fit: X must be numbers, got list of dtype <U1"),
    Refused("y of text", lambda: fit(y=["a"] * 4), r"fit: y must be numbers, got list of dtype <U1"),
    Refused("X ragged", lambda: fit([[1.0], [1.0, 2.0]], [1.0, 2.0]), r"fit: X must be an array of numbers, got a ragged list"),
    Refused("X a single number", lambda: fit(3.0, 1.0), r"fit: X must hold one sample per row, got a single number of shape \(\)"),
    Refused("X None", lambda: fit(None, None), r"fit: X must be numbers, got NoneType"),
    Refused("a seed of text", lambda: fit(seed="a"), r"fit: seed must be None or an integer >= 0, got 'a'"),
    Refused("lr negative", lambda: fit(lr=-1), r"fit: lr must be a finite number >= 0, got -1"),
    Refused("trace of text", lambda: fit(trace="yes"), r"fit: trace must be True, False or a dict of Recorder options, got str"),
    Refused("a model without parameters", lambda: fit(model=nn.ReLU()), r"fit: the model ReLU has no parameters to train"),
]


@pytest.mark.parametrize("case", TENSORS + FUNCTIONS, ids=case_id)
def test_tensor_misuse_is_refused(case):
    assert_refused(case)


@pytest.mark.parametrize("case", OPTIMIZERS + LOADING + SCHEDULERS, ids=case_id)
def test_optimizer_misuse_is_refused(case):
    assert_refused(case)


@pytest.mark.parametrize("case", FIT, ids=case_id)
def test_fit_misuse_is_refused(case):
    assert_refused(case)


def test_out_of_range_is_also_an_index_error_and_a_second_backward_a_runtime_error():
    """Code written for PyTorch catches IndexError and RuntimeError; those except clauses keep working."""
    with pytest.raises(IndexError):
        x23().sum(dim=3)
    with pytest.raises(IndexError):
        x23()[5]
    with pytest.raises(RuntimeError):
        backward_twice()
    assert issubclass(OutOfRangeError, ValueError) and issubclass(InvalidOperationError, ValueError)


def test_a_refused_load_changes_nothing():
    """A state dict that fails a check half-way leaves the optimizer and scheduler as they were."""
    optimizer = sgd()
    good = optimizer.state_dict()
    bad = saved([{"params": [0], "lr": "a"}], state={0: {"momentum_buffer": np.full(2, 7.0)}})
    with pytest.raises(TypeError):
        optimizer.load_state_dict(bad)
    assert optimizer.state_dict() == good and optimizer.lr == 0.1
    scheduler = StepLR(optimizer, 2)
    before = scheduler.state_dict()
    with pytest.raises(ValueError):
        scheduler.load_state_dict({"gamma": 0.5, "step_size": 0})
    assert scheduler.state_dict() == before


# --- where PyTorch returns a result, aino returns the same ---------------------------------------------

torch = pytest.importorskip("torch")

SAME_AS_TORCH = {
    "sum of an empty tensor": lambda m: m.zeros(0, 3).sum(),
    "sum over the empty dim": lambda m: m.zeros(0, 3).sum(dim=0),
    "max over a full dim of an empty tensor": lambda m: m.zeros(0, 3).amax(dim=1),
    "reshape of an empty tensor": lambda m: m.zeros(0, 3).reshape(5, 0),
    "sum of a 0-d tensor over dim 0": lambda m: m.ones(()).sum(dim=0),
    "sum over dim=[] (all dims, as torch)": lambda m: m.ones(2, 3).sum(dim=[]),
    "squeeze(0) of a 0-d tensor": lambda m: m.ones(()).squeeze(0),
    "flatten of a 0-d tensor": lambda m: m.ones(()).flatten(),
    "argmax(dim=0) of a 0-d tensor": lambda m: m.ones(()).argmax(dim=0),
    "argmax over a full dim of an empty tensor": lambda m: m.zeros(0, 3).argmax(dim=1),
    "argmax with keepdim and no dim": lambda m: m.arange(6).reshape(2, 3).argmax(keepdim=True),
    "stack along the new last dim": lambda m: m.stack([m.ones(2, 3), m.zeros(2, 3)], dim=2),
    "permute with negative dims": lambda m: m.arange(6).reshape(1, 2, 3).permute(-1, 0, 1),
    "arange(0, 0)": lambda m: m.arange(0, 0),
    "mean of a 0-element tensor is nan": lambda m: m.zeros(0).mean(),
}


class TorchSpelling:
    """The few module-level makers both spell the same way, so one lambda drives aino and torch."""

    zeros, ones, arange = Tensor.zeros, Tensor.ones, Tensor.arange
    stack = staticmethod(stack)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("name", SAME_AS_TORCH)
def test_edge_cases_give_what_torch_gives(name):
    make = SAME_AS_TORCH[name]
    ours, theirs = make(TorchSpelling), make(torch)
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_linear_with_a_one_dimensional_weight_is_a_dot_product_as_in_torch():
    x, w = np.arange(6, dtype=np.float32).reshape(2, 3), np.array([1.0, -1.0, 2.0], np.float32)
    ours = linear(Tensor(x), Tensor(w))
    theirs = torch.nn.functional.linear(torch.from_numpy(x), torch.from_numpy(w))
    assert ours.shape == (2,)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy())
