"""Keras optimizers against hand-written NumPy references of Keras 3's update formulas.

The references below transcribe keras/src/optimizers/{sgd,adam,rmsprop,adagrad,adadelta,nadam,
base_optimizer}.py (Keras 3.15, TensorFlow backend) in float32, operation for operation. They
were checked against real Keras 3.15 (the largest difference over the whole table was a few
float32 ulps); ``KERAS_RECORDED`` holds numbers printed by real Keras, so the tests also prove
parity directly.
"""
import math
import warnings

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras, optim

F = np.float32


# -- references: Keras 3's formulas in NumPy -------------------------------------------------

class KerasRef:
    """Keras 3's ``BaseOptimizer.apply`` (TF backend) on float32 NumPy arrays, updated in place."""

    def __init__(self, learning_rate=0.001, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, gradient_accumulation_steps=None, **hyper):
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        self.accumulation = gradient_accumulation_steps
        self.hyper = hyper
        self.raw_iterations = 0
        self.state = None

    @property
    def iterations(self):  # Keras: calls // k when accumulating
        return self.raw_iterations // self.accumulation if self.accumulation else self.raw_iterations

    def lr(self):
        lr = self.learning_rate
        return F(lr(self.raw_iterations)) if callable(lr) else F(lr)

    def clip(self, grads):
        if self.clipnorm:
            c = F(self.clipnorm)
            out = {}
            for i, g in grads.items():
                l2sum = np.sum(g * g, dtype=F)
                norm = np.sqrt(l2sum) if l2sum > 0 else l2sum
                out[i] = (g * c) / np.maximum(norm, c)
            return out
        if self.global_clipnorm:
            norm = np.sqrt(np.sum(np.array([np.sum(g * g, dtype=F) for g in grads.values()], F)))
            with np.errstate(divide="ignore"):
                scale = F(self.global_clipnorm) * np.minimum(F(1.0) / norm, F(1.0 / self.global_clipnorm))
            scale = scale + (norm - norm)
            return {i: g * scale for i, g in grads.items()}
        if self.clipvalue:
            v = F(self.clipvalue)
            return {i: np.clip(g, -v, v) for i, g in grads.items()}
        return grads

    def apply(self, grads, variables):
        if self.state is None:
            self.state = self.build(variables)
            self.acc = [np.zeros_like(v) for v in variables]
        present = {i: g.astype(F) for i, g in enumerate(grads) if g is not None}
        k = self.accumulation
        if k and (self.raw_iterations + 1) % k != 0:
            for i, g in present.items():
                self.acc[i] = g + self.acc[i]
        else:
            if k:
                present = {i: (g + self.acc[i]) / F(k) for i, g in present.items()}
            present = self.clip(present)
            lr = self.lr()
            if self.weight_decay is not None:
                for i in present:
                    v = variables[i]
                    v -= v * F(self.weight_decay) * lr
            self.before_variables(lr)
            for i, g in present.items():
                self.update(i, g, variables[i], lr)
            if k:
                self.acc = [np.zeros_like(a) for a in self.acc]
        self.raw_iterations += 1

    def before_variables(self, lr):
        pass


class SGDRef(KerasRef):
    def build(self, variables):
        return [np.zeros_like(v) for v in variables]

    def update(self, i, g, var, lr):
        momentum, nesterov = self.hyper.get("momentum", 0.0), self.hyper.get("nesterov", False)
        if momentum == 0:
            var -= g * lr
            return
        m = self.state[i]
        m[...] = m * F(momentum) - g * lr
        if nesterov:
            var += m * F(momentum) - g * lr
        else:
            var += m


class AdamRef(KerasRef):
    def build(self, variables):
        return [[np.zeros_like(v) for _ in range(3)] for v in variables]

    def update(self, i, g, var, lr):
        b1, b2 = self.hyper.get("beta_1", 0.9), self.hyper.get("beta_2", 0.999)
        eps, amsgrad = self.hyper.get("epsilon", 1e-7), self.hyper.get("amsgrad", False)
        t = F(self.iterations + 1)
        b1_power, b2_power = np.power(F(b1), t), np.power(F(b2), t)
        m, v, v_hat = self.state[i]
        alpha = lr * np.sqrt(1 - b2_power) / (1 - b1_power)
        m += (g - m) * F(1 - b1)
        v += (np.square(g) - v) * F(1 - b2)
        if amsgrad:
            v_hat[...] = np.maximum(v_hat, v)
            v = v_hat
        var -= (m * alpha) / (np.sqrt(v) + F(eps))


class RMSpropRef(KerasRef):
    def build(self, variables):
        return [[np.zeros_like(v) for _ in range(3)] for v in variables]

    def update(self, i, g, var, lr):
        rho, momentum = self.hyper.get("rho", 0.9), self.hyper.get("momentum", 0.0)
        eps, centered = self.hyper.get("epsilon", 1e-7), self.hyper.get("centered", False)
        velocity, mom, average = self.state[i]
        velocity[...] = F(rho) * velocity + F(1 - rho) * np.square(g)
        if centered:
            average[...] = F(rho) * average + F(1 - rho) * g
            denominator = velocity - np.square(average) + F(eps)
        else:
            denominator = velocity + F(eps)
        increment = (lr * g) / np.sqrt(denominator)
        if momentum > 0:
            mom[...] = F(momentum) * mom + increment
            var -= mom
        else:
            var -= increment


