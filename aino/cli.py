"""The `aino` command: `aino demo` trains a classic network on iris and saves it; `aino check NOTEBOOK`
runs an exercise notebook and prints every exercise's result."""

import argparse
import sys
from pathlib import Path

from aino import __version__
from aino.demo import train_iris
from aino.exercises.notebook import run_notebook


def main(argv=None):
    """Entry point of the `aino` console script and of `python -m aino`."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    return args.run(args)


def build_parser():
    parser = argparse.ArgumentParser(prog="aino", description="aino: learn how neural networks work.")
    parser.add_argument("--version", action="version", version=f"aino {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = commands.add_parser(
        "demo",
        help="train a network on the iris flowers and save it",
        description=(
            "Train a classic aino network (4 inputs -> hidden layer -> 3 outputs, softmax and "
            "cross-entropy) on the bundled iris flower measurements, report its accuracy on "
            "flowers it never saw, and save it as a .dit file."
        ),
    )
    demo.add_argument("--epochs", type=int, default=200, help="passes over the training data (default 200)")
    demo.add_argument("--hidden", type=int, default=8, help="neurons in the hidden layer (default 8)")
    demo.add_argument("--activation", default="tanh", help="hidden activation, e.g. tanh, relu, sigmoid (default tanh)")
    demo.add_argument("--lr", type=float, default=0.1, help="learning rate n (default 0.1)")
    demo.add_argument("--batch-size", type=int, default=16, help="samples per gradient step (default 16)")
    demo.add_argument("--test-size", type=float, default=0.3, help="share of flowers held out (default 0.3)")
    demo.add_argument("--seed", type=int, default=0, help="random seed; the same seed gives the same run (default 0)")
    demo.add_argument("--output", type=Path, default=Path("aino-iris.dit"), help="where to save the model (default ./aino-iris.dit)")
    demo.add_argument("--quiet", action="store_true", help="no progress bar")
    demo.add_argument("--no-report", action="store_true",
                      help="skip the HTML report of training (written beside the model when matplotlib is installed)")
    demo.set_defaults(run=run_demo)
    check = commands.add_parser(
        "check",
        help="run an exercise notebook and print every exercise's result",
        description=(
            "Run the code cells of an exercise notebook (lessons/exercises/) in order, without Jupyter, "
            "and print the result of every check() it made: pass, or the failing case and a hint. "
            "The exit status is 0 only when every check passed and no cell raised."
        ),
    )
    check.add_argument("notebook", type=Path, help="the .ipynb file to run")
    check.add_argument("--verbose", "-v", action="store_true", help="also print what the cells printed")
    check.set_defaults(run=run_check)
    return parser


def run_demo(args):
    """Train on 70% of iris, score on the other 30%, save the model; returns the exit status."""
    try:
        result = train_iris(
            epochs=args.epochs,
            hidden=args.hidden,
            activation=args.activation,
            lr=args.lr,
            batch_size=args.batch_size,
            test_size=args.test_size,
            seed=args.seed,
            output=args.output,
            progress=not args.quiet,
            report=not args.no_report,
        )
    except (ValueError, OSError) as error:
        print(f"aino demo: {error}", file=sys.stderr)
        return 2
    print(f"network:            {result.network}")
    print(f"training flowers:   {result.n_train}, held out: {result.n_test}")
    print(f"held-out accuracy:  {result.accuracy:.3f}")
    print(f"model saved to:     {result.path.resolve()}")
    print(f"load it again with: aino.NeuralNetwork.load({str(result.path)!r})")
    if result.report is not None:
        print(f"training report:    {result.report.resolve()} (open it in a browser)")
    return 0


def run_check(args):
    """Run the notebook, print its checks' results and a summary; 0 when all passed, 1 if not, 2 for a bad file."""
    try:
        run = run_notebook(args.notebook)
    except (ValueError, OSError) as error:
        print(f"aino check: {error}", file=sys.stderr)
        return 2
    if args.verbose and run.output:
        print(f"--- what the cells printed ---\n{run.output.rstrip()}\n---")
    if run.results:
        print("\n\n".join(str(result) for result in run.results))
    for number in run.skipped:
        print(f"note: cell {number} was skipped: a cell magic (%%) needs IPython")
    if run.error is not None:
        print(f"\naino check: {run.error}; the cells after it did not run.\n{run.error.traceback.rstrip()}",
              file=sys.stderr)
    failed = sum(not result for result in run.results)
    stopped = f"; stopped by an error in cell {run.error.cell}" if run.error is not None else ""
    if not run.results:
        print(f"no check() ran in {run.path.name}: nothing was checked{stopped}")
    else:
        passed = len(run.results) - failed
        counts = f"{passed} of {len(run.results)} checks passed" + (f", {failed} failed" if failed else "")
        print(f"\n{counts} ({run.path.name}, {run.cells_run} code cells run{stopped})")
    return 0 if run.passed else 1
