"""min-char-rnn's training loop around :class:`~minirnn.models.char_rnn.CharRNN`.

One iteration, in the original's order:

1. if the next chunk would run past the end (``p + seq_length + 1 >= len(data)``) or this is
   the first iteration, reset the hidden state to zeros and the data pointer ``p`` to 0;
2. inputs are ``data[p : p+S]``, targets ``data[p+1 : p+S+1]``;
3. every ``sample_every`` iterations, sample 200 tokens from the current state (the global
   stream in a classic run);
4. forward and backward over the chunk from the carried state ``hprev``;
5. ``smooth_loss = 0.999 * smooth_loss + 0.001 * loss`` (it starts at ``-log(1/V) * S``, the
   loss of a uniform guess), printed every 100 iterations;
6. clip every gradient entry to [-5, 5], then one Adagrad step (``lr`` 0.1);
7. ``p += S``, ``n += 1``; the last hidden state is carried to the next chunk.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from minirnn._checks import check_positive_int
from minirnn.clip import _check_limit, clip_grad_value
from minirnn.data.vocab import Vocab
from minirnn.models.char_rnn import CharRNN, _as_ids
from minirnn.models.char_rnn_fast import fast_clip_adagrad
from minirnn.optim import Adagrad
from minirnn.train.checkpoint import Checkpoint, load_checkpoint, load_params_into, save_checkpoint


class CharRNNTrainer:
    """Runs min-char-rnn's loop and records the losses and samples.

    Parameters
    ----------
    model : CharRNN
    data : 1-D int array
        The whole corpus as token ids.
    seq_length : int
        ``S``, the chunk length (25).
    lr : float
        Adagrad's learning rate (0.1).
    clip : float or None
        Element-wise gradient clipping bound (5); None switches clipping off.
    sample_every, sample_length : int
        Sample ``sample_length`` tokens every ``sample_every`` iterations (0: never).
    print_every : int
        Echo ``iter n, loss: smooth`` every this many iterations (0: never).
    decode : callable, optional
        ids -> text, used to show samples (default: the ids themselves).
    echo : callable or None
        Where progress lines go (``print`` by default; None: silent).
    rng : numpy.random.Generator, optional
        Source of the samples; None means the legacy global stream, as in the original.
    temperature, top_k :
        Passed to :meth:`CharRNN.sample` for the progress samples.
    val_data : 1-D int array, optional
        Held-out token ids (the original has none); their loss in nats per token is
        measured every ``eval_every`` iterations with :meth:`CharRNN.evaluate`.
    eval_every : int
        0: only when :meth:`validate` is called.
    """

    def __init__(
        self,
        model: CharRNN,
        data: object,
        seq_length: int = 25,
        lr: float = 0.1,
        clip: float | None = 5.0,
        sample_every: int = 100,
        sample_length: int = 200,
        print_every: int = 100,
        decode: Callable[[list[int]], str] | None = None,
        echo: Callable[[str], object] | None = print,
        rng: np.random.Generator | None = None,
        temperature: float = 1.0,
        top_k: int | None = None,
        val_data: object = None,
        eval_every: int = 0,
    ) -> None:
        if not isinstance(model, CharRNN):
            raise TypeError(f"model must be a CharRNN, got {type(model).__name__}")
        self.seq_length = check_positive_int(seq_length, "seq_length")
        ids = np.asarray(data)
        if ids.ndim != 1 or ids.size < self.seq_length + 1:
            raise ValueError(
                f"the corpus must hold at least seq_length + 1 = {self.seq_length + 1} tokens "
                f"(one chunk of inputs plus its shifted targets), got {ids.size}"
            )
        self.data = _as_ids(ids, model.vocab_size, "data")
        self.model = model
        self.optimizer = Adagrad(model, lr=lr, eps=1e-8)
        self.clip = None if clip is None else _check_limit(clip, "clip")
        self.sample_every = int(sample_every)
        self.sample_length = check_positive_int(sample_length, "sample_length")
        self.print_every = int(print_every)
        self.decode = decode
        self.echo = echo
        self.rng = rng
        self.temperature = temperature
        self.top_k = top_k
        self.val_data = None if val_data is None else _as_ids(val_data, model.vocab_size,
                                                               "val_data")
        if self.val_data is not None and self.val_data.size < 2:
            raise ValueError(f"val_data needs at least 2 tokens, got {self.val_data.size}")
        self.eval_every = int(eval_every)
        self.val_iterations: list[int] = []
        self._scratch: np.ndarray | None = None  # work array of the flat clip + Adagrad update
        self.val_losses: list[float] = []
        # The original's loop state.
        self.n = 0
        self.p = 0
        self.hprev = model.initial_state()
        self.smooth_loss = float(-np.log(1.0 / model.vocab_size) * self.seq_length)
        # Records: the smooth loss after every iteration, the raw chunk losses, the samples.
        self.smooth_losses: list[float] = []
        self.losses: list[float] = []
        self.samples: list[tuple[int, str]] = []

    def _say(self, text: str) -> None:
        if self.echo is not None:
            self.echo(text)

    def step(self) -> float:
        """One iteration of the loop; returns the chunk's loss (summed over its tokens)."""
        S = self.seq_length
        if self.p + S + 1 >= self.data.size or self.n == 0:
            self.hprev = self.model.initial_state()
            self.p = 0
        inputs = self.data[self.p:self.p + S]
        targets = self.data[self.p + 1:self.p + S + 1]
        if self.sample_every and self.n % self.sample_every == 0:
            ids = self.model.sample(self.hprev, int(inputs[0]), self.sample_length,
                                    self.temperature, self.top_k, self.rng)
            text = self.decode(ids) if self.decode is not None else str(ids)
            self.samples.append((self.n, text))
            self._say(f"----\n {text} \n----")
        loss, _, self.hprev = self.model.loss_and_grads(inputs, targets, self.hprev, check=False)
        self.smooth_loss = self.smooth_loss * 0.999 + loss * 0.001
        if self.print_every and self.n % self.print_every == 0:
            self._say(f"iter {self.n}, loss: {self.smooth_loss:f}")
        self._clip_and_update()
        self.smooth_losses.append(self.smooth_loss)
        self.losses.append(loss)
        self.p += S
        self.n += 1
        if self.val_data is not None and self.eval_every and self.n % self.eval_every == 0:
            self.validate()
        return loss

    def _clip_and_update(self) -> None:
        """Clip every gradient entry, then one Adagrad step: on the flat arrays if possible.

        :meth:`CharRNN.flat_arrays` holds all parameters (and all gradients) in one array,
        and Adagrad's memory is kept the same way (:meth:`_flat_memory`), so clipping and
        ``Adagrad.update`` run once over everything rather than once per parameter. The
        operations are element-wise, so the numbers are the same as per parameter.
        """
        flat = self.model.flat_arrays()
        memory = self._flat_memory() if flat is not None else None
        if memory is None:  # e.g. after model.astype(): the plain per-parameter way
            if self.clip is not None:
                clip_grad_value(self.model, self.clip)
            self.optimizer.step()
            return
        params, grads = flat
        scratch = self._scratch
        if scratch is None or scratch.shape[1] != params.size:
            scratch = self._scratch = np.empty((2, params.size))
        self.optimizer.t += 1
        # The numbers of clip_grad_value + Adagrad.update bit for bit, in fewer passes.
        fast_clip_adagrad(params, grads, memory, scratch, self.optimizer.lr,
                          self.optimizer.eps, self.clip)

    def _flat_memory(self) -> np.ndarray | None:
        """Adagrad's per-parameter memory as views into one flat array (None if impossible).

        The optimizer keeps its usual named state (so checkpoints are unchanged); when that
        state has been replaced (a checkpoint was loaded), its values are copied in again.
        """
        optimizer = self.optimizer
        if type(optimizer) is not Adagrad:
            return None
        mems = optimizer.state["mem"]
        views = getattr(self, "_memory_views", None)
        if views is not None and all(mems.get(name) is view for name, view in views.items()):
            return self._memory
        names = list(self.model.params)
        if set(mems) - set(names) or (mems and set(mems) != set(names)):
            return None
        self._memory = np.zeros(sum(self.model.params[n].size for n in names))
        self._memory_views = {}
        start = 0
        for name in names:
            shape = self.model.params[name].shape
            view = self._memory[start:start + _entries(shape)].reshape(shape)
            if name in mems:
                view[...] = mems[name]
            mems[name] = self._memory_views[name] = view
            start += view.size
        return self._memory

    def validate(self) -> float:
        """Held-out loss in nats per token now (recorded against the iteration count)."""
        if self.val_data is None:
            raise ValueError("no val_data was given to the trainer")
        value = self.model.evaluate(self.val_data, self.seq_length)
        self.val_iterations.append(self.n)
        self.val_losses.append(value)
        self._say(f"iter {self.n}, validation loss: {value:.4f} nats/token "
                  f"(training, smoothed: {self.smooth_loss / self.seq_length:.4f})")
        return value

    def history(self) -> dict[str, np.ndarray]:
        """Curves for :func:`minirnn.plot.plot_loss`, all in nats per token.

        ``loss`` and ``smooth_loss`` are the chunk losses divided by ``seq_length`` (the
        original prints them summed over the chunk); ``val_loss`` is the held-out loss.
        """
        return {
            "iteration": np.arange(len(self.losses)),
            "loss": np.asarray(self.losses) / self.seq_length,
            "smooth_loss": np.asarray(self.smooth_losses) / self.seq_length,
            "val_iteration": np.asarray(self.val_iterations),
            "val_loss": np.asarray(self.val_losses),
        }

    def run(self, iterations: int, callback: Callable[[CharRNNTrainer], object] | None = None
            ) -> CharRNNTrainer:
        """Run ``iterations`` more iterations; ``callback(self)`` after each one."""
        for _ in range(check_positive_int(iterations, "iterations")):
            self.step()
            if callback is not None:
                callback(self)
        return self

    # -- saving and resuming --------------------------------------------------------------
    def state_arrays(self) -> dict[str, np.ndarray]:
        """The loop's arrays for a checkpoint (hidden state and the loss records)."""
        return {
            "hprev": self.hprev,
            "smooth_losses": np.asarray(self.smooth_losses, dtype=np.float64),
            "losses": np.asarray(self.losses, dtype=np.float64),
            "val_iterations": np.asarray(self.val_iterations, dtype=np.int64),
            "val_losses": np.asarray(self.val_losses, dtype=np.float64),
        }

    def state_scalars(self) -> dict[str, float | int]:
        """The loop's counters for a checkpoint's JSON."""
        return {"n": self.n, "p": self.p, "smooth_loss": self.smooth_loss}

    def load_state(self, scalars: dict, arrays: dict[str, np.ndarray]) -> None:
        """Restore what :meth:`state_scalars` and :meth:`state_arrays` saved."""
        self.n, self.p = int(scalars["n"]), int(scalars["p"])
        self.smooth_loss = float(scalars["smooth_loss"])
        hprev = np.asarray(arrays["hprev"], dtype=np.float64)
        if hprev.shape != (self.model.hidden_size, 1):
            raise ValueError(f"saved hprev has shape {hprev.shape}, the model needs "
                             f"({self.model.hidden_size}, 1)")
        self.hprev = hprev.copy()
        self.smooth_losses = arrays["smooth_losses"].tolist()
        self.losses = arrays["losses"].tolist()
        self.val_iterations = arrays["val_iterations"].tolist()
        self.val_losses = arrays["val_losses"].tolist()


