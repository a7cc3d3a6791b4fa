"""einsum: Einstein summation, as torch.einsum. Each operand A_k is named by letters s_k, the output by
letters `out`; every letter not in `out` is summed over:

    y[out] = sum over the letters not in out of  prod_k A_k[s_k]          ("ij,jk->ik" is a @ b)

Its gradient is an einsum too. y is linear in each operand, so

    dL/dA_k[s_k] = sum over the letters not in s_k of  G[out] * prod_{j != k} A_j[s_j]

with G = dL/dy: the einsum of G (letters `out`) and the other operands, giving A_k's letters.
Two cases need a step more, because an einsum's output can neither repeat a letter nor name one that
no input has:
  - a letter repeated within A_k ("ii->i" reads the diagonal): the gradient is computed over A_k's
    distinct letters and written onto that diagonal of zeros (the other entries do not reach y);
  - a letter of A_k alone, summed away ("ij->i"): y does not depend on which j was summed, so the
    gradient is the same for every j: computed without that letter, then broadcast along it.
"..." stands for the same broadcast dims in every operand and is spelt out as letters first. A dim of
size 1 that broadcasts against a larger one gets a letter of its own, so it is a letter of that operand
alone, and its gradient is summed over the larger size (what `unbroadcast` does for +).
"""

import string

from aino.ops.function import Function
from aino.validation import InvalidOperationError

OWNER = "aino.einsum"


class Einsum(Function):
    """y[out] = sum prod_k A_k[s_k]; dL/dA_k = einsum of dL/dy and the other operands (module docstring)."""

    name = "einsum"

    def __init__(self, terms, output):
        self.terms, self.output = terms, output  # each operand's letters, and the output's

    def forward(self, *arrays):
        self.arrays = arrays
        return self.xp.einsum(f"{','.join(self.terms)}->{self.output}", *arrays, optimize=len(arrays) > 1)

    def backward(self, grad):
        grads = tuple(self._gradient(k, grad) if self.needs_grad[k] else None for k in range(len(self.arrays)))
        return grads[0] if len(grads) == 1 else grads

    def _gradient(self, k, grad):
        """dL/dA_k: the einsum of grad and the other operands over A_k's distinct letters that they name,
        broadcast along the letters only A_k has, and written onto A_k's diagonal where a letter repeats."""
        xp, term, shape = self.xp, self.terms[k], self.arrays[k].shape
        size = dict(zip(term, shape))
        distinct = "".join(dict.fromkeys(term))
        others = [(t, a) for j, (t, a) in enumerate(zip(self.terms, self.arrays)) if j != k]
        named = set(self.output).union(*(t for t, _ in others))
        kept = "".join(letter for letter in distinct if letter in named)
        inputs = ",".join([self.output] + [t for t, _ in others])
        through = xp.einsum(f"{inputs}->{kept}", grad, *(a for _, a in others), optimize=len(others) > 1)
        through = through.reshape([size[c] if c in kept else 1 for c in distinct])
        through = xp.broadcast_to(through, [size[c] for c in distinct]).astype(grad.dtype, copy=True)
        if len(distinct) == len(term):
            return through
        full = xp.zeros(shape, dtype=grad.dtype)
        position = {letter: d for d, letter in enumerate(distinct)}
        diagonal = tuple(xp.arange(size[c]).reshape([-1 if d == position[c] else 1 for d in range(len(distinct))])
                         for c in term)
        full[diagonal] = through
        return full


def einsum(equation, *operands):
    """Einstein summation of tensors `operands` along `equation` ("ij,jk->ik", "bij,bjk->bik", "ii->i",
    "...ij->...ji"; without "->" the output is the letters seen once, in alphabetical order)."""
    if not isinstance(equation, str):
        raise TypeError(f"{OWNER}: the equation must be a string such as 'ij,jk->ik', got {type(equation).__name__}")
    if not operands:
        raise InvalidOperationError(f"{OWNER}: expected at least one operand")
    dtypes = {t.data.dtype for t in operands}
    if len(dtypes) > 1:
        raise TypeError(f"{OWNER}: expected operands of one dtype (as torch.einsum), got "
                        f"{', '.join(str(t.data.dtype) for t in operands)}; cast them first (x.double())")
    terms, output = parse(equation, [t.data.shape for t in operands])
    return Einsum.apply(*operands, terms=terms, output=output)


