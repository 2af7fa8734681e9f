"""The inputs a fixture generator reads (models, data): a missing one stops the generator, with a message naming the
file and the command that provides it. Generators never skip: a fixture left stale would go on passing unnoticed."""
import os
import sys

FETCH_MINILM = "run scripts/fetch-models.sh all-MiniLM-L6-v2"
FETCH_DECODERS = "run scripts/fetch-models.sh SmolLM2-135M-Instruct Qwen2.5-Coder-0.5B-Instruct"
FETCH_DATA = "run scripts/fetch-data.sh"
PEER_DECODERS = "run ../shared/peers/decoder/setup.sh (it converts the proxy GGUF files to Hugging Face directories)"


def require(path, fix):
    """Exits with status 1 unless `path` exists, naming the generator, the file and `fix`."""
    if not os.path.exists(path):
        sys.exit(f"{os.path.basename(sys.argv[0])}: {path} is missing; {fix}")
