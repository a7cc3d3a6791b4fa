"""The loader fuzz, run by test_loader_fuzz.py in a child process under a memory limit.

    python tests/files/fuzz_loaders.py WORKDIR SEED VARIANTS LOADER

For each loader it saves one valid file (or pair) with aino, then feeds the loader VARIANTS seeded
mutants of it: bit flips, truncations, random bytes, spliced or zeroed ranges, and, inside a re-packed
archive (so that the CRCs still hold and the parsers are reached), damaged members, hostile JSON
values, JSON nested 40 or 100,000 deep, hostile .npy headers, zip bombs, pickled objects, path-traversal and non-.npy members,
missing or doubled members, and unusual compression methods. Each mutant must load as the right
object or raise ValueError. A mutant of the bytes alone that loads must equal the original (a file
is never loaded changed). Prints a JSON report: per loader, how many variants were loaded or
refused, and every failure (another exception, a hang, a changed object, an unpickled payload).
"""

import io
import json
import os
import random
import resource
import signal
import sys
import zipfile
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile  # noqa: E402

import aino  # noqa: E402
from aino import nn, optim  # noqa: E402
from aino.nn import CustomAIModel, Dense  # noqa: E402
from aino.trace import Recorder, Trace  # noqa: E402

HOSTILE_VALUES = [None, True, -1, 0, 2, 10**6, 10**30, 1.5, -0.0, "x", "", [], {}, [[]], [1, "a"],
                  {"name": 5}, [10**6] * 3, [4, 10**6, 3], ["relu"] * 2, [[[[[[[[1]]]]]]]], 1e308]
HOSTILE_HEADERS = [
    "{'descr': '<f8', 'fortran_order': False, 'shape': (1099511627776,), }",
    "{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }",
    "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }",
    "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }",
    "{'descr': '(2,)<f4', 'fortran_order': False, 'shape': (1,), }",
    "{'descr': '<U4', 'fortran_order': False, 'shape': (2,), }",
    "{'descr': '<f8', 'fortran_order': 'yes', 'shape': (2,), }",
    "{'descr': '<f8', 'fortran_order': False, 'shape': (2.5,), }",
    "{'descr': '<f8', 'fortran_order': False, 'shape': " + "(" * 300 + ")" * 300 + ", }",
    "__import__('os').system('echo hacked')",
    "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'extra': 1}",
    "{'descr': 'V8', 'fortran_order': False, 'shape': (1,), }",
    "{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }",
]
LIMIT_BYTES = 512 << 20  # what the loaders may use beyond what the child holds when the fuzz begins


