"""Bad inputs to layers, functions, losses, samplers, optimizers and models (issue 11).

Every case asserts the exception type and that the message names the argument (and, where
it matters, what was given). One parametrised table per group keeps the cases readable.
"""

from __future__ import annotations

import numpy as np
import pytest

from minirnn import clip, losses, optim
from minirnn._checks import check_float_dtype, check_number, check_seed, make_rng
from minirnn.layers import (
    GRU,
    LSTM,
    RNN,
    Attention,
    Dropout,
    Embedding,
    GRUCell,
    Layer,
    Linear,
    LSTMCell,
    RNNCell,
)
from minirnn.models import (
    BinaryAdder,
    CharRNN,
    LanguageModel,
    Seq2Seq,
    SequenceClassifier,
    SequenceTagger,
)
from minirnn.models.language_model import pick_token, softmax_with_temperature
from minirnn.train.classics import binary_adder_classic

#: every public layer, built from (size, size) plus keyword arguments
LAYERS = {
    "RNN": lambda **kw: RNN(3, 4, **kw),
    "LSTM": lambda **kw: LSTM(3, 4, **kw),
    "GRU": lambda **kw: GRU(3, 4, **kw),
    "RNNCell": lambda **kw: RNNCell(3, 4, **kw),
    "LSTMCell": lambda **kw: LSTMCell(3, 4, **kw),
    "GRUCell": lambda **kw: GRUCell(3, 4, **kw),
    "Linear": lambda **kw: Linear(3, 4, **kw),
    "Embedding": lambda **kw: Embedding(3, 4, **kw),
    "Attention": lambda **kw: Attention("general", 3, 4, **kw),
}
#: every public model, built small
MODELS = {
    "LanguageModel": lambda **kw: LanguageModel(5, 4, **kw),
    "SequenceClassifier": lambda **kw: SequenceClassifier(5, 2, hidden_size=4, **kw),
    "SequenceTagger": lambda **kw: SequenceTagger(5, 2, hidden_size=4, **kw),
    "Seq2Seq": lambda **kw: Seq2Seq(5, hidden_size=4, embedding_dim=3, **kw),
    "BinaryAdder": lambda **kw: BinaryAdder(bits=4, hidden_size=4, **kw),
}
BUILDERS = {**LAYERS, **MODELS}


# ---------------------------------------------------------------- constructors


@pytest.mark.parametrize("dtype", [np.int64, np.int32, bool, "int8", object])
@pytest.mark.parametrize("name", list(BUILDERS))
def test_constructors_refuse_non_float_dtypes(name, dtype):
    with pytest.raises(TypeError, match="dtype must be a floating-point dtype"):
        BUILDERS[name](dtype=dtype)


@pytest.mark.parametrize("name", list(BUILDERS))
def test_constructors_refuse_nonsense_dtypes(name):
    with pytest.raises(TypeError, match="dtype must be a floating-point dtype.*'fast'"):
        BUILDERS[name](dtype="fast")


@pytest.mark.parametrize(("seed", "error"), [
    ("abc", TypeError), (1.5, TypeError), (True, TypeError), ([1, 2], TypeError),
    (-1, ValueError),
])
@pytest.mark.parametrize("name", [*LAYERS, "LanguageModel", "SequenceClassifier", "Seq2Seq"])
def test_constructors_refuse_bad_seeds(name, seed, error):
    with pytest.raises(error, match="seed must be an int >= 0, a numpy.random.Generator"):
        BUILDERS[name](seed=seed)


def test_classic_models_refuse_bad_seeds_too():
    with pytest.raises(TypeError, match="seed must be an int"):
        BinaryAdder(classic=True, seed="abc")
    with pytest.raises(TypeError, match="classic=True needs an int seed"):
        BinaryAdder(classic=True, seed=np.random.default_rng(0))
    with pytest.raises(ValueError, match="seed must be an int >= 0"):
        BinaryAdder(classic=True, seed=-3)


