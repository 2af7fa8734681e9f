"""Turns an adapter directory's adapter_model.safetensors (float32) into adapter_tensors.json beside it and deletes
the .safetensors: the repository keeps no weight files, and TestSupport's `Repository.adapterFixture` writes the
safetensors file back (with Exemplar's own writer) when a test needs the adapter directory.
usage: python adapter_tensors_json.py ADAPTER_DIR [...]"""
import base64, json, os, sys
import numpy as np
from safetensors.numpy import load_file

def convert(directory):
    path = os.path.join(directory, "adapter_model.safetensors")
    tensors = load_file(path)
    out = {"tensors": [{"name": name, "shape": list(t.shape),
                        "base64": base64.b64encode(np.ascontiguousarray(t, dtype="<f4").tobytes()).decode()}
                       for name, t in sorted(tensors.items())]}
    target = os.path.join(directory, "adapter_tensors.json")
    with open(target + ".tmp", "w") as f:
        json.dump(out, f)
    os.replace(target + ".tmp", target)
    os.remove(path)

if __name__ == "__main__":
    for d in sys.argv[1:]: convert(d)