class AdagradRef(KerasRef):
    def build(self, variables):
        init = self.hyper.get("initial_accumulator_value", 0.1)
        return [np.full_like(v, init) for v in variables]

    def update(self, i, g, var, lr):
        acc = self.state[i]
        acc += np.square(g)
        var -= (lr * g) / np.sqrt(acc + F(self.hyper.get("epsilon", 1e-7)))


class AdadeltaRef(KerasRef):
    def build(self, variables):
        return [[np.zeros_like(v), np.zeros_like(v)] for v in variables]

    def update(self, i, g, var, lr):
        rho, eps = self.hyper.get("rho", 0.95), F(self.hyper.get("epsilon", 1e-7))
        acc_grad, acc_delta = self.state[i]
        acc_grad[...] = F(rho) * acc_grad + F(1 - rho) * np.square(g)
        delta = -(np.sqrt(acc_delta + eps) * g) / np.sqrt(acc_grad + eps)
        acc_delta[...] = F(rho) * acc_delta + F(1 - rho) * np.square(delta)
        var += lr * delta


class NadamRef(KerasRef):
    def build(self, variables):
        self.u_product = F(1.0)
        return [[np.zeros_like(v), np.zeros_like(v)] for v in variables]

    def before_variables(self, lr):
        b1 = self.hyper.get("beta_1", 0.9)
        self.u_product = self.u_product * F(b1) * (F(1.0) - F(0.5) * np.power(F(0.96), F(self.iterations + 1)))

    def update(self, i, g, var, lr):
        b1, b2 = F(self.hyper.get("beta_1", 0.9)), F(self.hyper.get("beta_2", 0.999))
        eps = F(self.hyper.get("epsilon", 1e-7))
        t, t_next = F(self.iterations + 1), F(self.iterations + 2)
        u_t = b1 * (F(1.0) - F(0.5) * np.power(F(0.96), t))
        u_t_1 = b1 * (F(1.0) - F(0.5) * np.power(F(0.96), t_next))
        u_product_t = self.u_product
        u_product_t_1 = u_product_t * u_t_1
        b2_power = np.power(b2, t)
        m, v = self.state[i]
        m += (g - m) * (1 - b1)
        v += (np.square(g) - v) * (1 - b2)
        m_hat = (u_t_1 * m) / (1 - u_product_t_1) + ((1 - u_t) * g) / (1 - u_product_t)
        v_hat = v / (1 - b2_power)
        var -= (m_hat * lr) / (np.sqrt(v_hat) + eps)


def exponential_decay_ref(step):  # ExponentialDecay(0.1, decay_steps=3, decay_rate=0.5)
    return F(0.1) * np.power(F(0.5), F(step) / F(3))


# -- the table -------------------------------------------------------------------------------

OPTIMIZERS = {  # name: (class, reference, hyperparameters: large eps so where it enters matters)
    "sgd": (keras.optimizers.SGD, SGDRef, {"learning_rate": 0.1}),
    "sgd_momentum": (keras.optimizers.SGD, SGDRef, {"learning_rate": 0.1, "momentum": 0.9}),
    "sgd_nesterov": (keras.optimizers.SGD, SGDRef, {"learning_rate": 0.1, "momentum": 0.8, "nesterov": True}),
    "adam": (keras.optimizers.Adam, AdamRef, {"learning_rate": 0.05, "epsilon": 1e-3}),
    "adam_amsgrad": (keras.optimizers.Adam, AdamRef, {"learning_rate": 0.05, "beta_1": 0.8, "amsgrad": True}),
    "adamw": (keras.optimizers.AdamW, AdamRef, {"learning_rate": 0.05, "weight_decay": 0.1}),
    "rmsprop": (keras.optimizers.RMSprop, RMSpropRef, {"learning_rate": 0.01, "epsilon": 1e-2}),
    "rmsprop_centered_momentum": (keras.optimizers.RMSprop, RMSpropRef,
                                  {"learning_rate": 0.01, "momentum": 0.5, "centered": True, "rho": 0.8}),
    "adagrad": (keras.optimizers.Adagrad, AdagradRef, {"learning_rate": 0.1, "epsilon": 1e-2}),
    "adadelta": (keras.optimizers.Adadelta, AdadeltaRef, {"learning_rate": 1.0, "rho": 0.9, "epsilon": 1e-3}),
    "nadam": (keras.optimizers.Nadam, NadamRef, {"learning_rate": 0.05, "epsilon": 1e-3}),
}

OPTIONS = {  # name: (keyword arguments, the reference's arguments)
    "plain": ({}, {}),
    "clipnorm": ({"clipnorm": 1.5}, {"clipnorm": 1.5}),
    "clipvalue": ({"clipvalue": 0.4}, {"clipvalue": 0.4}),
    "global_clipnorm": ({"global_clipnorm": 2.0}, {"global_clipnorm": 2.0}),
    "weight_decay": ({"weight_decay": 0.2}, {"weight_decay": 0.2}),
    "accumulation": ({"gradient_accumulation_steps": 3}, {"gradient_accumulation_steps": 3}),
    "schedule": ({"learning_rate": "schedule"}, {"learning_rate": exponential_decay_ref}),
    "accumulation_clip_decay": ({"gradient_accumulation_steps": 2, "global_clipnorm": 1.0, "weight_decay": 0.1},
                                {"gradient_accumulation_steps": 2, "global_clipnorm": 1.0, "weight_decay": 0.1}),
}

SHAPES = [(3, 4), (4,), (2, 1, 3)]
STEPS = 8


def initial_values():
    return [np.linspace(-1.0, 1.5, math.prod(s), dtype=F).reshape(s) for s in SHAPES]


