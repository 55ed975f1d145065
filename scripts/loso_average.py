"""Average two leave-one-source-out runs' embedding experts, post hoc, from their row dumps.

    warden-bench loso ... --dump-rows /tmp/a.jsonl                          # design A
    warden-bench loso ... --embeddings other.bin ... --dump-rows /tmp/b.jsonl   # design B, same rows
    python3 scripts/loso_average.py /tmp/a.jsonl /tmp/b.jsonl                 # needs numpy

For each fold, the dense (embedding expert) logits of A and B are mixed with weight w (A's n-gram
logits kept), then calibrated as Warden does (`loso_posthoc.py`), and the mean any-category AUPRC
printed for w = 0 … 1. Session 11 measured layer 6 with layers 3 + 6 this way (0.5715 / 0.5715,
average 0.581) before training the average as one model (0.579).
"""
import sys, importlib.util, os

def load(path):
    sys.argv = [sys.argv[0], path]
    spec = importlib.util.spec_from_file_location("lp_" + str(abs(hash(path))), os.path.join(os.path.dirname(__file__), "loso_posthoc.py"))
    m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m); return m

if __name__ == "__main__":
    a_path, b_path = sys.argv[1], sys.argv[2]
    A, B = load(a_path), load(b_path)
    orig = dict(A.F)
    for k in orig:
        assert orig[k][0][0].shape == B.F[k][0][0].shape and orig[k][1][0].shape == B.F[k][1][0].shape, f"fold {k}: the runs' rows differ"
    for w in [0.0, 0.3, 0.5, 0.7, 1.0]:
        F = {}
        for k, ((Lc, Nc, Dc, Sc), (Lt, Nt, Dt, St)) in orig.items():
            (_, _, Dc2, _), (_, _, Dt2, _) = B.F[k]
            F[k] = ((Lc, Nc, (1 - w) * Dc + w * Dc2, Sc), (Lt, Nt, (1 - w) * Dt + w * Dt2, St))
        A.F = F
        A.evaluate(A.shipped(), f"dense = {1 - w:.1f} A + {w:.1f} B", verbose=(w == 0.5))
