"""Training: the one loop (:func:`fit`), what it records (:class:`History`) and checkpoints.

Every model of the library trains through :func:`fit`; a model takes part by implementing the
small protocol described in :mod:`minirnn.train.loop`. The package sits above the models
(it may import them, they never import it) and below the commands.

Modules
-------
:mod:`~minirnn.train.loop`
    :func:`fit`: the core loop, one update at a time.
:mod:`~minirnn.train.events`
    Validation, sampling and checkpoints when due; what callbacks receive.
:mod:`~minirnn.train.progress`
    The progress line.
:mod:`~minirnn.train.safety`
    The NaN/inf stop and the Ctrl-C guard.
:mod:`~minirnn.train.resume`
    Where a run stands, and saving and restoring it bit-identically.
:mod:`~minirnn.train.batches`
    The forms ``batches`` may take, and :func:`evaluate`.
:mod:`~minirnn.train.history`
    :class:`History`, the record of a run.
:mod:`~minirnn.train.checkpoint`
    :func:`save_checkpoint` and :func:`load_checkpoint`: one ``.npz`` file, no pickle;
    ``checkpoint_schema.py`` validates a file's metadata before anything is built from it.
``saving.py``
    Saving that never loses a trained model to a failed write.
``reports.py``
    Reports printed through fit's callbacks (d2l's per-epoch log).
``classics.py``
    The two classic replicas' own loops (min-char-rnn, the binary-addition script), kept
    beside ``fit`` only to print what the original scripts print.
"""

from minirnn.train.batches import evaluate
from minirnn.train.checkpoint import (
    Checkpoint,
    CheckpointError,
    load_checkpoint,
    load_params_into,
    save_checkpoint,
)
from minirnn.train.events import EpochInfo, TrainInfo
from minirnn.train.history import History
from minirnn.train.loop import fit
from minirnn.train.safety import TrainingDiverged

__all__ = [
    "Checkpoint",
    "CheckpointError",
    "EpochInfo",
    "History",
    "TrainInfo",
    "TrainingDiverged",
    "evaluate",
    "fit",
    "load_checkpoint",
    "load_params_into",
    "save_checkpoint",
]