def gradients(step):
    """Deterministic gradients (large enough to clip); variable 1 has none at step 4."""
    out = []
    for k, s in enumerate(SHAPES):
        x = np.arange(math.prod(s), dtype=np.float64).reshape(s)
        out.append((1.7 * np.sin(1.3 * x + 0.7 * step + k) + 0.2 * (k - 1)).astype(F))
    if step == 4:
        out[1] = None
    return out


def make(name, option):
    cls, ref_cls, hyper = OPTIMIZERS[name]
    kwargs, ref_kwargs = OPTIONS[option]
    kwargs, ref_kwargs = {**hyper, **kwargs}, {**hyper, **ref_kwargs}
    if kwargs.get("learning_rate") == "schedule":
        kwargs["learning_rate"] = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=3, decay_rate=0.5)
    return cls(**kwargs), ref_cls(**ref_kwargs)


@pytest.mark.parametrize("option", list(OPTIONS))
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_matches_keras_formula_step_by_step(name, option):
    opt, ref = make(name, option)
    variables = [tf.Variable(v) for v in initial_values()]
    expected = initial_values()
    for step in range(STEPS):
        grads = gradients(step)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # step 4 has a None gradient (checked elsewhere)
            opt.apply_gradients(zip([None if g is None else tf.constant(g) for g in grads], variables))
        ref.apply(grads, expected)
        for v, e in zip(variables, expected):
            np.testing.assert_allclose(v.numpy(), e, rtol=2e-6, atol=2e-7, err_msg=f"step {step}")
        assert int(opt.iterations) == ref.iterations
    assert opt._iterations.numpy() == STEPS


# Printed by Keras 3.15 / TensorFlow 2.21 (tf.keras.optimizers) for the same gradients: the
# variables after 8 steps, all 3 of them flattened.
KERAS_RECORDED = {
    "adam/plain": [-1.118456244468689, -0.8888641595840454, -0.42306357622146606, -0.07582899928092957, -0.006191059481352568, -0.07550753653049469, 0.2796524167060852, 0.755797803401947, 1.0401835441589355, 1.0936187505722046, 1.0635318756103516, 1.4511395692825317, -1.1934059858322144, -0.20946192741394043, 0.8796975612640381, 1.6260879039764404, -1.093922734260559, -0.2962184250354767, 0.09293228387832642, 0.3450614809989929, 0.7722682952880859, 1.441609501838684],
    "adam/clipnorm": [-1.1238785982131958, -0.8884828090667725, -0.4228004217147827, -0.07835661619901657, -0.006581618916243315, -0.06387031078338623, 0.27970725297927856, 0.7572740912437439, 1.0386598110198975, 1.092808485031128, 1.0693556070327759, 1.451099157333374, -1.1940617561340332, -0.19765660166740417, 0.8792084455490112, 1.618318796157837, -1.0902334451675415, -0.30993640422821045, 0.09103067219257355, 0.34045645594596863, 0.7757954597473145, 1.4474748373031616],
    "sgd_momentum/plain": [-1.9681131839752197, -0.9204533100128174, 1.185768723487854, 1.5978882312774658, 0.04510396718978882, -0.8647962808609009, 0.5341483950614929, 2.5254359245300293, 2.524780511856079, 0.8660972118377686, 0.312316358089447, 2.0076828002929688, -2.2314887046813965, -0.005613759160041809, 1.984318733215332, 2.0438876152038574, -1.22512686252594, 0.49951767921447754, -0.08227655291557312, -1.3856791257858276, -0.768700361251831, 1.5972851514816284],
    "sgd_nesterov/weight_decay": [-1.2474349737167358, -0.25113263726234436, 0.8873751759529114, 0.7834382057189941, -0.1274101734161377, -0.2275088131427765, 0.9130526781082153, 1.9066150188446045, 1.5808732509613037, 0.6963050365447998, 0.8320715427398682, 2.072539806365967, -1.5038584470748901, 0.014296412467956543, 1.2995392084121704, 1.5288246870040894, -0.8439748883247375, -0.06350094079971313, -0.5505824685096741, -0.9684590101242065, -0.08175575733184814, 1.4336899518966675],
    "adam_amsgrad/accumulation": [-1.0935003757476807, -0.8117947578430176, -0.44837793707847595, -0.24653390049934387, -0.058281488716602325, 0.05584990978240967, 0.3304509222507477, 0.6910252571105957, 0.8828128576278687, 1.0700377225875854, 1.2039940357208252, 1.4727529287338257, -1.065714716911316, -0.18626219034194946, 0.7449942827224731, 1.5458178520202637, -1.0345847606658936, -0.41593295335769653, 0.03476672247052193, 0.40036407113075256, 0.9335362911224365, 1.473111867904663],
    "rmsprop_centered_momentum/global_clipnorm": [-1.0344136953353882, -0.7811667919158936, -0.4601544141769409, -0.22429268062114716, -0.08632560819387436, 0.019132504239678383, 0.3729493021965027, 0.6791115999221802, 0.8926903009414673, 1.038978099822998, 1.1776100397109985, 1.5257925987243652, -1.076247215270996, -0.16620615124702454, 0.7813640236854553, 1.5270922183990479, -1.0076122283935547, -0.3774857521057129, -0.004661452956497669, 0.4110885560512543, 0.9204658269882202, 1.5034986734390259],
    "adagrad/clipvalue": [-1.0553878545761108, -0.7705177664756775, -0.45256507396698, -0.23253394663333893, -0.07658036053180695, 0.031662411987781525, 0.3720792829990387, 0.6676167249679565, 0.8909327387809753, 1.07456374168396, 1.1847091913223267, 1.530052661895752, -1.072787880897522, -0.20986869931221008, 0.7862421274185181, 1.5321643352508545, -1.012831211090088, -0.4025232493877411, -0.0007916870526969433, 0.4240734279155731, 0.9143521189689636, 1.470890760421753],
    "adadelta/plain": [-0.9233829975128174, -0.5835114121437073, -0.2641849219799042, -0.24148425459861755, -0.11231663078069687, 0.12172950804233551, 0.5686028599739075, 0.8583800792694092, 0.8588682413101196, 1.0259636640548706, 1.3197228908538818, 1.7173558473587036, -1.0315625667572021, -0.1614244133234024, 0.7399384379386902, 1.4973033666610718, -0.9788926243782043, -0.49135541915893555, -0.2013183832168579, 0.21736039221286774, 0.9507401585578918, 1.5206232070922852],
    "nadam/schedule": [-1.0444473028182983, -0.8849431276321411, -0.47573184967041016, -0.10802663117647171, -0.0064231352880597115, -0.10283803939819336, 0.27680933475494385, 0.681755542755127, 1.0074082612991333, 1.1045982837677002, 1.0581552982330322, 1.4396209716796875, -1.1824040412902832, -0.21852745115756989, 0.8916200399398804, 1.615613341331482, -1.090843915939331, -0.2558540403842926, 0.0937381386756897, 0.41177281737327576, 0.8052042722702026, 1.4337314367294312],
    "adamw/plain": [-1.0736147165298462, -0.8563159704208374, -0.40252143144607544, -0.06600520759820938, -0.0044027771800756454, -0.08628636598587036, 0.26737600564956665, 0.7295650243759155, 1.0051783323287964, 1.0512651205062866, 1.0136044025421143, 1.3939003944396973, -1.1574867963790894, -0.20326094329357147, 0.8564577102661133, 1.5731030702590942, -1.0527080297470093, -0.26319053769111633, 0.09085868299007416, 0.32750797271728516, 0.7357798218727112, 1.3840614557266235],
    "sgd/accumulation_clip_decay": [-0.9553437232971191, -0.7161366939544678, -0.49317389726638794, -0.2932608723640442, -0.08943542838096619, 0.13953304290771484, 0.37804052233695984, 0.5965082049369812, 0.7947160005569458, 1.0021240711212158, 1.2347146272659302, 1.4715771675109863, -0.9639678597450256, -0.15816371142864227, 0.6448047161102295, 1.4413163661956787, -0.9586330652236938, -0.48791757225990295, -0.02809339016675949, 0.45083364844322205, 0.9508719444274902, 1.4431021213531494],
}


