"""A fitted MLPClassifier or MLPRegressor <-> a .dit file (aino/io.py): never pickled, every part checked on load.

    header   "model" (the class name), "params" (get_params(), as JSON), "fitted" (the integers and names fit
             learnt: n_features_in_, n_iter_, t_, n_outputs_, feature_names_in_, the classes)
    arrays   coefs.<i> (n_in, n_out) and intercepts.<i> (n_out,) of each layer; loss_curve; and, where
             they exist, validation_scores, loss, best_loss, best_validation_score, classes (numbers)

Loading builds the estimator from its parameters (checked as fit checks them), checks every array's shape
and dtype against them before building the network, and says in a ValueError what does not fit.
"""

import numbers

import numpy
from sklearn.utils.validation import check_is_fitted

from aino.estimators.base import ClassCoding
from aino.io import load_dit, save_dit

SCALARS = ("loss_", "best_loss_", "best_validation_score_")  # floats (inf allowed), or None: 0-d arrays
LISTS = ("loss_curve_", "validation_scores_")  # lists of floats (validation_scores_ may be None): 1-D arrays
INTEGERS = ("n_features_in_", "n_iter_", "t_", "n_outputs_", "_no_improvement_count")
JSON_VALUES = (str, bool, int, float, type(None))


def save_mlp(estimator, path):
    """Write the fitted `estimator` to `path`; returns the path."""
    check_is_fitted(estimator)
    owner = f"{type(estimator).__name__}.save"
    params = estimator.get_params()
    if params["random_state"] is not None and not isinstance(params["random_state"], numbers.Integral):
        raise ValueError(f"{owner}: random_state is a {type(params['random_state']).__name__}, which a .dit "
                         f"file cannot hold; set random_state to an integer or None before saving")
    params["random_state"] = None if params["random_state"] is None else int(params["random_state"])
    params["hidden_layer_sizes"] = [int(n) for n in numpy.atleast_1d(params["hidden_layer_sizes"])]
    params["dtype"] = None if params["dtype"] is None else numpy.dtype(params["dtype"]).name
    fitted = {name: int(getattr(estimator, name)) for name in INTEGERS}
    if hasattr(estimator, "feature_names_in_"):
        fitted["feature_names_in_"] = estimator.feature_names_in_.tolist()
    arrays = {}
    for name in SCALARS + LISTS:
        if getattr(estimator, name) is not None:
            arrays[name.rstrip("_")] = numpy.asarray(getattr(estimator, name), dtype=numpy.float64)
    for i, (W, b) in enumerate(zip(estimator.coefs_, estimator.intercepts_)):
        arrays[f"coefs.{i}"], arrays[f"intercepts.{i}"] = numpy.ascontiguousarray(W), b
    if hasattr(estimator, "_coding"):
        fitted["classes"] = _classes_entry(estimator._coding, arrays, owner)
    return save_dit(path, {"model": type(estimator).__name__, "params": params, "fitted": fitted}, arrays)


def _classes_entry(coding, arrays, owner):
    """The header's description of the classes; numeric labels go to the arrays, with their dtype."""
    classes = coding.classes
    entry = {"multilabel": coding.multilabel}
    if classes.dtype.kind in "biuf":
        arrays["classes"] = classes
    elif all(isinstance(label, str) for label in classes.tolist()):
        entry.update(labels=classes.tolist(), object=classes.dtype == object)
    else:
        raise ValueError(f"{owner}: the class labels must be numbers or strings to be saved, got {classes.dtype}")
    return entry