def _entries(shape: tuple[int, ...]) -> int:
    """Number of entries of an array of this shape."""
    return int(np.prod(shape, dtype=np.int64))


# -- checkpoints ---------------------------------------------------------------------------
def save_char_rnn(path: str | os.PathLike, trainer: CharRNNTrainer, vocab: Vocab,
                  config: dict | None = None) -> Path:
    """Save the model, Adagrad's memory, the vocabulary and the loop state to one ``.npz``.

    The legacy global random state is saved too, so that a classic run resumed with
    :func:`resume_char_rnn` draws the same samples as an uninterrupted one.
    """
    model = trainer.model
    if len(vocab) != model.vocab_size:
        raise ValueError(f"the vocabulary has {len(vocab)} tokens, the model {model.vocab_size}")
    settings = {
        "model": "CharRNN",
        "vocab_size": model.vocab_size,
        "hidden_size": model.hidden_size,
        "exact": model.exact,
        "seq_length": trainer.seq_length,
        "lr": trainer.optimizer.lr,
        **(config or {}),
    }
    return save_checkpoint(path, model, optimizer=trainer.optimizer, vocab=vocab,
                           iteration=trainer.n, config=settings, legacy_rng=True,
                           trainer_state=trainer.state_scalars(),
                           arrays=trainer.state_arrays())


