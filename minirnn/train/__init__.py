"""Training: the one loop (:func:`fit`), what it records (:class:`History`) and checkpoints.

Every model of the library trains through :func:`fit`; a model takes part by implementing the
small protocol described in :mod:`minirnn.train.loop`. The package sits above the models
(it may import them, they never import it) and below the commands.

Modules
-------
:mod:`~minirnn.train.loop`
    :func:`fit` and :func:`evaluate`.
:mod:`~minirnn.train.history`
    :class:`History`, the record of a run.
:mod:`~minirnn.train.checkpoint`
    :func:`save_checkpoint` and :func:`load_checkpoint`: one ``.npz`` file, no pickle.
"""

from minirnn.train.checkpoint import (
    Checkpoint,
    CheckpointError,
    load_checkpoint,
    load_params_into,
    save_checkpoint,
)
from minirnn.train.history import History
from minirnn.train.loop import TrainInfo, TrainingDiverged, evaluate, fit

__all__ = [
    "Checkpoint",
    "CheckpointError",
    "History",
    "TrainInfo",
    "TrainingDiverged",
    "evaluate",
    "fit",
    "load_checkpoint",
    "load_params_into",
    "save_checkpoint",
]
