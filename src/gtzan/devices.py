"""Where and how a training runs: the precision (train.precision), the devices, op determinism and the seeds."""

import keras
import tensorflow as tf

from gtzan.cpu import Cpu
from gtzan.errors import UserError

PRECISIONS = ["auto", "float32", "mixed_bfloat16", "mixed_float16"]


def set_precision(setting: str) -> str:
    """Set Keras' global dtype policy from params.yaml train.precision and return it.

    auto: mixed_bfloat16 on a CPU with native bfloat16 (AVX512-BF16 or AMX) that oneDNN may use
    (ONEDNN_MAX_CPU_ISA, if set, allows it), mixed_float16 on a GPU with tensor cores (compute
    capability 7.0 or later), float32 elsewhere. Variables stay
    float32 either way, and every architecture's softmax layer is float32.
    """
    if setting not in PRECISIONS:
        raise UserError(f"params.yaml train.precision must be one of {PRECISIONS}, got {setting!r}")
    policy = automatic_precision() if setting == "auto" else setting
    if not tf.config.list_physical_devices("GPU"):
        # oneDNN cannot even build such a convolution there ("could not create a primitive descriptor")
        cpu = Cpu.this()
        if policy == "mixed_bfloat16" and not cpu.bfloat16:
            raise UserError("params.yaml train.precision is mixed_bfloat16, but this CPU has no bfloat16 instructions that "
                            "oneDNN may use (AVX512-BF16 or AMX): set train.precision to auto or float32")
        if policy == "mixed_float16" and not cpu.float16:
            raise UserError(f"params.yaml train.precision is mixed_float16, but ONEDNN_MAX_CPU_ISA={cpu.onednn_max_isa} "
                            "leaves oneDNN no float16 kernels, which TensorFlow hands it on this CPU: set "
                            "train.precision to auto or float32, or unset ONEDNN_MAX_CPU_ISA")
    keras.mixed_precision.set_global_policy(policy)
    return policy


def automatic_precision() -> str:
    """train.precision auto on this machine: what precision_for() picks for its GPU or CPU."""
    gpus = tf.config.list_physical_devices("GPU")
    capability = tf.config.experimental.get_device_details(gpus[0]).get("compute_capability", (0, 0)) if gpus else None
    return precision_for(gpu_capability=capability, cpu=Cpu.this())


def precision_for(*, gpu_capability: tuple[int, int] | None, cpu: Cpu) -> str:
    if gpu_capability is not None:
        return "mixed_float16" if gpu_capability >= (7, 0) else "float32"
    return "mixed_bfloat16" if cpu.bfloat16 else "float32"


def distribution_strategy() -> tf.distribute.Strategy:
    """MirroredStrategy over all GPUs when TensorFlow sees several, else the default strategy (one device:
    the GPU if there is one, else the CPU). Several logical CPUs exist only when set up on purpose (the
    tests do, to run the multi-device path without GPUs); they are mirrored over the same way.

    The batch size of params.yaml stays the global batch, split evenly between the replicas, and the
    learning rate stays as it is: every step averages the gradient over the same examples as on one
    device, as Keras' distributed-training guide describes.
    """
    devices = tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU")
    if len(devices) > 1:
        return tf.distribute.MirroredStrategy(devices=[device.name for device in devices])
    return tf.distribute.get_strategy()


def describe_devices(strategy: tf.distribute.Strategy) -> str:
    if strategy.num_replicas_in_sync > 1:
        return f"mirrored over {strategy.num_replicas_in_sync} devices ({', '.join(strategy.extended.worker_devices)})"
    return "on the GPU" if tf.config.list_logical_devices("GPU") else "on the CPU"


# Ops that TensorFlow 2.21 cannot run deterministically on a GPU: under op determinism their GPU kernels
# raise UnimplementedError (Bincount, SparseTensorDenseMatMul, AdjustContrastv2, the two fused cross-entropy
# kernels, which the Python API replaces by a deterministic composite) or have no deterministic backprop
# (the others), per TensorFlow's determinism RFC and kernels.
NONDETERMINISTIC_GPU_OPS = {
    "Bincount", "DenseBincount", "SparseTensorDenseMatMul", "AdjustContrastv2",
    "SoftmaxCrossEntropyWithLogits", "SparseSoftmaxCrossEntropyWithLogits",
    "DepthwiseConv2dNativeBackpropFilter", "CropAndResizeGradImage", "CropAndResizeGradBoxes", "ResizeNearestNeighborGrad",
}


def check_deterministic_on_gpu(name: str, model: keras.Model, strategy: tf.distribute.Strategy, input_shape,
                               soft_labels: bool = False) -> None:
    """UserError naming the first op of the model's training step (forward, loss and gradients) that has
    no deterministic GPU kernel. For train.deterministic: true on a GPU, before any step is taken."""
    @tf.function
    def training_step(spectrograms, labels):
        def gradients(spectrograms, labels):
            with tf.GradientTape() as tape:
                loss = model.compute_loss(x=spectrograms, y=labels, y_pred=model(spectrograms, training=True))
            return tape.gradient(loss, model.trainable_variables)
        return strategy.run(gradients, args=(spectrograms, labels))

    labels = tf.TensorSpec((None, model.output_shape[-1]), tf.float32) if soft_labels else tf.TensorSpec((None,), tf.int32)
    graph = training_step.get_concrete_function(tf.TensorSpec((None, *input_shape), tf.float32), labels).graph.as_graph_def()
    ops = {node.op for node in graph.node} | {node.op for function in graph.library.function for node in function.node_def}
    refused = sorted(ops & NONDETERMINISTIC_GPU_OPS)
    if refused:
        raise UserError(
            f"train.deterministic is true, but {name}'s training step runs {refused[0]}, which has no deterministic "
            f"GPU kernel in TensorFlow {tf.__version__}: set train.deterministic: false in params.yaml "
            f"(dvc exp run -S train.deterministic=false) or train on the CPU"
        )


def seed_everything(seed: int, deterministic: bool) -> None:
    """Seed Python, NumPy and TensorFlow (initialisation, dropout, augmentation)."""
    if not isinstance(deterministic, bool):
        raise UserError(f"params.yaml train.deterministic must be true or false, got {deterministic!r}")
    keras.utils.set_random_seed(seed)
    if deterministic:
        tf.config.experimental.enable_op_determinism()