@pytest.mark.parametrize("key", sorted(KERAS_RECORDED))
def test_matches_numbers_recorded_from_keras(key):
    name, option = key.split("/")
    opt, _ = make(name, option)
    variables = [tf.Variable(v) for v in initial_values()]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for step in range(STEPS):
            opt.apply_gradients(zip([None if g is None else tf.constant(g) for g in gradients(step)], variables))
    got = np.concatenate([v.numpy().ravel() for v in variables])
    np.testing.assert_allclose(got, np.array(KERAS_RECORDED[key], F), rtol=2e-6, atol=2e-7)


# -- schedules ---------------------------------------------------------------------------------

S = keras.optimizers.schedules
# Printed by Keras 3.15 for steps 0..11.
SCHEDULES = {
    "ExponentialDecay": (lambda: S.ExponentialDecay(0.1, 4, 0.6, staircase=True),
                         [0.1, 0.1, 0.1, 0.1, 0.06, 0.06, 0.06, 0.06, 0.036, 0.036, 0.036, 0.036]),
    "ExponentialDecay_smooth": (lambda: S.ExponentialDecay(0.1, 4, 0.6),
                                [0.10000000149011612, 0.08801117539405823, 0.0774596706032753, 0.06817316263914108,
                                 0.06000000238418579, 0.052806705236434937, 0.04647580534219742,
                                 0.04090389981865883, 0.036000002175569534, 0.0316840261220932,
                                 0.02788548171520233, 0.024542341008782387]),
    "PiecewiseConstantDecay": (lambda: S.PiecewiseConstantDecay([2, 5], [0.1, 0.05, 0.01]),
                               [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01]),
    "PolynomialDecay": (lambda: S.PolynomialDecay(0.1, 6, end_learning_rate=0.01, power=2.0),
                        [0.10000000149011612, 0.07249999791383743, 0.04999999701976776, 0.032499998807907104,
                         0.019999999552965164, 0.012500000186264515, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01]),
    "PolynomialDecay_cycle": (lambda: S.PolynomialDecay(0.1, 3, end_learning_rate=0.01, power=0.5, cycle=True),
                              [0.10000000149011612, 0.08348468691110611, 0.061961524188518524, 0.01,
                               0.061961524188518524, 0.04674234986305237, 0.01, 0.052426405251026154,
                               0.03999999910593033, 0.01, 0.04674234986305237, 0.03598076105117798]),
    "InverseTimeDecay": (lambda: S.InverseTimeDecay(0.1, 3, 0.5),
                         [0.10000000149011612, 0.08571428805589676, 0.07499999552965164, 0.06666667014360428,
                          0.05999999865889549, 0.054545458406209946, 0.05000000074505806, 0.046153850853443146,
                          0.04285714030265808, 0.03999999910593033, 0.03750000149011612, 0.03529411554336548]),
    "CosineDecay": (lambda: S.CosineDecay(0.1, 6, alpha=0.1),
                    [0.10000000149011612, 0.0939711481332779, 0.07750000059604645, 0.05499999597668648,
                     0.032499995082616806, 0.016028856858611107, 0.010000000707805157, 0.010000000707805157,
                     0.010000000707805157, 0.010000000707805157, 0.010000000707805157, 0.010000000707805157]),
    "CosineDecay_warmup": (lambda: S.CosineDecay(0.0, 5, alpha=0.0, warmup_target=0.1, warmup_steps=3),
                           [0.0, 0.03333333507180214, 0.06666667014360428, 0.10000000149011612,
                            0.09045084565877914, 0.06545084714889526, 0.03454914316534996,
                            0.009549147449433804, 0.0, 0.0, 0.0, 0.0]),
    "CosineDecayRestarts": (lambda: S.CosineDecayRestarts(0.1, 3, t_mul=2.0, m_mul=0.5, alpha=0.05),
                            [0.10000000149011612, 0.07625000178813934, 0.028749996796250343, 0.05249999836087227,
                             0.0493181049823761, 0.04062500223517418, 0.028750000521540642,
                             0.016875004395842552, 0.008181894198060036, 0.028750000521540642,
                             0.028345370665192604, 0.027159053832292557]),
}


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_schedules_match_keras(name):
    make_schedule, expected = SCHEDULES[name]
    schedule = make_schedule()
    got = [schedule(step) for step in range(12)]
    assert all(isinstance(x, tf.Tensor) and x.dtype == tf.float32 for x in got)
    np.testing.assert_allclose([float(x) for x in got], np.array(expected, F), rtol=1e-6, atol=1e-9)
    clone = type(schedule).from_config(schedule.get_config())
    assert float(clone(7)) == float(schedule(7))
    assert S.deserialize(S.serialize(schedule)).get_config() == schedule.get_config()


