"""Convolution and pooling (``tapegrad.nn``): conv1d/conv2d/conv2d_transpose, max/avg pooling.

NHWC (NCHW is transposed in and out), with TensorFlow's SAME padding (the odd pixel of padding
goes after). conv2d's forward is one BLAS product over a strided patch view (im2col); its two
gradients are primitives of their own whose gradients are conv2d and each other, so
convolutions have derivatives of every order. Max pooling sends a tie's gradient to the first
maximum in row-major order, as TF's kernel.
"""
import numpy as np

from ..core.errors import InvalidArgumentError
from ..core.registry import defop, dtype_rule, export, convert_to_tensor, require_dtype
from ..core.tensor import TensorLike
from ._util import normalize_shape, static_value
from . import primitives as prim
from .creation_ops import zeros_like

_as_strided = np.lib.stride_tricks.as_strided

# TF 2.21's CPU kernels: Conv2D and Conv2DBackpropInput take float and int32 (an int32 convolution
# wraps around as int32 arithmetic does); MaxPool takes every real dtype but uint32/uint64.
_CONV_DTYPES = dtype_rule("f int32")
_MAX_POOL_DTYPES = dtype_rule("fi uint8 uint16")
_AVG_POOL_DTYPES = dtype_rule("f")


# -- convolution ----------------------------------------------------------------------------
# Geometry: spatial sizes, kernel sizes k, strides s, dilations d; the effective kernel is
# (k - 1) d + 1. pads are ((top, bottom), (left, right)) zeros added before the convolution.

def _spatial(value, n, name, op_name, channel_index):
    """TF's _get_sequence: an int, or a list of 1, n, or n + 2 ints (then batch/channel must be 1)."""
    value = static_value(value)
    if value is None:
        return (1,) * n
    if isinstance(value, (int, np.integer)):
        return (int(value),) * n
    value = [int(v) for v in value]
    if len(value) == 1:
        return (value[0],) * n
    if len(value) == n:
        return tuple(value)
    if len(value) == n + 2:
        if value[0] != 1 or value[channel_index] != 1:
            raise InvalidArgumentError(f"{op_name}: {name} in the batch and depth dimensions must be 1, got {value}")
        spatial = [v for i, v in enumerate(value) if i not in (0, channel_index)]
        return tuple(spatial)
    raise InvalidArgumentError(f"{op_name}: {name} should be of length 1, {n} or {n + 2}, got {value}")


