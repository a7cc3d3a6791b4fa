"""A Trace on disk: one .npz archive of named arrays, written atomically, read within limits.

Members (each a .npy array; `name` a layer or a parameter):
    format.npy                      "aino-trace-1"
    meta.npy                        JSON text: layers_order, params, n_steps, max_bytes, and the
                                    recorder's notes (layers: [{name, role, activation, ...}], ...)
    loss.npy                        (n_steps,) float64
    stat/<kind>/<name>/<stat>.npy   (n_steps,) one summary statistic of a series over the steps
    hist/<kind>/<name>.npy          (n_steps, 32) its histograms;  edges/<kind>/<name>.npy  (2,) their range
    extra/<layer>/dead.npy, extra/<layer>/saturated.npy, streak/<layer>.npy
    full/<step>/<kind>/<name>.npy   the full arrays of a kept step (kinds: those of aino/trace/trace.py,
                                    and attention (N, heads, L, S), buffers and hidden_grads (T, N, H),
                                    aino/trace/extras.py)
    ops/<step>.npy                  the op log of a kept step (text)
    probe/inputs.npy                the probe batch;  probe/labels.npy  (n_probe,) one label per row
    metric/<name>.npy               (n_steps,) float64 a metric logged per step, NaN where none
Only format, meta and ops hold text; everything else must be numbers. The archive itself is checked
as every aino archive is (aino/files/archive.py); the meta is checked here before a Trace is built
from it, so a header cannot make the loader allocate for layers or steps the file does not hold.
"""

from aino.files import atomic_write, npy_bytes, open_archive, read_json, read_npy, write_archive

FORMAT = "aino-trace-1"
TEXT_MEMBERS = ("format", "meta")


def write_trace_file(path, arrays):
    """Write {name: array} as the trace archive `path` (compressed, atomically)."""
    members = {f"{name}.npy": npy_bytes(array) for name, array in arrays.items()}
    with atomic_write(path) as file:
        write_archive(file, members, compress=True)


def read_trace_file(path):
    """(meta dict, {name: array}) of the trace archive `path`; a ValueError for anything else."""
    arrays = {}
    with open_archive(path, "trace file") as archive:
        for member in archive.names:
            if not member.endswith(".npy"):
                raise ValueError(f"Trace.load: {path!s} has a member {member[:80]!r} that is not a .npy array")
            name = member[: -len(".npy")]
            text = name in TEXT_MEMBERS or name.startswith("ops/")
            arrays[name] = read_npy(archive.read(member), f"Trace.load: {path!s}: {name!r}", allow_text=text)
    if "format" not in arrays or arrays["format"].shape != () or str(arrays["format"]) != FORMAT:
        raise ValueError(f"Trace.load: {path!s} is not an aino trace (expected format {FORMAT!r})")
    meta = arrays.pop("meta", None)
    if meta is None or meta.shape != () or meta.dtype.kind != "U":
        raise ValueError(f"Trace.load: {path!s} has no meta text")
    return read_json(str(meta), f"Trace.load: {path!s}: the meta", allow_nonfinite=True), arrays


def check_meta(meta, arrays, layer_kinds, param_kinds):
    """Refuse a meta that is not what Trace.save writes, or that names series the arrays lack."""
    if not isinstance(meta, dict):
        raise ValueError(f"the meta must be an object, got {type(meta).__name__}")
    for key in ("layers_order", "params"):
        names = meta.get(key)
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names) or len(set(names)) != len(names):
            raise ValueError(f"meta {key!r} must be a list of distinct names")
    for key in ("n_steps", "max_bytes"):
        if type(meta.get(key)) is not int or meta[key] < 0:
            raise ValueError(f"meta {key!r} must be an integer >= 0, got {meta.get(key)!r}")
    infos = meta.get("layers", [])
    if not isinstance(infos, list) or not all(isinstance(info, dict) for info in infos):
        raise ValueError("meta 'layers' must be a list of objects")
    if not all(isinstance(info.get("activation", ""), (str, type(None))) for info in infos):
        raise ValueError("meta 'layers': an activation must be a name")
    series = [(kind, name) for kind in layer_kinds for name in meta["layers_order"]]
    series += [(kind, name) for kind in param_kinds for name in meta["params"]]
    for kind, name in series:
        if f"hist/{kind}/{name}" not in arrays:
            raise ValueError(f"no summaries for {kind} of {name!r}")
    for key in arrays:
        section, _, rest = key.partition("/")
        if section in ("full", "ops"):
            step = rest.split("/", 1)[0]
            if not step.isdigit() or int(step) >= meta["n_steps"]:
                raise ValueError(f"{key!r} names step {step!r}; the trace has steps 0 to {meta['n_steps'] - 1}")