def test_a_schedule_is_called_with_the_raw_iteration_count():
    seen = []

    class Recorder(S.LearningRateSchedule):
        def __call__(self, step):
            seen.append(int(step))
            return 0.1

    opt = keras.optimizers.SGD(Recorder(), gradient_accumulation_steps=2)
    v = tf.Variable([1.0])
    for _ in range(4):
        opt.apply_gradients([(tf.constant([1.0]), v)])
    assert seen == [0, 1, 2, 3]


# -- the optimizer API ---------------------------------------------------------------------------

def test_iterations_is_an_int64_variable_counting_steps():
    v = tf.Variable([1.0, 2.0])
    opt = keras.optimizers.Adam(0.1)
    assert isinstance(opt.iterations, tf.Variable) and opt.iterations.dtype == tf.int64
    assert int(opt.iterations) == 0
    assert opt.apply_gradients([(tf.constant([1.0, 1.0]), v)]) is opt.iterations
    opt.apply([tf.constant([1.0, 1.0])])
    assert int(opt.iterations) == 2
    acc = keras.optimizers.SGD(0.1, gradient_accumulation_steps=2)
    for _ in range(3):
        acc.apply_gradients([(tf.constant([1.0, 1.0]), v)])
    assert int(acc.iterations) == 1 and acc.iterations.dtype == tf.int64  # calls // steps, as Keras
    assert int(acc._iterations) == 3


def test_learning_rate_is_a_settable_float32_variable():
    opt = keras.optimizers.Adam(0.1)
    lr = opt.learning_rate
    assert isinstance(lr, tf.Variable) and lr.dtype == tf.float32 and lr.numpy() == F(0.1)
    np.testing.assert_array_equal((-opt.learning_rate * tf.ones(2)).numpy(), np.full(2, -0.1, F))  # seed 003
    opt.learning_rate = 0.3
    assert opt.learning_rate is lr and lr.numpy() == F(0.3)
    v = tf.Variable([1.0])
    sgd = keras.optimizers.SGD(0.5)
    sgd.learning_rate.assign(0.25)
    sgd.apply_gradients([(tf.constant([1.0]), v)])
    assert v.numpy()[0] == F(0.75)
    sgd.learning_rate = lambda: 0.5                           # a callable without arguments
    sgd.apply_gradients([(tf.constant([1.0]), v)])
    assert v.numpy()[0] == F(0.25) and sgd.learning_rate == 0.5
    scheduled = keras.optimizers.Adam(S.ExponentialDecay(0.1, 4, 0.6))
    with pytest.raises(TypeError, match="not settable"):
        scheduled.learning_rate = 0.3
    with pytest.raises(ValueError, match="should be float"):
        keras.optimizers.SGD(1)


def test_none_gradients_are_skipped_with_keras_warning():
    w, b = tf.Variable([1.0, 2.0], name="w"), tf.Variable([3.0], name="b")
    opt = keras.optimizers.SGD(0.1)
    with pytest.warns(UserWarning) as record:
        opt.apply_gradients(zip([None, tf.constant([1.0])], [w, b]))
    assert str(record[0].message) == ("Gradients do not exist for variables ['w:0'] when minimizing the loss. "
                                      "If using `model.compile()`, did you forget to provide a `loss` argument?")
    np.testing.assert_array_equal(w.numpy(), [1.0, 2.0])
    np.testing.assert_allclose(b.numpy(), [2.9])
    with pytest.raises(ValueError, match="No gradients provided for any variable"):
        opt.apply_gradients(zip([None, None], [w, b]))
    assert int(opt.iterations) == 1


