"""How much memory a run will need, from its settings alone, before anything is built.

Measured here (``/usr/bin/time -f %M rnnlstm-tui --headless --epochs 1 --units U``, both models):
peak RSS is TensorFlow's and XLA's fixed share plus about 32 bytes per trained parameter
(weights, gradients, optimizer slots and their XLA buffers, for every seed) — 0.86 GB at 40
units, 1.04 GB at 1,024 (5.3 M parameters), 3.49 GB at 4,096 (84 M). A run whose estimate
will not fit in the memory the machine has free is refused before TensorFlow loads; one that
needs more than half of it gets a warning. On JAX (``--backend jax``) the fixed share is smaller:
0.40 GB at 40 units, 0.81 GB at 1,024, 1.11 GB at 2,048 (21 M parameters).
"""

from __future__ import annotations

from engine.config.config import Config

FIXED_MB = {"tensorflow": 850.0, "jax": 500.0}
"""The backend, XLA and the app, whatever the model (JAX's rounded up: its compiler's peak grows at first)."""
BYTES_PER_PARAMETER = 32.0
TEXT_SYMBOLS = 64
"""Input and output width assumed for the text task (its alphabet, read from the file only later)."""


def parameters(kind: str, units: int, inputs: int, outputs: int) -> int:
    """Trainable parameters of the recurrent layer ``kind`` and its Dense read-out (Keras's counts)."""
    recurrent = {"rnn": units * (inputs + units + 1), "lstm": 4 * units * (inputs + units + 1)}
    recurrent["gru"] = 3 * units * (inputs + units + 2)  # reset_after: two biases
    # minGRU, minLSTM: gates and candidate from the input only (no recurrent kernel), 2 and 3 blocks.
    recurrent |= {"mingru": 2 * units * (inputs + 1), "minlstm": 3 * units * (inputs + 1)}
    return recurrent[kind] + (units + 1) * outputs


def peak_mb(config: Config) -> float:
    """Estimated peak resident memory of a run of ``config``, in MB."""
    inputs, outputs = {"adding": (2, 1), "text": (TEXT_SYMBOLS, TEXT_SYMBOLS)}.get(config.task, (1, 1))
    total = sum(parameters(kind, config.units, inputs, outputs) for kind in config.models) * config.seeds
    return FIXED_MB[config.backend] + BYTES_PER_PARAMETER * total / 1e6


def available_mb() -> float | None:
    """Memory the machine has free now (``MemAvailable``), in MB; ``None`` where it cannot be read."""
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def need_text(config: Config, *, short: bool = False) -> str:
    """The estimate in words: ``about 0.8 GB of memory (estimated from units, models and seeds)``;
    ``short``: ``about 0.8 GB (from units, models and seeds)``, as the settings form shows it."""
    if short:
        return f"about {peak_mb(config) / 1024:.1f} GB (from units, models and seeds)"
    return f"about {peak_mb(config) / 1024:.1f} GB of memory (estimated from units, models and seeds)"


def memory_verdict(config: Config) -> tuple[str, str]:
    """``("refuse" | "warn" | "ok", message)``: whether ``config`` fits in the free memory, in words."""
    need, free = peak_mb(config), available_mb()
    said = need_text(config)
    if free is None:
        return "ok", f"needs {said}"
    if need > free:
        return "refuse", f"needs {said}, but {free / 1024:.1f} GB is free; allowed: fewer units, models or seeds"
    if need > free / 2:
        return "warn", f"needs {said}, more than half of the {free / 1024:.1f} GB free"
    return "ok", f"needs {said}; {free / 1024:.1f} GB free"
