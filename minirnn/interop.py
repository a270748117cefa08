r"""Move recurrent-layer weights to and from PyTorch without importing torch.

A PyTorch ``state_dict`` of ``nn.RNN``, ``nn.LSTM`` or ``nn.GRU`` uses the keys
``weight_ih_l{k}[_reverse]`` (G*H, D_k), ``weight_hh_l{k}[_reverse]`` (G*H, H),
``bias_ih_l{k}[_reverse]`` and ``bias_hh_l{k}[_reverse]`` (G*H,). minirnn keeps the same
numbers in row-vector layout:

* ``Wx = weight_ih.T`` (D_k, G*H) and ``Wh = weight_hh.T`` (H, G*H), gate blocks in the
  same order (LSTM i, f, g, o; GRU r, z, n);
* one bias ``b = bias_ih + bias_hh``, because the two are only ever added, except for the
  GRU's n block with ``reset_after=True``, where ``bias_hh`` sits inside
  :math:`r \odot (h W_h^n + b_{hn})` and is kept apart as ``b_hn``.

Exporting writes ``bias_ih = b`` and ``bias_hh = 0`` (GRU: ``bias_hh = [0, 0, b_hn]``), so a
round trip reproduces every parameter exactly. See ``docs/pytorch.md``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from minirnn.layers.recurrent import RecurrentLayer
from minirnn.layers.registry import cell_name

__all__ = ["load_torch_state_dict", "to_torch_state_dict", "torch_state_dict_shapes"]

#: registered cell name -> the torch.nn module with the same maths and state_dict layout
TORCH_MODULES = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}

#: nonlinearities that nn.RNN offers
TORCH_RNN_NONLINEARITIES = ("tanh", "relu")


def _check_layer(layer: object) -> None:
    name = cell_name(layer)
    if name not in TORCH_MODULES:
        raise TypeError(f"the {name!r} cell ({type(layer).__name__}) has no PyTorch module")
    if getattr(layer, "reset_after", True) is False:
        raise ValueError(
            "a GRU with reset_after=False (reset gate before the matrix product, Cho et al. "
            "2014) has no PyTorch equivalent: nn.GRU always applies the reset gate after "
            "h @ W_hn. Use GRU(..., reset_after=True) to exchange weights with PyTorch."
        )
    if getattr(layer, "nonlinearity", "tanh") not in TORCH_RNN_NONLINEARITIES:
        raise ValueError(
            f"nn.RNN supports nonlinearity 'tanh' or 'relu', this RNN uses "
            f"{layer.nonlinearity!r}"
        )


def torch_state_dict_shapes(layer: RecurrentLayer) -> dict[str, tuple[int, ...]]:
    """The keys and shapes PyTorch's matching layer has, in PyTorch's order."""
    _check_layer(layer)
    shapes = {}
    for suffix, core in layer.named_cores():
        width = core.num_gates * core.hidden_size
        shapes[f"weight_ih_{suffix}"] = (width, core.input_size)
        shapes[f"weight_hh_{suffix}"] = (width, core.hidden_size)
        shapes[f"bias_ih_{suffix}"] = (width,)
        shapes[f"bias_hh_{suffix}"] = (width,)
    return shapes


def to_torch_state_dict(layer: RecurrentLayer) -> dict[str, np.ndarray]:
    """Return the layer's weights under PyTorch's key names and shapes (NumPy copies).

    ``torch_layer.load_state_dict({k: torch.from_numpy(v) for k, v in sd.items()})`` then
    loads them into ``nn.RNN``/``nn.LSTM``/``nn.GRU(..., batch_first=True)`` built with the
    same sizes, ``num_layers``, ``bidirectional`` and (RNN) ``nonlinearity``.
    """
    _check_layer(layer)
    state = {}
    for suffix, core in layer.named_cores():
        p = core.params
        state[f"weight_ih_{suffix}"] = np.ascontiguousarray(p["Wx"].T)
        state[f"weight_hh_{suffix}"] = np.ascontiguousarray(p["Wh"].T)
        state[f"bias_ih_{suffix}"] = p["b"].copy()
        bias_hh = np.zeros_like(p["b"])
        if "b_hn" in p:
            bias_hh[2 * core.hidden_size :] = p["b_hn"]
        state[f"bias_hh_{suffix}"] = bias_hh
    return state


def _as_numpy(value: object) -> np.ndarray:
    """NumPy view of an array or of a torch tensor (duck-typed, so torch is never imported)."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def load_torch_state_dict(layer: RecurrentLayer, state_dict: Mapping[str, object]) -> None:
    """Copy a PyTorch ``state_dict`` into ``layer``'s parameters, in place.

    Values may be NumPy arrays or torch tensors. The parameter arrays keep their identity
    and dtype (an optimizer holding them keeps working).

    Raises
    ------
    ValueError
        Listing every missing key, every unexpected key and every key with the wrong shape,
        all at once; nothing is changed in that case.
    """
    expected = torch_state_dict_shapes(layer)
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"state_dict must be a mapping of key -> array (a PyTorch state_dict), "
                        f"got {type(state_dict).__name__}")
    arrays = {key: _as_numpy(value) for key, value in state_dict.items()}
    missing = [key for key in expected if key not in arrays]
    unexpected = [key for key in arrays if key not in expected]
    misshaped = [
        f"{key}: expected {expected[key]}, got {tuple(arrays[key].shape)}"
        for key in expected
        if key in arrays and tuple(arrays[key].shape) != expected[key]
    ]
    if missing or unexpected or misshaped:
        kind = type(layer).__name__
        problems = []
        if missing:
            problems.append("missing keys: " + ", ".join(missing))
        if unexpected:
            problems.append("unexpected keys: " + ", ".join(unexpected))
        if misshaped:
            problems.append("wrong shapes: " + "; ".join(misshaped))
        raise ValueError(
            f"state dict does not fit {kind}({layer.input_size}, {layer.hidden_size}, "
            f"num_layers={layer.num_layers}, bidirectional={layer.bidirectional}): "
            + " | ".join(problems)
        )
    for suffix, core in layer.named_cores():
        p = core.params
        H = core.hidden_size
        bias_ih = arrays[f"bias_ih_{suffix}"]
        bias_hh = arrays[f"bias_hh_{suffix}"]
        p["Wx"][...] = arrays[f"weight_ih_{suffix}"].T
        p["Wh"][...] = arrays[f"weight_hh_{suffix}"].T
        if "b_hn" in p:
            # r and z: the two biases are summed; n: bias_hh is scaled by r, so it stays apart.
            p["b"][: 2 * H] = bias_ih[: 2 * H] + bias_hh[: 2 * H]
            p["b"][2 * H :] = bias_ih[2 * H :]
            p["b_hn"][...] = bias_hh[2 * H :]
        else:
            p["b"][...] = bias_ih + bias_hh