def parse(equation, shapes):
    """(each operand's letters, the output's letters) with "..." spelt out and broadcast size-1 dims given
    letters of their own; every way the equation can disagree with the shapes is an InvalidOperationError."""
    equation = equation.replace(" ", "")
    inputs, arrow, output = equation.partition("->")
    if "->" in output:
        raise InvalidOperationError(f"{OWNER}: the equation {equation!r} has more than one '->'")
    terms = inputs.split(",")
    if len(terms) != len(shapes):
        raise InvalidOperationError(f"{OWNER}: the equation {equation!r} names {len(terms)} operands, "
                                    f"got {len(shapes)}")
    for part in terms + [output]:
        bad = [c for c in part.replace("...", "") if c not in string.ascii_letters]
        if bad or part.count("...") > 1:
            raise InvalidOperationError(f"{OWNER}: invalid subscript {bad[0] if bad else '...'!r} in {equation!r}: "
                                        f"subscripts are letters a-z, A-Z and at most one '...' per operand")
    spare = [c for c in string.ascii_letters if c not in equation]
    broadcast_ndim = max([len(shape) - len(term) + 3 for term, shape in zip(terms, shapes) if "..." in term] or [0])
    if broadcast_ndim > len(spare):
        raise InvalidOperationError(f"{OWNER}: '...' stands for {broadcast_ndim} dims, more than the letters left")
    dots = "".join(spare[:broadcast_ndim])
    terms = [_spell_out(k, term, shape, dots) for k, (term, shape) in enumerate(zip(terms, shapes))]
    if arrow:
        output = output.replace("...", dots)
    else:
        counts = "".join(terms)
        output = dots + "".join(sorted({c for c in counts if counts.count(c) == 1 and c not in dots}))
    for letter in output:
        if output.count(letter) > 1:
            raise InvalidOperationError(f"{OWNER}: output subscript {letter} appears more than once in the output")
        if letter not in "".join(terms):
            raise InvalidOperationError(f"{OWNER}: output subscript {letter} does not appear in any operand")
    return _own_letters_for_broadcast(terms, shapes, spare[broadcast_ndim:]), output


def _spell_out(k, term, shape, dots):
    """Operand k's letters with its "..." replaced by the last of `dots` (broadcast dims align on the right)."""
    if "..." in term:
        count = len(shape) - (len(term) - 3)
        if count < 0:
            raise InvalidOperationError(f"{OWNER}: operand {k} has {len(shape)} dims, fewer than the "
                                        f"{len(term) - 3} letters of {term!r}")
        term = term.replace("...", dots[len(dots) - count:] if count else "")
    if len(term) != len(shape):
        raise InvalidOperationError(f"{OWNER}: the number of subscripts in {term!r} ({len(term)}) does not match "
                                    f"the number of dimensions ({len(shape)}) of operand {k} and no '...' was given")
    for letter in set(term):
        sizes = {n for c, n in zip(term, shape) if c == letter}
        if len(sizes) > 1:
            raise InvalidOperationError(f"{OWNER}: subscript {letter} is repeated for operand {k} but the sizes "
                                        f"don't match, {' != '.join(map(str, sorted(sizes)))}")
    return term


def _own_letters_for_broadcast(terms, shapes, spare):
    """`terms` with each size-1 dim whose letter is larger elsewhere renamed to a letter of its own (from
    `spare`), so that no letter has two sizes; sizes that neither match nor are 1 are refused."""
    sizes = {}
    for k, (term, shape) in enumerate(zip(terms, shapes)):
        for letter, n in zip(term, shape):
            seen = sizes.setdefault(letter, n)
            if n != seen and 1 not in (n, seen):
                raise InvalidOperationError(f"{OWNER}: subscript {letter} has size {n} for operand {k}, which does "
                                            f"not broadcast with the size {seen} seen before")
            sizes[letter] = max(seen, n)
    renamed = []
    for term, shape in zip(terms, shapes):
        letters = []
        for letter, n in zip(term, shape):
            if n == 1 and sizes[letter] > 1:
                if not spare:
                    raise InvalidOperationError(f"{OWNER}: too many broadcast dims to name with letters")
                letter = spare.pop(0)
            letters.append(letter)
        renamed.append("".join(letters))
    return renamed
