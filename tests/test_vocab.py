"""Vocab: deterministic order, specials, round trips (char, word, Chinese), JSON files."""

from __future__ import annotations

import json

import numpy as np
import pytest

from minirnn.data import Vocab


def test_char_vocab_is_sorted_and_round_trips():
    text = "hello world"
    v = Vocab.from_text(text)
    assert v.itos == [" ", "d", "e", "h", "l", "o", "r", "w"]
    ids = v.encode(text)
    assert ids.dtype == np.int64 and ids.shape == (11,)
    assert ids[:5].tolist() == [3, 2, 4, 4, 5]
    assert v.decode(ids) == text
    assert len(v) == 8 and "w" in v and "x" not in v
    assert v["o"] == 5 and v.to_token(5) == "o"


def test_same_tokens_any_order_same_ids():
    a = Vocab.from_text("abcabc xyz")
    b = Vocab.from_text("zyx cbacba")
    assert a == b


def test_specials_come_first_in_given_order():
    v = Vocab.from_text("ba", specials=["<pad>", "<unk>"])
    assert v.itos == ["<pad>", "<unk>", "a", "b"]
    assert (v.pad_id, v.unk_id, v.bos_id, v.eos_id) == (0, 1, None, None)
    all_four = Vocab.from_text("ba", specials=True)
    assert all_four.itos[:4] == ["<pad>", "<bos>", "<eos>", "<unk>"]
    assert all_four.decode([1, 2, 3, 0, 4, 5, 2], skip_specials=True) == "ab"


def test_unknown_tokens_map_to_unk_or_raise_naming_them():
    with_unk = Vocab.from_text("abc", specials=["<unk>"])
    assert with_unk.encode("abz").tolist() == [1, 2, 0]
    without = Vocab.from_text("abc")
    with pytest.raises(ValueError, match=r"2 token\(s\).*'y', 'z'"):
        without.encode("azy")


def test_word_level_whitespace_split():
    text = "the cat  sat\non the mat"
    v = Vocab.from_text(text, level="word", specials=["<unk>"])
    assert v.itos == ["<unk>", "cat", "mat", "on", "sat", "the"]
    ids = v.encode(text)
    assert v.decode(ids) == "the cat sat on the mat"
    assert v.encode(["the", "dog"]).tolist() == [5, 0]  # a token list is not re-split


def test_chinese_characters_are_characters():
    poem = "床前明月光，疑是地上霜。"
    v = Vocab.from_text(poem)
    assert len(v) == len(set(poem)) == 12
    assert v.decode(v.encode(poem)) == poem
    assert v.itos == sorted(set(poem))


def test_chinese_words_with_a_custom_tokenizer():
    def segment(text: str) -> list[str]:  # a toy segmenter: two characters a word
        return [text[i : i + 2] for i in range(0, len(text), 2)]

    v = Vocab.from_text("明月光明", level="word", tokenizer=segment, sep="")
    assert v.itos == sorted(["明月", "光明"])
    assert v.decode(v.encode("光明明月")) == "光明明月"


def test_min_freq():
    v = Vocab.from_text("aaab", specials=["<unk>"], min_freq=2)
    assert v.itos == ["<unk>", "a"]
    assert v.encode("ab").tolist() == [1, 0]


def test_from_a_list_of_texts():
    v = Vocab.from_text(["Anna", "Bob"], specials=["<pad>"])
    assert v.itos == ["<pad>", "A", "B", "a", "b", "n", "o"]


def test_save_load_json(tmp_path):
    v = Vocab.from_text("静夜思 moon", specials=["<bos>", "<eos>"])
    path = tmp_path / "vocab.json"
    v.save(path)
    raw = path.read_text(encoding="utf-8")
    assert "静" in raw  # readable UTF-8, not \u escapes
    data = json.loads(raw)
    assert data["itos"] == v.itos and data["format"] == "minirnn.vocab"
    loaded = Vocab.load(path)
    assert loaded == v
    assert loaded.encode("思 m").tolist() == v.encode("思 m").tolist()
    assert loaded.bos_id == 0 and loaded.eos_id == 1


def test_word_vocab_save_load_keeps_level_and_sep(tmp_path):
    v = Vocab.from_text("a b c", level="word")
    v.save(tmp_path / "v.json")
    loaded = Vocab.load(tmp_path / "v.json")
    assert loaded.level == "word" and loaded.decode([2, 0]) == "c a"


def test_load_rejects_other_files(tmp_path):
    (tmp_path / "x.json").write_text('{"hello": 1}', encoding="utf-8")
    with pytest.raises(ValueError, match="not a minirnn vocabulary"):
        Vocab.load(tmp_path / "x.json")
    (tmp_path / "y.json").write_text("{", encoding="utf-8")
    with pytest.raises(ValueError, match="not valid JSON"):
        Vocab.load(tmp_path / "y.json")


def test_bad_input():
    with pytest.raises(ValueError, match="level"):
        Vocab.from_text("abc", level="byte")
    with pytest.raises(TypeError, match="from_text"):
        Vocab("abc")
    with pytest.raises(IndexError, match="out of range"):
        Vocab.from_text("ab").decode([0, 2])
    with pytest.raises(TypeError, match="integers"):
        Vocab.from_text("ab").decode(np.array([0.5]))


def test_tinyshakespeare_vocab(tinyshakespeare_path):
    text = tinyshakespeare_path.read_text(encoding="utf-8")
    v = Vocab.from_text(text)
    assert len(v) == 65
    ids = v.encode(text)
    assert ids.shape == (1115394,)
    assert v.decode(ids[:1000]) == text[:1000]
