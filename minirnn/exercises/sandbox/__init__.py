"""The grading sandbox: each submission in its own process, with limits and an import guard.

The grader (this package's :mod:`runner`, in the grader's process) builds every input,
computes every reference answer itself and sends only the student's inputs to a child
process (:mod:`child`), which runs the submission under a time limit, a memory limit and the
guard of :mod:`jail`, and sends back the outputs as arrays (:mod:`wire`: JSON and ``.npz``,
no pickle). The child never imports minirnn.
"""

from minirnn.exercises.sandbox.runner import Limits, SandboxRun, run_child

__all__ = ["Limits", "SandboxRun", "run_child"]