def test_keras_variables_are_named_by_path():
    kv = keras.Variable(np.ones(2, F), name="kernel")
    opt = keras.optimizers.SGD(0.1, momentum=0.9)
    with pytest.warns(UserWarning, match=r"\['kernel'\]"):
        opt.apply_gradients([(None, kv), (tf.constant([1.0]), tf.Variable([1.0], name="v"))])
    names = [v.name for v in opt.variables]
    assert names[:2] == ["iteration", "learning_rate"]
    assert "kernel_momentum" in names and "v_0_momentum" in names


def test_variables_it_was_not_built_with_are_refused_and_subsets_are_fine():
    w, b, c = tf.Variable([1.0]), tf.Variable([2.0]), tf.Variable([3.0])
    opt = keras.optimizers.Adam(0.1)
    opt.apply_gradients([(tf.constant([1.0]), w), (tf.constant([1.0]), b)])
    with pytest.raises(ValueError, match="Unknown variable"):
        opt.apply_gradients([(tf.constant([1.0]), c)])
    before_w = w.numpy()
    opt.apply_gradients([(tf.constant([1.0]), b)])            # a subset, Keras allows it
    np.testing.assert_array_equal(w.numpy(), before_w)
    assert int(opt.iterations) == 2


def test_an_unknown_variable_is_named_not_printed():
    opt = keras.optimizers.SGD(0.1)
    opt.apply_gradients([(tf.constant([1.0]), tf.Variable([1.0], name="mine"))])
    stranger = tf.Variable(np.arange(500, dtype=F), name="stranger")
    with pytest.raises(ValueError, match="Unknown variable") as info:
        opt.apply_gradients([(tf.ones([500]), stranger)])
    msg = str(info.value)
    assert "'stranger" in msg and "shape (500,)" in msg and "float32" in msg
    assert "499" not in msg and len(msg) < 400  # its values are not printed
    assert "recreate a new optimizer" in msg


def test_option_errors_as_keras():
    with pytest.raises(ValueError, match="Only one of `clipnorm`, `clipvalue` and `global_clipnorm`"):
        keras.optimizers.SGD(0.1, clipnorm=1.0, clipvalue=1.0)
    with pytest.raises(ValueError, match="gradient_accumulation_steps"):
        keras.optimizers.SGD(0.1, gradient_accumulation_steps=1)
    with pytest.raises(ValueError, match="not recognized"):
        keras.optimizers.Adam(0.1, betta=0.9)
    with pytest.raises(ValueError, match="momentum"):
        keras.optimizers.SGD(0.1, momentum=2)
    with pytest.raises(ValueError, match="weight_decay"):
        keras.optimizers.AdamW(0.1, weight_decay=None)
    with pytest.raises(ValueError, match="must already be built"):
        keras.optimizers.SGD(0.1).apply([tf.constant([1.0])])
    opt = keras.optimizers.SGD(0.1)
    with pytest.raises(ValueError, match="shape"):
        opt.apply_gradients([(tf.constant([1.0, 2.0]), tf.Variable([1.0]))])


def test_gradient_accumulation_and_ema_as_keras():
    # Printed by Keras 3.15: SGD(0.1, use_ema=True, gradient_accumulation_steps=2), grads [1, 2] * (t + 1).
    expected = [([1.0, -2.0], [1.0, -2.0], [1.0, 2.0], 0),
                ([0.85, -2.3], [0.85, -2.3], [0.0, 0.0], 1),
                ([0.85, -2.3], [0.85, -2.3], [3.0, 6.0], 1),
                ([0.5, -3.0], [0.846500039100647, -2.306999921798706], [0.0, 0.0], 2)]
    v = tf.Variable([1.0, -2.0])
    opt = keras.optimizers.SGD(0.1, use_ema=True, gradient_accumulation_steps=2)
    for t, (value, average, accumulator, iterations) in enumerate(expected):
        opt.apply_gradients([(tf.constant([1.0, 2.0]) * (t + 1), v)])
        np.testing.assert_allclose(v.numpy(), value, rtol=1e-6)
        names = {x.name: x for x in opt.variables}
        np.testing.assert_allclose(names["Variable_0_average"].numpy(), average, rtol=1e-6)
        np.testing.assert_allclose(names["Variable_0_gradient_accumulator"].numpy(), accumulator)
        assert int(opt.iterations) == iterations


def test_ema_overwrite_and_finalize_as_keras():
    v, w = tf.Variable([1.0, -2.0, 3.0]), tf.Variable([[0.5, 0.25]])
    opt = keras.optimizers.SGD(0.1, momentum=0.5, use_ema=True, ema_momentum=0.9, ema_overwrite_frequency=3)
    for t in range(5):
        opt.apply_gradients(zip([tf.constant([1.0, 0.5, -1.0]) * (t + 1), tf.constant([[0.3, -0.2]])], [v, w]))
    # Printed by Keras 3.15.
    np.testing.assert_allclose(v.numpy(), [-0.6087501049041748, -2.804375171661377, 4.608749866485596], rtol=1e-6)
    np.testing.assert_allclose(w.numpy(), [[0.341825008392334, 0.35545000433921814]], rtol=1e-6)
    opt.finalize_variable_values([v, w])
    np.testing.assert_allclose(v.numpy(), [0.6129998564720154, -2.19350004196167, 3.3869998455047607], rtol=1e-6)
    np.testing.assert_allclose(w.numpy(), [[0.43970000743865967, 0.29020002484321594]], rtol=1e-6)


