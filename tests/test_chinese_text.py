"""Chinese text: tokenizers by name (jieba present and absent), encodings, d2l's epoch log."""

from __future__ import annotations

import sys
from types import SimpleNamespace

import numpy as np
import pytest

from minirnn.cli import main
from minirnn.commands.lm import load_language_model
from minirnn.data import Vocab, load_text
from minirnn.data.tokenizers import MissingDependencyError, get_tokenizer, jieba_cut, joiner
from minirnn.layers import Linear
from minirnn.train.reports import EpochLog

LYRICS = "想要有直升机\n想要和你飞到宇宙去\n想要和你融化在一起\n融化在宇宙里\n" * 30


@pytest.fixture
def no_jieba(monkeypatch):
    """Simulate a Python without jieba: its import fails as it would if it were absent."""
    monkeypatch.setitem(sys.modules, "jieba", None)


@pytest.fixture
def gbk_file(tmp_path):
    path = tmp_path / "lyrics_gbk.txt"
    path.write_bytes(LYRICS.encode("gbk"))
    return path


def test_tokenizers_by_name_and_their_joiners():
    assert get_tokenizer("char")("分开 了") == ["分", "开", " ", "了"]
    assert get_tokenizer("whitespace")(" a  b\nc ") == ["a", "b", "c"]
    assert (joiner("char"), joiner("whitespace"), joiner("jieba")) == ("", " ", "")
    with pytest.raises(ValueError, match="unknown tokenizer 'bpe'"):
        get_tokenizer("bpe")


def test_jieba_segments_words_and_joins_back_exactly():
    pytest.importorskip("jieba", reason="the [zh] extra (jieba) is in the [test] extra")
    words = jieba_cut("我爱北京天安门\n你好")
    assert "北京" in words and "\n" in words
    assert "".join(words) == "我爱北京天安门\n你好"
    vocab = Vocab.from_text(LYRICS, tokenizer="jieba")
    assert vocab.tokenizer_name == "jieba" and vocab.level == "word" and vocab.sep == ""
    assert "直升机" in vocab and "宇宙" in vocab
    ids = vocab.encode("想要和你飞到宇宙去")
    assert len(ids) < len("想要和你飞到宇宙去")  # words, not characters
    assert vocab.decode(ids) == "想要和你飞到宇宙去"


def test_without_jieba_char_level_works_and_jieba_says_how_to_install(no_jieba):
    vocab = Vocab.from_text(LYRICS, tokenizer="char")
    assert vocab.decode(vocab.encode("融化在宇宙里")) == "融化在宇宙里"
    with pytest.raises(MissingDependencyError, match=r'pip install "minirnn\[zh\]"'):
        Vocab.from_text(LYRICS, tokenizer="jieba")
    with pytest.raises(ImportError):  # also an ImportError, for code that catches those
        jieba_cut("你好")


def test_vocab_file_remembers_the_tokenizer(tmp_path):
    vocab = Vocab.from_text("a b b c", tokenizer="whitespace")
    vocab.save(tmp_path / "v.json")
    again = Vocab.load(tmp_path / "v.json")
    assert again == vocab and again.tokenizer_name == "whitespace"
    assert again.decode(again.encode("c a")) == "c a"
    # a jieba vocabulary loads (and decodes) without jieba; only splitting new text needs it
    words = Vocab(["北京", "天安门"], tokenizer="jieba")
    words.save(tmp_path / "w.json")
    loaded = Vocab.load(tmp_path / "w.json")
    assert loaded.tokenizer_name == "jieba" and loaded.decode([1, 0]) == "天安门北京"


def test_vocab_files_from_before_the_tokenizer_name_still_load(tmp_path):
    data = Vocab.from_text("x y", level="word").to_dict()
    del data["tokenizer"]
    assert Vocab.from_dict(data).tokenizer_name == "whitespace"


def test_load_text_decodes_gbk_and_names_the_offset_when_it_cannot(gbk_file, tmp_path):
    assert load_text(gbk_file, encoding="gbk") == LYRICS
    assert load_text(gbk_file, encoding="gb18030") == LYRICS
    with pytest.raises(ValueError, match=r"not valid utf-8 text: cannot decode byte offset 0 "):
        load_text(gbk_file)
    broken = tmp_path / "broken.txt"
    broken.write_bytes("你好".encode() + b"\xff" + "吗".encode())
    with pytest.raises(ValueError, match=r"utf-8 .*byte offset 6 \(bytes ff"):
        load_text(broken)
    with pytest.raises(ValueError, match="unknown text encoding 'klingon'"):
        load_text(broken, encoding="klingon")


