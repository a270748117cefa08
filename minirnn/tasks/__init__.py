"""Generated tasks: data for the models, made offline from a seed (addition, dates, ...).

Tasks are data, not models: each module builds examples and, where useful, a vocabulary and
an exact-match scorer. Models live in :mod:`minirnn.models`.
"""
