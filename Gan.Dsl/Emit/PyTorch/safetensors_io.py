# A safetensors reader and writer of its own (no `safetensors` package needed), written by `gan emit pytorch`.
# Layout: u64 little-endian header length, a JSON header padded with spaces to a multiple of 8, then the tensors' bytes.
import json
import os
import struct

import torch

DTYPES = {"F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "I64": torch.int64,
          "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8, "BOOL": torch.bool}
NAMES = {v: k for k, v in DTYPES.items()}


def load(path):
    """The tensors of a file by name, and its metadata. Offsets must be contiguous and match each tensor's size."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    if len(data) < 8 + n:
        raise ValueError(f"{path}: truncated header")
    header = json.loads(data[8:8 + n])
    meta, tensors, at = header.pop("__metadata__", {}), {}, 0
    for name, e in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        begin, end = e["data_offsets"]
        dtype, shape = DTYPES[e["dtype"]], e["shape"]
        if begin != at or end - begin != torch.Size(shape).numel() * torch.empty(0, dtype=dtype).element_size():
            raise ValueError(f"{path}: {name}: offsets {begin}..{end} do not fit its dtype and shape")
        raw = bytearray(data[8 + n + begin:8 + n + end])
        tensors[name] = (torch.frombuffer(raw, dtype=dtype) if raw else torch.empty(0, dtype=dtype)).reshape(shape)
        at = end
    if 8 + n + at != len(data):
        raise ValueError(f"{path}: {len(data) - 8 - n - at} bytes more or less than the header describes")
    return tensors, meta


def save(path, tensors, meta=None):
    """Writes tensors (by name) and string metadata, ordered by alignment then name; a temporary file, then a rename."""
    names = sorted(tensors, key=lambda k: (-tensors[k].element_size(), k))
    header, blobs, at = {"__metadata__": dict(meta or {})}, [], 0
    for k in names:
        t = tensors[k].detach().cpu().contiguous()
        raw = (t.view(torch.int16) if t.dtype == torch.bfloat16 else t).numpy().tobytes()
        header[k] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [at, at + len(raw)]}
        blobs.append(raw)
        at += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text)
        for raw in blobs:
            f.write(raw)
    os.replace(path + ".tmp", path)