def test_epoch_log_prints_once_per_epoch_with_continuations():
    lines = []
    model = Linear(2, 2, seed=0)
    log = EpochLog(lambda m: ["分开 的\n歌", "不分开"], write=lines.append)
    for epoch, loss in enumerate([2.0, 1.0]):
        log(SimpleNamespace(epoch=epoch, iteration=3 * (epoch + 1), loss=loss, model=model))
    every_other = EpochLog(every=2, write=lines.append)
    for epoch in range(3):
        every_other(SimpleNamespace(epoch=epoch, loss=0.0, model=model))
    assert [r[0] for r in log.records] == [1, 2]
    assert log.records[0][1] == pytest.approx(np.exp(2.0))
    assert log.records[1][1] == pytest.approx(np.exp(1.0))
    assert lines[0].startswith("epoch 1, perplexity 7.389056, time ")
    assert lines[1:3] == [" - 分开 的 歌", " - 不分开"]
    assert lines[3].startswith("epoch 2, perplexity 2.718282")
    assert lines[4:6] == [" - 分开 的 歌", " - 不分开"]
    assert len(lines) == 7 and lines[6].startswith("epoch 2, perplexity 1.000000")
    assert model.training  # back in training mode after the continuations


def test_lm_cli_gbk_file_char_level_with_prefixes(gbk_file, tmp_path, capsys, no_jieba):
    out_path = tmp_path / "lm.npz"
    argv = ["lm", "train", "--data", str(gbk_file), "--encoding", "gbk", "--epochs", "2",
            "--seq-len", "16", "--batch-size", "8", "--hidden", "32", "--embed", "16",
            "--prefixes", "想要, 融化", "--prefix-length", "8", "--out", str(out_path),
            "--quiet"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "chars (char)" in out
    assert out.count("perplexity") == 3  # two epoch lines and the final validation line
    assert out.count(" - 想要") == 2 and out.count(" - 融化") == 2
    model, vocab = load_language_model(out_path)
    assert vocab.tokenizer_name == "char"


def test_lm_cli_jieba_without_jieba_is_one_clear_line(gbk_file, tmp_path, capsys, no_jieba):
    argv = ["lm", "train", "--data", str(gbk_file), "--encoding", "gb18030", "--tokenizer",
            "jieba", "--out", str(tmp_path / "lm.npz")]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert 'pip install "minirnn[zh]"' in err and "Traceback" not in err


def test_lm_cli_wrong_encoding_names_encoding_and_offset(gbk_file, tmp_path, capsys):
    # a failure, reported in one line (1 or 2: the status is the error boundary's business)
    status = main(["lm", "train", "--data", str(gbk_file), "--out", str(tmp_path / "x.npz")])
    assert status in (1, 2)
    err = capsys.readouterr().err
    assert "not valid utf-8 text: cannot decode byte offset 0" in err


def test_lm_cli_jieba_words_then_generate(gbk_file, tmp_path, capsys):
    pytest.importorskip("jieba", reason="the [zh] extra (jieba) is in the [test] extra")
    out_path = tmp_path / "lm.npz"
    argv = ["lm", "train", "--data", str(gbk_file), "--encoding", "gbk", "--tokenizer",
            "jieba", "--epochs", "1", "--seq-len", "8", "--batch-size", "4", "--hidden", "16",
            "--embed", "8", "--out", str(out_path), "--quiet"]
    assert main(argv) == 0
    assert "words (jieba)" in capsys.readouterr().out
    assert main(["lm", "generate", str(out_path), "--prefix", "想要和你", "--length", "5"]) == 0
    text = capsys.readouterr().out.strip()
    assert text.startswith("想要和你") and " " not in text  # jieba's words join with ""
    _, vocab = load_language_model(out_path)
    assert vocab.tokenizer_name == "jieba"


def test_char_rnn_on_jieba_words_as_seed_001(gbk_file, tmp_path, capsys):
    pytest.importorskip("jieba", reason="the [zh] extra (jieba) is in the [test] extra")
    from minirnn.train import load_checkpoint

    out = tmp_path / "cr.npz"
    argv = ["char-rnn", "train", "--data", str(gbk_file), "--encoding", "gbk", "--tokenizer",
            "jieba", "--iters", "20", "--hidden", "8", "--seq-length", "5", "--sample-every",
            "0", "--no-plot", "--out", str(out)]
    assert main(argv) == 0
    assert "nats/word" in capsys.readouterr().out
    assert Vocab.from_dict(load_checkpoint(out).vocab).tokenizer_name == "jieba"
    assert main(["char-rnn", "sample", str(out), "--length", "10"]) == 0
    assert " " not in capsys.readouterr().out.strip()  # words joined without spaces


def test_char_rnn_jieba_without_jieba(gbk_file, tmp_path, capsys, no_jieba):
    argv = ["char-rnn", "train", "--data", str(gbk_file), "--encoding", "gbk", "--tokenizer",
            "jieba", "--iters", "5", "--no-plot", "--out", str(tmp_path / "cr.npz")]
    assert main(argv) == 1
    assert 'pip install "minirnn[zh]"' in capsys.readouterr().err
