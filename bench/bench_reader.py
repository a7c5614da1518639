"""The reader's runtime, chosen by measurement: torch float32, bfloat16 autocast, dynamic int8
(per channel), and ONNX Runtime int8 (when onnxruntime is installed), each timed on 1, 2 and 3
chunks of the seed corpus read in one batch, and compared on the tune part of the data: F1 with
the gold paragraph, the same answer as float32, and how far the span score moves from float32's.

Usage: python bench/bench_reader.py [--repeat 20] [--tune-work /tmp/ev --tune-limit 300]
Runs with 2 torch threads (the machines this serves on have 2 cores).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.config import Settings  # noqa: E402
from qa.embedding import e5_folder  # noqa: E402
from qa.reader.runtime import Reader  # noqa: E402

QUESTION = "凌源市截至6月末地区生产总值是多少？"


class OnnxReader(Reader):
    """The same reading with the network exported to ONNX and quantized by onnxruntime."""

    def __init__(self, folder: Path, work: Path) -> None:
        super().__init__(folder, runtime="fp32")
        import onnxruntime as ort
        from onnxruntime.quantization import QuantType, quantize_dynamic

        ids = torch.ones((2, 32), dtype=torch.long)
        fp32, int8 = work / "reader.onnx", work / "reader-int8.onnx"
        torch.onnx.export(self.model, (ids, torch.ones_like(ids)), str(fp32), input_names=["ids", "mask"],
                          output_names=["start", "end"], dynamic_axes={"ids": {0: "b", 1: "t"},
                          "mask": {0: "b", 1: "t"}, "start": {0: "b", 1: "t"}, "end": {0: "b", 1: "t"}},
                          opset_version=17, dynamo=False)
        quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 2
        self.session = ort.InferenceSession(str(int8), opts, providers=["CPUExecutionProvider"])

    def logits(self, win):  # type: ignore[no-untyped-def]
        start, end = self.session.run(None, {"ids": win.input_ids, "mask": win.attention})
        return start, end


def passages(n: int) -> list[str]:
    from qa.store.index_store import load_index

    index = load_index(Settings.from_env(corpus_dir=Path("corpus")))
    return [c.text for c in list(index.iter_chunks())[10:10 + n]]


def timed(reader: Reader, texts: list[str], repeat: int) -> float:
    reader.read(QUESTION, texts)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        reader.read(QUESTION, texts)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--tune-work", type=Path, help="qa eval --work folder: also compare answers on tune questions")
    ap.add_argument("--tune-limit", type=int, default=300)
    args = ap.parse_args()
    torch.set_num_threads(2)
    folder = e5_folder(Settings.from_env())
    readers: dict[str, Reader] = {"torch float32": Reader(folder, runtime="fp32"),
                                  "torch bfloat16 autocast": Reader(folder, runtime="bf16"),
                                  "torch dynamic int8": Reader(folder, runtime="int8")}
    tmp = tempfile.TemporaryDirectory()
    try:
        readers["onnxruntime int8"] = OnnxReader(folder, Path(tmp.name))
    except ImportError as exc:
        print(f"onnxruntime not measured: {exc}", file=sys.stderr)
    texts = passages(3)
    print(f"machine: {platform.processor() or platform.machine()}, torch {torch.__version__}, 2 threads; "
          f"chunks of {[len(t) for t in texts]} characters\n")
    print("| runtime | 1 chunk (ms) | 2 chunks (ms) | 3 chunks (ms) |\n|---|---|---|---|")
    for name, r in readers.items():
        cells = [f"{timed(r, texts[:n], args.repeat):.1f}" for n in (1, 2, 3)]
        print(f"| {name} | " + " | ".join(cells) + " |")
    if args.tune_work:
        agreement(readers, args.tune_work, args.tune_limit)
    tmp.cleanup()


def agreement(readers: dict[str, Reader], work: Path, limit: int) -> None:
    from qa.evaluation import load_squad
    from qa.metrics import f1_score

    print("\n| runtime | gold-paragraph F1 (tune) | same answer as float32 | mean abs. score change |")
    print("|---|---|---|---|")
    data = [(work / "cmrc2018_dev", Path("../shared/bench/cmrc2018_dev.json")),
            (work / "DRCD_dev", Path("../shared/bench/DRCD_dev.json"))]
    qs = []
    for _, file in data:
        paragraphs, questions = load_squad(file)
        text = dict(paragraphs)
        qs += [(q, text[q.doc_id]) for q in questions if q.split == "tune"][: limit // 2]
    answers = {name: [(r.read(q.question, [p]) or [None])[0] for q, p in qs] for name, r in readers.items()}
    ref = answers["torch float32"]
    for name, got in answers.items():
        f1 = 100 * np.mean([f1_score(q.answers, a.text if a else "") for (q, _), a in zip(qs, got)])
        same = np.mean([(a and a.text) == (b and b.text) for a, b in zip(got, ref)])
        drift = np.mean([abs(a.score - b.score) for a, b in zip(got, ref) if a and b])
        print(f"| {name} | {f1:.2f} | {same:.3f} | {drift:.2f} |")


if __name__ == "__main__":
    main()