def load_mlp(cls, path, device=None):
    """The fitted `cls` saved at `path` by save_mlp, computing on `device` (None: the one saved)."""
    header, arrays = load_dit(path)
    if header.get("model") != cls.__name__:
        raise ValueError(f"{path} holds a {header.get('model')!r:.40}, not a {cls.__name__}")
    estimator = _estimator_from_params(cls, header.get("params"), path)
    if device is not None:
        estimator.set_params(device=device)
    hidden, dtype, _ = estimator._check_parameters()
    fitted = header.get("fitted")
    if not isinstance(fitted, dict) or not all(type(fitted.get(n)) is int and fitted[n] >= 0 for n in INTEGERS):
        raise ValueError(f"{path}: the header's 'fitted' entry must give the integers {list(INTEGERS)} (>= 0)")
    attributes = {name: fitted[name] for name in INTEGERS}
    units = [fitted["n_features_in_"], *hidden, fitted["n_outputs_"]]
    shapes = list(zip(units, units[1:]))
    coefs = [_array(arrays, f"coefs.{i}", shape, dtype, path) for i, shape in enumerate(shapes)]
    intercepts = [_array(arrays, f"intercepts.{i}", shape[1:], dtype, path) for i, shape in enumerate(shapes)]
    for names, shape in ((SCALARS, ()), (LISTS, (None,))):
        for name in names:
            key = name.rstrip("_")
            value = _array(arrays, key, shape, numpy.float64, path) if key in arrays else None
            attributes[name] = None if value is None else value.tolist()
    if attributes["loss_curve_"] is None:
        raise ValueError(f"{path}: the file has no array 'loss_curve'")
    if "feature_names_in_" in fitted:
        names = fitted["feature_names_in_"]
        if not isinstance(names, list) or len(names) != units[0] or not all(isinstance(n, str) for n in names):
            raise ValueError(f"{path}: feature_names_in_ must be a list of {units[0]} strings")
        attributes["feature_names_in_"] = numpy.array(names, dtype=object)
    coding = _coding(fitted["classes"], arrays, units[-1], path) if "classes" in fitted else None
    estimator._restore(coefs, intercepts, coding, attributes)
    return estimator


def _estimator_from_params(cls, params, path):
    names = set(cls._get_param_names())
    if isinstance(params, dict) and "device" not in params:  # a file from before the device parameter
        params = {**params, "device": "cpu"}
    if not isinstance(params, dict) or set(params) != names:
        got = sorted(params) if isinstance(params, dict) else type(params).__name__
        raise ValueError(f"{path}: the header's 'params' must name exactly the parameters of {cls.__name__}, "
                         f"got {got!r:.200}")
    for name, value in params.items():
        if not (isinstance(value, JSON_VALUES) or (name == "hidden_layer_sizes" and isinstance(value, list))):
            raise ValueError(f"{path}: parameter {name} holds a {type(value).__name__}, which no parameter takes")
    params = {**params, "hidden_layer_sizes": tuple(params["hidden_layer_sizes"])}
    estimator = cls(**params)
    try:
        estimator._check_parameters()
    except ValueError as error:
        raise ValueError(f"{path}: the saved parameters are not valid ({error})") from None
    return estimator


def _array(arrays, name, shape, dtype, path):
    """arrays[name], checked: its dtype, and its shape (None in `shape`: any size there)."""
    if name not in arrays:
        raise ValueError(f"{path}: the file has no array {name!r}, which the saved network needs")
    value = arrays[name]
    fits = value.ndim == len(shape) and all(want is None or got == want for got, want in zip(value.shape, shape))
    if not fits or value.dtype != dtype:
        raise ValueError(f"{path}: array {name!r} has shape {value.shape} and dtype {value.dtype}; the saved "
                         f"parameters need shape {tuple('any' if n is None else n for n in shape)} and dtype {dtype}")
    return value


def _coding(entry, arrays, n_outputs, path):
    """The ClassCoding the header's classes entry and the arrays describe, checked against n_outputs."""
    if not isinstance(entry, dict) or not isinstance(entry.get("multilabel"), bool):
        raise ValueError(f"{path}: the header's classes entry must say whether the targets are multilabel")
    if "classes" in arrays:
        classes = arrays["classes"]
    elif isinstance(entry.get("labels"), list) and all(isinstance(label, str) for label in entry["labels"]):
        classes = numpy.array(entry["labels"], dtype=object if entry.get("object") else None)
    else:
        raise ValueError(f"{path}: the classes must be an array of numbers or a list of strings")
    try:
        coding = ClassCoding(classes, entry["multilabel"])
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from None
    if classes.ndim != 1 or coding.n_outputs != n_outputs or not numpy.array_equal(numpy.unique(classes), classes):
        raise ValueError(f"{path}: the saved classes must be {n_outputs if n_outputs > 1 else 2} distinct labels "
                         f"in sorted order, for a network of {n_outputs} outputs; got {classes.tolist()!r:.80}")
    return coding
