"""The science of rnnlstm-tui: data, models, training, forecast and run artifacts.

Nothing in this package imports Textual; Keras (on TensorFlow, or on JAX with ``--backend jax``)
is imported only when a run starts, so ``engine.config.config`` and the command line stay fast.
"""

import os as _os

# Set before anything imports TensorFlow: without them TF/Keras print banners and
# oneDNN notices, which would garble a Textual screen and clutter headless logs.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# Keras's backend is ours to choose (``--backend``, TensorFlow by default), not the user's
# environment's: code written for one backend must not run on a Keras loaded on another.
# ``engine.train.runtime.select_backend`` sets it again for the run, before Keras loads.
_os.environ["KERAS_BACKEND"] = "tensorflow"