def test_loss_scale_factor_and_weight_decay_exclusions_as_keras():
    v = tf.Variable([1.0])
    keras.optimizers.SGD(0.1, loss_scale_factor=4.0).apply_gradients([(tf.constant([2.0]), v)])
    assert v.numpy()[0] == F(0.95)
    kernel, bias = tf.Variable([1.0, 2.0], name="kernel"), tf.Variable([1.0, 2.0], name="bias")
    opt = keras.optimizers.SGD(0.1, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_names=["bias"])
    opt.apply_gradients([(tf.constant([0.0, 0.0]), kernel), (tf.constant([0.0, 0.0]), bias)])
    np.testing.assert_allclose(kernel.numpy(), [0.95, 1.9], rtol=1e-6)   # Keras: v -= v * wd * lr
    np.testing.assert_array_equal(bias.numpy(), [1.0, 2.0])
    opt.exclude_from_weight_decay(var_list=[kernel])
    opt.apply_gradients([(tf.constant([0.0, 0.0]), kernel), (tf.constant([0.0, 0.0]), bias)])
    np.testing.assert_allclose(kernel.numpy(), [0.95, 1.9], rtol=1e-6)
    np.testing.assert_allclose(bias.numpy(), [0.95, 1.9], rtol=1e-6)


def test_indexed_slices_gradients_are_densified():
    # Rows summed at their indices: the dense gradient's numbers (Keras' TF sparse path differs
    # from its own dense result when an index repeats; without repeats they agree).
    dense_v, sparse_v = tf.Variable(np.ones((4, 2), F)), tf.Variable(np.ones((4, 2), F))
    dense_opt, sparse_opt = keras.optimizers.Adam(0.1), keras.optimizers.Adam(0.1)
    for step in range(3):
        g = tf.IndexedSlices(tf.constant([[1.0, 2.0], [3.0, 4.0], [0.5, 0.5]]) * (step + 1),
                             tf.constant([0, 2, 0]), tf.constant([4, 2]))
        sparse_opt.apply_gradients([(g, sparse_v)])
        dense_opt.apply_gradients([(tf.convert_to_tensor(g), dense_v)])
    np.testing.assert_array_equal(sparse_v.numpy(), dense_v.numpy())
    np.testing.assert_array_equal(sparse_v.numpy()[1], [1.0, 1.0])


def test_float64_variables_get_their_dtype():
    v = tf.Variable(np.array([1.0, 2.0]))
    keras.optimizers.Adam(0.1).apply_gradients([(tf.constant([1.0, 1.0]), v)])
    assert v.dtype == tf.float64
    np.testing.assert_allclose(v.numpy(), [0.9, 1.9], rtol=1e-6)


def test_steps_are_in_place_and_reads_stay_as_read():
    def address(variable):  # not a reference: holding the buffer would make the next step copy it
        return variable._value.__array_interface__["data"][0]

    v = tf.Variable(np.ones((5, 3), F))
    opt = keras.optimizers.Adam(0.1)
    g = tf.constant(np.full((5, 3), 0.5, F))
    opt.apply_gradients([(g, v)])
    before = [address(v)] + [address(x) for x in opt.variables[2:4]]
    opt.apply_gradients([(g, v)])
    assert [address(v)] + [address(x) for x in opt.variables[2:4]] == before   # updated in place
    read = v.read_value()
    momentum = opt.variables[2].read_value()
    kept, kept_m = read.numpy(), momentum.numpy()
    opt.apply_gradients([(g, v)])
    np.testing.assert_array_equal(read.numpy(), kept)          # copy-on-write: the reads stay
    np.testing.assert_array_equal(momentum.numpy(), kept_m)
    assert not np.array_equal(v.numpy(), kept) and not np.array_equal(opt.variables[2].numpy(), kept_m)


def test_state_round_trips_through_variables_bit_identically():
    def run(opt, v, steps):
        for t in steps:
            opt.apply_gradients([(tf.constant(np.sin(np.arange(6, dtype=F) + t).reshape(2, 3)), v)])

    a = tf.Variable(np.ones((2, 3), F))
    first = keras.optimizers.Nadam(0.05, global_clipnorm=1.0, gradient_accumulation_steps=2)
    run(first, a, range(5))
    store = {}
    first.save_own_variables(store)
    b = tf.Variable(a.numpy())
    second = keras.optimizers.Nadam(0.05, global_clipnorm=1.0, gradient_accumulation_steps=2)
    second.build([b])
    second.load_own_variables(store)
    run(first, a, range(5, 9))
    run(second, b, range(5, 9))
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    third = keras.optimizers.Nadam(0.05, global_clipnorm=1.0, gradient_accumulation_steps=2)
    third.build([tf.Variable(np.ones((2, 3), F))])
    third.set_weights([x.numpy() for x in second.variables])
    assert all(np.array_equal(x.numpy(), y.numpy()) for x, y in zip(third.variables, second.variables))
    with pytest.warns(UserWarning, match="Skipping variable loading"):
        keras.optimizers.Nadam(0.05).load_own_variables(store)


def test_variables_are_listed_as_keras_lists_them():
    w, b = tf.Variable(np.ones((2, 2), F), name="w"), tf.Variable(np.ones(2, F), name="b")
    opt = keras.optimizers.Adam(0.1)
    assert [v.name for v in opt.variables] == ["iteration", "learning_rate"]
    opt.apply_gradients([(tf.ones((2, 2)), w), (tf.ones(2), b)])
    names = [v.name for v in opt.variables]
    # Keras 3.15 lists: iteration, learning_rate, w_0_momentum, w_0_velocity, b_0_momentum, b_0_velocity
    assert names[:6] == ["iteration", "learning_rate", "w_0_momentum", "w_0_velocity", "b_0_momentum",
                         "b_0_velocity"]
    assert names[6:] == ["count"]   # tapegrad also keeps Adam's step count as state


