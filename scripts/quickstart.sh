#!/usr/bin/env bash
# The main job on the default data and model, from a fresh clone: installs what is missing, builds in release mode,
# embeds the GSM8K train questions with all-MiniLM-L6-v2 and shows, for 3 test questions, the 3 most similar train
# questions by cosine similarity; then builds the GSM8K train index, answers one question with its nearest solved
# problems, reports retrieval metrics of the base encoder on gsm8k-qa, and has the Qwen proxy solve 3 GSM8K test
# questions prompted with the 4 nearest solved problems.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh all-MiniLM-L6-v2 Qwen2.5-Coder-0.5B-Instruct
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

echo
echo "== Qwen2.5-Coder-0.5B-Instruct on 3 GSM8K test questions, each after its 4 nearest solved train problems"
rm -rf runs/quickstart/gsm8k   # a fresh run each time (the directory would otherwise resume: nothing left to do)
$B eval gsm8k --model models/Qwen2.5-Coder-0.5B-Instruct --limit 3 --shots 4 --shot-selection retrieved \
  --index gsm8k-train --out runs/quickstart/gsm8k --show-outputs   # each solution with its verdict, then the summary
