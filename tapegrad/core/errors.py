"""TensorFlow's exception classes, each also a subclass of the matching Python built-in.

``except tf.errors.InvalidArgumentError`` works as in TensorFlow, and so does
``except ValueError`` for code that never heard of TensorFlow.
"""


class OpError(Exception):
    """Base of the errors an op raises (``tf.errors.OpError``)."""

    error_code = 2

    def __init__(self, node_def=None, op=None, message=None, *args):
        if message is None and op is None and node_def is not None:
            # Allow the plain ``InvalidArgumentError("message")`` form as well.
            message, node_def = node_def, None
        super().__init__(message)
        self.node_def = node_def
        self.op = op
        self.message = message


class CancelledError(OpError):
    error_code = 1


class UnknownError(OpError):
    error_code = 2


class InvalidArgumentError(OpError, ValueError):
    error_code = 3


class DeadlineExceededError(OpError, TimeoutError):
    error_code = 4


class NotFoundError(OpError, LookupError):
    error_code = 5


class AlreadyExistsError(OpError):
    error_code = 6


class PermissionDeniedError(OpError, PermissionError):
    error_code = 7


class ResourceExhaustedError(OpError, MemoryError):
    error_code = 8


class FailedPreconditionError(OpError, RuntimeError):
    error_code = 9


class AbortedError(OpError):
    error_code = 10


class OutOfRangeError(OpError, IndexError):
    error_code = 11


class UnimplementedError(OpError, NotImplementedError):
    error_code = 12


class InternalError(OpError, RuntimeError):
    error_code = 13


class UnavailableError(OpError):
    error_code = 14


class DataLossError(OpError, OSError):
    error_code = 15


class UnauthenticatedError(OpError):
    error_code = 16


__all__ = [
    "OpError", "CancelledError", "UnknownError", "InvalidArgumentError",
    "DeadlineExceededError", "NotFoundError", "AlreadyExistsError",
    "PermissionDeniedError", "ResourceExhaustedError", "FailedPreconditionError",
    "AbortedError", "OutOfRangeError", "UnimplementedError", "InternalError",
    "UnavailableError", "DataLossError", "UnauthenticatedError",
]