def load_char_rnn(
    path: str | os.PathLike, vocab: Vocab | None = None
) -> tuple[CharRNN, Vocab, Checkpoint]:
    """Rebuild a saved :class:`CharRNN`: ``(model, vocab, checkpoint)``.

    Raises
    ------
    ValueError
        If the file is not a CharRNN checkpoint, or ``vocab`` is given and differs from the
        vocabulary the model was trained with (its ids would mean other tokens).
    """
    checkpoint = load_checkpoint(path)
    config = checkpoint.config
    if config.get("model") != "CharRNN" or checkpoint.vocab is None:
        raise ValueError(f"{path} is not a CharRNN checkpoint (config model="
                         f"{config.get('model')!r}, vocabulary saved: "
                         f"{checkpoint.vocab is not None})")
    saved = Vocab.from_dict(checkpoint.vocab)
    if vocab is not None and vocab != saved:
        only_saved = sorted(set(saved.itos) - set(vocab.itos))[:5]
        only_given = sorted(set(vocab.itos) - set(saved.itos))[:5]
        raise ValueError(
            f"{path} was trained on another vocabulary: {len(saved)} {saved.level} tokens "
            f"there, {len(vocab)} {vocab.level} tokens here (only in the checkpoint: "
            f"{only_saved}; only here: {only_given}). Train a new model for this text."
        )
    model = CharRNN(int(config["vocab_size"]), int(config["hidden_size"]), seed=0,
                    classic=False, exact=bool(config.get("exact", True)))
    load_params_into(model, checkpoint.params, source=str(path))
    return model, saved, checkpoint


def resume_char_rnn(
    path: str | os.PathLike, data: object, vocab: Vocab, **trainer_options: object
) -> CharRNNTrainer:
    """A trainer that continues a saved run exactly where it stopped (same data and vocab)."""
    model, _, checkpoint = load_char_rnn(path, vocab)
    trainer = CharRNNTrainer(model, data, seq_length=int(checkpoint.config["seq_length"]),
                             lr=float(checkpoint.config["lr"]), **trainer_options)
    load_checkpoint(path, optimizer=trainer.optimizer, legacy_rng=True)
    trainer.load_state(checkpoint.trainer_state, checkpoint.arrays)
    return trainer
