"""Every exercise by name: what ``minirnn exercise list`` shows and ``check`` looks up."""

from __future__ import annotations

from minirnn.exercises.attention import DOT_ATTENTION_BACKWARD
from minirnn.exercises.exercise import Exercise
from minirnn.exercises.forwards import (
    GRU_STEP_FORWARD,
    LSTM_STEP_FORWARD,
    RNN_FORWARD,
    RNN_STEP_FORWARD,
)
from minirnn.exercises.gated import GRU_STEP_BACKWARD, LSTM_STEP_BACKWARD
from minirnn.exercises.outputs import EMBEDDING_BACKWARD, SOFTMAX_CROSS_ENTROPY_BACKWARD
from minirnn.exercises.rnn import RNN_BACKWARD, RNN_STEP_BACKWARD
from minirnn.exercises.sequences import GRU_BACKWARD, LSTM_BACKWARD
from minirnn.exercises.training import (
    CLIP_BY_GLOBAL_NORM,
    LOSS_FUN,
    SAMPLE_WITH_TEMPERATURE,
    SEQUENTIAL_PARTITION,
)

#: exercises in the order a course would set them: forwards, backwards, sequences, training
EXERCISES: dict[str, Exercise] = {
    exercise.name: exercise
    for exercise in (
        RNN_STEP_FORWARD,
        RNN_FORWARD,
        LSTM_STEP_FORWARD,
        GRU_STEP_FORWARD,
        RNN_STEP_BACKWARD,
        RNN_BACKWARD,
        LSTM_STEP_BACKWARD,
        GRU_STEP_BACKWARD,
        LSTM_BACKWARD,
        GRU_BACKWARD,
        SOFTMAX_CROSS_ENTROPY_BACKWARD,
        EMBEDDING_BACKWARD,
        DOT_ATTENTION_BACKWARD,
        SEQUENTIAL_PARTITION,
        CLIP_BY_GLOBAL_NORM,
        LOSS_FUN,
        SAMPLE_WITH_TEMPERATURE,
    )
}


def get_exercise(name: str) -> Exercise:
    """The exercise called ``name``, or a ValueError listing the ones that exist."""
    if not isinstance(name, str):
        raise TypeError(f"an exercise name must be a str, got {type(name).__name__}")
    if name not in EXERCISES:
        raise ValueError(
            f"no exercise named {name!r}; the exercises are: {', '.join(EXERCISES)}"
        )
    return EXERCISES[name]
