"""Images read as sequences (seed 002 on the UCI digits): data, model, scores, command."""

from __future__ import annotations

import numpy as np
import pytest

from minirnn.cli import main
from minirnn.data import Batch
from minirnn.data.corpora import digits
from minirnn.experiments.image_rows import evaluate_image_reader, train_image_reader
from minirnn.gradcheck import check_model
from minirnn.metrics import confusion_matrix, format_confusion
from minirnn.models.classifier import SequenceClassifier
from minirnn.plot import plot_confusion, plot_images
from minirnn.tasks.image_rows import image_sequences, split_images


def test_rows_and_columns_are_the_image_and_its_transpose():
    images = np.arange(2 * 3 * 4, dtype=float).reshape(2, 3, 4)
    rows = image_sequences(images, "rows")
    columns = image_sequences(images, "columns")
    assert rows.shape == (2, 3, 4) and columns.shape == (2, 4, 3)
    assert np.array_equal(rows[1, 2], images[1, 2])  # step 2 = row 2
    assert np.array_equal(columns[1, 3], images[1, :, 3])  # step 3 = column 3
    with pytest.raises(ValueError, match="unknown read 'diagonal'"):
        image_sequences(images, "diagonal")


def test_split_is_stratified_and_seeded():
    labels = np.repeat(np.arange(5), 20)
    images = np.zeros((100, 2, 2))
    data = split_images(images, labels, test_fraction=0.2, seed=4)
    assert np.bincount(data.test_labels).tolist() == [4] * 5
    again = split_images(images, labels, test_fraction=0.2, seed=4)
    assert np.array_equal(again.train_labels, data.train_labels)


def test_confusion_matrix_counts_and_text():
    matrix = confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0], 3)
    assert matrix.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    text = format_confusion(matrix)
    assert text.splitlines()[0].split() == ["true\\pred", "0", "1", "2"]
    assert text.splitlines()[3].split() == ["2", "1", "0", "2"]
    with pytest.raises(ValueError, match=r"predicted must lie in \[0, 3\)"):
        confusion_matrix([0], [3], 3)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_classifier_on_float_rows_gradients(cell, bidirectional):
    rng = np.random.default_rng(0)
    batch = Batch(rng.random((3, 4, 5)), np.array([0, 2, 1]))
    model = SequenceClassifier(None, 3, hidden_size=4, cell=cell, bidirectional=bidirectional,
                               input_size=5, seed=1)
    report = check_model(model, lambda: model.forward_backward(batch), k=6, directions=2)
    report.assert_ok()
    assert report.rows[0].max_error < 1e-7


def test_classifier_feature_mode_checks_its_inputs():
    with pytest.raises(ValueError, match="leave vocab_size and embedding_dim None"):
        SequenceClassifier(10, 3, input_size=5)
    with pytest.raises(ValueError, match="give vocab_size"):
        SequenceClassifier(None, 3)
    model = SequenceClassifier(None, 3, hidden_size=4, input_size=5, seed=0)
    with pytest.raises(ValueError, match=r"shape \(N, T, 5\), got \(2, 4, 6\)"):
        model.forward(np.zeros((2, 4, 6)))
    with pytest.raises(TypeError, match="float feature vectors"):
        model.forward(np.zeros((2, 4, 5), dtype=np.int64))


def test_training_on_digit_rows_improves_held_out_accuracy():
    images, labels = digits()
    data = split_images(images, labels, seed=0)
    model = train_image_reader(data, "gru", hidden_size=32, epochs=3, seed=0, verbose=False)
    accuracy, matrix, predicted = evaluate_image_reader(model, data)
    assert matrix.sum() == len(data.test_labels) == len(predicted)
    assert accuracy > 0.85  # chance is 0.10


def test_plots_of_confusion_and_images():
    matrix = np.array([[3, 1], [0, 4]])
    ax = plot_confusion(matrix, labels=["a", "b"])
    assert [t.get_text() for t in ax.texts] == ["3", "1", "4"]
    fig = plot_images(np.zeros((3, 8, 8)), titles=["x", "y", "z"], columns=2)
    assert len(fig.axes) == 4 and fig.axes[1].get_title() == "y"


def test_cli_digits_reports_accuracy_and_confusion(capsys, tmp_path):
    figure = tmp_path / "confusion.png"
    argv = ["classify", "digits", "--cell", "gru", "--read", "columns", "--hidden", "16",
            "--epochs", "1", "--quiet", "--plot", str(figure)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "1438 training and 359 held-out images" in out and "(columns)" in out
    assert "held-out accuracy" in out and out.count("\n") > 11
    assert figure.stat().st_size > 0