def _pads(sizes, ksizes, strides, dilations, padding, op_name, channel_index, explicit_ok=True):
    """((before, after), ...) for each spatial dimension."""
    if isinstance(padding, str):
        mode = padding.upper()
        if mode == "VALID":
            return tuple((0, 0) for _ in sizes)
        if mode == "SAME":
            pads = []
            for n, k, s, d in zip(sizes, ksizes, strides, dilations):
                eff = (k - 1) * d + 1
                out = -(-n // s)
                total = max((out - 1) * s + eff - n, 0)
                pads.append((total // 2, total - total // 2))  # TF: the extra pixel goes after
            return tuple(pads)
        raise InvalidArgumentError(f"{op_name}: padding must be 'SAME' or 'VALID' (or explicit pairs), got {padding!r}")
    if not explicit_ok:
        raise InvalidArgumentError(f"{op_name}: padding must be 'SAME' or 'VALID', got {padding!r}")
    pairs = [tuple(int(p) for p in pair) for pair in static_value(padding)]
    if len(pairs) != len(sizes) + 2 or pairs[0] != (0, 0) or pairs[channel_index] != (0, 0):
        raise InvalidArgumentError(f"{op_name}: explicit padding must be {len(sizes) + 2} pairs with [0, 0] for the "
                                   f"batch and channel dimensions, got {padding!r}")
    pairs = [p for i, p in enumerate(pairs) if i not in (0, channel_index)]
    if any(p < 0 for pair in pairs for p in pair):
        raise InvalidArgumentError(f"{op_name}: explicit padding must be non-negative, got {padding!r}")
    return tuple(pairs)


def _out_size(n, k, s, d, pad):
    return (n + pad[0] + pad[1] - ((k - 1) * d + 1)) // s + 1


def _pad_spatial(x, pads, value=0):
    if not any(p for pair in pads for p in pair):
        return x
    return np.pad(x, ((0, 0),) + tuple(pads) + ((0, 0),), constant_values=value)


def _patches(xp, kh, kw, out_h, out_w, strides, dilations):
    """A read-only view [N, OH, OW, KH, KW, C] of the windows of the padded input ``xp``."""
    sn, sh, sw, sc = xp.strides
    return _as_strided(xp, (xp.shape[0], out_h, out_w, kh, kw, xp.shape[3]),
                       (sn, sh * strides[0], sw * strides[1], sh * dilations[0], sw * dilations[1], sc),
                       writeable=False)


def _conv2d_forward(x, w, strides, dilations, pads):
    x, w = np.asarray(x), np.asarray(w)
    kh, kw = w.shape[:2]
    oh = _out_size(x.shape[1], kh, strides[0], dilations[0], pads[0])
    ow = _out_size(x.shape[2], kw, strides[1], dilations[1], pads[1])
    cols = _patches(_pad_spatial(x, pads), kh, kw, oh, ow, strides, dilations)
    return np.tensordot(cols, w, axes=([3, 4, 5], [0, 1, 2]))  # im2col: one BLAS product


def _conv2d_backprop_input_forward(g, w, input_shape, strides, dilations, pads):
    g, w = np.asarray(g), np.asarray(w)
    n, h, wd, c = input_shape
    kh, kw = w.shape[:2]
    oh, ow = g.shape[1:3]
    cols = np.tensordot(g, w, axes=([3], [3]))  # [N, OH, OW, KH, KW, C]
    out = np.zeros((n, h + pads[0][0] + pads[0][1], wd + pads[1][0] + pads[1][1], c), cols.dtype)
    for i in range(kh):  # one strided add per kernel tap (col2im), not per pixel
        for j in range(kw):
            r, q = i * dilations[0], j * dilations[1]
            out[:, r:r + strides[0] * (oh - 1) + 1:strides[0], q:q + strides[1] * (ow - 1) + 1:strides[1]] += \
                cols[:, :, :, i, j]
    return out[:, pads[0][0]:pads[0][0] + h, pads[1][0]:pads[1][0] + wd]


def _conv2d_backprop_filter_forward(x, g, filter_shape, strides, dilations, pads):
    x, g = np.asarray(x), np.asarray(g)
    cols = _patches(_pad_spatial(x, pads), filter_shape[0], filter_shape[1], g.shape[1], g.shape[2],
                    strides, dilations)
    # the forward's im2col matrix [N*OH*OW, KH*KW*C], transposed into the product (a third faster
    # than tensordot over axes 0-2, which copies the patches in transposed order)
    cols = cols.reshape(-1, int(np.prod(filter_shape[:3])))
    return (cols.T @ g.reshape(-1, g.shape[3])).reshape(filter_shape)


# The three are bilinear and adjoint to one another, so each one's gradient is one of the others:
#   y = conv(x, w):            dx = backprop_input(g, w),   dw = backprop_filter(x, g)
#   u = backprop_input(g, w):  dg = conv(h, w),             dw = backprop_filter(h, g)
#   v = backprop_filter(x, g): dx = backprop_input(g, h),   dg = conv(x, h)

def _conv2d_vjp(g, ans, needs, x, w, strides, dilations, pads):
    geo = dict(strides=strides, dilations=dilations, pads=pads)
    return (_conv2d_backprop_input(g, w, input_shape=tuple(np.shape(x)), **geo) if needs[0] else None,
            _conv2d_backprop_filter(x, g, filter_shape=tuple(np.shape(w)), **geo) if needs[1] else None)


def _backprop_input_vjp(h, ans, needs, g, w, input_shape, strides, dilations, pads):
    geo = dict(strides=strides, dilations=dilations, pads=pads)
    return (_conv2d(h, w, **geo) if needs[0] else None,
            _conv2d_backprop_filter(h, g, filter_shape=tuple(np.shape(w)), **geo) if needs[1] else None)


def _backprop_filter_vjp(h, ans, needs, x, g, filter_shape, strides, dilations, pads):
    geo = dict(strides=strides, dilations=dilations, pads=pads)
    return (_conv2d_backprop_input(g, h, input_shape=tuple(np.shape(x)), **geo) if needs[0] else None,
            _conv2d(x, h, **geo) if needs[1] else None)


_conv2d = defop("conv2d", _conv2d_forward, _conv2d_vjp, save_output=False,
                notes="NHWC, filters [KH, KW, C_in, C_out]; im2col + one matmul. Gradients are the "
                      "conv2d_backprop_input/filter primitives (differentiable again).")
_conv2d_backprop_input = defop("conv2d_backprop_input", _conv2d_backprop_input_forward, _backprop_input_vjp,
                               save_output=False,
                               notes="The transpose of conv2d in its input (tf.nn.conv2d_transpose); "
                                     "its gradients are conv2d and conv2d_backprop_filter.")
_conv2d_backprop_filter = defop("conv2d_backprop_filter", _conv2d_backprop_filter_forward, _backprop_filter_vjp,
                                save_output=False,
                                notes="conv2d's gradient in its filter; its gradients are "
                                      "conv2d_backprop_input and conv2d.")


def _nchw(data_format, op_name, allowed=("NHWC", "NCHW")):
    fmt = "NHWC" if data_format is None else str(data_format).upper()
    if fmt not in allowed:
        raise InvalidArgumentError(f"{op_name}: data_format must be one of {list(allowed)}, got {data_format!r}")
    return fmt.startswith("NC")


def _to_nhwc(x, nchw):
    return prim.transpose(x, perm=(0, 2, 3, 1)) if nchw else x


def _from_nhwc(y, nchw):
    return prim.transpose(y, perm=(0, 3, 1, 2)) if nchw else y


def _conv_geometry(xs, fs, strides, padding, dilations, op_name, channel_index):
    if len(xs) != 4 or len(fs) != 4:
        raise InvalidArgumentError(f"{op_name}: input must be 4-D [batch, height, width, channels] and filters 4-D "
                                   f"[height, width, in_channels, out_channels], got shapes {list(xs)} and {list(fs)}")
    strides = _spatial(strides, 2, "strides", op_name, channel_index)
    dilations = _spatial(dilations, 2, "dilations", op_name, channel_index)
    if min(strides) < 1 or min(dilations) < 1:
        raise InvalidArgumentError(f"{op_name}: strides and dilations must be >= 1, got {strides} and {dilations}")
    pads = _pads(xs[1:3], fs[:2], strides, dilations, padding, op_name, channel_index)
    return strides, dilations, pads


@export("nn.conv2d")
def conv2d(input, filters, strides, padding, data_format="NHWC", dilations=None, name=None):
    """2-D convolution (cross-correlation, as TF) of ``input`` [N, H, W, C_in] with ``filters``
    [KH, KW, C_in, C_out], as ``tf.nn.conv2d``: ``strides``/``dilations`` an int or a list of
    1, 2 or 4 ints; ``padding`` "SAME" (output ceil(H / stride)), "VALID", or explicit pairs.

    >>> import tapegrad as tf
    >>> x = tf.ones([1, 3, 3, 1])
    >>> tf.nn.conv2d(x, tf.ones([2, 2, 1, 1]), strides=1, padding="SAME").numpy()[0, :, :, 0]
    array([[4., 4., 2.],
           [4., 4., 2.],
           [2., 2., 1.]], dtype=float32)
    """
    op_name = "nn.conv2d"
    nchw = _nchw(data_format, op_name)
    input, filters = prim.same_dtype(op_name, input, filters)
    x = _to_nhwc(input, nchw)
    xs, fs = prim.value(x).shape, prim.value(filters).shape
    require_dtype(op_name, _CONV_DTYPES, prim.value(x))
    strides, dilations, pads = _conv_geometry(xs, fs, strides, padding, dilations, op_name, 1 if nchw else 3)
    if xs[3] != fs[2]:
        raise InvalidArgumentError(f"{op_name}: input has {xs[3]} channels but filters expect {fs[2]} (input shape "
                                   f"{list(xs)}, filters shape {list(fs)}); grouped convolution is not supported")
    for n, k, s, d, p in zip(xs[1:3], fs[:2], strides, dilations, pads):
        if _out_size(n, k, s, d, p) < 1:
            raise InvalidArgumentError(f"{op_name}: the (dilated) filter {list(fs[:2])} is larger than the padded "
                                       f"input {list(xs[1:3])} (padding={padding!r})")
    return _from_nhwc(_conv2d(x, filters, strides=strides, dilations=dilations, pads=pads), nchw)


@export("nn.conv2d_transpose")
def conv2d_transpose(input, filters, output_shape, strides, padding="SAME", data_format="NHWC", dilations=None,
                     name=None):
    """The transpose (gradient) of conv2d: ``input`` [N, H, W, C_in] and ``filters``
    [KH, KW, C_out, C_in] give ``output_shape`` [N, H', W', C_out], as ``tf.nn.conv2d_transpose``."""
    op_name = "nn.conv2d_transpose"
    nchw = _nchw(data_format, op_name)
    input, filters = prim.same_dtype(op_name, input, filters)
    out_shape = normalize_shape(output_shape, op_name, arg="output_shape")
    if nchw:
        out_shape = (out_shape[0], out_shape[2], out_shape[3], out_shape[1])
    g = _to_nhwc(input, nchw)
    gs, fs = prim.value(g).shape, prim.value(filters).shape
    require_dtype(op_name, _CONV_DTYPES, prim.value(g))
    strides, dilations, pads = _conv_geometry(out_shape, fs, strides, padding, dilations, op_name, 1 if nchw else 3)
    want = (out_shape[0],) + tuple(_out_size(n, k, s, d, p) for n, k, s, d, p in
                                   zip(out_shape[1:3], fs[:2], strides, dilations, pads)) + (fs[3],)
    if tuple(gs) != want or out_shape[3] != fs[2]:
        raise InvalidArgumentError(f"{op_name}: input shape {list(gs)} does not match output_shape {list(out_shape)} "
                                   f"with filters {list(fs)}: a conv2d of output_shape would give {list(want)}")
    return _from_nhwc(_conv2d_backprop_input(g, filters, input_shape=out_shape, strides=strides,
                                             dilations=dilations, pads=pads), nchw)


@export("nn.conv1d")
def conv1d(input, filters, stride, padding, data_format="NWC", dilations=None, name=None):
    """1-D convolution of ``input`` [N, W, C_in] with ``filters`` [K, C_in, C_out], as ``tf.nn.conv1d``
    (as TF: a conv2d over a height-1 image)."""
    op_name = "nn.conv1d"
    ncw = _nchw(data_format, op_name, ("NWC", "NCW"))
    input, filters = prim.same_dtype(op_name, input, filters)
    xs, fs = prim.value(input).shape, prim.value(filters).shape
    if len(xs) != 3 or len(fs) != 3:
        raise InvalidArgumentError(f"{op_name}: input must be 3-D [batch, width, channels] and filters 3-D "
                                   f"[width, in_channels, out_channels], got {list(xs)} and {list(fs)}")
    stride = _spatial(stride, 1, "stride", op_name, 1 if ncw else 2)[0]
    dilation = _spatial(dilations, 1, "dilations", op_name, 1 if ncw else 2)[0]
    if not isinstance(padding, str):
        pairs = [tuple(p) for p in static_value(padding)]
        # the height-1 axis gets no padding: N W C -> N 1 W C, N C W -> N C 1 W
        padding = [pairs[0], pairs[1], (0, 0), pairs[2]] if ncw else [pairs[0], (0, 0), pairs[1], pairs[2]]
    x = prim.reshape(input, shape=(xs[0], xs[1], 1, xs[2]) if ncw else (xs[0], 1, xs[1], xs[2]))
    y = conv2d(x, prim.reshape(filters, shape=(1,) + fs), strides=[1, stride] if not ncw else [1, stride],
               padding=padding, data_format="NCHW" if ncw else "NHWC", dilations=[1, dilation])
    ys = prim.value(y).shape
    return prim.reshape(y, shape=(ys[0], ys[1], ys[3]) if ncw else (ys[0], ys[2], ys[3]))


@export("nn.convolution")
def convolution(input, filters, strides=None, padding="VALID", data_format=None, dilations=None, name=None):
    """N-D convolution for N = 1 or 2 (``tf.nn.convolution``): dispatches on the input's rank."""
    rank = prim.value(input).ndim
    if rank == 3:
        return conv1d(input, filters, 1 if strides is None else strides, padding, data_format or "NWC", dilations)
    if rank == 4:
        return conv2d(input, filters, 1 if strides is None else strides, padding, data_format or "NHWC", dilations)
    raise NotImplementedError(f"nn.convolution: only 1-D and 2-D convolutions are supported (input rank {rank})")


# -- pooling --------------------------------------------------------------------------------

def _windows(xp, ksize, strides, out_hw):
    """(i, j, view) for each kernel tap: the [N, OH, OW, C] strided slice it sees."""
    (kh, kw), (sh, sw), (oh, ow) = ksize, strides, out_hw
    for i in range(kh):
        for j in range(kw):
            yield i, j, xp[:, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw]


def _pool_out(shape, ksize, strides, pads):
    return tuple(_out_size(n, k, s, 1, p) for n, k, s, p in zip(shape[1:3], ksize, strides, pads))


def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _max_pool_forward(x, ksize, strides, pads):
    x = np.asarray(x)
    xp = _pad_spatial(x, pads, _lowest(x.dtype))  # padding never wins a max
    out = None
    for _, _, win in _windows(xp, ksize, strides, _pool_out(x.shape, ksize, strides, pads)):
        out = win.copy() if out is None else np.maximum(out, win, out=out)
    return out


def _max_pool_argmax(x, ksize, strides, pads):
    """Flat indices into ``x`` of each window's maximum: the first in row-major window order
    (TF's MaxPoolGrad on CPU routes a tie's whole gradient to that one)."""
    x = np.asarray(x)
    n, h, w, c = x.shape
    oh, ow = _pool_out(x.shape, ksize, strides, pads)
    xp = _pad_spatial(x, pads, _lowest(x.dtype))
    best = tap = None
    for i, j, win in _windows(xp, ksize, strides, (oh, ow)):
        if best is None:
            best, tap = win.copy(), np.zeros(win.shape, np.intp)
            continue
        better = win > best  # strict: an equal later value does not take over
        np.maximum(best, win, out=best)
        np.copyto(tap, i * ksize[1] + j, where=better)
    # flat index = the window's top-left corner (in unpadded coordinates) + the tap's offset
    top = np.arange(oh)[None, :, None, None] * strides[0] - pads[0][0]
    left = np.arange(ow)[None, None, :, None] * strides[1] - pads[1][0]
    corner = ((np.arange(n)[:, None, None, None] * h + top) * w + left) * c + np.arange(c)
    offset = np.array([(i * w + j) * c for i in range(ksize[0]) for j in range(ksize[1])])
    return corner + offset[tap]


def _max_pool_vjp(g, ans, needs, x, ksize, strides, pads):
    index = _max_pool_argmax(x, ksize, strides, pads)  # a constant: the max's position has no gradient
    return (_max_pool_grad(x, g, index=index),)


def _max_pool_grad_forward(x, g, index):
    g = np.asarray(g)
    out = np.bincount(index.ravel(), weights=g.ravel(), minlength=np.size(x))
    return out.astype(g.dtype, copy=False).reshape(np.shape(x))


_max_pool = defop("max_pool", _max_pool_forward, _max_pool_vjp, save_output=False,
                  notes="A window's gradient goes to its first maximum in row-major order (TF's CPU "
                        "tie rule); overlapping windows add up.")
# x rides along in the two below only so that their gradient in it is zeros (not None), as TF's
# MaxPoolGradGrad rules give.

def _max_pool_grad_vjp(h, ans, needs, x, g, index):
    return zeros_like(x) if needs[0] else None, _max_pool_grad_grad(x, h, index=index) if needs[1] else None


def _max_pool_grad_grad_vjp(k, ans, needs, x, h, index):
    return zeros_like(x) if needs[0] else None, _max_pool_grad(x, k, index=index) if needs[1] else None


_max_pool_grad = defop("max_pool_grad", _max_pool_grad_forward, _max_pool_grad_vjp, save_output=False,
                       notes="Scatter-add of the pooled gradient to the argmax positions (a constant index); "
                             "zeros for x.")
_max_pool_grad_grad = defop("max_pool_grad_grad", lambda x, h, index: np.asarray(h).reshape(-1)[index],
                            _max_pool_grad_grad_vjp, save_output=False,
                            notes="Gather at the argmax positions: the adjoint of max_pool_grad; zeros for x.")


def _window_counts(shape, ksize, strides, pads):
    """How many real (unpadded) entries each window holds: TF's SAME average divides by that."""
    ones = _pad_spatial(np.ones((1, shape[1], shape[2], 1)), pads)
    out = 0
    for _, _, win in _windows(ones, ksize, strides, _pool_out(shape, ksize, strides, pads)):
        out = out + win
    return out


def _avg_pool_forward(x, ksize, strides, pads):
    x = np.asarray(x)
    xp = _pad_spatial(x, pads)
    total = None
    for _, _, win in _windows(xp, ksize, strides, _pool_out(x.shape, ksize, strides, pads)):
        total = win.copy() if total is None else np.add(total, win, out=total)
    return (total / _window_counts(x.shape, ksize, strides, pads)).astype(x.dtype, copy=False)


def _avg_pool_grad_forward(g, shape, ksize, strides, pads):
    g = np.asarray(g)
    share = (g / _window_counts(shape, ksize, strides, pads)).astype(g.dtype, copy=False)
    n, h, w, c = shape
    out = np.zeros((n, h + pads[0][0] + pads[0][1], w + pads[1][0] + pads[1][1], c), g.dtype)
    for _, _, win in _windows(out, ksize, strides, g.shape[1:3]):
        win += share  # a view into out
    return out[:, pads[0][0]:pads[0][0] + h, pads[1][0]:pads[1][0] + w]


_avg_pool = defop("avg_pool", _avg_pool_forward,
                  lambda g, ans, needs, x, ksize, strides, pads: (
                      _avg_pool_grad(g, shape=tuple(np.shape(x)), ksize=ksize, strides=strides, pads=pads),),
                  save_output=False,
                  notes="SAME padding: each window averages its real entries only, as TF.")
_avg_pool_grad = defop("avg_pool_grad", _avg_pool_grad_forward,
                       lambda h, ans, needs, g, shape, ksize, strides, pads: (
                           _avg_pool(h, ksize=ksize, strides=strides, pads=pads),),
                       save_inputs=False, save_output=False,
                       notes="The adjoint of avg_pool (each window's share spread back); its gradient is avg_pool.")


def _pool2d(primitive, input, ksize, strides, padding, data_format, op_name):
    nchw = _nchw(data_format, op_name)
    x = _to_nhwc(prim.as_tensor(input), nchw)
    xs = prim.value(x).shape
    require_dtype(op_name, _AVG_POOL_DTYPES if primitive is _avg_pool else _MAX_POOL_DTYPES, prim.value(x))
    if len(xs) != 4:
        raise InvalidArgumentError(f"{op_name}: input must be 4-D [batch, height, width, channels], got {list(xs)}")
    ch = 1 if nchw else 3
    ksize = _spatial(ksize, 2, "ksize", op_name, ch)
    strides = _spatial(strides, 2, "strides", op_name, ch)
    if min(ksize) < 1 or min(strides) < 1:
        raise InvalidArgumentError(f"{op_name}: ksize and strides must be >= 1, got {ksize} and {strides}")
    pads = _pads(xs[1:3], ksize, strides, (1, 1), padding, op_name, ch, explicit_ok=False)
    if min(_pool_out(xs, ksize, strides, pads)) < 1:
        raise InvalidArgumentError(f"{op_name}: the window {list(ksize)} is larger than the input {list(xs[1:3])} "
                                   f"with padding {padding!r}")
    return _from_nhwc(primitive(x, ksize=ksize, strides=strides, pads=pads), nchw)


@export("nn.max_pool2d")
def max_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    """The maximum of each window, as ``tf.nn.max_pool2d`` (NHWC; SAME pads never win). A tie's
    gradient goes to the first maximum in the window (row-major), as TF on CPU."""
    return _pool2d(_max_pool, input, ksize, strides, padding, data_format, "nn.max_pool2d")


@export("nn.avg_pool2d")
def avg_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    """The mean of each window, as ``tf.nn.avg_pool2d`` (SAME: over the window's real entries)."""
    return _pool2d(_avg_pool, input, ksize, strides, padding, data_format, "nn.avg_pool2d")


def _pool1d(pool2d, input, ksize, strides, padding, data_format, op_name):
    ncw = _nchw(data_format, op_name, ("NWC", "NCW"))
    x = prim.as_tensor(input)
    xs = x._value.shape
    if len(xs) != 3:
        raise InvalidArgumentError(f"{op_name}: input must be 3-D [batch, width, channels], got {list(xs)}")
    ksize = _spatial(ksize, 1, "ksize", op_name, 1 if ncw else 2)[0]
    strides = _spatial(strides, 1, "strides", op_name, 1 if ncw else 2)[0]
    x4 = prim.reshape(x, shape=(xs[0], xs[1], 1, xs[2]) if ncw else (xs[0], 1, xs[1], xs[2]))
    y = pool2d(x4, [1, ksize], [1, strides], padding, "NCHW" if ncw else "NHWC")
    ys = prim.value(y).shape
    return prim.reshape(y, shape=(ys[0], ys[1], ys[3]) if ncw else (ys[0], ys[2], ys[3]))


@export("nn.max_pool1d")
def max_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):
    """1-D max pooling of ``input`` [N, W, C], as ``tf.nn.max_pool1d``."""
    return _pool1d(max_pool2d, input, ksize, strides, padding, data_format, "nn.max_pool1d")


@export("nn.avg_pool1d")
def avg_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):
    """1-D average pooling of ``input`` [N, W, C], as ``tf.nn.avg_pool1d``."""
    return _pool1d(avg_pool2d, input, ksize, strides, padding, data_format, "nn.avg_pool1d")


def _pool_by_rank(pool1d, pool2d, op_name):
    def pool(input, ksize, strides, padding, data_format=None, name=None):
        rank = prim.value(input).ndim
        if rank == 3:
            return pool1d(input, ksize, strides, padding, data_format or "NWC")
        if rank == 4:
            return pool2d(input, ksize, strides, padding, data_format or "NHWC")
        raise NotImplementedError(f"{op_name}: only 1-D and 2-D pooling (input rank 3 or 4) is supported, "
                                  f"got rank {rank}")
    pool.__name__ = pool.__qualname__ = op_name.split(".")[-1]
    pool.__doc__ = f"``tf.{op_name}``: 1-D or 2-D pooling chosen by the input's rank (3 or 4)."
    return pool


max_pool = export("nn.max_pool")(_pool_by_rank(max_pool1d, max_pool2d, "nn.max_pool"))
avg_pool = export("nn.avg_pool")(_pool_by_rank(avg_pool1d, avg_pool2d, "nn.avg_pool"))
