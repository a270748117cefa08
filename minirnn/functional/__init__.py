"""Pure step functions: ``forward`` returns ``(out, cache)``, ``backward(dout, cache)`` grads."""
