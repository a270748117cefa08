"""The two classic replicas' own loops: min-char-rnn and the binary-addition script.

Every model trains with :func:`minirnn.train.fit`, these two included. The loops below exist
for one reason: to print what the original scripts print, number for number. A replica is
only checkable against the write-ups if its printout is the script's own, and that printout
depends on details that ``fit`` rightly does differently:

* min-char-rnn prints a smoothed loss of its own (``0.999 * smooth + 0.001 * loss`` of the
  loss *summed* over the chunk, starting at ``-log(1/V) * 25``) and draws its samples from
  NumPy's legacy global stream *before* every hundredth update;
* the binary-addition script draws both operands from the legacy stream inside the loop,
  updates after each single example and prints five lines every 1000 iterations.

So each loop reads like the original script, line for line, and uses the library for the
rest (the model's forward/backward, ``clip``, ``optim``). The weights they compute are the
ones ``fit`` computes from the same data (tests/test_char_rnn.py checks min-char-rnn's).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from minirnn._checks import check_number, check_positive_int, check_token_ids
from minirnn.models.binary_adder import BinaryAdder
from minirnn.models.char_rnn import CharRNN
from minirnn.optim import SGD, Adagrad
from minirnn.tasks.binary_addition import bits_to_int, int_to_bits

__all__ = ["ClassicRecord", "MinCharRNNRun", "binary_adder_classic", "min_char_rnn"]

Echo = Callable[[str], object]


@dataclass
class MinCharRNNRun:
    """What :func:`min_char_rnn` records, one entry per iteration (samples when drawn).

    ``smooth_losses`` and ``losses`` are summed over the chunk, as the original prints them;
    divide by the chunk length for nats per character.
    """

    smooth_losses: list[float] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    samples: list[tuple[int, str]] = field(default_factory=list)


# Why a loop besides fit: the original's printout (summed smoothed loss, samples drawn from
# the legacy stream before the update) is the replica's point; see the module docstring.
def min_char_rnn(model: CharRNN, data: object, iterations: int, seq_length: int = 25,
                 lr: float = 0.1, clip: float = 5.0, sample_every: int = 100,
                 sample_length: int = 200, print_every: int = 100,
                 decode: Callable[[list[int]], str] = str, echo: Echo | None = print
                 ) -> MinCharRNNRun:
    """Karpathy's min-char-rnn training loop, with its printout (see the module docstring).

    ``data`` are the corpus's token ids. A ``CharRNN(..., exact=True)`` built with the
    original's seed then reproduces the original bit for bit: the smoothed losses, the
    samples (drawn from the legacy global stream) and the weights. Progress lines label the
    summed loss and give nats per character next to it.
    """
    data = check_token_ids(data, model.vocab_size, "data")
    if data.size < check_positive_int(seq_length, "seq_length") + 1:
        raise ValueError(f"the corpus must hold at least seq_length + 1 = {seq_length + 1} "
                         f"tokens (one chunk of inputs plus its shifted targets), got {data.size}")
    say = echo or (lambda text: None)
    optimizer = Adagrad(model, lr=lr, eps=1e-8)
    run, p, hprev = MinCharRNNRun(), 0, None
    smooth_loss = -np.log(1.0 / model.vocab_size) * seq_length  # loss at iteration 0
    for n in range(check_positive_int(iterations, "iterations")):
        if p + seq_length + 1 >= data.size or n == 0:
            hprev, p = model.initial_state(), 0  # go from start of data, with a zero state
        inputs, targets = data[p:p + seq_length], data[p + 1:p + seq_length + 1]
        if sample_every and n % sample_every == 0:  # sample from the model now and then
            run.samples.append((n, decode(model.sample(hprev, int(inputs[0]), sample_length))))
            say(f"----\n {run.samples[-1][1]} \n----")
        loss, _, hprev = model.loss_and_grads(inputs, targets, hprev, check=False)
        smooth_loss = smooth_loss * 0.999 + loss * 0.001
        if print_every and n % print_every == 0:
            say(f"iter {n}, loss: {smooth_loss:f} (summed over the {seq_length}-character "
                f"chunk; {smooth_loss / seq_length:.4f} nats/char)")
        optimizer.step_clipped(clip)  # clip to [-clip, clip], then Adagrad (in fewer passes)
        run.smooth_losses.append(smooth_loss)
        run.losses.append(loss)
        p += seq_length  # move data pointer
    return run


@dataclass
class ClassicRecord:
    """One progress report of the classic run (what the script prints every 1000 steps)."""

    iteration: int
    error: float  #: sum over the bits of the absolute error, the number the script prints
    a: int
    b: int
    predicted_bits: np.ndarray  #: uint8, most significant first
    true_bits: np.ndarray  #: uint8, most significant first

    @property
    def predicted(self) -> int:
        return bits_to_int(self.predicted_bits)

    def lines(self) -> list[str]:
        """The five lines the classic script prints, character for character."""
        return [
            f"Error:{np.array([[self.error]])}",
            f"Pred:{self.predicted_bits}",
            f"True:{self.true_bits}",
            f"{self.a} + {self.b} = {self.predicted}",
            "------------",
        ]


# Why a loop besides fit: the script draws its operands from the legacy stream inside the
# loop and prints five lines every 1000 updates; see the module docstring.
def binary_adder_classic(model: BinaryAdder, iterations: int = 10000, alpha: float = 0.1,
                         print_every: int = 1000, echo: Echo | None = print
                         ) -> list[ClassicRecord]:
    """The classic binary-addition script's loop; returns its progress records.

    Each iteration draws ``a`` then ``b`` with ``np.random.randint(2**(bits-1))`` from the
    legacy global stream (as the script does; the model's constructor seeded it),
    backpropagates one example and steps ``W -= alpha * dE/dW`` (the script's
    ``W += alpha * delta``, bit for bit). Every ``print_every`` iterations the five classic
    lines go to ``echo`` (None: quiet).
    """
    if not model.classic:
        raise ValueError("binary_adder_classic needs BinaryAdder(classic=True)")
    check_positive_int(print_every, "print_every")
    check_number(alpha, "alpha", 0.0, low_open=True)
    optimizer, records = SGD(model, lr=alpha), []
    for j in range(check_positive_int(iterations, "iterations")):
        a = np.random.randint(2 ** (model.bits - 1))  # noqa: NPY002 (the classic stream)
        b = np.random.randint(2 ** (model.bits - 1))  # noqa: NPY002
        model.zero_grad()
        _, printed, predicted = model.classic_example(a, b)
        optimizer.step()
        if j % print_every == 0:
            records.append(ClassicRecord(j, printed, int(a), int(b), predicted,
                                         int_to_bits(a + b, model.bits)))
            if echo is not None:
                echo("\n".join(records[-1].lines()))
    return records