@pytest.mark.parametrize(("build", "argument"), [
    (lambda: RNN(0, 4), "input_size"),
    (lambda: LSTM(3, -1), "hidden_size"),
    (lambda: GRU(3, 4, num_layers=0), "num_layers"),
    (lambda: RNN(3.0, 4), "input_size"),
    (lambda: RNNCell(3, 0), "hidden_size"),
    (lambda: LSTMCell(0, 4), "input_size"),
    (lambda: GRUCell(3, 0), "hidden_size"),
    (lambda: Linear(0, 4), "in_features"),
    (lambda: Linear(3, 0), "out_features"),
    (lambda: Embedding(0, 4), "num_embeddings"),
    (lambda: Embedding(3, 0), "dim"),
    (lambda: Embedding(3, 4, padding_idx=3), "padding_idx"),
    (lambda: Attention("general", 0, 4), "query_size"),
    (lambda: Attention("additive", 3, 4, attention_size=0), "attention_size"),
    (lambda: Attention("cosine", 3, 4), "score"),
    (lambda: Dropout(1.0), "p"),
    (lambda: Dropout(-0.1), "p"),
    (lambda: RNN(3, 4, dropout=1.5), "dropout"),
    (lambda: RNN(3, 4, nonlinearity="gelu"), "nonlinearity"),
])
def test_layers_refuse_bad_sizes_and_options(build, argument):
    with pytest.raises((ValueError, TypeError), match=argument):
        build()


@pytest.mark.parametrize(("build", "argument"), [
    (lambda: LanguageModel(0, 4), "vocab_size"),
    (lambda: LanguageModel(5, 0), "hidden_size"),
    (lambda: LanguageModel(5, 4, embedding_dim=0), "embedding_dim"),
    (lambda: LanguageModel(5, 4, num_layers=0), "num_layers"),
    (lambda: LanguageModel(5, 4, dropout=1.0), "dropout"),
    (lambda: LanguageModel(5, 4, cell="transformer"), "cell"),
    (lambda: SequenceClassifier(5, 0), "num_classes"),
    (lambda: SequenceClassifier(5, 2, pooling="max"), "pooling"),
    (lambda: SequenceTagger(0, 2), "vocab_size"),
    (lambda: Seq2Seq(5, hidden_size=0), "hidden_size"),
    (lambda: Seq2Seq(5, embedding_dim=0), "embedding_dim"),
    (lambda: Seq2Seq(5, start_id=7), "start_id"),
    (lambda: Seq2Seq(5, end_id=1.5), "end_id"),
    (lambda: Seq2Seq(5, pad_id=-1), "pad_id"),
    (lambda: BinaryAdder(bits=0), "bits"),
    (lambda: BinaryAdder(hidden_size=0), "hidden_size"),
    (lambda: BinaryAdder(nonlinearity="relu"), "nonlinearity"),
    (lambda: CharRNN(0), "vocab_size"),
    (lambda: CharRNN(5, 0), "hidden_size"),
])
def test_models_refuse_nonsense_hyperparameters(build, argument):
    with pytest.raises((ValueError, TypeError), match=argument):
        build()


def test_binary_adder_refuses_a_negative_learning_rate():
    classic = BinaryAdder(classic=True, seed=0)
    with pytest.raises(ValueError, match=r"alpha must be a number in \(0, inf\), got -1"):
        binary_adder_classic(classic, iterations=5, alpha=-1, echo=None)
    with pytest.raises(ValueError, match="lr must be a number in"):
        optim.Adam(BinaryAdder(bits=4, hidden_size=4), lr=-1)


# ---------------------------------------------------------------- layer inputs


@pytest.mark.parametrize("bad", [None, "abc", [[1, 2, 3]], [["a", "b", "c"]], {"x": 1}])
def test_linear_refuses_non_arrays_in_both_directions(bad):
    layer = Linear(3, 4, seed=0)
    with pytest.raises(TypeError, match="x must be a floating-point array"):
        layer.forward(bad)
    layer.forward(np.ones((2, 3)))
    with pytest.raises(TypeError, match="dout must be a floating-point array"):
        layer.backward(bad)