def make_seeds(work):
    """{loader: (files {path: bytes}, fingerprint of the right object)} from models aino saves."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(12, 3)), rng.integers(0, 2, 12)
    network = aino.NeuralNetwork([3, 4, 2], activation_type="tanh", loss="cross_entropy", seed=0).fit(X, y, epochs=3)
    network.save(work / "seed.dit")

    aino.manual_seed(0)
    sequential = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    aino.save_model_parameters(sequential, work / "seed.npz")
    saved_state = fingerprint_state(sequential.state_dict())  # before the recorded steps change it

    custom = CustomAIModel(loss="mse")
    custom.add(Dense(3, 4)).add(nn.Activation("relu")).add(nn.Dropout(0.25)).add(Dense(4, 2))
    custom.addneuron("memory", size=3)
    custom.addneuron("graph", nodes=[1, 2], edges=[[1, 2]])
    custom.save_model(work / "seed")

    optimizer = optim.SGD(sequential.parameters(), lr=0.1)
    with Recorder(sequential, optimizer, record_ops=True) as recorder:
        for _ in range(3):
            optimizer.zero_grad()
            nn.CrossEntropyLoss()(sequential(aino.Tensor(X.astype(np.float32))), aino.Tensor(y)).backward()
            optimizer.step()
    recorder.trace.save(work / "seed_trace.npz")
    checkpoint = {"epoch": 3, "model": sequential.state_dict(), "optimizer": optimizer.state_dict(), "best": 0.5,
                  "note": "seed", "sizes": (3, 4, 2), "ids": aino.tensor([[1, 2]])}
    aino.save(checkpoint, work / "seed.pt")

    read = lambda name: (work / name).read_bytes()  # noqa: E731
    return {
        "NeuralNetwork.load": ({"m.dit": read("seed.dit")}, fingerprint_network(network)),
        "load_state_dict_from_file": ({"m.npz": read("seed.npz")}, saved_state),
        "CustomAIModel.load_model": ({"m_config.json": read("seed_config.json"), "m_weights.json": read("seed_weights.json")},
                                     fingerprint_custom(custom)),
        "Trace.load": ({"m.npz": read("seed_trace.npz")}, fingerprint_trace(recorder.trace)),
        "aino.load": ({"m.pt": read("seed.pt")}, fingerprint_saved(checkpoint)),
    }


def fingerprint_network(network):
    return repr((network.layer_sizes, [(W.tolist(), b.tolist()) for W, b in network.get_weights()],
                 network.layers[0].activation.config(), network.loss_function.name, network.history_, network.is_classifier))


def fingerprint_state(state):
    return repr({key: np.asarray(value).tolist() for key, value in state.items()})


def fingerprint_saved(value):
    """What aino.save wrote, as text: containers kept, tensors and arrays as (dtype, values)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{fingerprint_saved(k)}: {fingerprint_saved(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return type(value).__name__ + "(" + ", ".join(fingerprint_saved(v) for v in value) + ")"
    if hasattr(value, "dtype"):
        array = np.asarray(value)
        return repr((str(array.dtype), array.tolist()))
    return repr(value)


def fingerprint_custom(model):
    return repr((model.loss, model._specs, fingerprint_state(model.state_dict())))


def fingerprint_trace(trace):
    full = {step: {f"{k}/{n}": trace._full[step][k, n].tolist() for k, n in trace._full[step]} for step in trace.steps}
    return repr((trace.n_steps, trace.loss.tolist(), trace.layers, trace.params, full, trace.ops,
                 trace.summary("weights", trace.params[0])["norm"].tolist()))


def load(loader, work):
    """Run `loader` on the mutant in `work`; returns the fingerprint of what it loaded."""
    if loader == "NeuralNetwork.load":
        return fingerprint_network(aino.NeuralNetwork.load(work / "m.dit"))
    if loader == "load_state_dict_from_file":
        model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
        model.load_state_dict(aino.load_state_dict_from_file(work / "m.npz"))
        return fingerprint_state(model.state_dict())
    if loader == "CustomAIModel.load_model":
        return fingerprint_custom(CustomAIModel.load_model(work / "m"))
    if loader == "aino.load":
        return fingerprint_saved(aino.load(work / "m.pt"))
    return fingerprint_trace(Trace.load(work / "m.npz"))


# --- mutations: each takes (rng, files, marker) and returns (files, whether only bytes changed) -----

def flip_bits(rng, data):
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        if data:
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    return bytes(data)


def byte_mutation(rng, data):
    kind = rng.randrange(5)
    if kind == 0:
        return flip_bits(rng, data)
    if kind == 1:
        return data[: rng.randrange(len(data) + 1)]
    if kind == 2:
        return rng.randbytes(rng.choice([0, 1, 10, 100, 4096]))
    start = rng.randrange(len(data) + 1)
    end = min(len(data), start + rng.randint(1, 64))
    if kind == 3:
        return data[:start] + rng.randbytes(rng.randint(0, 64)) + data[end:]
    return data[:start] + bytes([rng.choice([0, 255])]) * (end - start) + data[end:]


def mutate_json_value(rng, value):
    """`value` with one randomly chosen place replaced by a hostile value."""
    if isinstance(value, dict) and value and rng.random() < 0.8:
        key = rng.choice(sorted(value))
        return {**value, key: mutate_json_value(rng, value[key])}
    if isinstance(value, list) and value and rng.random() < 0.8:
        i = rng.randrange(len(value))
        return value[:i] + [mutate_json_value(rng, value[i])] + value[i + 1:]
    return rng.choice(HOSTILE_VALUES)


def mutate_json_text(rng, text):
    """Hostile JSON text in place of `text`: one value replaced, or nesting 40 or 100,000 levels deep."""
    if rng.random() < 0.2:
        return hostile.deep_json(rng.choice([40, 100_000]))
    return json.dumps(mutate_json_value(rng, json.loads(text)))


def mutate_member(rng, name, data, marker):
    """A damaged version of one archive member's bytes."""
    kind = rng.randrange(4)
    if name.endswith(".json") and kind < 2:
        return mutate_json_text(rng, data.decode()).encode()
    if name == "meta.npy" and kind < 2:  # a trace's meta: JSON text inside a .npy
        return hostile.npy(np.array(mutate_json_text(rng, str(np.load(io.BytesIO(data))))))
    if name.endswith(".npy") and kind == 0:
        return hostile.npy_with_header(rng.choice(HOSTILE_HEADERS), data[128:])
    if name.endswith(".npy") and kind == 1:
        return hostile.pickle_npy(marker)
    if name.endswith(".npy") and kind == 2 and data[:6] == b"\x93NUMPY":
        return hostile.npy(np.zeros(rng.choice([0, 1, 7, 1000]), dtype=rng.choice(["<f4", "<f8", "|b1", "<i8", "<u2"])))
    return byte_mutation(rng, data)


def archive_mutation(rng, data, marker):
    """Re-pack the archive `data` with one structural fault (its CRCs are right)."""
    members = hostile.zip_members(data)
    names = sorted(members)
    kind = rng.randrange(8)
    if kind <= 2:
        name = rng.choice(names)
        members[name] = mutate_member(rng, name, members[name], marker)
    elif kind == 3:
        del members[rng.choice(names)]
    elif kind == 4:
        members[rng.choice(["../../evil.npy", "/abs.npy", "a\\b.npy", "readme.txt", "x\x01.npy", "header.json"])] = \
            hostile.npy(np.ones(2))
    elif kind == 5:
        name = rng.choice(names)
        members[name] = hostile.zip_bytes({name: members[name]})  # an archive inside: the wrong bytes
    elif kind == 6:
        return hostile.zip_bytes(members, method=rng.choice([zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]))
    elif rng.random() < 0.5:
        return hostile.zip_bomb(members, rng.choice(names), rng.choice([1 << 26, 1 << 30]))
    else:
        return hostile.lying_sizes(members, rng.choice(names), rng.choice([1 << 31, (1 << 32) - 1]))
    return hostile.zip_bytes(members, method=rng.choice([zipfile.ZIP_STORED, zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]))


def custom_mutation(rng, files, marker):
    """CustomAIModel's pair: damaged bytes (the checksums must catch them), or hostile content with the
    checksums made to match (so the checks behind them are reached)."""
    from aino.files.pair import digest
    from aino.nn.custom_model import _canonical

    files = dict(files)
    target = rng.choice(["m_config.json", "m_weights.json"])
    if rng.random() < 0.4:
        files[target] = byte_mutation(rng, files[target])
        return files, True
    config = json.loads(files["m_config.json"])
    if target == "m_weights.json":
        files[target] = mutate_json_text(rng, files[target].decode()).encode()
        config["weights_sha256"] = digest(files[target])
    else:
        config = mutate_json_value(rng, config)
    if isinstance(config, dict):
        config.pop("config_sha256", None)
        try:
            config["config_sha256"] = digest(_canonical(config))
        except (TypeError, ValueError):
            pass
    files["m_config.json"] = hostile.json_bytes(config)
    return files, False


def mutant(rng, loader, files, marker):
    if loader == "CustomAIModel.load_model":
        return custom_mutation(rng, files, marker)
    (name, data), = files.items()
    if rng.random() < 0.4:
        return {name: byte_mutation(rng, data)}, True
    if rng.random() < 0.05:
        return {name: rng.choice([hostile.npy(np.ones(3)), hostile.pickle_npy(marker), b"\x80\x04K\x01."])}, False
    return {name: archive_mutation(rng, data, marker)}, False


class Hang(Exception):
    pass


def _hang(signum, frame):
    raise Hang("the loader ran for more than 20 s")


def main(work, seed, variants, only):
    work = Path(work)
    seeds = {loader: made for loader, made in make_seeds(work).items() if loader == only}
    marker = work / "UNPICKLED"
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    used = int(open("/proc/self/statm").read().split()[0]) * resource.getpagesize()
    resource.setrlimit(resource.RLIMIT_AS, (used + LIMIT_BYTES, hard))
    signal.signal(signal.SIGALRM, _hang)
    report = {"loaders": {}, "failures": []}
    for loader, (files, original) in seeds.items():
        rng = random.Random(f"{seed}-{loader}")
        counts = {"variants": 0, "loaded": 0, "refused": 0}
        folder = work / loader.replace(".", "_")
        folder.mkdir()
        for i in range(variants):
            for path in folder.iterdir():
                path.unlink()
            files_now, bytes_only = mutant(rng, loader, files, marker)
            for name, data in files_now.items():
                (folder / name).write_bytes(data)
            counts["variants"] += 1
            signal.alarm(20)
            try:
                got = load(loader, folder)
                counts["loaded"] += 1
                if bytes_only and got != original:
                    report["failures"].append({"loader": loader, "variant": i, "error": "loaded a changed object"})
            except ValueError:
                counts["refused"] += 1
            except BaseException as error:  # noqa: BLE001  (every other outcome is the failure reported)
                report["failures"].append({"loader": loader, "variant": i,
                                           "error": f"{type(error).__name__}: {str(error)[:300]}"})
            finally:
                signal.alarm(0)
        report["loaders"][loader] = counts
    report["unpickled"] = marker.exists()
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4])
