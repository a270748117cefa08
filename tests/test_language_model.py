"""LanguageModel: whole-model gradient checks, state carrying (truncated BPTT), training,
generation (greedy, temperature, top-k, <eos>), perplexity, Unicode and word level."""

from __future__ import annotations

import numpy as np
import pytest

from minirnn.data import Batch, LMBatches, Vocab, builtin_corpus, padded_batches
from minirnn.gradcheck import check_model
from minirnn.models.language_model import (
    LanguageModel,
    generate_text,
    perplexity,
    pick_token,
    softmax_with_temperature,
)
from minirnn.optim import Adam
from minirnn.train import fit

# Four public-domain Tang quatrains (Li Bai, Meng Haoran, Wang Zhihuan, Wang Wei).
POEMS = [
    "床前明月光，疑是地上霜。举头望明月，低头思故乡。",
    "春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。",
    "白日依山尽，黄河入海流。欲穷千里目，更上一层楼。",
    "红豆生南国，春来发几枝。愿君多采撷，此物最相思。",
]


@pytest.fixture(scope="module")
def corpus():
    text = builtin_corpus()[:4000]
    vocab = Vocab.from_text(text)
    return vocab, vocab.encode(text)


def _random_state(model: LanguageModel, n: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    return tuple(0.5 * rng.standard_normal(s.shape) for s in model.zero_state(n))


# -- gradient checks ---------------------------------------------------------------------
@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize(("embedding_dim", "num_layers"), [(None, 1), (4, 2)])
def test_whole_model_gradient_check(corpus, cell, embedding_dim, num_layers):
    vocab, ids = corpus
    model = LanguageModel(len(vocab), 5, embedding_dim=embedding_dim, cell=cell,
                          num_layers=num_layers, seed=0)
    batch = next(iter(LMBatches(ids, 3, 4, seed=0)))
    # a carried (non-zero) initial state and a mask with holes, as real batches have
    state = _random_state(model, 3)
    mask = np.ones((3, 4), dtype=bool)
    mask[0, 2:] = False
    mask[2, 0] = False

    def loss_fn() -> float:
        return model.loss_and_grads(batch.inputs, batch.targets, mask, state)[0]

    report = check_model(model, loss_fn, seed=0, k=6, directions=2)
    report.assert_ok()
    directional = [row.max_error for row in report.rows if row.checked == 0]
    assert len(directional) == 2 and max(directional) < 1e-7
    assert {row.name for row in report.rows} >= {"rnn.Wx" if num_layers == 1 else "rnn.l1.Wh",
                                                 "out.W", "out.b"}


def test_gradient_check_with_fixed_dropout_masks(corpus):
    vocab, ids = corpus
    model = LanguageModel(len(vocab), 6, embedding_dim=4, cell="lstm", num_layers=2,
                          dropout=0.4, seed=3)
    model.drop.fixed_masks = True
    model.rnn.fixed_dropout_masks = True
    batch = next(iter(LMBatches(ids, 2, 5, seed=1)))
    report = check_model(
        model, lambda: model.loss_and_grads(batch.inputs, batch.targets)[0], seed=1, k=5
    )
    report.assert_ok()
    # dropout really acted: evaluation mode gives a different loss
    train_loss = model.loss_and_grads(batch.inputs, batch.targets)[0]
    model.eval()
    assert model.loss_and_grads(batch.inputs, batch.targets)[0] != pytest.approx(train_loss)


# -- state across batches ------------------------------------------------------------------
def test_sequential_batches_carry_the_state_and_random_ones_reset(corpus):
    vocab, ids = corpus
    model = LanguageModel(len(vocab), 8, embedding_dim=6, cell="lstm", num_layers=2, seed=0)
    first, second = list(LMBatches(ids, 4, 6, scheme="sequential", seed=0))[:2]
    assert first.reset_state and not second.reset_state
    loss1, final1 = model.loss_and_grads(first.inputs, first.targets)
    loss_carried, _ = model.loss_and_grads(second.inputs, second.targets, state=final1)
    loss_fresh, _ = model.loss_and_grads(second.inputs, second.targets)
    assert loss_carried != pytest.approx(loss_fresh)  # the state matters

    assert model.forward_backward(first) == pytest.approx(loss1)
    assert model.forward_backward(second) == pytest.approx(loss_carried)
    # a batch that asks for a reset starts from zeros even after others
    reset = Batch(second.inputs, second.targets, reset_state=True)
    assert model.forward_backward(reset) == pytest.approx(loss_fresh)


def test_truncated_bptt_gradient_stops_at_the_chunk_boundary(corpus):
    vocab, ids = corpus
    model = LanguageModel(len(vocab), 6, embedding_dim=4, cell="gru", seed=2)
    first, second = list(LMBatches(ids, 2, 5, seed=0))[:2]
    model.forward_backward(first)
    carried = model._states["train"]
    model.zero_grad()
    model.forward_backward(second)
    grads = {k: v.copy() for k, v in model.gradients().items()}
    # the same as a fresh computation from the carried values: nothing flowed into batch 1
    model.zero_grad()
    model.loss_and_grads(second.inputs, second.targets, state=carried)
    for name, value in model.gradients().items():
        np.testing.assert_allclose(grads[name], value, rtol=1e-12, err_msg=name)


def test_evaluation_keeps_its_own_state(corpus):
    vocab, ids = corpus
    model = LanguageModel(len(vocab), 6, embedding_dim=4, seed=0)
    batches = list(LMBatches(ids, 2, 5, seed=0))[:3]
    model.forward_backward(batches[0])
    expected = model.loss_and_grads(batches[1].inputs, batches[1].targets,
                                    state=model._states["train"])[0]
    model.evaluate(Batch(batches[2].inputs, batches[2].targets, reset_state=True))
    assert model.forward_backward(batches[1]) == pytest.approx(expected)


def test_batch_size_change_resets_instead_of_failing(corpus):
    vocab, ids = corpus
    model = LanguageModel(len(vocab), 6, seed=0)
    model.forward_backward(next(iter(LMBatches(ids, 4, 5, seed=0))))
    small = next(iter(LMBatches(ids, 2, 5, seed=0)))
    small.reset_state = False
    assert np.isfinite(model.forward_backward(small))


# -- training and perplexity -------------------------------------------------------------
def test_training_reduces_validation_loss(corpus):
    vocab, ids = corpus
    train_ids, val_ids = ids[:3600], ids[3600:]
    model = LanguageModel(len(vocab), 32, embedding_dim=16, cell="lstm", seed=0)
    val = LMBatches(val_ids, 4, 16, seed=1)
    before, ppl_before = perplexity(model, val)
    fit(model, Adam(model, lr=0.01), LMBatches(train_ids, 8, 16, seed=0), iterations=60,
        clip_norm=5.0, verbose=False)
    after, _ = perplexity(model, val)
    assert ppl_before == pytest.approx(np.exp(before))
    assert after < before - 0.6, (before, after)


def test_uniform_model_has_perplexity_equal_to_vocabulary_size(corpus):
    vocab, ids = corpus
    model = LanguageModel(len(vocab), 4, seed=0)
    model.out.params["W"][...] = 0.0
    model.out.params["b"][...] = 0.0
    loss, ppl = perplexity(model, LMBatches(ids[:500], 2, 10, seed=0))
    assert loss == pytest.approx(np.log(len(vocab)))
    assert ppl == pytest.approx(len(vocab))


def test_masked_positions_do_not_count():
    model = LanguageModel(5, 4, embedding_dim=3, seed=0)
    inputs = np.array([[1, 2, 3, 0]])
    targets = np.array([[2, 3, 4, 0]])
    mask = np.array([[True, True, True, False]])
    full, _ = model.loss_and_grads(inputs, targets, mask)
    changed = targets.copy()
    changed[0, 3] = 1  # a different target under the mask changes nothing
    assert model.loss_and_grads(inputs, changed, mask)[0] == pytest.approx(full)


# -- generation ------------------------------------------------------------------------------
def test_softmax_temperature_and_top_k_sampling():
    logits = np.array([2.0, 1.0, 0.0, -1.0])
    p1 = softmax_with_temperature(logits)
    cold = softmax_with_temperature(logits, 0.5)
    hot = softmax_with_temperature(logits, 2.0)
    assert p1.sum() == pytest.approx(1.0)
    assert cold[0] > p1[0] > hot[0]
    rng = np.random.default_rng(0)
    draws = {pick_token(p1, rng, top_k=2) for _ in range(200)}
    assert draws == {0, 1}
    assert pick_token(p1, rng, greedy=True) == 0
    with pytest.raises(ValueError, match="temperature"):
        softmax_with_temperature(logits, 0.0)


def test_generation_is_seeded_and_stops_at_eos_or_length():
    model = LanguageModel(6, 8, embedding_dim=4, seed=0)
    a = model.generate([1, 2], 30, seed=7)
    b = model.generate([1, 2], 30, seed=7)
    assert a == b and 1 <= len(a) <= 30
    greedy = model.generate([1, 2], 10, greedy=True)
    assert greedy == model.generate([1, 2], 10, top_k=1, seed=3)
    ids, dists = model.generate([1, 2], 50, eos_id=greedy[0], greedy=True, return_probs=True)
    assert ids == [greedy[0]]
    assert len(dists) == len(ids) and all(d.sum() == pytest.approx(1.0) for d in dists)
    forced_stop = model.generate([1, 2], 10, greedy=True, eos_id=greedy[2])
    assert forced_stop == greedy[: greedy.index(greedy[2]) + 1]


def test_generation_warms_up_on_the_whole_prefix():
    model = LanguageModel(7, 8, cell="gru", seed=4)
    probs_all, _ = model.next_token_probs([1, 2, 3])
    _, state = model.next_token_probs([1, 2])
    probs_step, _ = model.next_token_probs([3], state)
    np.testing.assert_allclose(probs_all, probs_step, rtol=1e-12)


def test_chinese_poems_char_level_learns_and_generates_from_a_start_character():
    vocab = Vocab.from_text(POEMS, specials=["<pad>", "<bos>", "<eos>"])
    assert len(vocab) > 60 and "明" in vocab
    sequences = [[vocab.bos_id, *vocab.encode(p), vocab.eos_id] for p in POEMS]
    model = LanguageModel(len(vocab), 48, embedding_dim=16, cell="lstm", num_layers=2,
                          padding_idx=vocab.pad_id, seed=0)
    opt = Adam(model, lr=0.01)

    def epoch():
        return padded_batches(sequences, batch_size=4, pad_id=vocab.pad_id, rng=0)

    history = fit(model, opt, epoch, iterations=150, clip_norm=5.0, verbose=False)
    assert history.loss[-1] < 0.2 * history.loss[0]
    # four memorised poems: greedy generation from the first character recites its poem
    poem = generate_text(model, vocab, "床", 40, greedy=True)
    assert poem == POEMS[0]
    sampled = generate_text(model, vocab, "春", 40, temperature=0.8, seed=0)
    assert sampled.startswith("春") and set(sampled) <= set(vocab.itos)


def test_word_level_model_trains_and_decodes_words():
    text = "the cat sat on the mat . the dog sat on the log . " * 20
    vocab = Vocab.from_text(text, level="word")
    ids = vocab.encode(text)
    model = LanguageModel(len(vocab), 16, embedding_dim=8, cell="gru", seed=0)
    fit(model, Adam(model, lr=0.02), LMBatches(ids, 4, 6, seed=0), iterations=80,
        verbose=False)
    out = generate_text(model, vocab, "the cat", 4, greedy=True)
    assert out.startswith("the cat ") and all(w in vocab for w in out.split())
    assert out == "the cat sat on the mat"


# -- configuration and errors -------------------------------------------------------------
def test_config_round_trip_and_float32():
    model = LanguageModel(9, 6, embedding_dim=3, cell="gru", num_layers=2, dropout=0.2,
                          seed=0, dtype=np.float32)
    twin = LanguageModel.from_config(model.config(), seed=0)
    for name, value in model.parameters().items():
        np.testing.assert_array_equal(twin.parameters()[name], value)
    logits, state = model.forward(np.array([[1, 2, 3]]))
    assert logits.dtype == np.float32 and state[0].shape == (2, 1, 6)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda m: m.forward(np.array([[0.5, 1.0]])), TypeError, "integer"),
        (lambda m: m.forward(np.array([1, 2])), ValueError, r"\(N, T\)"),
        (lambda m: m.forward(np.array([[1, 9]])), ValueError, r"\[0, 5\)"),
        (lambda m: m.forward(np.array([[1, 2]]), (np.zeros((1, 3)),)), ValueError, "2 arrays"),
        (lambda m: m.forward(np.array([[1, 2]]), (np.zeros((2, 4)),) * 2), ValueError,
         r"\(1, 4\)"),
        (lambda m: m.loss_and_grads(np.array([[1, 2]]), np.array([[1]])), ValueError, "same shape"),
        (lambda m: m.generate([], 3), ValueError, "at least one id"),
    ],
)
def test_bad_input_raises_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call(LanguageModel(5, 4, cell="lstm", seed=0))


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="cell"):
        LanguageModel(5, 4, cell="transformer")
    with pytest.raises(ValueError, match="dropout"):
        LanguageModel(5, 4, dropout=1.5)
    with pytest.raises(ValueError, match="hidden_size"):
        LanguageModel(5, 0)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_loss_and_gradients_match_torch(cell):
    torch = pytest.importorskip("torch", reason="torch is only an optional test oracle")
    from minirnn.interop import to_torch_state_dict

    V, E, H, N, T = 11, 5, 7, 3, 6
    model = LanguageModel(V, H, embedding_dim=E, cell=cell, num_layers=2, seed=0)
    rng = np.random.default_rng(0)
    inputs, targets = rng.integers(0, V, (N, T)), rng.integers(0, V, (N, T))
    state = _random_state(model, N)
    loss, _ = model.loss_and_grads(inputs, targets, state=state)

    embed = torch.nn.Embedding(V, E).double()
    rnn_class = torch.nn.LSTM if cell == "lstm" else torch.nn.GRU
    rnn = rnn_class(E, H, 2, batch_first=True).double()
    out = torch.nn.Linear(H, V).double()
    with torch.no_grad():
        embed.weight.copy_(torch.from_numpy(model.embed.params["W"]))
        weights = to_torch_state_dict(model.rnn)
        rnn.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()})
        out.weight.copy_(torch.from_numpy(model.out.params["W"].T))
        out.bias.copy_(torch.from_numpy(model.out.params["b"]))
    torch_state = tuple(torch.from_numpy(s) for s in state)
    hs, _ = rnn(embed(torch.from_numpy(inputs)), torch_state if cell == "lstm" else torch_state[0])
    logits = out(hs)
    ref = torch.nn.functional.cross_entropy(logits.reshape(-1, V),
                                          torch.from_numpy(targets).reshape(-1))
    ref.backward()
    assert loss == pytest.approx(ref.item(), rel=1e-12)
    np.testing.assert_allclose(model.embed.grads["W"], embed.weight.grad, atol=1e-12)
    np.testing.assert_allclose(model.out.grads["W"], out.weight.grad.T, atol=1e-12)
    np.testing.assert_allclose(model.out.grads["b"], out.bias.grad, atol=1e-12)
    for k, core in enumerate(model.rnn.cores):  # row-vector layout: Wx = weight_ih.T
        np.testing.assert_allclose(core.grads["Wx"], getattr(rnn, f"weight_ih_l{k}").grad.T,
                                   atol=1e-12)
        np.testing.assert_allclose(core.grads["Wh"], getattr(rnn, f"weight_hh_l{k}").grad.T,
                                   atol=1e-12)
        np.testing.assert_allclose(core.grads["b"], getattr(rnn, f"bias_ih_l{k}").grad,
                                   atol=1e-12)
