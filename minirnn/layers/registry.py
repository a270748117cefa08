"""The registry of recurrent cells: one name per sequence-layer class.

Models, the command line (``--cell`` choices), ``minirnn gradcheck`` and
:mod:`minirnn.interop` look cells up here and ask the layer, never the name, how it behaves
(its ``state_names`` and ``gates``). Adding a cell is three pieces of code and no edit
anywhere else:

1. its functional pair in ``minirnn/functional/`` (the step pair, and a sequence pass);
2. its core, a :class:`~minirnn.layers.recurrent.RecurrentCore` subclass that sets
   ``num_gates``, ``gates`` and ``state_names`` and runs the pair;
3. one line in :data:`CELLS`, for example
   ``"peephole": RecurrentLayer.for_core(PeepholeLSTMCore)``.
"""

from __future__ import annotations

import numpy as np

from minirnn._checks import check_choice
from minirnn.layers.gru import GRU
from minirnn.layers.lstm import LSTM
from minirnn.layers.recurrent import RecurrentLayer
from minirnn.layers.rnn import RNN

#: cell name -> sequence-layer class
CELLS: dict[str, type[RecurrentLayer]] = {"rnn": RNN, "lstm": LSTM, "gru": GRU}


def check_cell(cell: object) -> str:
    """Return ``cell`` lower-cased after checking it names a registered cell."""
    cell = str(cell).lower()
    check_choice(cell, tuple(CELLS), "cell")
    return cell


def layer_class(cell: str) -> type[RecurrentLayer]:
    """The sequence-layer class registered as ``cell`` (``"lstm"`` -> :class:`LSTM`)."""
    return CELLS[check_cell(cell)]


def recurrent_layer(
    cell: str,
    input_size: int,
    hidden_size: int,
    seed: int | np.random.Generator | None = None,
    dtype: type = np.float64,
    **options: object,
) -> RecurrentLayer:
    """Build the layer registered as ``cell``.

    ``options`` are the layer's other keyword arguments (``num_layers``,
    ``bidirectional``, ``dropout``, and the cell's own, such as ``reset_after``).
    """
    return layer_class(cell)(input_size, hidden_size, seed=seed, dtype=dtype, **options)


def cell_name(layer: object) -> str:
    """The registered name of ``layer``'s class (``LSTM(...)`` -> ``"lstm"``).

    Raises
    ------
    TypeError
        If the layer's class is not in the registry.
    """
    for name, cls in CELLS.items():
        if type(layer) is cls:
            return name
    raise TypeError(
        f"expected a registered recurrent layer ({', '.join(c.__name__ for c in CELLS.values())})"
        f", got {type(layer).__name__}"
    )