def test_get_serialize_and_config_round_trip():
    assert isinstance(keras.optimizers.get("adam"), keras.optimizers.Adam)
    assert isinstance(keras.optimizers.get("SGD"), keras.optimizers.SGD)
    assert isinstance(keras.optimizers.get("RMSprop"), keras.optimizers.RMSprop)
    opt = keras.optimizers.Adam(0.01, amsgrad=True, clipnorm=1.0)
    assert keras.optimizers.get(opt) is opt
    assert keras.optimizers.get(None) is None
    with pytest.raises(ValueError):
        keras.optimizers.get("no_such_optimizer")
    config = opt.get_config()
    assert config["learning_rate"] == pytest.approx(0.01) and config["amsgrad"] is True
    assert config["clipnorm"] == 1.0 and config["name"].startswith("adam")
    clone = keras.optimizers.deserialize(keras.optimizers.serialize(opt))
    assert type(clone) is keras.optimizers.Adam and clone.get_config() == config
    scheduled = keras.optimizers.SGD(S.ExponentialDecay(0.1, 4, 0.6), momentum=0.5)
    config = scheduled.get_config()
    assert config["learning_rate"]["class_name"] == "ExponentialDecay"
    clone = keras.optimizers.SGD.from_config(config)
    assert isinstance(clone._learning_rate, S.ExponentialDecay) and clone.momentum == 0.5


def test_changing_a_hyperparameter_after_build_takes_effect():
    a, b = tf.Variable([1.0]), tf.Variable([1.0])
    changed, fresh = keras.optimizers.Adam(0.1), keras.optimizers.Adam(0.1, beta_1=0.5)
    changed.apply_gradients([(tf.constant([1.0]), a)])
    fresh.apply_gradients([(tf.constant([1.0]), b)])
    changed.beta_1 = 0.5
    changed.apply_gradients([(tf.constant([2.0]), a)])
    fresh.apply_gradients([(tf.constant([2.0]), b)])
    # the first moment after one step differs (0.1 vs 0.5 of the gradient); the second step's
    # formula now uses beta_1 = 0.5 in both
    assert a.numpy()[0] != b.numpy()[0]
    changed.amsgrad = True
    with pytest.raises(ValueError, match="create a new optimizer"):
        changed.apply_gradients([(tf.constant([1.0]), a)])
    v = tf.Variable([1.0])
    sgd = keras.optimizers.SGD(0.1, momentum=0.5)
    sgd.apply_gradients([(tf.constant([10.0]), v)])           # v = 0, momentum -1
    sgd.clipnorm = 1.0                                          # a stateless part joins: state kept
    sgd.apply_gradients([(tf.constant([10.0]), v)])           # m = 0.5 * -1 - 0.1 * 1
    np.testing.assert_allclose(v.numpy(), [-0.6], rtol=1e-6)


def test_from_transform_runs_a_users_chain_with_keras_options():
    body, head = tf.Variable(np.ones(3, F)), tf.Variable(np.ones(2, F))
    opt = keras.optimizers.Optimizer.from_transform(
        lambda lr: optim.partition({"body": optim.scale_by_learning_rate(0.0),
                                    "head": optim.chain(optim.scale_by_adam(), optim.scale_by_learning_rate(lr))},
                                   ["body", "head"]),
        learning_rate=S.ExponentialDecay(0.1, 1, 0.5), global_clipnorm=1.0)
    for _ in range(2):
        opt.apply_gradients([(tf.ones(3), body), (tf.ones(2), head)])
    np.testing.assert_array_equal(body.numpy(), np.ones(3))
    np.testing.assert_allclose(head.numpy(), 1 - 0.1 - 0.05, rtol=1e-4)   # Adam's first steps ~ the rate
    fixed = keras.optimizers.Optimizer.from_transform(optim.scale(-1.0))
    v = tf.Variable([1.0])
    fixed.apply_gradients([(tf.constant([0.25]), v)])
    assert v.numpy()[0] == 0.75 and int(fixed.iterations) == 1


def test_minimize():
    v = tf.Variable([3.0])
    opt = keras.optimizers.SGD(0.25)
    opt.minimize(lambda: tf.reduce_sum(v * v), [v])
    assert v.numpy()[0] == 1.5
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(v * v)
    opt.minimize(loss, lambda: [v], tape=tape)
    assert v.numpy()[0] == 0.75
    with pytest.raises(ValueError, match="`tape` is required"):
        opt.minimize(loss, [v])


def test_constraints_are_applied_after_the_step():
    kv = keras.Variable(np.array([0.5, -0.5], F), name="w")
    kv.constraint = lambda x: tf.clip_by_value(x, -0.45, 0.45)
    keras.optimizers.SGD(0.1).apply_gradients([(tf.constant([-1.0, 1.0]), kv)])
    np.testing.assert_allclose(kv.numpy(), [0.45, -0.45])


def test_an_optimizer_from_a_transform_has_a_config_but_cannot_be_rebuilt_from_it():
    opt = keras.optimizers.Optimizer.from_transform(optim.scale(-1.0), clipnorm=2.0)
    assert opt.get_config()["clipnorm"] == 2.0
    with pytest.raises(NotImplementedError, match="from_transform"):
        type(opt).from_config(opt.get_config())
