"""minirnn: recurrent neural networks in pure NumPy, every backward pass by hand."""

__version__ = "0.1.0"
