"""Every public callable that takes arrays or sizes has a bad-input case (issue 11).

The package is walked module by module: the names in ``__all__`` (or, without one, the public
functions and classes defined there) whose parameters are arrays, sizes or seeds (annotated
with ``ndarray``, ``int``, ``float``, ``Sequence`` or ``Generator``, or not annotated). Each
must appear by name in one of the ``tests/test_bad_inputs_*.py`` modules, whose every test is a
bad-input case, or be listed in :data:`EXEMPT` with the reason it has none of its own.
Records (dataclasses) and exceptions are left out: they hold what a checked function built.
Out of scope: ``minirnn.exercises`` (the autograder; its ``solutions`` are deliberately wrong
student code, tested in ``test_exercises.py``/``test_grading.py``) and the command line
(``commands``, ``cli``: ``test_bad_inputs_cli.py`` and ``tools/nonsense_cli.py``).
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import minirnn

TESTS = Path(__file__).resolve().parent
OUT_OF_SCOPE = ("minirnn.exercises", "minirnn.commands", "minirnn.cli", "minirnn.__main__")
ARRAYS_OR_SIZES = re.compile(r"ndarray|\bint\b|\bfloat\b|Sequence|Generator")

_CORE = ("a layer's core: built by RNN/LSTM/GRU after they checked sizes, dtype and seed; "
         "the layers' cases cover it")
_PADDED = ("padding machinery of the recurrent layers: called by a layer's forward/backward "
           "after it checked x and the mask")
_CHAR = ("CharRNN's numerics (exact or fast): called by CharRNN, which checks ids, states and "
         "sizes (its cases are in this file's group)")
_SEQ2SEQ = "Seq2Seq's plumbing over its own layers: Seq2Seq checks the sources and targets"
_LOADER = ("a check of the checkpoint loader itself, reached through load_checkpoint: the "
           "crafted files of test_bad_inputs_checkpoints.py exercise it")
_FIT = "fit's bookkeeping: called by fit with what fit built and checked"
_FAST_INPUTS = ("the input side of the fast RNN/GRU passes: called by their forward and "
                "backward after check_sequence_arrays checked x, Wx and b")
_LSTM_ONE = ("the batch-one loops of the fast LSTM pass: called by its lstm_forward and "
             "lstm_backward on their own buffers, after check_sequence_arrays, check_cache "
             "and check_upstream checked the arrays")

#: public callables without a bad-input case of their own, and why
EXEMPT: dict[str, str] = {
    "minirnn.functional.fast.inputs.inputs_with_ones": _FAST_INPUTS,
    "minirnn.functional.fast.inputs.weights_with_bias": _FAST_INPUTS,
    "minirnn.functional.fast.inputs.split_weight_gradient": _FAST_INPUTS,
    "minirnn.functional.fast.lstm_one.forward_views": _LSTM_ONE,
    "minirnn.functional.fast.lstm_one.forward_steps": _LSTM_ONE,
    "minirnn.functional.fast.lstm_one.backward_views": _LSTM_ONE,
    "minirnn.functional.fast.lstm_one.gate_factors": _LSTM_ONE,
    "minirnn.functional.fast.lstm_one.backward_steps": _LSTM_ONE,
    "minirnn.layers.cell.RecurrentCell": "abstract base of RNNCell/LSTMCell/GRUCell: "
    "their cases cover it",
    "minirnn.layers.recurrent.RecurrentLayer": "abstract base of RNN/LSTM/GRU: their cases "
    "cover it",
    "minirnn.layers.recurrent.RecurrentCore": _CORE,
    "minirnn.layers.rnn.RNNCore": _CORE,
    "minirnn.layers.lstm.LSTMCore": _CORE,
    "minirnn.layers.gru.GRUCore": _CORE,
    "minirnn.layers.recurrent.init_recurrent_params": _CORE,
    "minirnn.layers.gru.add_reset_bias": _CORE,
    "minirnn.layers.padded_rnn.last_valid_states": _PADDED,
    "minirnn.layers.padded_rnn.last_valid_states_backward": _PADDED,
    "minirnn.layers.padded_rnn.padded_backward": _PADDED,
    "minirnn.layers.padded_rnn.padded_forward": _PADDED,
    "minirnn.layers.padded_rnn.reverse_within_length": _PADDED,
    "minirnn.layers.state.join_state": "the inverse of split_state on arrays a layer made",
    "minirnn.models.char_rnn_exact.exact_backward": _CHAR,
    "minirnn.models.char_rnn_exact.exact_forward": _CHAR,
    "minirnn.models.char_rnn_exact.exact_sample": _CHAR,
    "minirnn.models.char_rnn_exact.legacy_choice": _CHAR,
    "minirnn.models.char_rnn_exact.legacy_init": _CHAR,
    "minirnn.models.char_rnn_exact.pack_flat": _CHAR,
    "minirnn.models.char_rnn_fast.FastWorkspace": _CHAR,
    "minirnn.models.char_rnn_fast.fast_backward": _CHAR,
    "minirnn.models.char_rnn_fast.fast_forward": _CHAR,
    "minirnn.models.char_rnn_fast.fast_sample": _CHAR,
    "minirnn.models.seq2seq.backward_recurrent": _SEQ2SEQ,
    "minirnn.models.seq2seq.run_recurrent": _SEQ2SEQ,
    "minirnn.models.seq2seq.state_names": _SEQ2SEQ,
    "minirnn.optim.Optimizer": "abstract base: SGD, Momentum, Adagrad, RMSProp and Adam have "
    "the cases",
    "minirnn.train.checkpoint.load_params_into": _LOADER,
    "minirnn.train.checkpoint.require_kind": _LOADER,
    "minirnn.train.checkpoint.require_shapes": _LOADER,
    "minirnn.train.checkpoint.require_vocab_size": _LOADER,
    "minirnn.train.checkpoint_schema.validate_metadata": _LOADER,
    "minirnn.train.progress.ProgressLine": _FIT,
    "minirnn.train.resume.save_run": _FIT,
    "minirnn.train.safety.check_finite": _FIT,
}


def _public_names(module) -> list[str]:
    names = getattr(module, "__all__", None)
    if names is not None:
        return list(names)
    return [name for name, obj in vars(module).items()
            if not name.startswith("_") and (inspect.isfunction(obj) or inspect.isclass(obj))
            and getattr(obj, "__module__", None) == module.__name__]


def _takes_arrays_or_sizes(obj) -> bool:
    if dataclasses.is_dataclass(obj) or (inspect.isclass(obj) and issubclass(obj, BaseException)):
        return False
    try:
        parameters = [p for p in inspect.signature(obj).parameters.values() if p.name != "self"]
    except (TypeError, ValueError):
        return False
    return any(p.annotation is inspect.Parameter.empty
               or ARRAYS_OR_SIZES.search(str(p.annotation)) for p in parameters)


def public_callables() -> dict[str, str]:
    """``{"module.qualname": name}`` of every public callable in scope that takes arrays or
    sizes."""
    found = {}
    for info in pkgutil.walk_packages(minirnn.__path__, "minirnn."):
        private = any(part.startswith("_") for part in info.name.split(".")[1:])
        if private or info.name.startswith(OUT_OF_SCOPE):
            continue
        module = importlib.import_module(info.name)
        for name in _public_names(module):
            obj = getattr(module, name)
            if (callable(obj) and getattr(obj, "__module__", "").startswith("minirnn")
                    and _takes_arrays_or_sizes(obj)):
                found.setdefault(f"{obj.__module__}.{obj.__qualname__}", obj.__name__)
    return found


def uncovered(test_text: str) -> list[str]:
    """The callables in scope whose name no bad-input test mentions and that are not exempt."""
    return sorted(key for key, name in public_callables().items()
                  if key not in EXEMPT and not re.search(rf"\b{re.escape(name)}\b", test_text))


def _bad_input_tests() -> str:
    return "\n".join(path.read_text(encoding="utf-8")
                     for path in sorted(TESTS.glob("test_bad_inputs_*.py"))
                     if path.name != Path(__file__).name)


def test_every_public_callable_has_a_bad_input_case():
    missing = uncovered(_bad_input_tests())
    assert missing == [], ("add a bad-input case to a tests/test_bad_inputs_*.py module (or a "
                           f"reason to EXEMPT) for: {missing}")


def test_every_exemption_names_a_callable_in_scope():
    assert sorted(set(EXEMPT) - set(public_callables())) == []


def test_the_check_finds_what_has_no_case():
    """Without any test text, the passes named in issue 11 are reported."""
    missing = uncovered("")
    for key in ("minirnn.functional.attention.dot_attention_backward",
                "minirnn.functional.fast.lstm.lstm_backward",
                "minirnn.functional.activations.sigmoid",
                "minirnn.functional.rnn.rnn_step_backward",
                "minirnn.experiments.digit_sum.train_digit_sum"):
        assert key in missing
    assert len(public_callables()) > 150
