"""Replays a Gramian training trace in TensorFlow Recommenders.

`gramian fit two-tower ... --trace DIR` writes the initial parameters and
every step's batch and loss. This script builds the same towers in TFRS
(Keras 2 Embedding, Dense/ReLU, Retrieval task), loads those initial
parameters, trains on the same batches in the same order with the same
optimiser, and prints one JSON line: how many leading steps agree, the two
per-epoch mean losses, and, with --train/--test, TFRS's final recall@20 and
ndcg@20 from shared/bench/peers.py (Gramian's come from its own --json run;
tests check that the two evaluators agree). The seed then no longer
separates the two libraries: only their arithmetic does.

Supported: softmax loss, id towers with optional Dense layers, temperature,
exact logQ (frequencies from --train), Adagrad or Adam; no Gram term,
features or extra negatives (what the TFRS benchmark script covers).

  python replay.py DIR [--train F --test F --lists] [--threads 2]
"""
import argparse, json, os, sys

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("trace")
    p.add_argument("--train")
    p.add_argument("--test")
    p.add_argument("--lists", action="store_true")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--bench", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../shared/bench"))
    a = p.parse_args()

    man = json.load(open(os.path.join(a.trace, "trace.json")))
    c = man["config"]
    unsupported = [k for k, bad in [
        ("loss", c["loss"] != "softmax"), ("logQ", c["logQ"] not in ("none", "exact")),
        ("logQ without --train", c["logQ"] == "exact" and not a.train), ("gramWeight", c["gramWeight"] > 0),
        ("mixedNegatives", c["mixedNegatives"] > 0), ("history", c["history"] > 0), ("l2", c["l2"] > 0),
        ("removeAccidentalHits", c["removeAccidentalHits"]), ("clipNorm", c["clipNorm"] > 0),
        ("warmupSteps", c["warmupSteps"] > 0), ("decay", c["decay"] != "none"),
        ("userIdEmbedding", not c["userIdEmbedding"])] if bad]
    names = {q["name"] for q in man["parameters"]}
    if unsupported or not names <= {"user_id", "item_id"} | {n for n in names if "_dense" in n}:
        sys.exit(f"replay.py: the trace uses what the replay does not build: {unsupported or sorted(names)}")

    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(a.threads)
    tf.config.threading.set_inter_op_parallelism_threads(a.threads)
    import tf_keras
    import tensorflow_recommenders as tfrs

    load = lambda n: np.load(os.path.join(a.trace, n + ".npy"))
    widths = c["layers"]

    def tower(side, table):
        layers = [tf_keras.layers.Embedding(table.shape[0], c["embeddingDim"])]
        for j, w in enumerate(widths):
            layers.append(tf_keras.layers.Dense(w, activation="relu" if j < len(widths) - 1 else None))
        if c["normalize"]:
            layers.append(tf_keras.layers.UnitNormalization())
        m = tf_keras.Sequential(layers)
        m.build((None,))
        ws = [table]
        for j in range(len(widths)):
            ws += [load(f"{side}_dense{j}_kernel"), load(f"{side}_dense{j}_bias").ravel()]
        m.set_weights(ws)
        return m

    class Replay(tfrs.Model):
        def __init__(self):
            super().__init__()
            self.q = tower("query", load("user_id"))
            self.i = tower("item", load("item_id"))
            self.task = tfrs.tasks.Retrieval(temperature=None if c["temperature"] == 1 else c["temperature"])

        def compute_loss(self, f, training=False):
            return self.task(self.q(f["user"]), self.i(f["item"]), compute_metrics=False,
                             candidate_sampling_probability=f.get("prob"))

    if c["optimizer"] == "adagrad":
        opt = tf_keras.optimizers.Adagrad(learning_rate=c["learningRate"],
                                          initial_accumulator_value=c["adagradInitial"])
    else:
        opt = tf_keras.optimizers.Adam(learning_rate=c["learningRate"], beta_1=c["adamBeta1"],
                                       beta_2=c["adamBeta2"], epsilon=c["adamEpsilon"])
    model = Replay()
    model.compile(optimizer=opt)

    users, items = load("users").ravel(), load("items").ravel()
    rows = np.array(man["step_rows"])
    if len(set(rows.tolist())) != 1:
        sys.exit("replay.py: batches of different sizes (train with the remainder dropped)")
    b = int(rows[0])
    users, items = users.reshape(-1, b), items.reshape(-1, b)
    feeds = {"user": users, "item": items}
    train = None
    if a.train:
        sys.path.insert(0, a.bench)
        from peers import load_split
        _, _, train, test, _ = load_split(a.train, a.test, a.lists)
    if c["logQ"] == "exact":
        # Gramian's exact q_j: the item's share of the training pairs (at least 0.5 / N).
        counts = np.maximum(np.diff(train.tocsc().indptr), 0.5)
        feeds["prob"] = (counts / train.nnz).astype(np.float32)[items]
    ds = tf.data.Dataset.from_tensor_slices(feeds)
    losses = []

    class Record(tf_keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self._supports_tf_logs = True

        def on_train_batch_end(self, batch, logs=None):
            losses.append(float(logs["loss"]))

    model.fit(ds, epochs=1, verbose=0, callbacks=[Record()])
    tf_loss, g_loss = np.array(losses), np.array(man["step_losses"])
    rel = np.abs(tf_loss - g_loss) / np.maximum(np.abs(g_loss), 1e-12)
    agree = int(np.argmax(rel > 1e-4)) if (rel > 1e-4).any() else len(rel)
    epochs = np.array(man["step_epochs"])
    out = {"trace": a.trace, "seed": c["seed"], "layers": widths, "steps": len(losses), "batch": b,
           "steps_agreeing_1e-4": agree,
           "tfrs_epoch_loss": [float(tf_loss[epochs == e].mean() / b) for e in sorted(set(epochs.tolist()))],
           "gramian_epoch_loss": [float(g_loss[epochs == e].mean() / b) for e in sorted(set(epochs.tolist()))]}
    if a.train and a.test:
        from peers import evaluate
        if train.shape != (man["users"], man["items"]):
            sys.exit(f"replay.py: {a.train} has {train.shape} users x items, the trace {man['users']} x {man['items']}")
        seen = np.asarray(train[users.ravel(), items.ravel()]).ravel()
        if not (seen > 0).all():
            sys.exit("replay.py: the trace's pairs are not all in --train: the id orders differ")
        nu, ni = train.shape
        U = model.q.predict(np.arange(nu), batch_size=8192, verbose=0)
        V = model.i.predict(np.arange(ni), batch_size=8192, verbose=0)
        out.update({f"tfrs_{k}": v for k, v in evaluate(U, V, train, test, [20]).items()})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
