"""The science of rnnlstm-tui: data, models, training, forecast and run artifacts.

Nothing in this package imports Textual; TensorFlow is imported only when a run starts,
so ``engine.config`` and the command line stay fast.
"""

import os as _os

# Set before anything imports TensorFlow: without them TF/Keras print banners and
# oneDNN notices, which would garble a Textual screen and clutter headless logs.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
_os.environ.setdefault("KERAS_BACKEND", "tensorflow")