def test_linear_backward_says_what_it_got():
    layer = Linear(3, 4, seed=0)
    layer.forward(np.ones((2, 3)))
    with pytest.raises(TypeError, match="dout must be a floating-point array, got NoneType"):
        layer.backward(None)
    with pytest.raises(ValueError, match=r"dout must have shape \(2, 4\), got \(2, 5\)"):
        layer.backward(np.ones((2, 5)))


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize(("x", "error", "words"), [
    (None, TypeError, "x must be a floating-point array"),
    ("abc", TypeError, "x must be a floating-point array"),
    (np.ones((2, 5, 3), dtype=int), TypeError, "x must be a floating-point array"),
    (np.ones((5, 3)), ValueError, r"x must have 3 dimensions \(N, T, D\)"),
    (np.ones((2, 5, 7)), ValueError, r"x must have shape \(\*, \*, 3\)"),
    (np.ones((2, 0, 3)), ValueError, "x must have at least one time step"),
])
def test_recurrent_layers_refuse_bad_sequences(name, x, error, words):
    with pytest.raises(error, match=words):
        LAYERS[name](seed=0).forward(x)


@pytest.mark.parametrize("name", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cells_refuse_bad_steps(name):
    cell = LAYERS[name](seed=0)
    with pytest.raises(TypeError, match="x must be a floating-point array"):
        cell.forward([[1, 2, 3]])
    with pytest.raises(ValueError, match=r"x must have shape \(\*, 3\)"):
        cell.forward(np.ones((2, 4)))


def test_embedding_refuses_float_and_out_of_range_ids():
    layer = Embedding(5, 2, seed=0)
    with pytest.raises(TypeError, match="ids must be an integer array, got dtype float64"):
        layer.forward(np.array([0.0, 1.7]))
    with pytest.raises(TypeError, match="ids must be an integer array"):
        layer.forward(np.array([True, False]))
    with pytest.raises(ValueError, match=r"ids must lie in \[0, 5\)"):
        layer.forward(np.array([0, 5]))
    layer.forward(np.array([0, 1]))
    with pytest.raises(TypeError, match="dout must be a floating-point array"):
        layer.backward("abc")


def test_dropout_refuses_non_arrays():
    with pytest.raises(TypeError, match="x must be a floating-point array"):
        Dropout(0.5, seed=0).forward(["a"])
    with pytest.raises(TypeError, match="dout must be a floating-point array"):
        Dropout(0.5, seed=0).backward(None)


def test_layers_refuse_integer_parameters_and_casts():
    layer = Layer()
    with pytest.raises(TypeError, match="parameter W must be a floating-point array, got int64"):
        layer.add_param("W", np.zeros((2, 2), dtype=np.int64))
    with pytest.raises(TypeError, match="dtype must be a floating-point dtype"):
        Linear(2, 2, seed=0).astype(np.int32)


# ---------------------------------------------------------------- losses


LOSSES = {
    "softmax_cross_entropy": (losses.softmax_cross_entropy, np.zeros((2, 3, 4)),
                              np.zeros((2, 3), int)),
    "nll_loss": (losses.nll_loss, np.full((2, 3, 4), -np.log(4)), np.zeros((2, 3), int)),
    "mse_loss": (losses.mse_loss, np.zeros((2, 3)), np.zeros((2, 3))),
    "binary_cross_entropy": (losses.binary_cross_entropy, np.full((2, 3), 0.5),
                             np.zeros((2, 3))),
    "binary_cross_entropy_with_logits": (losses.binary_cross_entropy_with_logits,
                                         np.zeros((2, 3)), np.zeros((2, 3))),
}


@pytest.mark.parametrize(("mask", "error", "words"), [
    (np.array([[1, -1, 1], [1, 1, 1]]), ValueError, "mask must have no negative entries"),
    (np.array([[1, 1, -1], [0, 0, 1]]), ValueError, "mask must have no negative entries"),
    (np.zeros((2, 3)), ValueError, "mask must have a positive total"),
    (np.array([[1, np.nan, 1], [1, 1, 1]]), ValueError, "mask must be finite"),
    (np.array([[1, np.inf, 1], [1, 1, 1]]), ValueError, "mask must be finite"),
    (np.ones((3, 2)), ValueError, r"mask must have shape \(2, 3\)"),
    (np.full((2, 3), "a"), TypeError, "mask must be boolean or real numbers"),
])
@pytest.mark.parametrize("name", list(LOSSES))
def test_losses_refuse_bad_masks(name, mask, error, words):
    loss, pred, target = LOSSES[name]
    with pytest.raises(error, match=words):
        loss(pred, target, mask)


@pytest.mark.parametrize("name", list(LOSSES))
def test_losses_refuse_unknown_reductions(name):
    loss, pred, target = LOSSES[name]
    with pytest.raises(ValueError, match="unknown reduction 'max'"):
        loss(pred, target, reduction="max")


@pytest.mark.parametrize("name", ["softmax_cross_entropy", "nll_loss"])
@pytest.mark.parametrize(("targets", "error", "words"), [
    (np.zeros((2, 3)), TypeError, "targets must be an integer array, got dtype float64"),
    (np.zeros((2, 3), bool), TypeError, "targets must be an integer array"),
    (np.full((2, 3), 4), ValueError, r"targets must lie in \[0, 3\]"),
    (np.full((2, 3), -1), ValueError, r"targets must lie in \[0, 3\]"),
    (np.zeros((2, 4), int), ValueError, r"targets must have shape \(2, 3\)"),
    ("abc", TypeError, "targets must be an integer array, got str"),
])
def test_class_losses_refuse_bad_targets(name, targets, error, words):
    loss, pred, _ = LOSSES[name]
    with pytest.raises(error, match=words):
        loss(pred, targets)


@pytest.mark.parametrize("name", ["binary_cross_entropy", "binary_cross_entropy_with_logits"])
def test_binary_losses_refuse_targets_outside_0_1(name):
    loss, pred, _ = LOSSES[name]
    with pytest.raises(ValueError, match=r"targets must lie in \[0, 1\], got values from 0.0 to 2"):
        loss(pred, np.array([[0.0, 1.0, 2.0], [0.0, 0.0, 0.0]]))


def test_losses_refuse_non_float_predictions():
    with pytest.raises(TypeError, match="logits must be a floating-point array"):
        losses.softmax_cross_entropy(np.zeros((2, 3), int), np.zeros(2, int))
    with pytest.raises(ValueError, match=r"probs must lie in \[0, 1\]"):
        losses.binary_cross_entropy(np.full((2,), 1.5), np.zeros(2))


# ---------------------------------------------------------------- samplers


@pytest.fixture(scope="module")
def lm():
    return LanguageModel(5, 4, embedding_dim=3, seed=0)


@pytest.mark.parametrize(("call", "error", "words"), [
    (lambda m: m.generate([0.0, 1.7], 3, seed=0), TypeError, "ids must be an integer array"),
    (lambda m: m.generate(["a"], 3, seed=0), TypeError, "ids must be an integer array"),
    (lambda m: m.generate([7], 3, seed=0), ValueError, r"ids must lie in \[0, 5\)"),
    (lambda m: m.generate([], 3, seed=0), ValueError,
     "ids must hold at least one id to condition on"),
    (lambda m: m.generate([1], 3, temperature=0), ValueError, "temperature must be a number in"),
    (lambda m: m.generate([1], 3, temperature=-1), ValueError, "temperature"),
    (lambda m: m.generate([1], 3, temperature="hot"), TypeError, "temperature"),
    (lambda m: m.generate([1], 3, top_k=0), ValueError, "top_k must be a positive integer"),
    (lambda m: m.generate([1], 3, top_k=2.5), ValueError, "top_k must be a positive integer"),
    (lambda m: m.generate([1], 0), ValueError, "max_new_tokens must be a positive integer"),
    (lambda m: m.generate([1], 3, eos_id=9), ValueError, r"eos_id must be a token id in \[0, 5\)"),
    (lambda m: m.generate([1], 3, seed="x"), TypeError, "seed must be an int"),
])
def test_language_model_sampling_refuses_nonsense(lm, call, error, words):
    with pytest.raises(error, match=words):
        call(lm)


def test_sampling_helpers_refuse_nonsense():
    with pytest.raises(ValueError, match="temperature must be a number in"):
        softmax_with_temperature(np.zeros(3), 0.0)
    with pytest.raises(ValueError, match="top_k must be a positive integer"):
        pick_token(np.full(3, 1 / 3), np.random.default_rng(0), top_k=0)


@pytest.mark.parametrize(("kwargs", "error", "words"), [
    ({"temperature": 0}, ValueError, "temperature must be > 0"),
    ({"top_k": 0}, ValueError, "top_k must be a positive integer"),
    ({"seed_ix": 1.5}, TypeError, "seed_ix"),
    ({"seed_ix": 9}, ValueError, "seed_ix"),
    ({"n": 0}, ValueError, "n must be a positive integer"),
])
def test_char_rnn_sampling_refuses_nonsense(kwargs, error, words):
    model = CharRNN(5, 4, seed=0)
    call = {"h": None, "seed_ix": 1, "n": 3, **kwargs}
    with pytest.raises(error, match=words):
        model.sample(**call)


# ---------------------------------------------------------------- optimizers, clipping


@pytest.mark.parametrize(("build", "error", "words"), [
    (lambda m: optim.SGD(m, lr=-1), ValueError, r"lr must be a number in \[0, inf\), got -1"),
    (lambda m: optim.SGD(m, lr=float("nan")), ValueError, "lr must be a number in"),
    (lambda m: optim.SGD(m, lr="fast"), TypeError, "lr must be a real number, got str"),
    (lambda m: optim.Momentum(m, lr=0.1, momentum=1.0), ValueError, r"momentum .*\[0, 1\)"),
    (lambda m: optim.Momentum(m, lr=0.1, momentum=-0.5), ValueError, "momentum"),
    (lambda m: optim.Momentum(m, lr=0.1, momentum="a"), TypeError, "momentum"),
    (lambda m: optim.Adam(m, beta1=1.0), ValueError, "beta1"),
    (lambda m: optim.Adam(m, beta2=-0.1), ValueError, "beta2"),
    (lambda m: optim.Adam(m, eps=0), ValueError, "eps"),
    (lambda m: optim.RMSProp(m, lr=0.1, rho=1.5), ValueError, "rho"),
    (lambda m: optim.Adagrad(m, lr=-0.1), ValueError, "lr"),
    (lambda m: optim.SGD("model", lr=0.1), TypeError, "model must be a Layer"),
    (lambda m: optim.StepDecay(optim.SGD(m, 0.1), step_size=0), ValueError, "step_size"),
    (lambda m: optim.StepDecay(optim.SGD(m, 0.1), step_size=2, gamma=0), ValueError, "gamma"),
    (lambda m: optim.LambdaSchedule(optim.SGD(m, 0.1), fn=3), TypeError, "fn"),
    (lambda m: optim.LinearDecay(optim.SGD(m, 0.1), steps=0, final=0.5), ValueError,
     "steps must be a positive integer, got 0"),
    (lambda m: optim.LinearDecay(optim.SGD(m, 0.1), steps=10, final=1.5), ValueError,
     r"final must be a number in \[0, 1\], got 1.5"),
    (lambda m: clip.clip_grad_norm(m, -1.0), ValueError, "max_norm"),
    (lambda m: clip.clip_grad_value(m, 0.0), ValueError, "limit"),
])
def test_optimizers_and_clipping_refuse_nonsense(build, error, words):
    with pytest.raises(error, match=words):
        build(Linear(2, 2, seed=0))


# ---------------------------------------------------------------- the helpers themselves


def test_check_helpers_name_the_argument():
    with pytest.raises(TypeError, match="noise must be a real number, got str 'a'"):
        check_number("a", "noise")
    with pytest.raises(ValueError, match=r"rate must be a number in \[0, 1\), got 1"):
        check_number(1, "rate", 0, 1, high_open=True)
    with pytest.raises(TypeError, match="rng must be an int >= 0"):
        check_seed("x", "rng")
    with pytest.raises(TypeError, match="precision must be a floating-point dtype"):
        check_float_dtype(np.int16, "precision")
    generator = np.random.default_rng(1)
    assert make_rng(generator) is generator and check_float_dtype("float32") == np.float32


# ---------------------------------------------------------------- functional sequence passes


def _sequence_arrays(gates, H=4, D=3, N=2, T=5):
    rng = np.random.default_rng(0)
    return (rng.standard_normal((N, T, D)), rng.standard_normal((N, H)),
            rng.standard_normal((D, gates * H)), rng.standard_normal((H, gates * H)),
            rng.standard_normal(gates * H))


def _passes():
    from minirnn.functional import gru, lstm, rnn
    from minirnn.functional.fast import gru as fast_gru
    from minirnn.functional.fast import lstm as fast_lstm
    from minirnn.functional.fast import rnn as fast_rnn

    def with_c(forward):
        return lambda x, h0, Wx, Wh, b: forward(x, h0, np.zeros_like(h0), Wx, Wh, b)

    def with_b_hn(forward):
        return lambda x, h0, Wx, Wh, b: forward(x, h0, Wx, Wh, b, np.zeros(Wh.shape[0]))

    return {
        "rnn_forward": (rnn.rnn_forward, 1), "fast rnn_forward": (fast_rnn.rnn_forward, 1),
        "lstm_forward": (with_c(lstm.lstm_forward), 4),
        "fast lstm_forward": (with_c(fast_lstm.lstm_forward), 4),
        "gru_forward": (with_b_hn(gru.gru_forward), 3),
        "fast gru_forward": (with_b_hn(fast_gru.gru_forward), 3),
    }


@pytest.mark.parametrize("name", list(_passes()))
@pytest.mark.parametrize(("spoil", "error", "words"), [
    (lambda a, g: (a[0], a[1], a[2][:, :-1], a[3], a[4]), ValueError, r"Wx must have shape"),
    (lambda a, g: (a[0], a[1], a[2], a[3][:, :-1], a[4]), ValueError, r"Wh must have shape"),
    (lambda a, g: (a[0], a[1], a[2], a[3], a[4][:-1]), ValueError, r"b must have shape"),
    (lambda a, g: (a[0], a[1][:, :-1], a[2], a[3], a[4]), ValueError, r"h0 must have shape"),
    (lambda a, g: (a[0][0], a[1], a[2], a[3], a[4]), ValueError, r"x must have 3 dimensions"),
    (lambda a, g: (a[0].astype(int), a[1], a[2], a[3], a[4]), TypeError,
     "x must be a floating-point array"),
])
def test_functional_sequence_passes_check_their_shapes(name, spoil, error, words):
    forward, gates = _passes()[name]
    arrays = spoil(_sequence_arrays(gates), gates)
    with pytest.raises(error, match=words):
        forward(*arrays)


# ---------------------------------------------------------------- newer models, decoding, tasks


@pytest.mark.parametrize(("call", "error", "words"), [
    (lambda: __import__("minirnn.models.learn2carry", fromlist=["x"]).Learn2Carry(
        hidden_size=0), ValueError, "hidden_size must be a positive integer"),
    (lambda: __import__("minirnn.models.learn2carry", fromlist=["x"]).Learn2Carry(
        dtype=np.int32), TypeError, "dtype must be a floating-point dtype"),
    (lambda: _decode("greedy_decode", np.zeros((1, 3), int), 0), ValueError,
     "max_length must be a positive integer, got 0"),
    (lambda: _decode("greedy_decode", np.zeros((1, 3)), 5), TypeError, "must be an integer"),
    (lambda: _decode("beam_search", np.zeros((1, 3), int), 0, 5), ValueError,
     "beam_width must be a positive integer, got 0"),
    (lambda: Seq2Seq(9, hidden_size=4, embedding_dim=3, seed=0).generate(np.full((1, 3), 99), 5),
     ValueError, r"source must lie in \[0, 9\)"),
    (lambda: _task("binary_addition", "int_to_bits", 3, 0), ValueError,
     "bits must be a positive integer, got 0"),
    (lambda: _task("binary_addition", "int_to_bits", -3, 4), ValueError,
     "values must be non-negative integers"),
    (lambda: _task("digit_sum", "digit_sum_data", 10, 1, seed=0), ValueError,
     "length must be at least 2"),
    (lambda: _task("seq2seq", "addition_data", 0, seed=0), ValueError,
     "n must be a positive integer, got 0"),
    (lambda: _task("image_rows", "image_sequences", np.zeros((2, 8, 8)), read="diag"),
     ValueError, "unknown read 'diag'"),
    (lambda: Attention("dot", 3, 3).forward(np.zeros((2, 3), int), np.zeros((2, 4, 3))),
     TypeError, "query must be a floating-point array"),
])
def test_newer_models_decoders_and_tasks_refuse_nonsense(call, error, words):
    with pytest.raises(error, match=words):
        call()


def _decode(name, source, *args):
    from minirnn.models import seq2seq_decoding

    model = Seq2Seq(9, hidden_size=4, embedding_dim=3, seed=0)
    return getattr(seq2seq_decoding, name)(model, source, *args)


def _task(module, name, *args, **kwargs):
    import importlib

    return getattr(importlib.import_module(f"minirnn.tasks.{module}"), name)(*args, **kwargs)


# ---------------------------------------------------------------- helpers the API exposes


def _helper_cases():
    from minirnn.data import Vocab
    from minirnn.functional.gru import check_b_hn
    from minirnn.gradcheck import relative_error, require_float64
    from minirnn.layers import padded_rnn, state
    from minirnn.layers.registry import recurrent_layer
    from minirnn.models import char_rnn_sampling, language_model
    from minirnn.models.cross_entropy import cross_entropy_step
    from minirnn.models.poem_writer import PoemWriter
    from minirnn.train.classics import min_char_rnn
    from minirnn.train.events import ScheduledEvents
    from minirnn.train.progress import format_seconds
    from minirnn.train.reports import EpochLog

    vocab = Vocab.from_text("hello world")
    lm = LanguageModel(len(vocab), 4, embedding_dim=3, seed=0)
    char = CharRNN(len(vocab), 4, seed=0)
    classifier = SequenceClassifier(5, 2, hidden_size=4, seed=0)
    return [
        (lambda: check_b_hn(None, True), ValueError, "needs the hidden bias b_hn"),
        (lambda: relative_error(np.zeros(2), np.zeros(3)), ValueError,
         "analytic and numeric must have the same shape, got (2,) and (3,)"),
        (lambda: relative_error(np.zeros(2), np.zeros(2), floor=0), ValueError,
         "floor must be a number in (0, inf), got 0"),
        (lambda: relative_error(["a"], np.zeros(1)), TypeError,
         "analytic must be an array of real numbers, got list"),
        (lambda: require_float64(np.zeros(2, np.float32), "Wx"), TypeError,
         "gradient checks need float64, but Wx has dtype float32"),
        (lambda: recurrent_layer("tcn", 3, 4), ValueError,
         "unknown cell 'tcn'; expected one of 'rnn', 'lstm', 'gru'"),
        (lambda: recurrent_layer("rnn", 0, 4), ValueError,
         "input_size must be a positive integer, got 0"),
        (lambda: padded_rnn.lengths_from_mask(np.ones((2, 3)), (2, 4)), ValueError,
         "mask must have shape (2, 4) like the inputs, got (2, 3)"),
        (lambda: state.split_state((1, 2, 3), ("h", "c"), "LSTM"), TypeError,
         "state must be a tuple (h, c) for LSTM, got 3 entries"),
        (lambda: state.split_state((1, 2), ("h",), "GRU"), TypeError,
         "state must be an array: GRU has one state (h), got a tuple"),
        (lambda: language_model.generate_text(lm, vocab, "he", 0), ValueError,
         "length must be a positive integer, got 0"),
        (lambda: char_rnn_sampling.generate_text(char, vocab, "he", -1), ValueError,
         "length must be a positive integer, got -1"),
        (lambda: char_rnn_sampling.step_probs(char, np.zeros(4), 99), ValueError,
         "token must be a token id in [0, 8), got 99"),
        (lambda: char_rnn_sampling.step_probs(char, np.zeros(5), 1), ValueError,
         "h must have shape (4,), got (5,)"),
        (lambda: char_rnn_sampling.prime(char, [0.5]), TypeError,
         "ids must hold integer token ids, got dtype float64"),
        (lambda: PoemWriter(lm, vocab), ValueError,
         "vocab must have <bos> and <eos> (a poem vocabulary), got one without <bos>"),
        (lambda: cross_entropy_step(classifier, np.zeros((2, 2)), np.zeros(3, int), (2,),
                                    "sequence", False), ValueError, "targets must have shape"),
        (lambda: min_char_rnn(char, np.zeros(50, int), 0, echo=None), ValueError,
         "iterations must be a positive integer, got 0"),
        (lambda: min_char_rnn(char, "abc", 1, echo=None), ValueError,
         "data must be a non-empty 1-D sequence of token ids, got shape ()"),
        (lambda: ScheduledEvents(None, 0, None, None, None, None), ValueError,
         "val_every must be a positive integer or None, got 0"),
        (lambda: EpochLog(every=0), ValueError, "every must be a positive integer, got 0"),
        (lambda: format_seconds("soon"), TypeError,
         "seconds must be a real number, got str 'soon'"),
    ]


@pytest.mark.parametrize(("call", "error", "words"), _helper_cases(),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_helpers_refuse_nonsense(call, error, words):
    with pytest.raises(error) as caught:
        call()
    assert words in str(caught.value)
