"""Per-step losses of TFRS on a tiny, fully specified problem.

Tests/TwoTowerTests/TFRSStepParityTests.swift trains Gramian from the same
initial parameters on the same batches and compares each step's loss with
the figures this script prints (TFRS Retrieval task, Keras 2 Adagrad).
Everything is defined by formulas, so nothing but the printed losses has to
be carried over:

  users 40, items 30, id embeddings d = 8;
  tables:  user[r][c] = 0.5 sin(1 + 0.37 r + 1.91 c),
           item[r][c] = 0.5 cos(2 + 0.53 r + 1.27 c);
  dense layer l of tower t (t = 0 query, 1 item), in x out:
           W[i][j] = 1.5 sin(0.7 + 1.3 i + 0.29 j + 0.5 l + 0.9 t) / sqrt(in),
           b[j]    = 0.02 cos(0.4 j + l + t);
  step s (0-based), row r of batch 16:  e = 16 s + r,
           user = (7 e + 3) mod 40, item = (3 user + e mod 4) mod 30
           (a pattern to learn; users and items repeat within a batch, so
           duplicate columns and summed duplicate table rows are checked).

Run with the TFRS venv (shared/bench/setup-tfrs.sh):
  /tmp/gramian-tfrs/bin/python Benchmarks/twotower/tfrs_step_fixture.py
"""
import os
os.environ["TF_USE_LEGACY_KERAS"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import tensorflow as tf
import tf_keras
import tensorflow_recommenders as tfrs

USERS, ITEMS, DIM, BATCH, STEPS = 40, 30, 8, 16, 20


def table(rows, f, a, b, c):
    r, k = np.meshgrid(np.arange(rows), np.arange(DIM), indexing="ij")
    return (0.5 * f(a + b * r + c * k)).astype(np.float32)


def dense(t, l, n_in, n_out):
    i, j = np.meshgrid(np.arange(n_in), np.arange(n_out), indexing="ij")
    w = 1.5 * np.sin(0.7 + 1.3 * i + 0.29 * j + 0.5 * l + 0.9 * t) / np.sqrt(n_in)
    b = 0.02 * np.cos(0.4 * np.arange(n_out) + l + t)
    return [w.astype(np.float32), b.astype(np.float32)]


def batches():
    e = np.arange(STEPS * BATCH).reshape(STEPS, BATCH)
    u = (7 * e + 3) % USERS
    return u.astype(np.int32), ((3 * u + e % 4) % ITEMS).astype(np.int32)


def run(widths, temperature=None):
    def tower(t, rows, init):
        layers = [tf_keras.layers.Embedding(rows, DIM)]
        for l, w in enumerate(widths):
            layers.append(tf_keras.layers.Dense(w, activation="relu" if l < len(widths) - 1 else None))
        m = tf_keras.Sequential(layers)
        m.build((None,))
        ws, n_in = [init], DIM
        for l, w in enumerate(widths):
            ws += dense(t, l, n_in, w)
            n_in = w
        m.set_weights(ws)
        return m

    class Model(tfrs.Model):
        def __init__(self):
            super().__init__()
            self.q = tower(0, USERS, table(USERS, np.sin, 1, 0.37, 1.91))
            self.i = tower(1, ITEMS, table(ITEMS, np.cos, 2, 0.53, 1.27))
            self.task = tfrs.tasks.Retrieval(temperature=temperature)

        def compute_loss(self, f, training=False):
            return self.task(self.q(f["user"]), self.i(f["item"]), compute_metrics=False)

    model = Model()
    model.compile(optimizer=tf_keras.optimizers.Adagrad(learning_rate=0.1))
    users, items = batches()
    losses = []
    for s in range(STEPS):
        losses.append(float(model.train_step({"user": users[s], "item": items[s]})["loss"]))
    return losses


if __name__ == "__main__":
    tf.config.threading.set_intra_op_parallelism_threads(1)
    for name, widths, tau in [("id", [], None), ("mlp", [16, 8], None), ("mlpTemperature", [16, 8], 0.5)]:
        print(f"  static let {name}: [Double] = [")
        for v in run(widths, tau):
            print(f"    {v!r},")
        print("  ]")
