"""``tapegrad.config``: the parts of ``tf.config`` that TensorFlow training scripts call.

tapegrad runs on the CPU, through NumPy, always eagerly: the device list has one CPU, and
``run_functions_eagerly`` records the setting (which ``functions_run_eagerly`` reports, as TF)
without changing anything, since every ``tapegrad.function`` runs eagerly already.
"""
from typing import NamedTuple

_settings = {"run_functions_eagerly": False}


class PhysicalDevice(NamedTuple):
    """A device as ``tf.config.list_physical_devices`` describes it."""

    name: str
    device_type: str


class LogicalDevice(NamedTuple):
    """A device as ``tf.config.list_logical_devices`` describes it."""

    name: str
    device_type: str


def list_physical_devices(device_type=None):
    """The CPU (tapegrad computes with NumPy); an empty list for "GPU", "TPU" and the others.

    >>> import tapegrad as tf
    >>> tf.config.list_physical_devices("GPU")
    []
    """
    if device_type is None or str(device_type).upper() == "CPU":
        return [PhysicalDevice("/physical_device:CPU:0", "CPU")]
    return []


def list_logical_devices(device_type=None):
    """The CPU, as ``tf.config.list_logical_devices``."""
    if device_type is None or str(device_type).upper() == "CPU":
        return [LogicalDevice("/device:CPU:0", "CPU")]
    return []


def run_functions_eagerly(run_eagerly):
    """Record the setting (``tf.config.run_functions_eagerly``); tapegrad functions always run eagerly."""
    _settings["run_functions_eagerly"] = bool(run_eagerly)


def functions_run_eagerly():
    """The value last given to ``run_functions_eagerly`` (False until then), as TensorFlow reports it."""
    return _settings["run_functions_eagerly"]


_settings.update(soft_device_placement=True, inter_op_threads=0, intra_op_threads=0)
_DEVICE_TYPES = frozenset(("CPU", "GPU", "TPU"))


def _parse_device(spec):
    """Check a device string as TF's DeviceSpec parses it: "/job:j/replica:r/task:t/device:CPU:0",
    "/GPU:0", "cpu", "" ... Returns the device type (or None); a malformed string is a ValueError."""
    device_type = None
    for part in spec.split("/"):
        fields = part.split(":")
        if fields[0] in ("job", "replica", "task") and len(fields) == 2:
            continue
        if fields[0] == "device" and len(fields) == 3:
            kind, index = fields[1], fields[2]
        elif fields[0].upper() in _DEVICE_TYPES and len(fields) in (1, 2):
            kind, index = fields[0].upper(), fields[1] if len(fields) == 2 else "*"
        elif part == "":
            continue
        else:
            raise ValueError(f"Unknown attribute '{fields[0]}' is encountered while parsing the device spec: "
                             f"'{spec}' (expected e.g. '/CPU:0', '/GPU:0' or '/job:localhost/device:CPU:0')")
        if device_type is not None:
            raise ValueError(f"Multiple device types are not allowed while parsing the device spec: {spec}.")
        if index != "*" and not index.isdigit():
            raise ValueError(f"device: the device index in '{spec}' must be an integer or '*', got {index!r}")
        device_type = kind
    return device_type


class device:  # noqa: N801 - TF's name
    """``with tf.device("/GPU:0"):`` as in TensorFlow: checks the device string as TF does and
    places nothing (tapegrad computes on the CPU, through NumPy; TF's soft placement also runs
    ops for an absent GPU on the CPU). ``None`` and "" mean no device.

    >>> import tapegrad as tf
    >>> with tf.device("/CPU:0"):
    ...     y = tf.constant(1.0) + 1.0
    >>> float(y)
    2.0
    """

    __slots__ = ("name",)

    def __init__(self, device_name):
        if device_name is not None and not isinstance(device_name, str):
            raise ValueError(f"Expecting a string device name. Got {type(device_name)}({device_name!r})")
        if device_name:
            _parse_device(device_name)
        self.name = device_name

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def get_visible_devices(device_type=None):
    """The visible physical devices: the CPU (``tf.config.get_visible_devices``)."""
    return list_physical_devices(device_type)


def set_visible_devices(devices, device_type=None):
    """Accepts what ``list_physical_devices`` returns (the CPU, or an empty list of GPUs); there
    is nothing else to show or hide."""
    for d in devices if isinstance(devices, (list, tuple)) else [devices]:
        if d not in list_physical_devices():
            raise ValueError(f"Unrecognized device: {d!r}; tapegrad has only {list_physical_devices()}")


def set_soft_device_placement(enabled):
    """Record the setting (every op runs on the CPU anyway)."""
    _settings["soft_device_placement"] = bool(enabled)


def get_soft_device_placement():
    return _settings["soft_device_placement"]


class experimental:  # noqa: N801 - TF's namespace
    """``tf.config.experimental``: the device and determinism calls training scripts make."""

    list_physical_devices = staticmethod(list_physical_devices)
    list_logical_devices = staticmethod(list_logical_devices)
    get_visible_devices = staticmethod(get_visible_devices)
    set_visible_devices = staticmethod(set_visible_devices)

    @staticmethod
    def set_memory_growth(device, enable):
        """As TF: only GPUs have memory growth, and tapegrad lists none (a loop over
        ``list_physical_devices("GPU")`` does nothing); the CPU is refused with TF's error."""
        raise ValueError(f"Cannot set memory growth on non-GPU and non-Pluggable devices: {device!r}")

    @staticmethod
    def get_memory_growth(device):
        raise KeyError(f"{device!r}: memory growth is defined for GPUs only, and tapegrad has none")

    @staticmethod
    def enable_op_determinism():
        """Nothing to do: tapegrad's NumPy ops give the same numbers on every run."""


class threading:  # noqa: N801 - TF's namespace
    """``tf.config.threading``: records the thread counts (NumPy's BLAS threads are set by
    environment variables such as OMP_NUM_THREADS before import); 0 means the system's choice."""

    @staticmethod
    def get_inter_op_parallelism_threads():
        return _settings["inter_op_threads"]

    @staticmethod
    def set_inter_op_parallelism_threads(num_threads):
        _settings["inter_op_threads"] = int(num_threads)

    @staticmethod
    def get_intra_op_parallelism_threads():
        return _settings["intra_op_threads"]

    @staticmethod
    def set_intra_op_parallelism_threads(num_threads):
        _settings["intra_op_threads"] = int(num_threads)
