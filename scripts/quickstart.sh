#!/usr/bin/env bash
# The main job on the default data and model, from a fresh clone: installs what is missing, builds in release mode,
# embeds the GSM8K train questions with all-MiniLM-L6-v2 and shows, for 3 test questions, the 3 most similar train
# questions by cosine similarity; then builds the GSM8K train index, answers one question with its nearest solved
# problems, and reports retrieval metrics of the base encoder on gsm8k-qa.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh all-MiniLM-L6-v2
swift build -c release --product exemplar
B=.build/release/exemplar
mkdir -p runs/quickstart

echo "== Embedding the 7473 GSM8K train questions (all-MiniLM-L6-v2)"
$B embed --model models/all-MiniLM-L6-v2 --input data/gsm8k/train.jsonl --field question --output runs/quickstart/train-questions.npy

echo
echo "== Nearest solved problems for 3 GSM8K test questions"
$B nearest --model models/all-MiniLM-L6-v2 --corpus data/gsm8k/train.jsonl --queries data/gsm8k/test.jsonl \
  --field question --limit 3 -k 3

echo
echo "== Indexing the GSM8K train solved problems (FAISS + SQLite under indexes/, configs/index-gsm8k.yaml)"
$B index build --config configs/index-gsm8k.yaml

echo
echo "== The solved problems nearest to a new question"
$B search --index gsm8k-train -k 3 "A bakery sells 24 muffins a day at \$3 each. How much money does it make in a week?"

echo
echo "== Retrieval metrics of the base encoder on gsm8k-qa (1319 test questions -> their solutions)"
$B eval retrieval --model models/all-MiniLM-L6-v2 --task gsm8k-qa   # recall@1/5/10, MRR@10, … as a table
